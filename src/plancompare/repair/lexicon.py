"""What the repair knows about the language: a character model for the byte
search and a word model for the final choice (:class:`Lexicon`)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..text.normalize import FULLWIDTH_FORMS_TO_ASCII, opencc_converter
from .pinyin import ANNOTATION, is_pinyin, remove_pinyin
from .sources import CharNgrams, GenreModel, JiebaDictionary, genre_model, jieba_dictionary

# Rough share of common punctuation in Chinese running text. The jieba
# dictionary has no punctuation, and "。" is the most frequent victim of the
# byte shift, so it needs a prior when no running text is given.
_PUNCT_SHARE = {
    "，": 0.05, ",": 0.05, "。": 0.03, "、": 0.02, "；": 0.003, ";": 0.003,
    "：": 0.003, ":": 0.003, "“": 0.005, "”": 0.005, "（": 0.003, "）": 0.003,
    "(": 0.003, ")": 0.003, "《": 0.001, "》": 0.001, "？": 0.001, "?": 0.001,
}
_SCRIPT_PENALTY = 6.0  # log-prob cost of a guessed character in the other script
ORDER = 3  # n-gram order of the character model (the genre's; the document's is _DOC_ORDER)
_DOC_ORDER = 2  # a single plan is too small for trigrams
# Left out of the document model: the stretch after a "?" may itself be
# mojibake (learning from it would make the damage look plausible), and the
# few characters before it are the context a reading is judged in (learning
# them would reward readings that cut a word there, e.g. 務向規 + 。).
_DAMAGE_ZONE = re.compile(r".{0,5}[?\ufffd].{0,20}")
_ASCII_RUN = 0.3  # P(next char is ASCII | ASCII char): Latin words, tags, numbers
_MAX_WORD = 8  # longest dictionary word or document n-gram the word model uses
_DOC_GRAM = 6  # longest document n-gram counted
_DOC_WEIGHT = 0.5  # share of the document in the word model's mixture
_DOC_MIN_COUNT = 1  # occurrences that make a document n-gram a phrase
_ARRAY_MIN = 12  # candidates from which logps computes on arrays rather than one by one
_UNKNOWN = 0.1  # pseudo-count of a character neither source knows
_BOUNDARY_WEIGHT = 0.5  # weight of the character association across a word boundary
# Weights of the genre model (government work reports), tuned on synthetic damage of
# texts kept apart from the held-out checks (see benchmarks/bench_repair.py).
_CHAR_WEIGHTS = {"unigram": 0.1, "document": 0.55, "dictionary": 0.35, "genre": 0.3}
_GENRE_WORD_WEIGHT = 0.3  # share of the genre in the word model's mixture
_GENRE_LINE_ENDS = 0.5  # weight of the genre's paragraph ends against the document's line ends


class Lexicon:
    """What the repair knows about the language, in simplified Chinese.

    Three sources: jieba's word list (a :class:`~.sources.JiebaDictionary`),
    optionally the genre model of government work reports (a
    :class:`~.sources.GenreModel`: running text with punctuation, character
    trigrams, word counts, paragraph ends) and optionally the document being
    repaired (its undamaged stretches, without pinyin).
    Traditional characters are folded to simplified with OpenCC ``t2s``.

    * :meth:`logp` -- character model, ``log P(ch | prev)`` interpolating the
      document's bigrams, the dictionary's in-word bigrams, the genre's
      trigrams and the unigram. It
      is cheap, and steers the byte search (:mod:`.search`).
    * :meth:`word_logp` -- word model, the log-probability of the best
      segmentation of a string into dictionary words and document n-grams
      (up to :data:`_DOC_GRAM` characters; a phrase the plan repeats elsewhere,
      like 湛江市赤坎區 or “十三五”, counts as one likely "word"). It prefers
      real words (保基本, 基金監管) over junk pairs (海化, 保火) and picks the
      final reading among the search's survivors.
    * :attr:`readings` -- characters the document annotated with each pinyin
      syllable (``節(jié)`` gives ``jié → {節}``), to identify the character an
      orphaned annotation belonged to (see :mod:`.search`).

    :func:`default_lexicon` gives the dictionary-only lexicon;
    :meth:`with_document` adds a document to it.
    """

    def __init__(self, dictionary: JiebaDictionary, lines: Iterable[str] = (), genre: GenreModel | None = None):
        self.dictionary = dictionary
        self.genre = genre
        self.words = dictionary.bigrams
        self._simp: dict[str, str] = {}
        self._trad: dict[str, str] = {}
        self._simple: dict[str, str] = {}  # memo of simplify, per character
        self._cache: dict[str, float] = {}  # memo of logp, keyed by the raw history + character
        self._simple_cache: dict[str, float] = {}  # memo of _logp, keyed by the simplified ones
        self._histories: dict[str, tuple] = {}  # memo of _history
        self._char_rows: dict[tuple[str, ...], tuple] = {}  # memo of _logp_array's per-character part
        self._counted: dict[tuple, np.ndarray] = {}  # memo of _logp_array's n-gram counts
        self._script_costs: dict[tuple[str, str | None], float] = {}  # memo of script_cost
        self._word_cache: dict[str, float] = {}  # memo of word_logp
        self._token_logp: dict[str, float | None] = {}  # memo of log _word_p (None: not a token)
        self._associations: dict[tuple[str, str], float] = {}  # memo of association
        self.options: dict = {}  # memo of candidate lists for lost bytes (see repair code)
        self.rows: dict = {}  # memo of the search's scored candidates per history (see repair code)
        self._followers: dict[str, tuple[str, ...]] = {}  # memo of followers

        self.texts = CharNgrams(order=_DOC_ORDER)
        self.doc_grams: Counter = Counter()
        self.readings: dict[str, set[str]] = {}
        self.line_ends: Counter = Counter()  # last character of undamaged lines
        for line in lines:
            if line.strip() and not _DAMAGE_ZONE.search(line):
                self.line_ends[self.simplify(line.rstrip()[-1])] += 1
            for m in ANNOTATION.finditer(line):
                if m.start() > 0 and is_pinyin(m.group(1)):
                    self.readings.setdefault(m.group(1), set()).add(line[m.start() - 1])
            clean = _DAMAGE_ZONE.sub(" ", self.simplify(remove_pinyin(line)[0]))
            self.texts.add(clean)
            self.doc_grams.update([chunk[i : i + n] for chunk in clean.split() for n in range(1, _DOC_GRAM + 1)
                                   for i in range(len(chunk) - n + 1)])
        self.doc_size = sum(self.texts.uni.values())
        # distinct characters seen after each document n-gram (see association)
        self.continuations: Counter = Counter(g[:-1] for g in self.doc_grams if len(g) > 2)

        # one unigram on the dictionary's scale, document shares folded in
        self.unigram: Counter = Counter(self.words.uni)
        total_w = sum(self.words.uni.values()) or 1.0
        for ch, n in self.texts.uni.items():
            self.unigram[ch] += n / self.doc_size * total_w
        if genre is not None:
            total_g = sum(genre.chars.uni.values()) or 1.0
            for ch, n in genre.chars.uni.items():
                self.unigram[ch] += n / total_g * total_w
        if not self.doc_size and genre is None:
            for ch, share in _PUNCT_SHARE.items():
                self.unigram[ch] = max(self.unigram[ch], share * total_w)
        self.total = sum(self.unigram.values()) or 1.0

    @classmethod
    def build(cls, dict_path: str | Path | None = None, texts: Iterable[str] = (),
              genre_path: str | Path | None = None, use_genre: bool = True) -> Lexicon:
        """Dictionary (default: jieba's installed ``dict.txt``), the genre model
        (the one shipped in ``plancompare/data`` unless ``genre_path`` is given;
        only with ``use_genre``) and the lines of a document, in any script."""
        genre = genre_model(str(genre_path) if genre_path else None) if use_genre else None
        return cls(jieba_dictionary(str(dict_path) if dict_path else None), texts, genre)

    def with_document(self, lines: Iterable[str]) -> Lexicon:
        """This lexicon's dictionary and genre model plus the document ``lines``."""
        return Lexicon(self.dictionary, lines, self.genre)

    def _convert(self, ch: str, table: dict, config: str) -> str:
        out = table.get(ch)
        if out is None:
            out = opencc_converter(config).convert(ch)
            out = table[ch] = out if len(out) == 1 else ch
        return out

    def simplify(self, text: str) -> str:
        """Fold traditional characters to simplified and full-width forms to
        ASCII, as the documents do (cached per character)."""
        simple = self._simple
        if len(text) == 1:
            folded = simple.get(text)
            if folded is not None:
                return folded
        out = []
        for ch in text:
            folded = simple.get(ch)
            if folded is None:
                folded = simple[ch] = self._convert(ch.translate(FULLWIDTH_FORMS_TO_ASCII), self._simp, "t2s")
            out.append(folded)
        return "".join(out)

    def script_of(self, text: str) -> str | None:
        """``"traditional"``, ``"simplified"`` or ``None`` (undecided) for ``text``."""
        trad = simp = 0
        for ch in text:
            if "\u4e00" <= ch <= "\u9fff":
                if self._convert(ch, self._simp, "t2s") != ch:
                    trad += 1
                elif self._convert(ch, self._trad, "s2t") != ch:
                    simp += 1
        if trad > 2 * simp and trad >= 3:
            return "traditional"
        if simp > 2 * trad and simp >= 3:
            return "simplified"
        return None

    def script_cost(self, ch: str, script: str | None) -> float:
        """Log-prob penalty for ``ch`` in a line written in ``script`` (memoised)."""
        key = (ch, script)
        cost = self._script_costs.get(key)
        if cost is None:
            cost = self._script_costs[key] = self._script_cost(ch, script)
        return cost

    def _script_cost(self, ch: str, script: str | None) -> float:
        if script == "traditional":
            simplified_only = (self._convert(ch, self._simp, "t2s") == ch
                               and self._convert(ch, self._trad, "s2t") != ch)
            return _SCRIPT_PENALTY if simplified_only else 0.0
        if script == "simplified":
            return _SCRIPT_PENALTY if self._convert(ch, self._simp, "t2s") != ch else 0.0
        return 0.0

    def traditional(self, ch: str) -> str:
        """The traditional form of one simplified character (itself if none)."""
        return self._convert(ch, self._trad, "s2t")

    def followers(self, prev: str) -> tuple[str, ...]:
        """Simplified characters seen right after ``prev`` (the document's and
        the dictionary's bigrams), most frequent first."""
        prev = self.simplify(prev)
        found = self._followers.get(prev)
        if found is None:
            # the same additions, in the same order, as one index over all the
            # models' bigrams would make: most_common breaks ties by first sight
            counts: Counter = Counter()
            for model in [self.words, self.texts] + ([self.genre.chars] if self.genre else []):
                for ch, share in model.followers(prev):
                    counts[ch] += share
            found = self._followers[prev] = tuple(ch for ch, _ in counts.most_common())
        return found

    def known(self, ch: str) -> bool:
        """True if the character (after t2s) occurs in the lexicon."""
        return self.unigram.get(self.simplify(ch), 0) > 0

    # ---------------------------------------------------- character model

    def logp(self, prev: str, ch: str) -> float:
        """``log P(ch | prev)``, ``prev`` being the preceding characters (the
        last :data:`ORDER` - 1 count); unseen characters get a small floor."""
        value = self._cache.get(prev + ch)
        return self.logps(prev, (ch,))[0] if value is None else value

    def logps(self, prev: str, chars: tuple[str, ...]) -> list[float]:
        """:meth:`logp` of each of ``chars`` after ``prev`` (one history, many
        characters: the byte search's candidates). Long tuples are computed
        as arrays (:meth:`_logp_array`), short ones memoised like :meth:`logp`."""
        if len(chars) >= _ARRAY_MIN:
            return self._logp_array(self.simplify(prev), chars)
        cache, simple_cache, simple = self._cache, self._simple_cache, self._simple
        history = None
        out = []
        for ch in chars:
            key = prev + ch
            value = cache.get(key)
            if value is None:
                if history is None:
                    history = self.simplify(prev)
                folded = simple.get(ch) or self.simplify(ch)
                value = simple_cache.get(history + folded)
                if value is None:
                    value = simple_cache[history + folded] = self._logp(history, folded)
                cache[key] = value
            out.append(value)
        return out

    def _logp_array(self, history: str, chars: tuple[str, ...]) -> list[float]:
        """:meth:`_logp` of each of ``chars`` after the simplified ``history``,
        with the same floating-point operations in the same order, element-wise
        on arrays (so the same values to the last bit)."""
        found = self._char_rows.get(chars)
        if found is None:
            folded = [self.simplify(ch) for ch in chars]
            counts = np.array([self.unigram.get(ch, 0) for ch in folded], dtype=np.float64)
            ascii_run = np.array([ch.isascii() and ch.isprintable() and ch != "?" for ch in folded])
            found = self._char_rows[chars] = (folded, (counts + 0.01) / (self.total + 1.0), ascii_run)
        folded, p_uni, ascii_run = found
        ascii_prev, norm, models = self._history(history)
        mixed = _CHAR_WEIGHTS["unigram"] * p_uni
        counted = self._counted
        for weight, grams, levels in models:
            p = p_uni
            for h, t, denominator in levels:
                # histories ending alike share their shorter suffixes' counts
                key = (id(grams), h, chars)
                seen = counted.get(key)
                if seen is None:
                    seen = counted[key] = np.array([grams.get(h + ch, 0) for ch in folded], dtype=np.float64)
                p = (seen + t * p) / denominator
            mixed = mixed + weight * p
        values = [math.log(x) for x in (mixed / norm).tolist()]
        if ascii_prev and ascii_run.any():
            for i in np.flatnonzero(ascii_run).tolist():
                values[i] = math.log(_ASCII_RUN)
        return values

    def _history(self, history: str) -> tuple:
        """What :meth:`_logp` needs of a (simplified) history, whatever the next
        character: whether it ends in printable ASCII, the sum of the mixture
        weights and, for each source that knows the history, its weight, n-gram
        counts and Witten-Bell levels ``(suffix, distinct continuations, times
        followed + distinct continuations)`` (see :meth:`~.sources.CharNgrams.levels`)."""
        found = self._histories.get(history)
        if found is None:
            prev = history[-1:]
            weights, models = [_CHAR_WEIGHTS["unigram"]], []
            sources = [("document", self.texts, history), ("dictionary", self.words, prev)]
            if self.genre is not None:
                sources.append(("genre", self.genre.chars, history))
            for name, model, h in sources:
                levels = model.levels(h)
                if levels is not None:
                    weights.append(_CHAR_WEIGHTS[name])
                    models.append((_CHAR_WEIGHTS[name], model.grams,
                                   tuple((g, t, total + t) for g, total, t in levels)))
            ascii_prev = bool(prev) and prev.isascii() and prev.isprintable()
            found = self._histories[history] = (ascii_prev, sum(weights), tuple(models))
        return found

    def _logp(self, history: str, ch: str) -> float:
        """``log P(ch | history)`` for a simplified history and character: the
        unigram and each source's Witten-Bell estimate (the arithmetic of
        :meth:`~.sources.CharNgrams.cond`, inlined), mixed by weight."""
        ascii_prev, norm, models = self._history(history)
        if ascii_prev and ch.isascii() and ch.isprintable() and ch != "?":
            # the lexicon knows little about runs of Latin letters, digits and
            # tags; treat them as cohesive rather than as unseen characters
            return math.log(_ASCII_RUN)
        p_uni = (self.unigram.get(ch, 0) + 0.01) / (self.total + 1.0)
        mixed = _CHAR_WEIGHTS["unigram"] * p_uni
        for weight, grams, levels in models:
            p = p_uni
            for h, t, denominator in levels:
                p = (grams.get(h + ch, 0) + t * p) / denominator
            mixed = mixed + weight * p
        return math.log(mixed / norm)

    def score(self, text: str, prev: str = "") -> float:
        """Sum of ``logp`` over ``text`` following the character ``prev``."""
        total = 0.0
        for ch in text:
            total += self.logp(prev, ch)
            prev = (prev + ch)[-(ORDER - 1):]
        return total

    # --------------------------------------------------------- word model

    def _word_p(self, w: str) -> float:
        """Unigram probability of ``w`` as one token: a mixture of the
        dictionary's word frequency, the genre's word count and the document's
        n-gram count."""
        d = self.dictionary
        p_dict = d.freq.get(w, 0) / d.total
        if self.genre is not None:
            p_genre = self.genre.words.get(w, 0) / self.genre.word_total
            p_dict = (1 - _GENRE_WORD_WEIGHT) * p_dict + _GENRE_WORD_WEIGHT * p_genre
        elif len(w) == 1 and not p_dict:
            p_dict = _PUNCT_SHARE.get(w, 0.0) if not self.doc_size else 0.0
        if not self.doc_size:
            return p_dict
        count = self.doc_grams.get(w, 0)
        if len(w) > 1 and count < _DOC_MIN_COUNT:
            count = 0  # a phrase seen once is as likely chance as evidence
        return (1 - _DOC_WEIGHT) * p_dict + _DOC_WEIGHT * count / self.doc_size

    def line_end_logp(self, ch: str) -> float:
        """``log P(a line ends here | the character is ch)`` from the document's
        undamaged lines (。 ends lines, 、 does not), the genre's paragraph ends
        added as pseudo-counts. 0 without a document."""
        if not self.doc_size:
            return 0.0
        ch = self.simplify(ch)
        ends, seen = self.line_ends.get(ch, 0) + 0.1, self.texts.uni.get(ch, 0) + 1.0
        if self.genre is not None and _GENRE_LINE_ENDS:
            scale = _GENRE_LINE_ENDS * self.doc_size / (sum(self.genre.chars.uni.values()) or 1)
            ends += scale * self.genre.line_ends.get(ch, 0)
            seen += scale * self.genre.chars.uni.get(ch, 0)
        return math.log(ends / seen)

    def association(self, history: str, ch: str) -> float:
        """How much more likely ``ch`` is right after ``history`` (simplified)
        than anywhere: ``log P(ch | history) - log P(ch)``. The character
        model gives ``P(ch | last characters)``; the document's n-grams refine
        it, Witten-Bell style, on longer histories it knows (a phrase of the
        plan is followed by what follows it there: 以海 by 洋, not by 化)."""
        key = (history, ch)
        found = self._associations.get(key)
        if found is None:
            found = self._associations[key] = self._association(history, ch)
        return found

    def _association(self, history: str, ch: str) -> float:
        p = math.exp(self.logp(history[-(ORDER - 1):], ch))
        for n in range(2, len(history) + 1):
            h = history[-n:]
            kinds = self.continuations.get(h, 0)
            if not kinds:
                break
            seen = self.doc_grams[h]
            p = (self.doc_grams.get(h + ch, 0) + kinds * p) / (seen + kinds)
        return math.log(p) - math.log((self.unigram.get(ch, 0) + 0.01) / (self.total + 1.0))

    def word_logp(self, text: str) -> float:
        """Log-probability of the best segmentation of ``text`` (any script)
        into tokens of :meth:`_word_p`, as jieba's max-probability route, plus
        :data:`_BOUNDARY_WEIGHT` times the :meth:`association` of the two
        characters at every boundary between tokens.

        A unigram word model takes neighbouring words as independent, so it
        cannot tell that two words do not belong together (停靠 + 高 against
        停靠 + 港, whose 靠港 is a word). The boundary term is a cheap pair
        model: the character bigram across the boundary, which the dictionary's
        compounds and the document's running text both inform.
        """
        value = self._word_cache.get(text)
        if value is not None:
            return value
        s = self.simplify(text)
        floor = math.log(_UNKNOWN / self.dictionary.total)
        best = [0.0] + [-math.inf] * len(s)
        token_logp = self._token_logp
        for i in range(len(s)):
            start = best[i] + (_BOUNDARY_WEIGHT * self.association(s[max(0, i - _DOC_GRAM + 1) : i], s[i]) if i else 0.0)
            for j in range(i + 1, min(len(s), i + _MAX_WORD) + 1):
                w = s[i:j]
                logp = token_logp.get(w, 0.0)
                if logp == 0.0:  # not memoised yet (a log-probability is never exactly 0 here)
                    p = self._word_p(w)
                    logp = token_logp[w] = math.log(p) if p > 0 else None
                if logp is not None:
                    best[j] = max(best[j], start + logp)
                elif j == i + 1:
                    best[j] = max(best[j], start + floor)
        self._word_cache[text] = best[-1]
        return best[-1]


@lru_cache(maxsize=4)
def default_lexicon(dict_path: str | None = None, use_genre: bool = True) -> Lexicon:
    """The lexicon of jieba's dictionary and (unless ``use_genre=False``) the
    shipped genre model, without a document; built once per process and cached
    here. :func:`repair_document` adds the document itself.

    The genre model is the default because it restored more on both the
    held-out synthetic sets (89 of 180 exact against 79, as many wrong) and the
    Chikan gold (27 of 33 against 25, as many wrong) in the same run of
    ``benchmarks/bench_repair.py --baseline``; ``use_genre=False`` gives the
    dictionary-only repair."""
    return Lexicon.build(dict_path, use_genre=use_genre)
