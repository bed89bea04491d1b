"""Layout wraps: raw lines that continue on the next line because the page, not the author, broke them.

Two signals, both independent of any one document:

* **geometry** (PDF, laid out with spaces): a line followed by one that starts at the
  page's usual indent (a new paragraph is indented further; a wrapped line is not),
  when the first reaches near the right margin or stops without closing punctuation.
  Margins are measured per page in display columns.
* **an open bracket or quote** (any format): a line that opens ``《 （ “`` and does not
  close it stops mid-phrase.

The cleaner joins these lines and logs each join as ``line_joined``.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from ._source import Extracted

_PAIRS = {"《": "》", "（": "）", "“": "”", "【": "】", "「": "」"}
_TERMINAL = "。！？；：!?;:"
# A wrapped line ends beyond this share of the page's widest line (half-width digits
# and kinsoku make wrapped lines a few columns ragged); its continuation starts at most
# this many columns right of the page's usual indent.
RIGHT_SHARE = 0.85
LEFT_SLACK = 1
# A paragraph's first line is indented by a few characters; a line indented further is centred.
MAX_FIRST_INDENT = 12


def layout_breaks(extracted: Extracted, dropped: set[int]) -> set[int]:
    """1-based raw line numbers that continue on the next kept line.

    ``dropped`` holds 1-based numbers of debris lines, which are skipped when looking
    for the next line (a page number between two halves of a sentence).
    """
    lines = extracted.lines
    kept = [i for i, line in enumerate(lines) if line.strip() and (i + 1) not in dropped]
    breaks = {i + 1 for i in kept if _unclosed(lines[i].strip())}
    if extracted.pages:
        breaks |= _geometry_breaks(lines, kept, extracted.pages, dropped)
    return breaks


def display_width(text: str) -> int:
    """Columns a monospaced layout gives ``text`` (wide CJK characters count two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _unclosed(line: str) -> bool:
    depth = {opener: 0 for opener in _PAIRS}
    for ch in line:
        if ch in _PAIRS:
            depth[ch] += 1
        for opener, closer in _PAIRS.items():
            if ch == closer and depth[opener]:
                depth[opener] -= 1
    return any(depth.values()) and not line.endswith(tuple(_TERMINAL))


def _geometry_breaks(lines, kept, pages, dropped) -> set[int]:
    page_of, margins = {}, []
    for number, (first, last) in enumerate(pages):
        prose = [i for i in range(first, last + 1) if (i + 1) not in dropped and _is_prose(lines[i])]
        for i in range(first, last + 1):
            page_of[i] = number
        if len(prose) < 2:
            margins.append(None)
            continue
        # Wrapped lines start at the page's usual indent (new paragraphs are indented
        # further) and end near the widest line.
        left = Counter(_indent(lines[i]) for i in prose).most_common(1)[0][0]
        right = max(display_width(lines[i].rstrip()) for i in prose)
        margins.append((left, right))
    breaks = set()
    for current, following in zip(kept, kept[1:]):
        here, there = margins[page_of[current]], margins[page_of[following]]
        if here is None or there is None or not _is_prose(lines[current]) or not _is_prose(lines[following]):
            continue
        text = lines[current].rstrip()
        reaches_right = display_width(text) >= RIGHT_SHARE * here[1]
        starts_left = _indent(lines[following]) <= there[0] + LEFT_SLACK
        centred = _indent(text) > here[0] + MAX_FIRST_INDENT  # a title, not a paragraph's first line
        if starts_left and not centred and (reaches_right or not text.endswith(tuple(_TERMINAL))):
            breaks.add(current + 1)
    return breaks


def _is_prose(line: str) -> bool:
    """A line of running text, not a table row (cells are tab-separated by the PDF reader)."""
    stripped = line.strip()
    return bool(stripped) and "\t" not in stripped


def _indent(line: str) -> int:
    return display_width(line) - display_width(line.lstrip(" \u3000"))
