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

from . import beam as _beam
from .beam import HELD, Frontier, Guess, Path
from .gbk import candidates, gbk_tables, token_bytes
from .lexicon import ORDER, Lexicon


def _push(history: str, text: str) -> str:
    """The last ``ORDER - 1`` characters of ``history + text``."""
    return (history + text)[-(ORDER - 1):]


_MAX_RUN = 40  # longest damaged run considered, in observed characters
_MAX_HIDDEN = 2  # vanished user-defined pairs allowed per run
_SPLIT_FROM = 15  # readings allowed to branch on a vanished pair per step
_MIN_GAIN = 8.0  # log-prob gain over the literal text needed to call it damage
# A character's log-probability is at most 0, so no extension of a reading
# scores above it (this margin covers rounding): a reading below a frontier's
# bar by more has no extension worth scoring.
_LOGP_MAX = 1e-6


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
    key = (leads, trail, prev[-1:])  # only the last character matters
    found = lex.options.get(key)
    if found is None:
        base = _known_candidates(lex, leads, trail)
        extra = []
        for simple in lex.followers(prev[-1:])[:_FOLLOWERS]:
            for ch in dict.fromkeys((simple, lex.traditional(simple))):  # ordered: a set's order varies per process
                raw = token_bytes(ch)
                if (raw and (leads is None or raw[0] in leads) and trail in (None, raw[1])
                        and ch not in base and ch not in extra):
                    extra.append(ch)
        found = lex.options[key] = base + tuple(extra)
    return found


def _scored(lex: Lexicon, script, prev: str, options: tuple[str, ...], guessed: bool, key: tuple) -> list[tuple]:
    """``(ch, logp, script cost, next history)`` for each option after
    ``prev`` (the cost is 0 unless the character was guessed), memoised on the
    lexicon under ``key``: many readings share a history and a set of options."""
    found = lex.rows.get(key)
    if found is None:
        last = prev[-(ORDER - 2):] if ORDER > 2 else ""  # _push(prev, ch) == last + ch
        if guessed:
            costs = lex.options.get((id(options), script))  # options tuples live in lex.options or candidates' cache
            if costs is None:
                costs = lex.options[(id(options), script)] = (options, [lex.script_cost(ch, script) for ch in options])
            found = [(ch, logp, cost, last + ch)
                     for ch, logp, cost in zip(options, lex.logps(prev, options), costs[1])]
        else:
            found = [(ch, logp, 0.0, last + ch) for ch, logp in zip(options, lex.logps(prev, options))]
        lex.rows[key] = found
    return found


def _emit(lex: Lexicon, script, path: Path, leads, trail, carry, frontier: Frontier,
          end=None, extra: str = "") -> None:
    """Offer the extensions of ``path`` by an original character whose lead is
    in ``leads`` and whose trail byte is ``trail`` (``None`` = lost), then the
    ASCII ``extra`` (:meth:`~.beam.Frontier.offer`, inlined: this loop sees
    every candidate of the search)."""
    hidden = path.hidden
    guessed = trail is None or leads is None or len(leads) != 1
    options = _guesses(lex, leads, trail, path.prev) if guessed else candidates(leads, trail)
    guess = Guess(len(path.out), leads, trail) if guessed else None
    end = path.end if end is None else end
    best, bars = frontier.best, frontier.bars
    bar = bars.get(hidden, -math.inf)
    out, chosen = path.out, path.chosen
    keep = _beam.KEEP_DISTINCT  # read now: tune_repair may set it
    recent = out[-keep:]
    if path.score + _LOGP_MAX < bar:  # no extension can survive: only their states are recorded
        for ch in options:
            tail = ch + extra
            best.setdefault((out + tail, hidden) if end >= 0 else
                            (carry, (recent + tail)[-keep:], hidden, chosen + ch if guessed else chosen),
                            HELD)
        return
    rows = _scored(lex, script, path.prev, options, guessed, ("emit", path.prev, leads, trail, script))
    score = path.score
    for ch, logp, cost, prev in rows:
        s = score + logp - cost
        tail = ch
        if extra:
            for y in extra:
                s += lex.logp(prev, y)
                prev = _push(prev, y)
            tail = ch + extra
        if end >= 0:
            full = out + tail
            key = (full, hidden)
        else:
            full = None
            key = (carry, (recent + tail)[-keep:], hidden, chosen + ch if guessed else chosen)
        if s < bar:
            best.setdefault(key, HELD)
        else:
            frontier.put(key, (s, hidden, path, tail, carry, end, guess, prev, full))
            bar = bars[hidden]


def _split_options(lex: Lexicon, carry) -> tuple[tuple[str, frozenset[int]], ...]:
    """The characters a vanished pair can follow (:func:`_known_candidates` with
    a vanished trail), each with the lead bytes the next character can then have."""
    key = ("split", carry)
    found = lex.options.get(key)
    if found is None:
        next_leads = gbk_tables()[3]
        found = lex.options[key] = tuple((ch, next_leads[ch.encode("gbk")[1]])
                                         for ch in _known_candidates(lex, carry, None, True))
    return found


def _hidden_splits(lex: Lexicon, script, path: Path, frontier: Frontier) -> None:
    """Offer the readings where a user-defined pair vanished before the next
    observed character: the original gains a character (carry, p) and the next
    lead is any q with (p, q) in the vanished area. At the start of a run (no
    carry yet) the gained character is the one whose lead byte was lost."""
    if (path.carry is None and path.out) or path.hidden >= _MAX_HIDDEN:
        return
    hidden = path.hidden + 1
    guess = Guess(len(path.out), path.carry, None)
    options = _split_options(lex, path.carry)
    end = path.end
    best, bars = frontier.best, frontier.bars
    bar = bars.get(hidden, -math.inf)
    out, chosen = path.out, path.chosen
    keep = _beam.KEEP_DISTINCT  # read now: tune_repair may set it
    recent = out[-keep:]
    if path.score + _LOGP_MAX < bar:  # no split can survive: only their states are recorded
        for ch, carry in options:
            best.setdefault((out + ch, hidden) if end >= 0 else
                            (carry, (recent + ch)[-keep:], hidden, chosen + ch), HELD)
        return
    chars = tuple(ch for ch, _ in options)
    rows = _scored(lex, script, path.prev, chars, True, ("split", path.prev, path.carry, script))
    score = path.score
    for (ch, logp, cost, prev), (_, carry) in zip(rows, options):
        s = score + logp - cost
        if end >= 0:
            full = out + ch
            key = (full, hidden)
        else:
            full = None
            key = (carry, (recent + ch)[-keep:], hidden, chosen + ch)
        if s < bar:
            best.setdefault(key, HELD)
        else:
            frontier.put(key, (s, hidden, path, ch, carry, end, guess, prev, full))
            bar = bars[hidden]


def _step(lex: Lexicon, script, path: Path, tok: str, j: int, frontier: Frontier) -> None:
    """Offer the readings consuming observed character ``tok`` (at index ``j``)
    in the shifted state."""
    leads = path.carry
    code = ord(tok)
    if code < 0x80:
        if 0x21 <= code <= 0x7E or tok == " ":
            # a full-width form (folded to ASCII later): bytes A3 xx, still shifted
            b0, b1 = (0xA1, 0xA1) if tok == " " else (0xA3, code + 0x80)
            _emit(lex, script, path, leads, b0, frozenset({b1}), frontier)
        if 0x40 <= code <= 0x7E:
            # an original trail byte in the ASCII range: the decoder realigns
            _emit(lex, script, path, leads, code, None, frontier, end=j + 1)
        if tok == "?":
            # invalid pair: the trail byte and the ASCII byte after it were eaten
            _emit(lex, script, path, leads, None, None, frontier, end=j + 1)
        return
    raw = token_bytes(tok)
    if raw is None:
        return
    b0, b1 = raw
    _emit(lex, script, path, leads, b0, frozenset({b1}), frontier)
    if 0x40 <= b1 <= 0x7E:
        # the pair's second byte was an original ASCII character: realigned
        _emit(lex, script, path, leads, b0, None, frontier, end=j + 1, extra=chr(b1))


def _survivors(fill, limit: int | None = None) -> list[Path]:
    """The survivors (:meth:`~.beam.Frontier.prune`) of a frontier filled by
    ``fill(frontier)``; only the first ``limit`` states of each group can matter."""
    frontier = Frontier(_beam.BEAM if limit is None else min(_beam.BEAM, limit))  # read now: tune_repair may set it
    fill(frontier)
    return frontier.prune(limit)


_NBEST = 60  # distinct readings the word model rescores
_CONTEXT = 6  # characters of context on each side the word model sees
_CHAR_WEIGHT = 0.0  # weight of the character model's score in the final choice
_QUOTE_COST = 3.0  # log-prob cost of each quotation mark left unpaired in the line
_HIDDEN_COST = 2.0  # log-prob cost of assuming one more vanished pair


@dataclass
class _Reading:
    end: int
    out: str  # one character per item
    guessed: frozenset[int]  # indices of ``out`` whose bytes were partly lost
    score: float  # word-model score (log-prob)


def _search(line: str, q: int, lex: Lexicon, script, first_leads) -> tuple[list[Path], int]:
    """Beam search over the byte readings of the run starting at the ``?`` at
    ``q``, scored by the character model. Returns the realigned readings, best
    first, and the index just past the last character looked at."""
    window = min(len(line), q + 1 + _MAX_RUN)
    left = line[max(0, q - ORDER + 1) : q]
    beam = [Path(0.0, first_leads, "", (), left)]
    j = q + 1
    while j < window and any(p.end < 0 for p in beam):
        tok = line[j]
        # vanished pairs multiply the readings: only the best few branch on them
        # (from the first character on: the lost-lead character's own trail
        # byte may have started a vanished pair)
        levels = [_branch([p for p in beam if p.end < 0][:_SPLIT_FROM], lex, script)]
        while len(levels) < _MAX_HIDDEN:
            levels.append(_branch(levels[-1], lex, script))

        def fill(frontier: Frontier, beam=beam, tok=tok, j=j, levels=levels) -> None:
            for path in beam:
                if path.end >= 0:  # realigned: the rest reads as it is
                    frontier.offer(path, path.score + lex.logp(path.prev, tok), "", None, path.end, None,
                                   _push(path.prev, tok), path.hidden)
                else:
                    _step(lex, script, path, tok, j, frontier)
            for splits in levels:
                for s in splits:
                    _step(lex, script, s, tok, j, frontier)

        beam = _survivors(fill)
        j += 1
    if j == len(line):
        # a run cut by the end of the line: its last character lost the trail byte
        def fill_end(frontier: Frontier, beam=beam) -> None:
            for p in beam:
                if p.end >= 0:
                    frontier.offer(p, p.score, "", p.carry, p.end, None, p.prev, p.hidden)
            for p in beam:
                if p.end < 0 and p.carry is not None:
                    _emit(lex, script, p, p.carry, None, None, frontier, end=len(line))

        beam = _survivors(fill_end)
    return [p for p in beam if p.end >= 0], j


def _branch(paths: list[Path], lex: Lexicon, script) -> list[Path]:
    """The best :data:`_SPLIT_FROM` readings that assume one more vanished pair
    after one of ``paths``."""
    def fill(frontier: Frontier) -> None:
        for p in paths:
            _hidden_splits(lex, script, p, frontier)

    return _survivors(fill, _SPLIT_FROM)


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


def _rescore(line: str, q: int, lex: Lexicon, script, finals: list[Path]) -> list[_Reading]:
    """Score the distinct readings with the word model, best first.

    Readings end at different places, so each is scored together with the
    observed text up to a common right edge (plus a little context on both
    sides): every reading then explains the same stretch of the line. A
    vanished pair is an assumption the character model does not pay for
    (it only sees the characters), so each costs :data:`_HIDDEN_COST`.
    """
    distinct: dict[str, Path] = {}
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
    return readings[0].end, tuple(readings[0].out), _confidences(readings)


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


