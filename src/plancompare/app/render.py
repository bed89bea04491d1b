"""HTML fragments for the precedent finder, every piece of document text escaped.

Plans are untrusted input: a passage may contain ``<script>`` or an ``onerror=`` attribute.
Every function here escapes document text with :func:`html.escape` *before* adding its own
markup (highlights, badges, line numbers), so what a plan says is displayed, never run.
The functions take plain values or DataFrame rows and return strings; they hold no state.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from .._cells import as_number, is_missing

#: Verdict id -> (label shown, CSS class). The ids come from ``corpus.search``/``compare``.
VERDICTS = {
    "comparable": ("comparable · 可比", "v-comparable"),
    "related": ("related · 相关", "v-related"),
    "none": ("nothing comparable · 无可比内容", "v-none"),
}
NOT_STATED_LABEL = "not stated · 未提及"

CSS = """
.pc-card{border:1px solid #d8dee4;border-radius:6px;padding:8px 12px;margin:6px 0;background:#fff}
.pc-meta{color:#555;font-size:12px}
.pc-actions{margin:6px 0 2px 0;display:flex;gap:14px;align-items:center;font-size:13px}
.pc-actions button{border:1px solid #0072B2;color:#0072B2;background:#fff;border-radius:4px;padding:4px 10px;cursor:pointer}
.pc-actions button:hover{background:#eaf3fb}
.pc-ctx summary{cursor:pointer;color:#37474F;font-size:13px}
.pc-text{font-size:14px;line-height:1.6;margin:4px 0;white-space:pre-wrap}
.pc-text mark,.pc-context mark{background:#ffe08a;padding:0 1px}
.pc-badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;margin-right:6px}
.v-comparable{background:#d1f2d9;color:#11612a}.v-related{background:#fff1c2;color:#7a5a00}
.v-none{background:#eceff1;color:#546e7a}
.pc-district{font-size:17px;font-weight:700;margin:14px 0 2px 0;border-bottom:2px solid #37474F}
.pc-context{font-size:13px;line-height:1.55;background:#fafafa;border-left:3px solid #90a4ae;padding:4px 8px}
.pc-context .ln{color:#888;display:inline-block;min-width:3.5em;text-align:right;margin-right:8px;font-family:monospace}
.pc-context .here{background:#eef6ff}
.pc-diff .same{background:#d8ecff}
.pc-diff .diff{background:#ffe3e3}
.pc-table{border-collapse:collapse;font-size:13px}.pc-table th,.pc-table td{border:1px solid #ccc;padding:4px 6px;vertical-align:top}
.pc-table th{background:#37474F;color:#fff}
.pc-notstated{color:#9e9e9e;font-style:italic}
.pc-quote{font-size:12px;color:#333;margin:2px 0 4px 0;border-left:2px solid #bbb;padding-left:6px}
.pc-error{color:#b00020;font-weight:600}.pc-ok{color:#11612a;font-weight:600}
"""


def esc(value) -> str:
    """``value`` as escaped HTML text ("" for a missing cell)."""
    return "" if is_missing(value) else html.escape(str(value))


def term_list(value) -> list[str]:
    """The terms of a ``matched_terms`` cell (list, array or ``、``/``;``-joined string).

    A glossary mapping such as ``elderly care→养老`` yields both sides, so the Chinese term found
    in the passage is highlighted.
    """
    if is_missing(value):
        return []
    items = re.split(r"[、;,]\s*", value) if isinstance(value, str) else [str(v) for v in value]
    terms: list[str] = []
    for item in items:
        terms.extend(part.strip() for part in item.split("→"))
    return [t for t in dict.fromkeys(terms) if t]


def highlight(text, terms: Iterable[str]) -> str:
    """Escaped ``text`` with every occurrence of ``terms`` wrapped in ``<mark>`` (longest first)."""
    text = "" if is_missing(text) else str(text)
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out, pos = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[pos:match.start()]))
        out.append(f"<mark>{html.escape(match.group(0))}</mark>")
        pos = match.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def verdict_badge(verdict, p_comparable=None) -> str:
    """A coloured badge for a verdict (with its probability), or "" when no verdict is known."""
    if is_missing(verdict) or str(verdict) not in VERDICTS:
        return ""
    text, css = VERDICTS[str(verdict)]
    p = as_number(p_comparable)
    extra = f" p={p:.2f}" if p is not None else ""
    return f"<span class='pc-badge {css}' data-verdict='{esc(verdict)}'>{text}{extra}</span>"


def line_ref(start, end=None) -> str:
    """``line 12`` or ``lines 12–14`` for raw-file line numbers ("" when unknown)."""
    a, b = as_number(start, int), as_number(end, int)
    if a is None:
        return ""
    return f"line {a}" if b is None or b == a else f"lines {a}–{b}"


def passage_html(hit: pd.Series | dict, *, terms: Sequence[str] = (), title: str = "") -> str:
    """One passage: verdict badge, score, document, section path, raw line and highlighted text."""
    get = hit.get
    score = as_number(get("score"))
    meta = " · ".join(part for part in (
        esc(title), f"score {score:.3f}" if score is not None else "", esc(get("doc_id")),
        esc(get("section_path")), line_ref(get("line_start"), get("line_end"))) if part)
    return (f"<div class='pc-head'>{verdict_badge(get('verdict'), get('p_comparable'))}"
            f"<span class='pc-meta'>{meta}</span></div>"
            f"<div class='pc-text'>{highlight(get('text'), terms)}</div>")


def context_html(lines: Sequence[tuple[int | None, str, bool]], terms: Sequence[str] = ()) -> str:
    """The lines around a passage: raw line number, escaped text, the passage's own lines shaded."""
    rows = []
    for number, text, inside in lines:
        ln = "" if number is None else str(number)
        css = " class='here'" if inside else ""
        rows.append(f"<div{css}><span class='ln'>{ln}</span>{highlight(text, terms)}</div>")
    return f"<div class='pc-context'>{''.join(rows)}</div>"


def diff_html(source: str, peer: str, min_block: int = 2) -> tuple[str, str]:
    """Both texts escaped, with what they share marked ``same`` and what differs marked ``diff``.

    Matching runs shorter than ``min_block`` characters are treated as different, so single shared
    characters (的, 和) do not dapple the text.
    """
    source, peer = str(source or ""), str(peer or "")
    matcher = difflib.SequenceMatcher(None, source, peer, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size >= min_block]
    return (_mark_spans(source, [(b.a, b.a + b.size) for b in blocks]),
            _mark_spans(peer, [(b.b, b.b + b.size) for b in blocks]))


def _mark_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in sorted(spans):
        if start > pos:
            out.append(f"<span class='diff'>{html.escape(text[pos:start])}</span>")
        out.append(f"<span class='same'>{html.escape(text[start:end])}</span>")
        pos = end
    if pos < len(text):
        out.append(f"<span class='diff'>{html.escape(text[pos:])}</span>")
    return "".join(out)


def shared_fraction(source: str, peer: str, min_block: int = 2) -> float:
    """Share of ``peer``'s characters found in runs of at least ``min_block`` shared with ``source``."""
    if not peer:
        return 0.0
    matcher = difflib.SequenceMatcher(None, str(source), str(peer), autojunk=False)
    return sum(b.size for b in matcher.get_matching_blocks() if b.size >= min_block) / len(peer)


def statement_html(row: dict) -> str:
    """One indicator statement for a table cell: the value, its quote on hover and a click away."""
    display = row.get("display", "")
    if is_missing(row.get("quote")) or not str(row.get("quote")) or display == "not stated":
        return f"<span class='pc-notstated'>{NOT_STATED_LABEL}</span>"
    source = " · ".join(p for p in (esc(row.get("doc_id")), line_ref(row.get("line"))) if p)
    return (f"<details class='pc-stmt'><summary title='{esc(row.get('quote'))}'>{esc(display)}</summary>"
            f"<div class='pc-quote'>“{esc(row.get('quote'))}”<br><span class='pc-meta'>{source}</span></div>"
            f"</details>")


def indicator_table_html(long: pd.DataFrame, districts: Sequence[str], indicator_ids: Sequence[str],
                         names: dict[str, str]) -> str:
    """District × indicator table from ``compare_indicators(..., layout="long")``.

    Every cell lists the district's statements (quote on hover, quote and source line on click);
    a district that states nothing reads "not stated" explicitly.
    """
    head = "".join(f"<th>{esc(names.get(i, i))}<br><span style='font-weight:400'>{esc(i)}</span></th>"
                   for i in indicator_ids)
    body = []
    for district in districts:
        cells = []
        for ind in indicator_ids:
            rows = long[(long["district"] == district) & (long["indicator_id"] == ind)]
            inner = "".join(statement_html(r) for r in rows.to_dict("records")) or statement_html({})
            cells.append(f"<td>{inner}</td>")
        body.append(f"<tr><th>{esc(district)}</th>{''.join(cells)}</tr>")
    return f"<table class='pc-table'><tr><th>district</th>{head}</tr>{''.join(body)}</table>"


def table_html(frame: pd.DataFrame, max_rows: int = 200) -> str:
    """A plain escaped HTML table of ``frame`` (first ``max_rows`` rows)."""
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
                   for row in frame.head(max_rows).itertuples(index=False))
    return f"<table class='pc-table'><tr>{head}</tr>{rows}</table>"


def strip_tags(fragment: str) -> str:
    """Plain text of a small HTML fragment (``<br>`` becomes a line break), unescaped."""
    text = re.sub(r"<br\s*/?>", "\n", str(fragment or ""))
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def message_html(text: str, ok: bool = False) -> str:
    """A one-line status message, escaped."""
    return f"<div class='{'pc-ok' if ok else 'pc-error'}'>{esc(text)}</div>"
