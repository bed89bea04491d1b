"""A readable table of search / compare hits with their sources."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from .._cells import is_missing
from .template import (
    apply_template,
    check_lang,
    district_colour,
    district_label,
    format_lines,
    label,
    wrap,
)


def precedent_table(hits: pd.DataFrame, lang: str = "zh", title: str | None = None,
                    width: int = 56, max_chars: int = 240) -> go.Figure:
    """A plotly Table of ``search``/``compare`` hits.

    ``hits`` columns: ``passage_id, doc_id, district, score, text, section_path, line_start,
    line_end`` (+ optional ``rank``, ``matched_terms``, ``verdict`` with ``p_comparable``, shown as
    ``comparable 0.82`` in place of the score). Text is wrapped at ``width`` display
    columns and cut at ``max_chars``; the source column gives document, section and raw lines.
    """
    check_lang(lang)
    h = hits.reset_index(drop=True)
    ranks = h["rank"].tolist() if "rank" in h else list(range(1, len(h) + 1))
    dist = [district_label(d, lang) for d in h.get("district", [""] * len(h))]
    scores = [f"{float(s):.3f}" if pd.notna(s) else "" for s in h.get("score", [None] * len(h))]
    score_label = label("score", lang)
    if "verdict" in h:  # the verdict says what the score cannot: comparable, related or nothing comparable
        verdict_key = {"none": "nothing_comparable"}
        scores = [f"{label(verdict_key.get(str(v), str(v)), lang)}<br>{float(p):.2f}" if pd.notna(p)
                  else label(verdict_key.get(str(v), str(v)), lang)
                  for v, p in zip(h["verdict"], h.get("p_comparable", [None] * len(h)))]
        score_label = label("verdict", lang)
    texts = [wrap(t, width=width, max_width=max_chars) for t in h.get("text", [""] * len(h))]
    sources = []
    for _, r in h.iterrows():
        parts = [html.escape(str(r.get("doc_id", "")))]
        if pd.notna(r.get("section_path")) and str(r.get("section_path")):
            parts.append(wrap(r.get("section_path"), width=28, max_width=90))
        lines = format_lines(r.get("line_start"), r.get("line_end"), lang)
        if lines:
            parts.append(lines)
        sources.append("<br>".join(parts))
    header = [label("rank", lang), label("district", lang), score_label, label("text", lang),
              label("source", lang)]
    values = [ranks, dist, scores, texts, sources]
    widths = [0.5, 0.9, 0.7, 5.0, 2.2]
    if "matched_terms" in h:
        def terms(x):
            if is_missing(x):
                return ""
            if isinstance(x, str):
                return html.escape(x)
            return html.escape("、".join(map(str, x)) if lang == "zh" else ", ".join(map(str, x)))
        header.insert(4, label("matched_terms", lang))
        values.insert(4, [terms(x) for x in h["matched_terms"]])
        widths.insert(4, 1.2)
    dist_colours = [district_colour(d) for d in h.get("district", [""] * len(h))]
    font_colours = [["#222222"] * len(h) for _ in values]
    font_colours[1] = dist_colours
    fig = go.Figure(go.Table(
        columnwidth=widths,
        header=dict(values=[f"<b>{html.escape(x)}</b>" for x in header], fill_color="#37474F",
                    font=dict(color="white", size=13), align="left", height=30),
        cells=dict(values=values, align=["center", "center", "center", "left", "left", "left"][: len(values)],
                   font=dict(size=12, color=font_colours), height=26,
                   fill_color=[["#F7F7F7" if i % 2 == 0 else "#FFFFFF" for i in range(len(h))]]),
        meta=dict(n_hits=len(h)),
    ))
    lines = [max(t.count("<br>"), s.count("<br>")) + 1 for t, s in zip(texts, sources)]
    apply_template(fig, title=title or label("precedents_title", lang))
    fig.update_layout(margin=dict(l=20, r=20, t=60, b=20), width=1100,
                      height=min(2400, max(260, 110 + sum(18 * n + 14 for n in lines))))
    return fig
