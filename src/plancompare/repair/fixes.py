"""The record of one change made by the repair, and the marks it leaves."""

from __future__ import annotations

from dataclasses import dataclass

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

