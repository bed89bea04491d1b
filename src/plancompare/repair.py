"""Text repair for plans with pinyin annotations and GBK byte-shift mojibake.

Two kinds of damage are handled, one line at a time:

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
  later folded to ASCII (``；`` → ``;``). The repair re-encodes the damaged run,
  re-pairs the bytes shifted by one and uses a character-bigram lexicon to
  choose the bytes that were lost (the lead byte behind ``?``, the trail byte
  eaten by an invalid pair, hidden user-defined pairs).

Order of operations (:func:`repair_line`): pinyin removal first, then mojibake
repair. Annotations inside or right after a damaged run are ASCII bytes that
either realign the decoder or get swallowed, so removing them first leaves a
run that is exactly "shifted GBK", which is what the byte model expects.

Both steps work on traditional text, before any OpenCC conversion, and a line
without damage comes back unchanged with no fixes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

__all__ = [
    "Fix",
    "Lexicon",
    "default_lexicon",
    "remove_pinyin",
    "repair_mojibake",
    "repair_line",
    "PLACEHOLDER",
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
_FINALS = (
    "a o e ai ei ao ou an en ang eng ong er i ia ie iao iu ian in iang ing iong "
    "u ua uo uai ui uan un uang ueng ü üe üan ün ue"
).split()
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
# Lexicon: character bigram plausibility
# --------------------------------------------------------------------------

# Rough share of common punctuation in Chinese running text. The jieba
# dictionary has no punctuation, and "。" is the most frequent victim of the
# byte shift, so it needs a prior when no running text is given.
_PUNCT_SHARE = {
    "，": 0.05, ",": 0.05, "。": 0.03, "、": 0.02, "；": 0.003, ";": 0.003,
    "：": 0.003, ":": 0.003, "“": 0.005, "”": 0.005, "（": 0.003, "）": 0.003,
    "(": 0.003, ")": 0.003, "《": 0.001, "》": 0.001, "？": 0.001, "?": 0.001,
}
_SCRIPT_PENALTY = 6.0
_ORDER = 2  # n-gram order of the running-text model
_DAMAGE_ZONE = re.compile(r"[?\ufffd].{0,20}")
_ASCII_RUN = 0.3  # P(next char is ASCII | ASCII char): Latin words, tags, numbers  # log-prob cost of a character in the other script


class _Bigrams:
    """Character n-gram counts (n <= :data:`_ORDER`) of one source."""

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


class Lexicon:
    """Character bigram plausibility in simplified Chinese.

    Two sources, both optional: jieba's word list (``dict.txt``: each word adds
    its frequency to the bigrams inside it, so it knows words but not what
    follows them) and running texts (which know word boundaries and
    punctuation; the document being repaired is a good one). Traditional
    characters are folded to simplified with OpenCC ``t2s`` before lookup.

    :meth:`logp` gives ``log P(ch | prev)``, interpolating the text bigram, the
    dictionary bigram and the unigram. :meth:`script_cost` penalises a
    candidate written in the other script than the line it goes into.
    Build with :meth:`build`; :func:`default_lexicon` caches a dictionary-only one.
    """

    def __init__(self, words: _Bigrams, texts: _Bigrams):
        self.words = words
        self.texts = texts
        self.unigram: Counter = Counter()
        total_w = sum(words.uni.values()) or 1.0
        total_t = sum(texts.uni.values()) or 1.0
        # one unigram on the dictionary's scale, text shares folded in
        for ch, n in words.uni.items():
            self.unigram[ch] += n
        for ch, n in texts.uni.items():
            self.unigram[ch] += n / total_t * total_w
        if not texts.uni:
            for ch, share in _PUNCT_SHARE.items():
                self.unigram[ch] = max(self.unigram[ch], share * total_w)
        self.total = sum(self.unigram.values()) or 1.0
        self._simp: dict[str, str] = {}
        self._trad: dict[str, str] = {}
        self._cache: dict[str, float] = {}  # memo of logp, keyed by the bigram
        self.options: dict = {}  # memo of candidate lists for lost bytes (see repair code)
        self._t2s = self._s2t = None

    @classmethod
    def build(cls, dict_path: str | Path | None = None, texts: Iterable[str] = (),
              use_dict: bool = True) -> "Lexicon":
        """Build from jieba's ``dict.txt`` (default: the installed one) and running ``texts``
        (any script; pinyin annotations and ``?`` debris are harmless noise)."""
        words = _Bigrams(order=2)
        if use_dict:
            if dict_path is None:
                import jieba

                dict_path = Path(jieba.__file__).with_name("dict.txt")
            with open(dict_path, encoding="utf-8") as fh:
                for row in fh:
                    parts = row.split()
                    if len(parts) >= 2:
                        words.add(parts[0], int(parts[1]))
        lex = cls(words, _Bigrams())
        running = _Bigrams(order=_ORDER)
        for text in texts:
            # the stretch after a "?" may itself be mojibake: learning from it
            # would make the damage look plausible
            running.add(_DAMAGE_ZONE.sub(" ", lex.simplify(text)))
        return cls(words, running) if running.uni else lex

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
        """Fold traditional characters to simplified (cached per character)."""
        return "".join(self._convert(ch, self._simp, "_t2s", "t2s") for ch in text)

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

    def known(self, ch: str) -> bool:
        """True if the character (after t2s) occurs in the lexicon."""
        return self.unigram.get(self.simplify(ch), 0) > 0

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


@lru_cache(maxsize=4)
def default_lexicon(dict_path: str | None = None) -> Lexicon:
    """The jieba-dictionary lexicon (no running text), built once per process
    and cached here. For better repairs pass ``Lexicon.build(texts=[document])``."""
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
_MAX_HIDDEN = 3  # vanished user-defined pairs allowed per run
_BEAM = 150
_SPLIT_FROM = 30  # readings allowed to branch on a vanished pair per step
_PRUNE = 25.0  # drop readings this far (in log-prob) behind the best one
_MIN_GAIN = 8.0  # log-prob gain over the literal text needed to call it damage
_MIN_CONFIDENCE = 0.5  # below this a guessed character becomes a placeholder


@dataclass(frozen=True)
class _Guess:
    """A character of the reading whose bytes were partly lost."""

    index: int
    leads: frozenset[int] | None  # allowed lead bytes; None = any
    trail: int | None  # known trail byte; None = lost
    hidden_trail: bool = False  # trail must start a vanished pair


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
        # paths in the same state score the future identically: keep the best
        return (self.carry, self.prev, self.end >= 0, self.hidden)


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
        return ()  # both bytes lost: nothing to go on
    return tuple(ch for lead in sorted(leads) for t, ch in by_lead.get(lead, ())
                 if not hidden_trail or t in hidden_next)


_MAX_OPTIONS = 300  # guesses for one lost byte, most frequent characters first


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


def _emit(lex: Lexicon, script, path: _Path, leads, trail, carry, end=None, extra: str = "") -> list[_Path]:
    """Extend ``path`` with an original character whose lead is in ``leads`` and
    whose trail byte is ``trail`` (``None`` = lost), then the ASCII ``extra``."""
    guessed = trail is None or leads is None or len(leads) != 1
    options = _known_candidates(lex, leads, trail) if guessed else _candidates(leads, trail)
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
    any q with (p, q) in the vanished area."""
    chars_by = _gbk_tables()
    if path.carry is None or path.hidden >= _MAX_HIDDEN:
        return []
    guess = _Guess(len(path.out), path.carry, None, True)
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
    best: dict = {}
    for p in paths:
        k = p.key()
        if k not in best or p.score > best[k].score:
            best[k] = p
    kept = sorted(best.values(), key=lambda p: -p.score)
    if kept:
        floor = kept[0].score - _PRUNE
        kept = [p for p in kept if p.score >= floor]
    return kept[:_BEAM]


def _confidence(lex: Lexicon, script, out: tuple[str, ...], g: _Guess, left: str, right: str) -> float:
    """Share of probability the chosen character gets among all characters
    allowed by the same byte constraints, given its neighbours."""
    i = g.index
    prev = _push(left, "".join(out[:i]))
    nxt = out[i + 1] if i + 1 < len(out) else right
    options = list(_known_candidates(lex, g.leads, g.trail, g.hidden_trail))
    if out[i] not in options:
        options.append(out[i])
    scores = {ch: lex.logp(prev, ch) + (lex.logp(_push(prev, ch), nxt) if nxt else 0.0)
              - lex.script_cost(ch, script)
              for ch in options}
    top = max(scores.values())
    norm = sum(math.exp(v - top) for v in scores.values())
    return math.exp(scores[out[i]] - top) / norm


def _repair_at(line: str, q: int, lex: Lexicon, script: str | None):
    """Best reading of the run starting at the ``?`` at index ``q``.

    Returns ``(end, restored, confidences)`` where ``confidences`` maps each
    guessed position of ``restored`` to its confidence, or ``None`` when no
    reading beats the literal text by :data:`_MIN_GAIN`.
    """
    window = min(len(line), q + 1 + _MAX_RUN)
    left = line[max(0, q - _ORDER + 1) : q]
    beam = [_Path(0.0, None, (), (), left)]
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
        if j > q + 1:
            # vanished pairs multiply the readings: only the best few branch on them
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
    finals = [p for p in beam if p.end >= 0]
    if not finals:
        return None
    best = finals[0]
    literal = lex.score(line[q:j], left)
    if best.score - literal < _MIN_GAIN:
        return None
    right = line[best.end] if best.end < len(line) else ""
    confs = {g.index: _confidence(lex, script, best.out, g, left, right) for g in best.guesses}
    return best.end, best.out, confs


def repair_mojibake(line: str, *, lexicon: Lexicon | None = None) -> tuple[str, list[Fix]]:
    """Repair GBK one-byte-shift runs in one line of (traditional) text.

    Input: a line, ideally with pinyin annotations already removed (see
    :func:`repair_line`). Every ``?`` is a candidate start of a damaged run;
    it is treated as damage only when re-pairing the following bytes gives far
    more plausible text than the literal reading. Output: the repaired line and
    one fix per run, ``mojibake_repaired`` when every lost byte could be chosen
    confidently, else ``mojibake_unrecoverable`` with the doubtful characters
    replaced by :data:`PLACEHOLDER`.
    """
    if "?" not in line:
        return line, []
    lex = lexicon or default_lexicon()
    script = lex.script_of(line)
    out: list[str] = []
    fixes: list[Fix] = []
    pos = 0
    q = line.find("?")
    while q >= 0:
        found = _repair_at(line, q, lex, script)
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


def repair_line(line: str, *, lexicon: Lexicon | None = None) -> tuple[str, list[Fix]]:
    """Remove pinyin annotations, then repair mojibake, in one line.

    Output: the clean line and all fixes. Offsets of mojibake fixes are mapped
    back to the input line, so every ``start`` refers to ``line``.
    """
    no_pinyin, fixes = remove_pinyin(line)
    if "?" not in no_pinyin:
        return no_pinyin, fixes
    # offset in the pinyin-free line -> offset in the input line
    mapping, pos = [], 0
    removed = iter(sorted((f.start, f.start + len(f.before)) for f in fixes))
    gap = next(removed, None)
    for i in range(len(line) + 1):
        if gap and gap[0] <= i < gap[1]:
            if i + 1 == gap[1]:
                gap = next(removed, None)
            continue
        mapping.append(i)
    repaired, moji = repair_mojibake(no_pinyin, lexicon=lexicon)
    for f in moji:
        start = mapping[f.start]
        end = mapping[f.start + len(f.before)]
        fixes.append(Fix(f.kind, line[start:end], f.after, f.confidence, start))
    fixes.sort(key=lambda f: f.start)
    return repaired, fixes
