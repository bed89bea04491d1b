"""The beam of the repair search (:mod:`.search`): readings, and the frontier
that keeps the best of their extensions at each step.

The search makes hundreds of thousands of candidate readings and keeps a few
hundred, so a candidate is first a plain tuple offered to a :class:`Frontier`
(a dict from its state key to the best candidate seen in that state, in the
order the states were first seen); only the survivors of
:meth:`Frontier.prune` become :class:`Path` objects.

Candidates that provably cannot survive are not scored in full: a frontier
knows, per group (number of vanished pairs assumed), a *bar* below which a
candidate can be neither within :data:`PRUNE` of the group's best nor among
its ``quota`` best states. The bar never exceeds the true cut, so the
survivors and their scores are those of the exhaustive search. The state of a
candidate below the bar is still recorded (:meth:`Frontier.hold`): survivors
with exactly equal scores keep the order in which their states were first
seen, and a state first seen through a hopeless candidate must keep its place.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

BEAM = 80  # readings kept per number of vanished pairs assumed
PRUNE = 25.0  # drop readings this far (in log-prob) behind the best one
KEEP_DISTINCT = 2  # trailing characters that keep two readings apart in the beam


@dataclass(frozen=True)
class Guess:
    """A character of the reading whose bytes were partly lost."""

    index: int
    leads: frozenset[int] | None  # allowed lead bytes; None = any
    trail: int | None  # known trail byte; None = lost


class Path:
    """One reading of the run so far (a plain class with slots: the search
    makes many of them)."""

    __slots__ = ("score", "carry", "out", "guesses", "prev", "hidden", "end", "chosen")

    def __init__(self, score: float, carry: frozenset[int] | None, out: str,
                 guesses: tuple[Guess, ...], prev: str, hidden: int = 0, end: int = -1,
                 chosen: str = ""):
        self.score = score
        self.carry = carry  # possible lead bytes of the next original char; None = any
        self.out = out  # the original characters read so far (every item is one character)
        self.guesses = guesses
        self.prev = prev  # the last characters before the next one, for the character model
        self.hidden = hidden  # vanished user-defined pairs assumed
        self.end = end  # index just past the damaged run once realigned
        self.chosen = chosen  # the guessed characters, in order ("".join(out[g.index] for g in guesses))


# A candidate: (score, hidden, parent, tail, carry, end, guess, prev, out or None),
# the reading parent.out + tail; out is filled in when the key needed it.


HELD = (-math.inf,)  # a state seen only through candidates below the bar


class Frontier:
    """The candidates of one search step, best per state.

    ``quota``: how many of the best states of each group can matter to the
    caller (:data:`BEAM`, or fewer when only the first few survivors are used).
    """

    __slots__ = ("best", "quota", "bars", "tops", "heaps")

    def __init__(self, quota: int):
        self.best: dict[tuple, tuple] = {}
        self.quota = quota
        self.bars: dict[int, float] = {}  # per group: no candidate below this can survive
        self.tops: dict[int, float] = {}  # per group: best score offered so far
        self.heaps: dict[int, list[float]] = {}  # per group: first scores of the best `quota` states

    def bar(self, hidden: int) -> float:
        """The score below which a candidate of group ``hidden`` cannot survive."""
        return self.bars.get(hidden, -math.inf)

    def hold(self, key: tuple) -> None:
        """Record the state ``key`` of a candidate below the bar."""
        self.best.setdefault(key, HELD)

    def put(self, key: tuple, candidate: tuple) -> None:
        """Keep ``candidate`` (its score first, its group second) unless its
        state already has one at least as good."""
        score, hidden = candidate[0], candidate[1]
        other = self.best.get(key)
        if other is not None and score <= other[0]:
            return
        self.best[key] = candidate
        if other is None or other is HELD:
            # each state's first score is a lower bound of its best: the
            # quota-th largest of them bounds the quota-th best state
            heap = self.heaps.setdefault(hidden, [])
            if len(heap) < self.quota:
                heapq.heappush(heap, score)
            else:
                heapq.heappushpop(heap, score)
        top = self.tops[hidden] = max(score, self.tops.get(hidden, -math.inf))
        heap = self.heaps[hidden]
        bar = top - PRUNE
        if len(heap) >= self.quota and heap[0] > bar:
            bar = heap[0]
        self.bars[hidden] = bar

    def offer(self, parent: Path, score: float, tail: str, carry, end: int, guess: Guess | None,
              prev: str, hidden: int) -> None:
        """Offer the reading ``parent.out + tail``."""
        key = self.key(parent, tail, carry, end, guess, hidden)
        if score < self.bars.get(hidden, -math.inf):
            self.best.setdefault(key, HELD)
        else:
            self.put(key, (score, hidden, parent, tail, carry, end, guess, prev, key[0] if end >= 0 else None))

    @staticmethod
    def key(parent: Path, tail: str, carry, end: int, guess: Guess | None, hidden: int) -> tuple:
        """The state of the reading ``parent.out + tail``. Readings in the same
        state score the future identically under the character model, so only
        the best needs keeping; but the word model rescores the survivors on
        longer context, so the key keeps the last few characters and the
        guessed ones (and, once realigned, the whole reading) to leave it
        distinct readings to choose from."""
        if end >= 0:
            return (parent.out + tail, hidden)
        chosen = parent.chosen + tail[:1] if guess is not None else parent.chosen
        return (carry, (parent.out[-KEEP_DISTINCT:] + tail)[-KEEP_DISTINCT:], hidden, chosen)

    def prune(self, limit: int | None = None) -> list[Path]:
        """The survivors, best first: per group (readings that assume a
        vanished pair choose a character more freely, so the character model
        tends to prefer them, and without a quota of their own they would crowd
        out the plain reading) the best :data:`BEAM` states within
        :data:`PRUNE` of the group's best; ties in the order the states were
        first seen. Only the first ``limit`` are made into paths."""
        groups: dict[int, list[tuple]] = {}
        for c in self.best.values():
            if c is not HELD:
                groups.setdefault(c[1], []).append(c)
        kept: list[tuple] = []
        for hidden in sorted(groups):
            # stable sorts, best first: reverse=True keeps ties in order, as sorting by -score does
            group = sorted(groups[hidden], key=_score, reverse=True)
            floor = group[0][0] - PRUNE
            kept += [c for c in group[:BEAM] if c[0] >= floor]
        kept.sort(key=_score, reverse=True)
        return [_make(c) for c in kept[:limit]]


def _score(candidate: tuple) -> float:
    return candidate[0]


def _make(candidate: tuple) -> Path:
    score, hidden, parent, tail, carry, end, guess, prev, out = candidate
    if out is None:
        out = parent.out + tail
    if guess is None:
        return Path(score, carry, out, parent.guesses, prev, hidden, end, parent.chosen)
    return Path(score, carry, out, parent.guesses + (guess,), prev, hidden, end, parent.chosen + tail[:1])
