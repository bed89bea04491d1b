"""Unnumbered heading lines inside passages: ``2025年工作回顾``, ``"十四五"时期重大成就``, ``2026年工作安排``.

The outline (:mod:`plancompare.outline`) knows numbered headings (``一、``, ``（一）``, ``第X章``) and a few named
ones (``前言``); a bare line that titles a section without numbering — common in news digests of work reports
and in short reports — stays body text, so its numbers get no section direction: the review of 2025 in a 2026
report digest reads as the 2026 goals. For the indicators only (the passages are left as they are), such a line
is read as a heading when it is short (:data:`BARE_HEADING_MAX_CHARS`), carries no sentence punctuation and no
number other than a year, and names a section direction word (``past_section_words`` / ``future_section_words``
of ``data/indicators.toml``): a line without one (``■综合实力再上台阶``) says nothing about time and is skipped.

A bare heading holds for the lines after it, in its passage and in the following passages of the same document
while they stay under the same numbered section (the same ``section_path`` or a deeper one); the next bare
heading replaces it, and a new numbered section ends it.

In: a passage's text and ``section_path``, the cue words, the heading carried from the previous passage.
Out: per line of the passage, the section path to read its numbers under (``section_path`` with the bare
heading put after the numbered headings it stands under; None where no bare heading holds), and the heading
carried on.
"""

from __future__ import annotations

import re

from ..text.headings import heading_marker
from .rules import section_context

__all__ = ["BARE_HEADING_MAX_CHARS", "bare_heading", "line_context", "line_sections"]

BARE_HEADING_MAX_CHARS = 24  # 过去五年及2022年工作回顾 / "十四五"时期重大成就; a longer line is a sentence
_BULLETS = "■□●○◆◇▲△★☆▶►•·・-－—*＊ \t\u3000"
_SENTENCE_PUNCT = re.compile(r"[，,。；;：:！!？?%％]")
_NON_YEAR_DIGIT = re.compile(r"\d(?!\d*年)|(?<!\d)\d{1,3}年")


def bare_heading(line: str, cues: dict) -> str | None:
    """``line`` (stripped of bullets) when it is an unnumbered heading naming a section direction, else None."""
    text = line.strip().strip(_BULLETS)
    if "\t" in text or "|" in text:
        return None  # a table's header row (指标⇥2020年⇥2025年目标) is read by tables.py, not a heading
    if not 2 <= len(text) <= BARE_HEADING_MAX_CHARS or heading_marker(text) is not None:
        return None
    if _SENTENCE_PUNCT.search(text) or _NON_YEAR_DIGIT.search(text):
        return None
    words = cues.get("past_section_words", []) + cues.get("future_section_words", [])
    return text if any(w in text for w in words) else None


def _under(path: str, carried: tuple | None) -> str | None:
    """The bare heading carried in ``carried`` (heading, path it stood under) if ``path`` is still under it."""
    if carried is None:
        return None
    heading, base = carried
    if path == base:
        return f"{base} > {heading}" if base else heading
    if base and path.startswith(base + " > "):
        return f"{base} > {heading} > {path[len(base) + 3:]}"
    return None


def line_sections(text: str, section_path: str, cues: dict, carried: tuple | None,
                  title: str = "") -> tuple[list, tuple | None]:
    """Per line of a passage, the section path its numbers are read under, and the bare heading carried on.

    ``carried``: ``(heading, section_path it stood under)`` from the previous passage of the same document, or
    None; ``title``: the document's title — a page's title line (``…政府工作报告提出今年发展主要目标``) heads the
    whole page, not a section of it. A line with no bare heading in force gets None (``section_path`` holds)."""
    path = str(section_path or "")
    if _under(path, carried) is None:
        carried = None
    title = re.sub(r"\s", "", title or "")
    out = []
    for line in text.split("\n"):
        heading = bare_heading(line, cues)
        # a heading already in the path (sections.py reads a passage's first line the same way) is not repeated
        if heading is not None and re.sub(r"\s", "", line) != title and heading not in path:
            carried = (heading, path)
        out.append(_under(path, carried))
    return out, carried


def line_context(ctx: dict, path: str | None) -> dict:
    """``ctx`` (the extractor's per-passage context) with ``section_path`` and the section read from ``path``, the
    path :func:`line_sections` gave a line under a bare heading; ``ctx`` itself when ``path`` is None."""
    if path is None:
        return ctx
    return {**ctx, "section_path": path, "section": section_context(path, ctx["cues"], ctx["cues"].get("periods", []))}
