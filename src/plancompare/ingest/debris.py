"""Format debris: the lines a page layout leaves in extracted text.

Page numbers and leaked Word ``PAGE`` fields, tables of contents with page numbers,
and, for PDFs, running headers/footers and superscript footnote marks.  The rules
are data (the ``[format_debris]`` table of ``data/cruft.toml``) and apply to every
format; the PDF-only rules need page boundaries.  Each dropped line becomes a repair
record of kind ``format_debris_dropped`` so nothing disappears silently.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ._source import Extracted

DEBRIS_KIND = "format_debris_dropped"


@dataclass(frozen=True)
class DebrisRules:
    """Compiled ``[format_debris]`` rules; see ``data/cruft.toml``."""

    page_number: tuple[re.Pattern, ...]
    toc_heading: re.Pattern
    toc_entry: re.Pattern
    toc_min_run: int
    pdf_marks: re.Pattern
    running_min_share: float
    running_min_pages: int

    @classmethod
    def from_spec(cls, spec: dict) -> "DebrisRules":
        return cls(
            page_number=tuple(re.compile(p) for p in spec["page_number"]),
            toc_heading=re.compile(spec["toc_heading"]),
            toc_entry=re.compile(spec["toc_entry"]),
            toc_min_run=int(spec["toc_min_run"]),
            pdf_marks=re.compile(spec["pdf_marks"]),
            running_min_share=float(spec["running_min_share"]),
            running_min_pages=int(spec["running_min_pages"]),
        )


@lru_cache(maxsize=1)
def load_debris_rules() -> DebrisRules:
    """The bundled rules (read once per process)."""
    raw = resources.files("plancompare").joinpath("data/cruft.toml").read_bytes()
    return DebrisRules.from_spec(tomllib.loads(raw.decode("utf-8"))["format_debris"])


def find_debris(extracted: Extracted, rules: DebrisRules | None = None) -> list[dict]:
    """Repair records (``line, kind, before, after, confidence``) for each debris line, by line number."""
    rules = rules or load_debris_rules()
    stripped = [_strip(line) for line in extracted.lines]
    found: dict[int, float] = {}
    for index, line in enumerate(stripped):
        if line and any(p.search(line) for p in rules.page_number):
            found[index] = 1.0
    for index in _table_of_contents(stripped, rules):
        found.setdefault(index, 0.9)
    if extracted.pages:
        for index, line in enumerate(stripped):
            if line and rules.pdf_marks.match(line):
                found.setdefault(index, 0.9)
        for index in _running_lines(stripped, extracted.pages, rules):
            found.setdefault(index, 0.9)
    return [
        {"line": index + 1, "kind": DEBRIS_KIND, "before": extracted.lines[index].strip(), "after": "",
         "confidence": confidence}
        for index, confidence in sorted(found.items())
    ]


def _strip(line: str) -> str:
    return line.strip(" \t\u3000\u00a0\ufeff")


def _table_of_contents(lines: list[str], rules: DebrisRules) -> list[int]:
    """Indices of runs of at least ``toc_min_run`` entries with non-decreasing page numbers (+ their heading)."""
    found: list[int] = []
    run: list[int] = []
    last_page = -1

    def close_run() -> None:
        if len(run) >= rules.toc_min_run:
            found.extend(run)
            heading = _previous_nonblank(lines, run[0])
            if heading is not None and rules.toc_heading.match(lines[heading].replace("\t", " ")):
                found.append(heading)

    for index, line in enumerate(lines):
        if not line:
            continue
        match = rules.toc_entry.match(line)
        page = int(match.group("page")) if match else -1
        if match and (not run or page >= last_page):
            run.append(index)
            last_page = page
            continue
        close_run()
        run, last_page = ([index], page) if match else ([], -1)
    close_run()
    return found


def _previous_nonblank(lines: list[str], index: int) -> int | None:
    for back in range(index - 1, max(index - 4, -1), -1):
        if lines[back]:
            return back
    return None


def _running_lines(lines: list[str], pages: list[tuple[int, int]], rules: DebrisRules) -> list[int]:
    """First/last lines of pages that recur (digits ignored) on enough pages: running headers and footers."""
    if len(pages) < rules.running_min_pages:
        return []
    edges: list[tuple[str, int]] = []  # (position + shape, line index)
    for first, last in pages:
        body = [i for i in range(first, last + 1) if lines[i]]
        if not body:
            continue
        edges.append(("top:" + _shape(lines[body[0]]), body[0]))
        if len(body) > 1:
            edges.append(("bottom:" + _shape(lines[body[-1]]), body[-1]))
    counts = Counter(shape for shape, _ in edges)
    needed = max(rules.running_min_pages, rules.running_min_share * len(pages))
    return [index for shape, index in edges if counts[shape] >= needed]


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))
