"""Text repair for plans with pinyin annotations and GBK byte-shift mojibake.

Two kinds of damage are handled. Entry points: :func:`repair_document` (a
whole document: builds a document model from its own lines, then repairs each
line) and :func:`repair_line` (one line, with a given :class:`Lexicon`).

* **Pinyin annotations** such as ``區(qū)`` or ``發(fā)展``: a parenthesised run of
  Latin letters with tone marks that splits into valid pinyin syllables. Real
  parentheses (``（此件主动公开）``, ``(一)``, ``(2021—2025年)``) are never touched
  because their content is not tone-marked pinyin. Annotations whose ``(`` was
  swallowed by mojibake (``紕?chuàng)新``) are removed too.

* **GBK one-byte-shift mojibake**: the text was encoded as GBK, the lead byte of
  one double-byte character was replaced by ``?``, and the bytes after it were
  decoded in the wrong pairs until an ASCII byte realigned the decoder
  (``??萍紕?新`` from ``。科技創新``). Pairs that fell into GBK's user-defined
  area decoded to private-use characters and vanished, and full-width forms were
  later folded to ASCII (``；`` → ``;``). The repair re-encodes the damaged run
  and re-pairs the bytes shifted by one; a beam search scored by a cheap
  character-bigram model proposes the bytes that were lost (the lead byte
  behind ``?``, the trail byte eaten by an invalid pair, vanished pairs), and
  a word model (jieba's dictionary plus the document's own phrases, with a
  character association across every word boundary as a cheap pair model, see
  :meth:`Lexicon.word_logp`) chooses among the surviving readings. A lost
  character is guessed among the frequent ones and those that commonly follow
  the previous character (:func:`_guesses`). An annotation left
  orphaned right after a ``?`` pins the lost lead byte
  (:func:`_annotation_leads`).

Order of operations (:func:`repair_line`): pinyin removal first, then mojibake
repair. Annotations inside or right after a damaged run are ASCII bytes that
either realign the decoder or get swallowed, so removing them first leaves a
run that is exactly "shifted GBK", which is what the byte model expects.

Both steps work on traditional text, before any OpenCC conversion, and a line
without damage comes back unchanged with no fixes. :func:`simulate_byte_shift`
damages clean text the same way, for tests and ``benchmarks/bench_repair.py``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = [
    "PLACEHOLDER",
    "Fix",
    "Lexicon",
    "default_lexicon",
    "remove_pinyin",
    "repair_document",
    "repair_line",
    "repair_mojibake",
    "shows_damage",
    "simulate_byte_shift",
]

PLACEHOLDER = "□"


@dataclass(frozen=True)
class Fix:
    """One change made to a line.

    ``kind`` is ``"pinyin_removed"``, ``"mojibake_repaired"`` or
    ``"mojibake_unrecoverable"``; ``before`` is the damaged or annotated
    substring found at offset ``start`` of the input line, ``after`` what it was
    replaced with, ``confidence`` a score in [0, 1].
    """

    kind: str
    before: str
    after: str
    confidence: float
    start: int


# --------------------------------------------------------------------------
# Pinyin annotations
# --------------------------------------------------------------------------

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PLAIN = str.maketrans(
    _TONE_VOWELS + "ü", "aaaaeeeeiiiioooouuuu" + "üüüü" + "ü"
)
_INITIALS = ["zh", "ch", "sh", *"bpmfdtnlgkhjqxrzcsyw", ""]
_FINALS = ["a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ong", "er", "i", "ia", "ie", "iao", "iu", "ian", "in", "iang", "ing", "iong", "u", "ua", "uo", "uai", "ui", "uan", "un", "uang", "ueng", "ü", "üe", "üan", "ün", "ue"]
# Over-generates a little (e.g. "bü"); that is harmless for recognising annotations.
_SYLLABLES = frozenset(i + f for i in _INITIALS for f in _FINALS)
_PINYIN_CHARS = "a-zü" + _TONE_VOWELS
_ANNOTATION = re.compile(rf"\(([{_PINYIN_CHARS}]{{1,30}})\)")
# "(" eaten by mojibake: the annotation then follows a "?" directly.
_ANNOTATION_NO_OPEN = re.compile(rf"(?<=\?)([{_PINYIN_CHARS}]{{1,30}})\)")


def _is_pinyin(word: str) -> bool:
    """True when ``word`` splits into syllables that each carry one tone mark."""
    n = len(word)
    ok = [False] * (n + 1)
    ok[0] = True
    for end in range(1, n + 1):
        for start in range(max(0, end - 6), end):
            piece = word[start:end]
            if (
                ok[start]
                and piece.translate(_PLAIN) in _SYLLABLES
                and sum(ch in _TONE_VOWELS for ch in piece) == 1
            ):
                ok[end] = True
                break
    return ok[n]


def remove_pinyin(line: str) -> tuple[str, list[Fix]]:
    """Strip pinyin annotations from one line.

    Input: a line of text. Output: the line without annotations and one
    ``pinyin_removed`` fix per annotation (``before`` is the annotation
    including its brackets, ``after`` is empty). Parentheses whose content is
    not tone-marked pinyin are left alone.
    """
    spans: list[tuple[int, int]] = []
    for pattern in (_ANNOTATION, _ANNOTATION_NO_OPEN):
        for m in pattern.finditer(line):
            if m.start() > 0 and not line[m.start() - 1].isspace() and _is_pinyin(m.group(1)):
                spans.append((m.start(), m.end()))
    if not spans:
        return line, []
    spans.sort()
    fixes = [Fix("pinyin_removed", line[a:b], "", 1.0, a) for a, b in spans]
    out, pos = [], 0
    for a, b in spans:
        out.append(line[pos:a])
        pos = b
    out.append(line[pos:])
    return "".join(out), fixes


# --------------------------------------------------------------------------
# Lexicon: a character model for the byte search, a word model for the choice
# --------------------------------------------------------------------------

# Rough share of common punctuation in Chinese running text. The jieba
# dictionary has no punctuation, and "。" is the most frequent victim of the
# byte shift, so it needs a prior when no running text is given.
_PUNCT_SHARE = {
    "，": 0.05, ",": 0.05, "。": 0.03, "、": 0.02, "；": 0.003, ";": 0.003,
    "：": 0.003, ":": 0.003, "“": 0.005, "”": 0.005, "（": 0.003, "）": 0.003,
    "(": 0.003, ")": 0.003, "《": 0.001, "》": 0.001, "？": 0.001, "?": 0.001,
}
# full-width forms (！ to ～) were folded to ASCII in the damaged documents
_FULL_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_SCRIPT_PENALTY = 6.0  # log-prob cost of a guessed character in the other script
_ORDER = 2  # n-gram order of the character model
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
_UNKNOWN = 0.1  # pseudo-count of a character neither source knows
_BOUNDARY_WEIGHT = 0.5  # weight of the character association across a word boundary


class _Bigrams:
    """Character n-gram counts (n <= ``order``) of one source."""

    def __init__(self, order: int = 2):
        self.order = order
        self.uni: Counter = Counter()
        self.grams: Counter = Counter()  # every n-gram, 2 <= n <= order
        self.context: Counter = Counter()  # times a history is followed by anything
        self.types: Counter = Counter()  # distinct continuations of a history

    def add(self, text: str, weight: float = 1.0) -> None:
        for chunk in text.split():
            for i, ch in enumerate(chunk):
                self.uni[ch] += weight
                for n in range(2, self.order + 1):
                    if i + 1 >= n:
                        gram = chunk[i + 1 - n : i + 1]
                        if not self.grams[gram]:
                            self.types[gram[:-1]] += 1
                        self.grams[gram] += weight
                        self.context[gram[:-1]] += weight

    def cond(self, history: str, ch: str, floor: float) -> float | None:
        """Witten-Bell ``P(ch | history)`` backing off to ``floor``; ``None`` if
        even the last character of ``history`` is unseen."""
        if not history or not self.context.get(history[-1]):
            return None
        p = floor
        for n in range(1, min(len(history), self.order - 1) + 1):
            h = history[-n:]
            total = self.context.get(h, 0)
            if not total:
                break
            t = self.types[h]
            p = (self.grams.get(h + ch, 0) + t * p) / (total + t)
        return p


class _Dictionary:
    """jieba's word list (``dict.txt``): word frequencies for the word model and
    the character bigrams inside words for the character model. Building it
    takes about a second, so :func:`_dictionary` caches it per path."""

    def __init__(self, dict_path: str | Path | None):
        if dict_path is None:
            import jieba

            dict_path = Path(jieba.__file__).with_name("dict.txt")
        self.freq: dict[str, int] = {}
        self.bigrams = _Bigrams(order=2)
        with open(dict_path, encoding="utf-8") as fh:
            for row in fh:
                parts = row.split()
                if len(parts) >= 2 and parts[1].isdigit():
                    self.freq[parts[0]] = n = int(parts[1])
                    self.bigrams.add(parts[0], n)
        self.total = sum(self.freq.values()) or 1


@lru_cache(maxsize=4)
def _dictionary(dict_path: str | None = None) -> _Dictionary:
    return _Dictionary(dict_path)


class Lexicon:
    """What the repair knows about the language, in simplified Chinese.

    Two sources: jieba's word list (a :class:`_Dictionary`) and, optionally,
    the document being repaired (its undamaged stretches, without pinyin).
    Traditional characters are folded to simplified with OpenCC ``t2s``.

    * :meth:`logp` -- character model, ``log P(ch | prev)`` interpolating the
      document's bigrams, the dictionary's in-word bigrams and the unigram. It
      is cheap, and steers the byte search (:func:`_repair_at`).
    * :meth:`word_logp` -- word model, the log-probability of the best
      segmentation of a string into dictionary words and document n-grams
      (up to :data:`_DOC_GRAM` characters; a phrase the plan repeats elsewhere,
      like 湛江市赤坎區 or “十三五”, counts as one likely "word"). It prefers
      real words (保基本, 基金監管) over junk pairs (海化, 保火) and picks the
      final reading among the search's survivors.
    * :attr:`readings` -- characters the document annotated with each pinyin
      syllable (``節(jié)`` gives ``jié → {節}``), to identify the character an
      orphaned annotation belonged to (see :func:`_annotation_leads`).

    :func:`default_lexicon` gives the dictionary-only lexicon;
    :meth:`with_document` adds a document to it.
    """

    def __init__(self, dictionary: _Dictionary, lines: Iterable[str] = ()):
        self.dictionary = dictionary
        self.words = dictionary.bigrams
        self._simp: dict[str, str] = {}
        self._trad: dict[str, str] = {}
        self._t2s = self._s2t = None
        self._cache: dict[str, float] = {}  # memo of logp, keyed by the bigram
        self._word_cache: dict[str, float] = {}  # memo of word_logp
        self.options: dict = {}  # memo of candidate lists for lost bytes (see repair code)
        self._followers: dict[str, tuple[str, ...]] = {}  # memo of followers
        self._follow_index: dict[str, Counter] | None = None

        self.texts = _Bigrams(order=_ORDER)
        self.doc_grams: Counter = Counter()
        self.readings: dict[str, set[str]] = {}
        self.line_ends: Counter = Counter()  # last character of undamaged lines
        for line in lines:
            if line.strip() and not _DAMAGE_ZONE.search(line):
                self.line_ends[self.simplify(line.rstrip()[-1])] += 1
            for m in _ANNOTATION.finditer(line):
                if m.start() > 0 and _is_pinyin(m.group(1)):
                    self.readings.setdefault(m.group(1), set()).add(line[m.start() - 1])
            clean = _DAMAGE_ZONE.sub(" ", self.simplify(remove_pinyin(line)[0]))
            self.texts.add(clean)
            for chunk in clean.split():
                for n in range(1, _DOC_GRAM + 1):
                    self.doc_grams.update(chunk[i : i + n] for i in range(len(chunk) - n + 1))
        self.doc_size = sum(self.texts.uni.values())
        # distinct characters seen after each document n-gram (see association)
        self.continuations: Counter = Counter(g[:-1] for g in self.doc_grams if len(g) > 2)

        # one unigram on the dictionary's scale, document shares folded in
        self.unigram: Counter = Counter(self.words.uni)
        total_w = sum(self.words.uni.values()) or 1.0
        for ch, n in self.texts.uni.items():
            self.unigram[ch] += n / self.doc_size * total_w
        if not self.doc_size:
            for ch, share in _PUNCT_SHARE.items():
                self.unigram[ch] = max(self.unigram[ch], share * total_w)
        self.total = sum(self.unigram.values()) or 1.0

    @classmethod
    def build(cls, dict_path: str | Path | None = None, texts: Iterable[str] = ()) -> Lexicon:
        """Dictionary (default: jieba's installed ``dict.txt``) plus the lines
        of a document, in any script."""
        return cls(_dictionary(str(dict_path) if dict_path else None), texts)

    def with_document(self, lines: Iterable[str]) -> Lexicon:
        """This lexicon's dictionary plus the document ``lines``."""
        return Lexicon(self.dictionary, lines)

    def _convert(self, ch: str, table: dict, attr: str, config: str) -> str:
        out = table.get(ch)
        if out is None:
            if getattr(self, attr) is None:
                import opencc

                setattr(self, attr, opencc.OpenCC(config))
            out = getattr(self, attr).convert(ch)
            out = table[ch] = out if len(out) == 1 else ch
        return out

    def simplify(self, text: str) -> str:
        """Fold traditional characters to simplified and full-width forms to
        ASCII, as the documents do (cached per character)."""
        return "".join(self._convert(ch, self._simp, "_t2s", "t2s") for ch in text.translate(_FULL_TO_ASCII))

    def script_of(self, text: str) -> str | None:
        """``"traditional"``, ``"simplified"`` or ``None`` (undecided) for ``text``."""
        trad = simp = 0
        for ch in text:
            if "\u4e00" <= ch <= "\u9fff":
                if self._convert(ch, self._simp, "_t2s", "t2s") != ch:
                    trad += 1
                elif self._convert(ch, self._trad, "_s2t", "s2t") != ch:
                    simp += 1
        if trad > 2 * simp and trad >= 3:
            return "traditional"
        if simp > 2 * trad and simp >= 3:
            return "simplified"
        return None

    def script_cost(self, ch: str, script: str | None) -> float:
        """Log-prob penalty for ``ch`` in a line written in ``script``."""
        if script == "traditional":
            simplified_only = (self._convert(ch, self._simp, "_t2s", "t2s") == ch
                               and self._convert(ch, self._trad, "_s2t", "s2t") != ch)
            return _SCRIPT_PENALTY if simplified_only else 0.0
        if script == "simplified":
            return _SCRIPT_PENALTY if self._convert(ch, self._simp, "_t2s", "t2s") != ch else 0.0
        return 0.0

    def traditional(self, ch: str) -> str:
        """The traditional form of one simplified character (itself if none)."""
        return self._convert(ch, self._trad, "_s2t", "s2t")

    def followers(self, prev: str) -> tuple[str, ...]:
        """Simplified characters seen right after ``prev`` (the document's and
        the dictionary's bigrams), most frequent first."""
        prev = self.simplify(prev)
        found = self._followers.get(prev)
        if found is None:
            if self._follow_index is None:
                index: dict[str, Counter] = {}
                total_w = sum(self.words.grams.values()) or 1.0
                total_t = sum(self.texts.grams.values()) or 1.0
                for model, scale in ((self.words, 1 / total_w), (self.texts, 1 / total_t)):
                    for gram, n in model.grams.items():
                        if len(gram) == 2:
                            index.setdefault(gram[0], Counter())[gram[1]] += n * scale
                self._follow_index = index
            counts = self._follow_index.get(prev, Counter())
            found = self._followers[prev] = tuple(ch for ch, _ in counts.most_common())
        return found

    def known(self, ch: str) -> bool:
        """True if the character (after t2s) occurs in the lexicon."""
        return self.unigram.get(self.simplify(ch), 0) > 0

    # ---------------------------------------------------- character model

    def logp(self, prev: str, ch: str) -> float:
        """``log P(ch | prev)``, ``prev`` being the preceding characters (the
        last :data:`_ORDER` - 1 count); unseen characters get a small floor."""
        key = prev + ch
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = self._logp(self.simplify(prev), self.simplify(ch))
        return value

    def _logp(self, history: str, ch: str) -> float:
        prev = history[-1:]
        if prev.isascii() and ch.isascii() and prev.isprintable() and ch.isprintable() and prev and ch != "?":
            # the lexicon knows little about runs of Latin letters, digits and
            # tags; treat them as cohesive rather than as unseen characters
            return math.log(_ASCII_RUN)
        p_uni = (self.unigram.get(ch, 0) + 0.01) / (self.total + 1.0)
        parts = [(0.1, p_uni)]
        for weight, model, h in ((0.55, self.texts, history), (0.35, self.words, prev)):
            p = model.cond(h, ch, p_uni)
            if p is not None:
                parts.append((weight, p))
        norm = sum(w for w, _ in parts)
        return math.log(sum(w * p for w, p in parts) / norm)

    def score(self, text: str, prev: str = "") -> float:
        """Sum of ``logp`` over ``text`` following the character ``prev``."""
        total = 0.0
        for ch in text:
            total += self.logp(prev, ch)
            prev = (prev + ch)[-(_ORDER - 1):]
        return total

    # --------------------------------------------------------- word model

    def _word_p(self, w: str) -> float:
        """Unigram probability of ``w`` as one token: a mixture of the
        dictionary's word frequency and the document's n-gram count."""
        d = self.dictionary
        p_dict = d.freq.get(w, 0) / d.total
        if len(w) == 1 and not p_dict:
            p_dict = _PUNCT_SHARE.get(w, 0.0) if not self.doc_size else 0.0
        if not self.doc_size:
            return p_dict
        count = self.doc_grams.get(w, 0)
        if len(w) > 1 and count < _DOC_MIN_COUNT:
            count = 0  # a phrase seen once is as likely chance as evidence
        return (1 - _DOC_WEIGHT) * p_dict + _DOC_WEIGHT * count / self.doc_size

    def line_end_logp(self, ch: str) -> float:
        """``log P(a line ends here | the character is ch)`` from the document's
        undamaged lines: 。 ends lines, 、 does not. 0 without a document."""
        if not self.doc_size:
            return 0.0
        ch = self.simplify(ch)
        return math.log((self.line_ends.get(ch, 0) + 0.1) / (self.texts.uni.get(ch, 0) + 1.0))

    def association(self, history: str, ch: str) -> float:
        """How much more likely ``ch`` is right after ``history`` (simplified)
        than anywhere: ``log P(ch | history) - log P(ch)``. The character
        model gives ``P(ch | last character)``; the document's n-grams refine
        it, Witten-Bell style, on longer histories it knows (a phrase of the
        plan is followed by what follows it there: 以海 by 洋, not by 化)."""
        p = math.exp(self.logp(history[-1:], ch))
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
        for i in range(len(s)):
            start = best[i] + (_BOUNDARY_WEIGHT * self.association(s[max(0, i - _DOC_GRAM + 1) : i], s[i]) if i else 0.0)
            for j in range(i + 1, min(len(s), i + _MAX_WORD) + 1):
                p = self._word_p(s[i:j])
                if p > 0:
                    best[j] = max(best[j], start + math.log(p))
                elif j == i + 1:
                    best[j] = max(best[j], start + floor)
        self._word_cache[text] = best[-1]
        return best[-1]


@lru_cache(maxsize=4)
def default_lexicon(dict_path: str | None = None) -> Lexicon:
    """The jieba-dictionary lexicon (no document), built once per process and
    cached here. :func:`repair_document` adds the document itself."""
    return Lexicon.build(dict_path)


# --------------------------------------------------------------------------
# GBK byte model
# --------------------------------------------------------------------------

_TRAIL_BYTES = [*range(0x40, 0x7F), *range(0x80, 0xFF)]


@lru_cache(maxsize=1)
def _gbk_tables():
    """Maps of the GBK double-byte plane: by trail byte, by lead byte, and the
    lead/trail pairs that gb18030 decodes into the private-use area (these
    vanished from the damaged text)."""
    chars: dict[tuple[int, int], str] = {}
    hidden: set[tuple[int, int]] = set()
    for lead in range(0x81, 0xFF):
        for trail in _TRAIL_BYTES:
            raw = bytes((lead, trail))
            try:
                ch = raw.decode("gbk")
            except UnicodeDecodeError:
                ch = raw.decode("gb18030", errors="replace")
                if len(ch) == 1 and 0xE000 <= ord(ch) <= 0xF8FF:
                    hidden.add((lead, trail))
                continue
            if len(ch) == 1 and not 0xE000 <= ord(ch) <= 0xF8FF:
                chars[(lead, trail)] = ch
    by_trail: dict[int, list[tuple[int, str]]] = {}
    by_lead: dict[int, list[tuple[int, str]]] = {}
    for (lead, trail), ch in chars.items():
        by_trail.setdefault(trail, []).append((lead, ch))
        by_lead.setdefault(lead, []).append((trail, ch))
    hidden_next: dict[int, frozenset[int]] = {}
    for lead, trail in hidden:
        hidden_next.setdefault(lead, set()).add(trail)
    return chars, by_trail, by_lead, {k: frozenset(v) for k, v in hidden_next.items()}


def _push(history: str, text: str) -> str:
    """The last ``_ORDER - 1`` characters of ``history + text``."""
    return (history + text)[-(_ORDER - 1):]


def _token_bytes(tok: str) -> bytes | None:
    try:
        raw = tok.encode("gbk")
    except UnicodeEncodeError:
        return None
    return raw if len(raw) == 2 else None


_MAX_RUN = 40  # longest damaged run considered, in observed characters
_MAX_HIDDEN = 2  # vanished user-defined pairs allowed per run
_BEAM = 80
_SPLIT_FROM = 15  # readings allowed to branch on a vanished pair per step
_PRUNE = 25.0  # drop readings this far (in log-prob) behind the best one
_MIN_GAIN = 8.0  # log-prob gain over the literal text needed to call it damage
_KEEP_DISTINCT = 2  # trailing characters that keep two readings apart in the beam
_MIN_CONFIDENCE = 0.5  # below this a guessed character becomes a placeholder


@dataclass(frozen=True)
class _Guess:
    """A character of the reading whose bytes were partly lost."""

    index: int
    leads: frozenset[int] | None  # allowed lead bytes; None = any
    trail: int | None  # known trail byte; None = lost


@dataclass
class _Path:
    score: float
    carry: frozenset[int] | None  # possible lead bytes of the next original char; None = any
    out: tuple[str, ...]
    guesses: tuple[_Guess, ...]
    prev: str
    hidden: int = 0
    end: int = -1  # index just past the damaged run once realigned

    def key(self):
        # Paths in the same state score the future identically under the
        # character model, so only the best needs keeping; but the word model
        # rescores the survivors on longer context, so the key keeps the last
        # few characters and the guessed ones (and, once realigned, the whole
        # reading) to leave it distinct readings to choose from.
        if self.end >= 0:
            return (self.out, self.hidden)
        chosen = tuple(self.out[g.index] for g in self.guesses)
        return (self.carry, self.out[-_KEEP_DISTINCT:], self.hidden, chosen)


@lru_cache(maxsize=65536)
def _candidates(leads: frozenset[int] | None, trail: int | None, hidden_trail: bool = False):
    """GBK characters with a lead byte in ``leads`` and trail byte ``trail``
    (``None`` = unconstrained); with ``hidden_trail`` the trail must be able to
    start a vanished pair."""
    chars, by_trail, by_lead, hidden_next = _gbk_tables()
    if trail is not None:
        if leads is not None and len(leads) == 1:
            ch = chars.get((next(iter(leads)), trail))
            return (ch,) if ch else ()
        return tuple(ch for lead, ch in by_trail.get(trail, ()) if leads is None or lead in leads)
    if leads is None:
        if not hidden_trail:
            return ()  # both bytes lost: nothing to go on
        # the lost-lead character whose trail byte started a vanished pair
        return tuple(ch for t in sorted(hidden_next) for _, ch in by_trail.get(t, ()))
    return tuple(ch for lead in sorted(leads) for t, ch in by_lead.get(lead, ())
                 if not hidden_trail or t in hidden_next)


_MAX_OPTIONS = 120  # guesses for one lost byte, most frequent characters first


def _known_candidates(lex: Lexicon, leads, trail, hidden_trail: bool = False) -> tuple[str, ...]:
    """:func:`_candidates` restricted to characters the lexicon knows, most
    frequent first and capped (memoised on the lexicon)."""
    key = (leads, trail, hidden_trail)
    found = lex.options.get(key)
    if found is None:
        known = [ch for ch in _candidates(leads, trail, hidden_trail) if lex.known(ch)]
        known.sort(key=lambda ch: -lex.unigram.get(lex.simplify(ch), 0))
        found = lex.options[key] = tuple(known[:_MAX_OPTIONS])
    return found


_FOLLOWERS = 30  # likeliest successors of the previous character also tried as guesses


def _guesses(lex: Lexicon, leads, trail, prev: str) -> tuple[str, ...]:
    """Guesses for a character with lost bytes: the frequent candidates of
    :func:`_known_candidates`, plus the candidates that commonly follow
    ``prev``. When a vanished pair leaves the lead byte free too, the frequency
    cap alone drops most characters, among them the one that completes a word
    (保基 + 本)."""
    key = (leads, trail, prev)
    found = lex.options.get(key)
    if found is None:
        base = _known_candidates(lex, leads, trail)
        extra = []
        for simple in lex.followers(prev[-1:])[:_FOLLOWERS]:
            for ch in {simple, lex.traditional(simple)}:
                raw = _token_bytes(ch)
                if (raw and (leads is None or raw[0] in leads) and trail in (None, raw[1])
                        and ch not in base and ch not in extra):
                    extra.append(ch)
        found = lex.options[key] = base + tuple(extra)
    return found


def _emit(lex: Lexicon, script, path: _Path, leads, trail, carry, end=None, extra: str = "") -> list[_Path]:
    """Extend ``path`` with an original character whose lead is in ``leads`` and
    whose trail byte is ``trail`` (``None`` = lost), then the ASCII ``extra``."""
    guessed = trail is None or leads is None or len(leads) != 1
    options = _guesses(lex, leads, trail, path.prev) if guessed else _candidates(leads, trail)
    guesses = path.guesses + ((_Guess(len(path.out), leads, trail),) if guessed else ())
    result = []
    for ch in options:
        s = path.score + lex.logp(path.prev, ch) - (lex.script_cost(ch, script) if guessed else 0.0)
        prev = _push(path.prev, ch)
        for y in extra:
            s += lex.logp(prev, y)
            prev = _push(prev, y)
        result.append(_Path(s, carry, path.out + (ch, *extra), guesses, prev,
                            path.hidden, path.end if end is None else end))
    return result


def _hidden_splits(lex: Lexicon, script, path: _Path) -> list[_Path]:
    """Readings where a user-defined pair vanished before the next observed
    character: the original gains a character (carry, p) and the next lead is
    any q with (p, q) in the vanished area. At the start of a run (no carry
    yet) the gained character is the one whose lead byte was lost."""
    chars_by = _gbk_tables()
    if (path.carry is None and path.out) or path.hidden >= _MAX_HIDDEN:
        return []
    guess = _Guess(len(path.out), path.carry, None)
    out = []
    for ch in _known_candidates(lex, path.carry, None, True):
        trail = ch.encode("gbk")[1]
        out.append(_Path(
            path.score + lex.logp(path.prev, ch) - lex.script_cost(ch, script),
            chars_by[3][trail], path.out + (ch,), path.guesses + (guess,),
            _push(path.prev, ch), path.hidden + 1, path.end,
        ))
    return out


def _step(lex: Lexicon, script, path: _Path, tok: str, j: int) -> list[_Path]:
    """Consume observed character ``tok`` (at index ``j``) in the shifted state."""
    leads = path.carry
    out: list[_Path] = []
    code = ord(tok)
    if code < 0x80:
        if 0x21 <= code <= 0x7E or tok == " ":
            # a full-width form (folded to ASCII later): bytes A3 xx, still shifted
            b0, b1 = (0xA1, 0xA1) if tok == " " else (0xA3, code + 0x80)
            out += _emit(lex, script, path, leads, b0, frozenset({b1}))
        if 0x40 <= code <= 0x7E:
            # an original trail byte in the ASCII range: the decoder realigns
            out += _emit(lex, script, path, leads, code, None, end=j + 1)
        if tok == "?":
            # invalid pair: the trail byte and the ASCII byte after it were eaten
            out += _emit(lex, script, path, leads, None, None, end=j + 1)
        return out
    raw = _token_bytes(tok)
    if raw is None:
        return out
    b0, b1 = raw
    out += _emit(lex, script, path, leads, b0, frozenset({b1}))
    if 0x40 <= b1 <= 0x7E:
        # the pair's second byte was an original ASCII character: realigned
        out += _emit(lex, script, path, leads, b0, None, end=j + 1, extra=chr(b1))
    return out


def _prune(paths: list[_Path]) -> list[_Path]:
    """Best path per state, then the best :data:`_BEAM` per number of vanished
    pairs assumed: readings that assume a vanished pair choose a character more
    freely, so the character model tends to prefer them, and without a quota of
    their own they would crowd out the plain reading."""
    best: dict = {}
    for p in paths:
        k = p.key()
        if k not in best or p.score > best[k].score:
            best[k] = p
    kept: list[_Path] = []
    for hidden in sorted({p.hidden for p in best.values()}):
        group = sorted((p for p in best.values() if p.hidden == hidden), key=lambda p: -p.score)
        floor = group[0].score - _PRUNE
        kept += [p for p in group[:_BEAM] if p.score >= floor]
    kept.sort(key=lambda p: -p.score)
    return kept


_NBEST = 60  # distinct readings the word model rescores
_CONTEXT = 6  # characters of context on each side the word model sees
_CHAR_WEIGHT = 0.0  # weight of the character model's score in the final choice
_QUOTE_COST = 3.0  # log-prob cost of each quotation mark left unpaired in the line
_HIDDEN_COST = 2.0  # log-prob cost of assuming one more vanished pair


@dataclass
class _Reading:
    end: int
    out: tuple[str, ...]
    guessed: frozenset[int]  # indices of ``out`` whose bytes were partly lost
    score: float  # word-model score (log-prob)


def _search(line: str, q: int, lex: Lexicon, script, first_leads) -> tuple[list[_Path], int]:
    """Beam search over the byte readings of the run starting at the ``?`` at
    ``q``, scored by the character model. Returns the realigned readings, best
    first, and the index just past the last character looked at."""
    window = min(len(line), q + 1 + _MAX_RUN)
    left = line[max(0, q - _ORDER + 1) : q]
    beam = [_Path(0.0, first_leads, (), (), left)]
    j = q + 1
    while j < window and any(p.end < 0 for p in beam):
        tok = line[j]
        nxt: list[_Path] = []
        for path in beam:
            if path.end >= 0:  # realigned: the rest reads as it is
                nxt.append(_Path(path.score + lex.logp(path.prev, tok), None, path.out,
                                 path.guesses, _push(path.prev, tok), path.hidden, path.end))
            else:
                nxt += _step(lex, script, path, tok, j)
        # vanished pairs multiply the readings: only the best few branch on them
        # (from the first character on: the lost-lead character's own trail
        # byte may have started a vanished pair)
        shifted = [p for p in beam if p.end < 0][:_SPLIT_FROM]
        splits = _prune([s for p in shifted for s in _hidden_splits(lex, script, p)])[:_SPLIT_FROM]
        for _ in range(_MAX_HIDDEN):
            nxt += [r for s in splits for r in _step(lex, script, s, tok, j)]
            splits = _prune([s2 for s in splits for s2 in _hidden_splits(lex, script, s)])[:_SPLIT_FROM]
        beam = _prune(nxt)
        j += 1
    if j == len(line):
        # a run cut by the end of the line: its last character lost the trail byte
        beam = _prune([p for p in beam if p.end >= 0] + [
            r for p in beam if p.end < 0 and p.carry is not None
            for r in _emit(lex, script, p, p.carry, None, None, end=len(line))])
    return [p for p in beam if p.end >= 0], j


def _unbalanced_quotes(text: str) -> int:
    """Number of “ ” that do not pair up in ``text`` (quotes do not nest)."""
    bad, open_ = 0, False
    for ch in text:
        if ch == "“":
            bad += open_
            open_ = True
        elif ch == "”":
            bad += not open_
            open_ = False
    return bad + open_


def _rescore(line: str, q: int, lex: Lexicon, script, finals: list[_Path]) -> list[_Reading]:
    """Score the distinct readings with the word model, best first.

    Readings end at different places, so each is scored together with the
    observed text up to a common right edge (plus a little context on both
    sides): every reading then explains the same stretch of the line. A
    vanished pair is an assumption the character model does not pay for
    (it only sees the characters), so each costs :data:`_HIDDEN_COST`.
    """
    distinct: dict[tuple[str, ...], _Path] = {}
    for p in finals:
        if p.out not in distinct:
            distinct[p.out] = p
            if len(distinct) == _NBEST:
                break
    edge = min(len(line), max(p.end for p in distinct.values()) + _CONTEXT)
    left = line[max(0, q - _CONTEXT) : q]
    readings = []
    for out, p in distinct.items():
        guessed = frozenset(g.index for g in p.guesses)
        text = left + "".join(out) + line[p.end : edge]
        score = (lex.word_logp(text)
                 + (lex.line_end_logp(text[-1]) if edge == len(line) and text else 0.0)
                 + _CHAR_WEIGHT * p.score
                 - _HIDDEN_COST * p.hidden
                 - _QUOTE_COST * _unbalanced_quotes(line[:q] + "".join(out) + line[p.end :])
                 - sum(lex.script_cost(out[i], script) for i in guessed))
        readings.append(_Reading(p.end, out, guessed, score))
    readings.sort(key=lambda r: -r.score)
    return readings


def _confidences(readings: list[_Reading]) -> dict[int, float]:
    """For each guessed character of the best reading, the posterior share of
    the readings (softmax of their scores) that put the same character there."""
    best = readings[0]
    weights = [math.exp(r.score - best.score) for r in readings]
    norm = sum(weights)
    return {
        i: sum(w for r, w in zip(readings, weights)
               if i < len(r.out) and r.out[i] == best.out[i] and r.end == best.end) / norm
        for i in best.guessed
    }


def _repair_at(line: str, q: int, lex: Lexicon, script: str | None, first_leads=None):
    """Best reading of the run starting at the ``?`` at index ``q``.

    ``first_leads`` restricts the lost lead byte of the first character (see
    :func:`_annotation_leads`). Returns ``(end, restored, confidences)`` where
    ``confidences`` maps each guessed position of ``restored`` to its
    confidence, or ``None`` when no reading beats the literal text by
    :data:`_MIN_GAIN` under the character model.
    """
    finals, j = _search(line, q, lex, script, first_leads)
    if not finals:
        return None
    left = line[max(0, q - _ORDER + 1) : q]
    if finals[0].score - lex.score(line[q:j], left) < _MIN_GAIN:
        return None
    readings = _rescore(line, q, lex, script, finals)
    return readings[0].end, readings[0].out, _confidences(readings)


def _annotation_leads(line: str, q: int, pinyin: str | None, lex: Lexicon) -> frozenset[int] | None:
    """Lead bytes the first character of the run at ``q`` can have, given the
    orphaned annotation ``pinyin`` that followed its ``?``.

    Such an annotation was added while the bytes were already shifted: the
    annotating tool saw a character X made of the trail byte of the character
    before ``?`` and the lead byte that was then lost (``展潛`` = D5 B9 9D 93,
    read as B9 9D = 節, annotated ``jié``). The document annotates X elsewhere
    (``節(jié)``), so X's trail byte is the lost lead. ``None`` = no constraint.
    """
    if not pinyin or q == 0 or not lex.readings.get(pinyin):
        return None
    prev = _token_bytes(line[q - 1])
    if prev is None:
        return None
    by_lead = _gbk_tables()[2]
    leads = frozenset(trail for trail, ch in by_lead.get(prev[1], ())
                      if ch in lex.readings[pinyin] and 0x81 <= trail <= 0xFE)
    return leads or None


def repair_mojibake(line: str, *, lexicon: Lexicon | None = None,
                    hints: dict[int, str] | None = None, mark_debris: bool = True) -> tuple[str, list[Fix]]:
    """Repair GBK one-byte-shift runs in one line of (traditional) text.

    Input: a line, ideally with pinyin annotations already removed (see
    :func:`repair_line`); ``hints`` maps the index of a ``?`` to the orphaned
    pinyin annotation that followed it. Every ``?`` is a candidate start of a
    damaged run; it is treated as damage only when re-pairing the following
    bytes gives far more plausible text than the literal reading. Output: the
    repaired line and one fix per run, ``mojibake_repaired`` when every lost
    byte could be chosen confidently, else ``mojibake_unrecoverable`` with the
    doubtful characters replaced by :data:`PLACEHOLDER`.
    """
    if "?" not in line:
        return line, []
    lex = lexicon or default_lexicon()
    script = lex.script_of(line)
    hints = hints or {}
    out: list[str] = []
    fixes: list[Fix] = []
    pos = 0
    q = line.find("?")
    while q >= 0:
        found = _repair_at(line, q, lex, script, _annotation_leads(line, q, hints.get(q), lex))
        if found is None:
            q = line.find("?", q + 1)
            continue
        end, restored, confs = found
        chars = list(restored)
        doubtful = [i for i, c in confs.items() if c < _MIN_CONFIDENCE]
        for i in doubtful:
            chars[i] = PLACEHOLDER
        after = "".join(chars)
        kind = "mojibake_unrecoverable" if doubtful else "mojibake_repaired"
        conf = min(confs.values(), default=1.0)
        out.append(line[pos:q])
        out.append(after)
        fixes.append(Fix(kind, line[q:end], after, round(conf, 3), q))
        pos = end
        q = line.find("?", end)
    out.append(line[pos:])
    if not mark_debris:
        return "".join(out), fixes
    return _mark_debris("".join(out), fixes)


_DEBRIS = re.compile(r"(?<=[\u3400-\u9fff])\?+")


def _mark_debris(line: str, fixes: list[Fix]) -> tuple[str, list[Fix]]:
    """Replace ``?`` runs glued to a CJK character that no reading explained
    by :data:`PLACEHOLDER` and log them as unrecoverable. ``?`` set off by
    spaces or inside Latin text is left alone."""
    if "?" not in line:
        return line, fixes
    if not _DEBRIS.search(line):
        return line, fixes
    out, pos, extra = [], 0, []
    for m in _DEBRIS.finditer(line):
        out.append(line[pos : m.start()])
        out.append(PLACEHOLDER)
        pos = m.end()
        extra.append((m.start(), m.group()))
    out.append(line[pos:])
    # map offsets in the repaired line back to the input line
    for start, text in extra:
        orig = start
        for fix in fixes:
            if fix.start < orig:
                orig -= len(fix.after) - len(fix.before)
        fixes.append(Fix("mojibake_unrecoverable", text, PLACEHOLDER, 0.0, orig))
    fixes.sort(key=lambda f: f.start)
    return "".join(out), fixes


def repair_line(line: str, *, lexicon: Lexicon | None = None, mark_debris: bool = True) -> tuple[str, list[Fix]]:
    """Remove pinyin annotations, then repair mojibake, in one line.

    ``mark_debris``: replace a ``?`` glued to a Chinese character that no reading explained by
    :data:`PLACEHOLDER` (logged as unrecoverable). Right for a line known to be damaged; wrong for
    ordinary text whose ASCII question marks follow Chinese characters (see :func:`repair_document`).

    Output: the clean line and all fixes. Offsets of mojibake fixes are mapped
    back to the input line, so every ``start`` refers to ``line``.
    """
    no_pinyin, fixes = remove_pinyin(line)
    if "?" not in no_pinyin:
        return no_pinyin, fixes
    # offset in the pinyin-free line -> offset in the input line
    mapping: list[int] = []
    removed = iter(sorted((f.start, f.start + len(f.before)) for f in fixes))
    gap = next(removed, None)
    for i in range(len(line) + 1):
        if gap and gap[0] <= i < gap[1]:
            if i + 1 == gap[1]:
                gap = next(removed, None)
            continue
        mapping.append(i)
    # an annotation whose "(" the damage swallowed belonged to the shifted
    # bytes at its "?": pass it on as a hint (see _annotation_leads)
    where = {orig: new for new, orig in enumerate(mapping)}
    hints = {where[f.start - 1]: f.before.strip("()") for f in fixes
             if not f.before.startswith("(") and f.start - 1 in where}
    repaired, moji = repair_mojibake(no_pinyin, lexicon=lexicon, hints=hints, mark_debris=mark_debris)
    for f in moji:
        start = mapping[f.start]
        end = mapping[f.start + len(f.before)]
        fixes.append(Fix(f.kind, line[start:end], f.after, f.confidence, start))
    fixes.sort(key=lambda f: f.start)
    return repaired, fixes


_PLAIN_AFTER_QUESTION = set("，。、；：“”‘’（）《》！？—…· 0123456789%")
_COMMON_CHARS = 3000


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """The most frequent characters of jieba's dictionary (simplified), weighted by word frequency."""
    counts: Counter = Counter()
    for word, n in _dictionary(None).freq.items():
        for ch in word:
            counts[ch] += n
    return frozenset(ch for ch, _ in counts.most_common(_COMMON_CHARS))


def shows_damage(line: str, window: int = 4) -> bool:
    """True when ``line`` may hold byte-shift mojibake.

    A U+FFFD does; so does a ``?`` followed within ``window`` characters by what a wrong
    byte pairing produces: a rare character, a symbol, or Latin letters or ASCII punctuation
    glued to it. A ``?`` followed by ordinary text (``为什么?因为需要``) is a question mark.
    """
    if "\ufffd" in line:
        return True
    common = _common_chars()
    for q in (i for i, ch in enumerate(line) if ch == "?"):
        for ch in line[q + 1 : q + 1 + window]:
            if ch == "?" or ch in _PLAIN_AFTER_QUESTION:
                continue
            if "\u3400" <= ch <= "\u9fff":
                if _t2s(ch) not in common:
                    return True
            else:
                return True
    return False


@lru_cache(maxsize=4096)
def _t2s(ch: str) -> str:
    import opencc

    return opencc.OpenCC("t2s").convert(ch)


def repair_document(lines: list[str], *, lexicon: Lexicon | None = None) -> list[tuple[str, list[Fix]]]:
    """Remove pinyin annotations and repair mojibake in every line of a document.

    Input: the raw lines of one document; ``lexicon`` supplies the dictionary
    part (default: :func:`default_lexicon`). When some line shows damage the
    document itself is added to it (:meth:`Lexicon.with_document`): its
    repeated phrases and its own pinyin annotations are the best evidence for
    what the damage hid. A document without ``?`` costs no lexicon at all.
    Output: one ``(repaired_line, fixes)`` per input line, in order, with
    ``start`` offsets into the input line; undamaged lines without
    annotations come back unchanged with no fixes.
    """
    damaged_lines = [shows_damage(line) for line in lines]
    if not any(damaged_lines):
        return [remove_pinyin(line) for line in lines]
    lex = (lexicon or default_lexicon()).with_document(lines)
    results = [repair_line(line, lexicon=lex, mark_debris=False) if damaged else remove_pinyin(line)
               for line, damaged in zip(lines, damaged_lines)]
    # Leftover "?" next to Chinese characters is debris only in a document that proved to carry
    # byte-shift damage; elsewhere it is an ordinary question mark ("你知道吗?这…") and stays.
    damaged = any(f.kind == "mojibake_repaired" for _, fixes in results for f in fixes)
    if damaged:
        results = [repair_line(line, lexicon=lex) if damaged and _DEBRIS.search(out) else (out, fixes)
                   for line, damaged, (out, fixes) in zip(lines, damaged_lines, results)]
    return results


def simulate_byte_shift(text: str, index: int) -> str:
    """Damage ``text`` the way the byte-shift mojibake did, for tests and benchmarks.

    The character at ``index`` (a double-byte GBK character) loses its lead byte, which
    becomes ``?``; the bytes after it are decoded in shifted pairs until an ASCII byte
    realigns them, and full-width forms are folded to ASCII in the whole result. A pair in
    a user-defined area becomes a private-use character and vanishes; a byte that
    cannot start a pair, or a lead byte before an ASCII byte that is no trail, becomes
    ``?``. This reproduces the damaged spelling of 24 of the 33 hand-checked spots of
    the Chikan plan; of the others, six carry pinyin annotations added after the damage
    and three show a ``?`` where a user-defined pair is expected to vanish.

    Raises ``ValueError`` when ``text[index]`` is not a double-byte GBK character.
    """
    if _token_bytes(text[index]) is None:
        raise ValueError(f"character {text[index]!r} at {index} is not a double-byte GBK character")
    chars, _, _, hidden_next = _gbk_tables()
    raw = b"?" + text[index:].encode("gbk", errors="replace")[1:]
    out, i = [], 0
    while i < len(raw):
        b = raw[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
        elif i + 1 < len(raw) and (b, raw[i + 1]) in chars:
            out.append(chars[(b, raw[i + 1])])
            i += 2
        elif i + 1 < len(raw) and raw[i + 1] in hidden_next.get(b, ()):
            i += 2  # user-defined pair: a private-use character, later lost
        else:
            out.append("?")
            i += 2 if i + 1 < len(raw) and raw[i + 1] >= 0x80 else 1
    return (text[:index] + "".join(out)).translate(_FULL_TO_ASCII)
