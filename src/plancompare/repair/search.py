"""The repair search: the readings of one byte-shifted run, found by a beam
search over its bytes and chosen by the word model.

A damaged run starts at a ``?`` (the lost lead byte). Its observed characters
are re-encoded and re-paired one byte later (:func:`_step`); the bytes that
were lost -- the lead behind ``?``, a trail byte eaten by an invalid pair, a
vanished user-defined pair (:func:`_hidden_splits`) -- are guessed among the
characters the lexicon knows (:func:`_guesses`). The character model of the
:class:`~.lexicon.Lexicon` steers the beam (:func:`_search`); the word model
rescores the distinct survivors on a wider context (:func:`_rescore`), and
the posterior share of the best reading gives each guessed character its
confidence (:func:`_confidences`). :func:`repair_at` is the entry point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .gbk import candidates, gbk_tables, token_bytes
from .lexicon import ORDER, Lexicon

def _push(history: str, text: str) -> str:
    """The last ``ORDER - 1`` characters of ``history + text``."""
    return (history + text)[-(ORDER - 1):]


_MAX_RUN = 40  # longest damaged run considered, in observed characters
_MAX_HIDDEN = 2  # vanished user-defined pairs allowed per run
_BEAM = 80
_SPLIT_FROM = 15  # readings allowed to branch on a vanished pair per step
_PRUNE = 25.0  # drop readings this far (in log-prob) behind the best one
_MIN_GAIN = 8.0  # log-prob gain over the literal text needed to call it damage
_KEEP_DISTINCT = 2  # trailing characters that keep two readings apart in the beam



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


_MAX_OPTIONS = 120  # guesses for one lost byte, most frequent characters first


def _known_candidates(lex: Lexicon, leads, trail, hidden_trail: bool = False) -> tuple[str, ...]:
    """:func:`~.gbk.candidates` restricted to characters the lexicon knows, most
    frequent first and capped (memoised on the lexicon)."""
    key = (leads, trail, hidden_trail)
    found = lex.options.get(key)
    if found is None:
        known = [ch for ch in candidates(leads, trail, hidden_trail) if lex.known(ch)]
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
                raw = token_bytes(ch)
                if (raw and (leads is None or raw[0] in leads) and trail in (None, raw[1])
                        and ch not in base and ch not in extra):
                    extra.append(ch)
        found = lex.options[key] = base + tuple(extra)
    return found


def _emit(lex: Lexicon, script, path: _Path, leads, trail, carry, end=None, extra: str = "") -> list[_Path]:
    """Extend ``path`` with an original character whose lead is in ``leads`` and
    whose trail byte is ``trail`` (``None`` = lost), then the ASCII ``extra``."""
    guessed = trail is None or leads is None or len(leads) != 1
    options = _guesses(lex, leads, trail, path.prev) if guessed else candidates(leads, trail)
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
    chars_by = gbk_tables()
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
    raw = token_bytes(tok)
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
    left = line[max(0, q - ORDER + 1) : q]
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


def repair_at(line: str, q: int, lex: Lexicon, script: str | None, first_leads=None):
    """Best reading of the run starting at the ``?`` at index ``q``.

    ``first_leads`` restricts the lost lead byte of the first character (see
    :func:`annotation_leads`). Returns ``(end, restored, confidences)`` where
    ``confidences`` maps each guessed position of ``restored`` to its
    confidence, or ``None`` when no reading beats the literal text by
    :data:`_MIN_GAIN` under the character model.
    """
    finals, j = _search(line, q, lex, script, first_leads)
    if not finals:
        return None
    left = line[max(0, q - ORDER + 1) : q]
    if finals[0].score - lex.score(line[q:j], left) < _MIN_GAIN:
        return None
    readings = _rescore(line, q, lex, script, finals)
    return readings[0].end, readings[0].out, _confidences(readings)


def annotation_leads(line: str, q: int, pinyin: str | None, lex: Lexicon) -> frozenset[int] | None:
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
    prev = token_bytes(line[q - 1])
    if prev is None:
        return None
    by_lead = gbk_tables()[2]
    leads = frozenset(trail for trail, ch in by_lead.get(prev[1], ())
                      if ch in lex.readings[pinyin] and 0x81 <= trail <= 0xFE)
    return leads or None


