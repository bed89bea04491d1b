"""Indicator tables whose columns are years: ``指标 | 2020年 | 2025年 | 2035年``.

Readers give a table as one line per row with the cells separated by tabs. In a table whose header row
names years, each number in a row belongs to its column's year, and the row's label (``每千名老年人拥有
养老床位数（张）``) names the indicator and, in brackets, the unit of bare numbers (``46``).

In: the text of one passage. Out: for every table row under such a header, ``{line number: {cell number:
year}}`` (cells counted from the right end of the row, so a row with an extra sub-label cell still lines up).
"""

from __future__ import annotations

import re

__all__ = ["year_columns", "label_unit"]

_YEAR_CELL = re.compile(r"^\s*((?:19|20)\d{2})\s*年?(?:\s*[（(][^）)]{0,8}[）)])?\s*(?:目标|预期|实际|基期)?\s*$")


def _cells(line: str) -> list[str]:
    return line.split("\t")


def year_columns(text: str, open_header: dict[int, int] | None = None) -> tuple[dict[int, dict[int, int]], dict | None]:
    """``{line: {cell counted from the right (0 = last): year}}`` for the rows of year-column tables, and the
    header still open at the end of ``text`` (a reader may give each table row as its own passage: pass it
    as ``open_header`` for the next passage of the same document)."""
    out: dict[int, dict[int, int]] = {}
    header = open_header
    for no, line in enumerate(text.split("\n")):
        cells = _cells(line)
        if len(cells) < 2:
            header = None  # the table ended
            continue
        years = {len(cells) - 1 - i: int(m.group(1)) for i, cell in enumerate(cells)
                 if i > 0 and (m := _YEAR_CELL.match(cell))}
        if len(years) >= 2:
            header = years
            continue
        if header is not None:
            out[no] = header
    return out, header


def label_unit(label: str) -> str:
    """The unit a row label gives in brackets: ``…床位数（张）`` -> ``张``, ``…比（%）`` -> ``%``."""
    m = re.search(r"[（(]([^（()）]{1,6})[）)]\s*$", label)
    return m.group(1).strip() if m else ""
