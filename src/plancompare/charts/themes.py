"""Theme charts: coverage heatmap (district × theme) and one theme's aligned passages."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from .._cells import is_missing
from ..districts import resolve_districts
from .template import (
    add_source_note,
    apply_template,
    check_lang,
    district_colour,
    district_key,
    district_label,
    district_order,
    format_lines,
    label,
    truncate,
    wrap,
)


def _top_passages_text(value, max_items: int = 3) -> str:
    """Render the ``top_passages`` cell (a list of ids, of dicts, or a string) for a hover label."""
    if is_missing(value):
        return ""
    if isinstance(value, str):
        items = [value]
    else:
        try:
            items = list(value)
        except TypeError:
            items = [value]
    out = []
    for item in items[:max_items]:
        if isinstance(item, dict):
            pid = item.get("passage_id", "")
            text = item.get("text") or item.get("heading") or item.get("section_path") or ""
            out.append(f"{pid} {truncate(text, 50)}".strip())
        else:
            out.append(truncate(item, 60))
    return "<br>".join(html.escape(x) for x in out)


def theme_coverage_heatmap(themes_table: pd.DataFrame, lang: str = "zh", districts=None,
                           themes=None, source: str | None = None, max_width: int = 1060) -> go.Figure:
    """District × theme heatmap of each theme's share of the district's text.

    ``themes_table``: rows ``theme, label_zh, label_en, district, passages, characters, share,
    top_passages`` (``share`` as a fraction 0–1 or a percentage; shown as %). Themes keep the
    table's order; a district with no passages on a theme shows 0. The figure is at most
    ``max_width`` px wide (the briefing page's width): with many themes the cells get narrower
    and their numbers smaller rather than the chart running off the page.
    """
    check_lang(lang)
    t = themes_table.copy()
    if districts is None:
        districts = district_order(t["district"].dropna().unique())
    else:
        districts = resolve_districts(districts, t["district"].dropna().unique())
    if themes is None:
        themes = list(dict.fromkeys(t["theme"]))
    lab_col = "label_zh" if lang == "zh" else "label_en"
    labels = {}
    for th in themes:
        rows = t[t["theme"] == th]
        lab = rows[lab_col].dropna().astype(str) if lab_col in rows else pd.Series(dtype=str)
        labels[th] = lab.iloc[0] if len(lab) and lab.iloc[0] else str(th)
    share = pd.to_numeric(t["share"], errors="coerce")
    scale = 100.0 if share.max(skipna=True) is not None and share.max(skipna=True) <= 1.0 + 1e-9 else 1.0
    t["_pct"] = share * scale
    t["_dk"] = t["district"].map(district_key)

    z, text, hover = [], [], []
    for d in districts:
        zr, tr, hr = [], [], []
        for th in themes:
            cell = t[(t["_dk"] == district_key(d)) & (t["theme"] == th)]
            pct = float(cell["_pct"].sum()) if len(cell) else 0.0
            n = int(pd.to_numeric(cell.get("passages"), errors="coerce").fillna(0).sum()) if len(cell) else 0
            zr.append(pct)
            tr.append(f"{pct:.1f}%")
            tops = _top_passages_text(cell["top_passages"].iloc[0]) if len(cell) and "top_passages" in cell else ""
            hr.append(
                f"<b>{html.escape(district_label(d, lang))} · {html.escape(labels[th])}</b><br>"
                f"{label('share', lang)}: {pct:.1f}%<br>{label('passages', lang)}: {n}"
                + (f"<br>{tops}" if tops else "")
            )
        z.append(zr)
        text.append(tr)
        hover.append(hr)

    width = min(max_width, max(700, 140 + 62 * len(themes)))
    cell_width = (width - 130) / max(1, len(themes))
    fig = go.Figure(go.Heatmap(
        z=z, x=[labels[th] for th in themes], y=[district_label(d, lang) for d in districts],
        text=text, texttemplate="%{text}", textfont=dict(size=12 if cell_width >= 56 else 10),
        hovertext=hover, hoverinfo="text", colorscale="Blues", zmin=0,
        colorbar=dict(title=dict(text=label("share", lang) + " (%)", side="right"), thickness=14),
        xgap=2, ygap=2, name=label("share", lang),
        meta=dict(themes=list(themes), districts=[district_key(d) for d in districts]),
    ))
    longest = max((len(labels[th]) * (2 if lang == "zh" else 1) for th in themes), default=4)
    bottom = min(220, 30 + 7 * longest)
    apply_template(fig, title=label("theme_coverage_title", lang))
    fig.update_xaxes(tickangle=-40 if len(themes) > 5 else 0, side="bottom", showgrid=False,
                     automargin=False, tickfont=dict(size=13 if cell_width >= 56 else 12))
    fig.update_yaxes(autorange="reversed", showgrid=False, tickfont=dict(size=14),
                     ticklabelstandoff=6)
    fig.update_layout(margin=dict(l=90, r=40, t=70))
    note = source or label("share_note", lang)
    add_source_note(fig, [note], lang=lang, bottom=bottom)
    fig.update_layout(height=110 + 70 * len(districts) + fig.layout.margin.b,
                      width=width)
    return fig


def aligned_passages_chart(alignment: pd.DataFrame, lang: str = "zh", theme_label: str | None = None,
                           districts=None, width: int = 40, max_chars: int = 180) -> go.Figure:
    """One theme's aligned passages across districts as a table: a row per alignment group,
    a column per district; each cell holds the passage (wrapped, truncated), its section, raw
    line and score, or "无可比内容 / nothing comparable" where a district has nothing comparable.

    ``alignment`` rows (as from ``corpus.align``): ``group_id, district, passage_id, score, text,
    section_path, line_start, status`` (``status`` may be ``"nothing comparable"``), optionally
    ``group_label`` to name each group.
    """
    check_lang(lang)
    a = alignment.copy()
    if "group" not in a:
        a["group"] = a["group_id"] if "group_id" in a else 0
    if districts is None:
        districts = district_order(a["district"].dropna().unique())
    else:
        districts = resolve_districts(districts, a["district"].dropna().unique())
    groups = list(dict.fromkeys(a["group"]))
    names = (dict(zip(a["group"], a["group_label"].fillna(""))) if "group_label" in a else {})
    a["_dk"] = a["district"].map(district_key)

    def cell_text(rows: pd.DataFrame) -> str:
        if not len(rows):
            return f"<i>{label('nothing_comparable', lang)}</i>"
        parts = []
        for _, r in rows.iterrows():
            status = str(r.get("status") or "")
            text = r.get("text")
            if "nothing" in status.lower() or status in ("无可比内容", "none") or (
                    is_missing(text) or str(text).strip() == ""):
                parts.append(f"<i>{label('nothing_comparable', lang)}</i>")
                continue
            src = " · ".join(x for x in (
                html.escape(truncate(r.get("section_path"), 40)),
                format_lines(r.get("line_start"), r.get("line_end"), lang),
                f"{label('score', lang)} {float(r['score']):.2f}" if pd.notna(r.get("score")) else "",
            ) if x)
            parts.append(f"{wrap(text, width=width, max_width=max_chars)}<br><i>{src}</i>")
        return "<br><br>".join(parts)

    header = [label("group", lang)] + [district_label(d, lang) for d in districts]
    columns = [[html.escape(truncate(names.get(g) or str(g), 24)) for g in groups]]
    n_nothing = 0
    for d in districts:
        col = []
        for g in groups:
            rows = a[(a["_dk"] == district_key(d)) & (a["group"] == g)]
            txt = cell_text(rows)
            n_nothing += txt.count(label("nothing_comparable", lang))
            col.append(txt)
        columns.append(col)
    fills = ["#555555"] + [district_colour(d) for d in districts]
    fig = go.Figure(go.Table(
        columnwidth=[0.5] + [3] * len(districts),
        header=dict(values=[f"<b>{html.escape(h)}</b>" for h in header], fill_color=fills,
                    font=dict(color="white", size=14), align="center", height=32),
        cells=dict(values=columns, align=["center"] + ["left"] * len(districts),
                   font=dict(size=12, color=[["#222222"] * len(groups)] * (len(districts) + 1)),
                   fill_color=[["#F7F7F7", "#FFFFFF"] * len(groups)], height=28),
        meta=dict(districts=[district_key(d) for d in districts], groups=[str(g) for g in groups],
                  nothing_comparable=n_nothing),
    ))
    title = label("aligned_title", lang) + (f"：{theme_label}" if theme_label and lang == "zh" else
                                           f": {theme_label}" if theme_label else "")
    apply_template(fig, title=title)
    lines_per_row = [max(c.count("<br>") + 1 for c in row) for row in zip(*columns[1:])] if districts else [1]
    est = 100 + sum(18 * n + 16 for n in lines_per_row)
    fig.update_layout(margin=dict(l=20, r=20, t=70, b=20), height=min(2400, max(320, est)),
                      width=max(900, 140 + 330 * len(districts)))
    src = a[["passage_id"]].assign(doc_id=a["passage_id"].astype(str).str.rsplit(":", n=1).str[0],
                                   line_start=a.get("line_start"), line_end=a.get("line_end")) \
        if "passage_id" in a else None
    if src is not None:
        src = src[a["passage_id"].notna().values]
        add_source_note(fig, src, lang=lang, bottom=0)
        fig.update_layout(height=fig.layout.height + (fig.layout.margin.b or 0))
    return fig
