"""The sources of the repair's language knowledge: character n-gram counts
(:class:`CharNgrams`), jieba's word list (:class:`JiebaDictionary`) and the
genre model of government work reports shipped as derived counts
(:class:`GenreModel`, built by ``scripts/build_genre_model.py``)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from functools import lru_cache
from importlib import resources
from pathlib import Path


class CharNgrams:
    """Character n-gram counts (n <= ``order``) of one source."""

    def __init__(self, order: int = 2):
        self.order = order
        self.uni: Counter = Counter()
        self.grams: Counter = Counter()  # every n-gram, 2 <= n <= order
        self.context: Counter = Counter()  # times a history is followed by anything
        self.types: Counter = Counter()  # distinct continuations of a history
        self.next_chars: dict[str, list[str]] = {}  # characters seen after each one, in the order first counted

    def add(self, text: str, weight: float = 1.0) -> None:
        self.__dict__.pop("_scale", None)  # memos of the counts
        self.__dict__.pop("_levels", None)
        if self.order == 2:
            self._add_bigrams(text, weight)
            return
        for chunk in text.split():
            for i, ch in enumerate(chunk):
                self.uni[ch] += weight
                for n in range(2, self.order + 1):
                    if i + 1 >= n:
                        gram = chunk[i + 1 - n : i + 1]
                        if n == 2 and gram not in self.grams:
                            self.next_chars.setdefault(gram[0], []).append(gram[1])
                        if not self.grams[gram]:
                            self.types[gram[:-1]] += 1
                        self.grams[gram] += weight
                        self.context[gram[:-1]] += weight

    def _add_bigrams(self, text: str, weight: float) -> None:
        """:meth:`add` for order 2, unrolled: the same updates in the same order."""
        uni, grams, types, context, next_chars = self.uni, self.grams, self.types, self.context, self.next_chars
        for chunk in text.split():
            before = None
            for ch in chunk:
                uni[ch] = uni.get(ch, 0) + weight
                if before is not None:
                    gram = before + ch
                    seen = grams.get(gram)
                    if seen is None:
                        next_chars.setdefault(before, []).append(ch)
                    if not seen:
                        types[before] = types.get(before, 0) + 1
                    grams[gram] = (0 if seen is None else seen) + weight
                    context[before] = context.get(before, 0) + weight
                before = ch

    @classmethod
    def from_counts(cls, unigrams: dict[str, int], *grams: dict[str, int]) -> CharNgrams:
        """A model of order ``1 + len(grams)`` from counted (possibly pruned)
        n-grams: ``grams[0]`` the bigrams, ``grams[1]`` the trigrams, ..."""
        model = cls(order=1 + len(grams))
        model.uni.update(unigrams)
        for table in grams:
            for gram, n in table.items():
                if len(gram) == 2 and gram not in model.grams:
                    model.next_chars.setdefault(gram[0], []).append(gram[1])
                model.grams[gram] += n
                model.context[gram[:-1]] += n
                model.types[gram[:-1]] += 1
        return model

    def cond(self, history: str, ch: str, floor: float) -> float | None:
        """Witten-Bell ``P(ch | history)`` backing off to ``floor``; ``None`` if
        even the last character of ``history`` is unseen."""
        levels = self.levels(history)
        return None if levels is None else witten_bell(self.grams, levels, ch, floor)

    def levels(self, history: str) -> list[tuple[str, float, int]] | None:
        """The part of :meth:`cond` that does not depend on the next character:
        ``(suffix, times followed, distinct continuations)`` for each suffix of
        ``history`` the model has seen, shortest first, up to ``order - 1``
        characters; ``None`` if even the last character is unseen."""
        if self.order > 1:
            history = history[-(self.order - 1):]  # all that the levels depend on
        memo = self.__dict__.setdefault("_levels", {})
        found = memo.get(history, False)
        if found is False:
            found = memo[history] = self._levels_of(history)
        return found

    def _levels_of(self, history: str) -> list[tuple[str, float, int]] | None:
        if not history or not self.context.get(history[-1]):
            return None
        levels = []
        for n in range(1, min(len(history), self.order - 1) + 1):
            h = history[-n:]
            total = self.context.get(h, 0)
            if not total:
                break
            levels.append((h, total, self.types[h]))
        return levels

    def followers(self, prev: str) -> list[tuple[str, float]]:
        """The characters seen right after ``prev``, in the order their bigrams
        were first counted, each with the bigram's share of all n-gram counts."""
        scale = self.__dict__.get("_scale")
        if scale is None:
            scale = self._scale = 1 / (sum(self.grams.values()) or 1.0)
        return [(ch, self.grams[prev + ch] * scale) for ch in self.next_chars.get(prev, ())]


def witten_bell(grams: dict[str, float], levels: list[tuple[str, float, int]], ch: str, floor: float) -> float:
    """Witten-Bell ``P(ch | history)`` from the history's :meth:`CharNgrams.levels`,
    interpolated down to ``floor``."""
    p = floor
    for h, total, t in levels:
        p = (grams.get(h + ch, 0) + t * p) / (total + t)
    return p


class JiebaDictionary:
    """jieba's word list (``dict.txt``): word frequencies for the word model and
    the character bigrams inside words for the character model. Building it
    takes about a second, so :func:`jieba_dictionary` caches it per path."""

    def __init__(self, dict_path: str | Path | None):
        if dict_path is None:
            import jieba

            dict_path = Path(jieba.__file__).with_name("dict.txt")
        self.freq: dict[str, int] = {}
        freq = self.freq
        self.repeated: list[tuple[str, int]] = []  # words listed again, with the count the later line replaced
        words, counts = [], []  # every valid line, repeated words included: each adds its bigrams again
        with open(dict_path, encoding="utf-8") as fh:
            for row in fh:
                parts = row.split()
                if len(parts) >= 2 and parts[1].isdigit():
                    word = parts[0]
                    if word in freq:
                        self.repeated.append((word, freq[word]))
                    freq[word] = n = int(parts[1])
                    words.append(word)
                    counts.append(n)
        self.bigrams = counted_bigrams(words, counts)
        self.total = sum(self.freq.values()) or 1


def counted_bigrams(words: list[str], counts: list[int]) -> CharNgrams:
    """The order-2 :class:`CharNgrams` of ``words[i]`` added with weight ``counts[i]``, in order: the
    same counts, key orders and continuation lists as ``CharNgrams.add`` word by word (tested), counted
    with numpy. Why: jieba's 349,046 words one character at a time in Python took 1.3 s of CPU, paid
    by every process that repairs a damaged document (a first build's document pool among them).

    The key orders follow from ``add``: a character, bigram or history enters its table when first
    met (so tables are ordered by first position), and a history's continuations are listed in their
    bigrams' first-position order; a bigram's first occurrence adds one distinct continuation
    (``types``). That last rule holds only for positive counts (a zero-count bigram stays "unseen"), so
    counts below 1 are counted by ``add`` itself. ``words`` hold no whitespace (they come from
    ``str.split``; ``add`` would split them).
    """
    import numpy as np

    if counts and min(counts) < 1:
        model = CharNgrams(order=2)
        for word, n in zip(words, counts):
            model._add_bigrams(word, n)
        return model
    model = CharNgrams(order=2)
    text = "".join(words)
    chars = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    weights = np.repeat(np.asarray(counts, dtype=np.int64), lengths)
    first, sums = _first_positions_and_sums(chars, weights)
    dict.update(model.uni, zip([text[i] for i in first.tolist()], sums.tolist()))
    follows = np.ones(len(chars), dtype=bool)
    follows[np.cumsum(lengths) - lengths] = False  # a word's first character follows nothing
    starts = np.nonzero(follows)[0] - 1  # where each bigram starts in text
    codes = (chars[starts] << 21) | chars[starts + 1]  # code points are below 2**21
    first, sums = _first_positions_and_sums(codes, weights[starts])
    gram_keys = [text[i:i + 2] for i in starts[first].tolist()]
    dict.update(model.grams, zip(gram_keys, sums.tolist()))
    first, sums = _first_positions_and_sums(chars[starts], weights[starts])
    histories = [text[i] for i in starts[first].tolist()]
    dict.update(model.context, zip(histories, sums.tolist()))
    continuations: dict[str, list[str]] = {}
    for gram in gram_keys:
        continuations.setdefault(gram[0], []).append(gram[1])
    model.next_chars = {h: continuations[h] for h in histories}
    dict.update(model.types, ((h, len(continuations[h])) for h in histories))
    return model


def _first_positions_and_sums(keys, weights):
    """For each distinct value of ``keys`` in order of first occurrence: that first position and the
    sum of ``weights`` over its occurrences (int64 arrays)."""
    import numpy as np

    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    sums = np.zeros(len(first), dtype=np.int64)
    np.add.at(sums, inverse, weights)
    order = np.argsort(first, kind="stable")
    return first[order], sums[order]


@lru_cache(maxsize=4)
def jieba_dictionary(dict_path: str | None = None) -> JiebaDictionary:
    return JiebaDictionary(dict_path)


GENRE_FILE = "genre_ngrams.json.gz"


class GenreModel:
    """Statistics of the genre: how government work reports are written.

    Derived from 46 national government work reports (1954-2018, public domain;
    see ``data/genre_ngrams.provenance.json``), folded to simplified characters
    and ASCII punctuation. ``chars`` holds pruned character 1-3-gram counts of
    the running text (punctuation included, which jieba's word list lacks),
    ``words`` the pruned counts of jieba's segmentation of it, ``line_ends`` how
    often a paragraph ends with each character. ``word_total`` is the unpruned
    number of words, the denominator of a word's probability.
    """

    def __init__(self, counts: dict):
        self.chars = CharNgrams.from_counts(counts["unigrams"], counts["bigrams"], counts["trigrams"])
        self.words: dict[str, int] = counts["words"]
        self.word_total: int = counts["totals"]["words"]
        self.line_ends: dict[str, int] = counts["line_ends"]

    @classmethod
    def load(cls, path: str | Path | None = None) -> GenreModel:
        """Read the gzip JSON written by ``scripts/build_genre_model.py``
        (default: the file shipped in ``plancompare/data``)."""
        if path is None:
            raw = resources.files("plancompare").joinpath("data", GENRE_FILE).read_bytes()
        else:
            raw = Path(path).read_bytes()
        return cls(json.loads(gzip.decompress(raw)))


@lru_cache(maxsize=2)
def genre_model(path: str | None = None) -> GenreModel:
    """:meth:`GenreModel.load`, once per process and path (about half a second)."""
    return GenreModel.load(path)
