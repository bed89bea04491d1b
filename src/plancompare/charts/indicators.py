"""Indicator charts: one registry indicator compared across districts.

Every value is a marker at (district, year/period): the marker *symbol* says whether it is a target
(◆), an annual expected target (○) or an actual / baseline value (■); the *colour* is the
district's. Comparators are written next to the value (``≥40``, ``约5.5`` / ``≈5.5``) and a range is drawn as
an error bar from ``value`` to ``value_high``. A district whose documents state nothing for the
indicator gets a grey ✕ labelled "未提及 / not stated" instead of disappearing from the chart.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .._cells import as_number
from ..districts import known_districts, resolve_districts
from ..formatting import format_row
from .template import (
    NOT_STATED_COLOUR,
    apply_template,
    add_source_note,
    check_lang,
    district_colour,
    district_key,
    district_label,
    district_order,
    label,
    wrap,
)

KINDS = ("target", "expected", "actual")
KIND_SYMBOLS = {"target": "diamond", "expected": "circle-open", "actual": "square"}
KIND_SIZES = {"target": 15, "expected": 15, "actual": 13}

#: Candidate registry ids (first present wins) and name patterns used to find the headline
#: indicators when the caller does not name an id.
GDP_GROWTH_IDS = ("gdp_growth_rate", "gdp_growth", "gdp_annual_growth", "regional_gdp_growth")
GDP_GROWTH_NAME = re.compile(r"(?:地区生产总值|GDP).*(?:增长|增速|growth)", re.I)
ELDERLY_BEDS_IDS = (
    "elderly_care_beds_per_1000_elderly", "elderly_care_beds_per_1000", "elderly_beds_per_1000",
    "eldercare_beds_per_1000", "care_beds_per_1000_elderly",
)
ELDERLY_BEDS_NAME = re.compile(r"(?:每千名老(?:年)?人.*床位|养老床位数|care beds per 1,?000)", re.I)
NURSING_SHARE_IDS = (
    "nursing_bed_share", "nursing_care_bed_share", "nursing_beds_share", "elderly_nursing_bed_share",
)
NURSING_SHARE_NAME = re.compile(r"(?:护理型.*占比|nursing.*share)", re.I)

_CHART_LABELS = {
    "gdp_title": {"zh": "地区生产总值增长", "en": "GDP growth"},
    "elderly_title": {"zh": "养老服务：每千名老年人养老床位数与护理型床位占比",
                      "en": "Elderly care: beds per 1,000 elderly and nursing-bed share"},
    "beds": {"zh": "每千名老年人养老床位数", "en": "Elderly-care beds per 1,000 elderly"},
    "nursing": {"zh": "护理型床位占比", "en": "Nursing-bed share"},
}


def _cl(key: str, lang: str) -> str:
    return _CHART_LABELS[key][lang]


def value_text(row, lang: str = "zh", with_unit: bool = True) -> str:
    """``≥40张``, ``约5.5%`` (zh) / ``≈5.5%`` (en), ``6–7%`` for one indicator row."""
    return format_row(row, lang, with_unit)


def period_text(row, lang: str = "zh") -> str:
    """The year a value refers to (``2025``) or its period (``2021–2025``)."""
    def _y(x):
        v = as_number(x)
        return None if v is None else int(v)

    ps, pe, y = _y(row.get("period_start")), _y(row.get("period_end")), _y(row.get("year"))
    if ps is not None and pe is not None and ps != pe and (y is None or y == pe):
        return f"{ps}–{pe}"
    if y is not None:
        return str(y)
    if pe is not None:
        return str(pe)
    return "—" if lang == "zh" else "n.d."


def _resolve_id(indicators: pd.DataFrame, ids: Sequence[str], pattern: re.Pattern) -> str | None:
    if indicators is None or len(indicators) == 0:
        return None
    present = set(indicators["indicator_id"].dropna().astype(str))
    for i in ids:
        if i in present:
            return i
    names = indicators[["indicator_id", "name"]].copy()
    if "indicator_name_en" in indicators:
        names["name"] = names["name"].astype(str) + " " + indicators["indicator_name_en"].astype(str)
    hits = names[names["name"].astype(str).str.contains(pattern) & (names["indicator_id"].astype(str) != "")]
    if len(hits):
        return str(hits["indicator_id"].value_counts().index[0])
    return None


def indicator_rows(indicators: pd.DataFrame, indicator_id: str, districts=None,
                   documents: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list]:
    """The rows for ``indicator_id`` (deduplicated, ordered) and the districts to show.

    ``districts`` may be spelt any way :func:`plancompare.districts.resolve_district` accepts; they
    are resolved against the districts of ``indicators`` and of ``documents`` (where a district
    with documents but no statement is legitimately "not stated"); an unknown one raises
    :class:`~plancompare.errors.UnknownItemError`.
    """
    if indicators is None:
        indicators = pd.DataFrame(columns=["indicator_id", "district"])
    if districts is None:
        districts = district_order(indicators["district"].dropna().unique()) if "district" in indicators else []
    else:
        known = known_districts(documents) if documents is not None else {}
        for d in (indicators["district"].dropna().unique() if "district" in indicators else []):
            known.setdefault(str(d), [])
        districts = resolve_districts(districts, known)
    df = indicators[indicators["indicator_id"].astype(str) == str(indicator_id)].copy() if len(indicators) else indicators.copy()
    if len(df):
        keys = {district_key(d) for d in districts}
        df = df[df["district"].map(district_key).isin(keys)]
        dedupe = [c for c in ("district", "scope", "value", "value_high", "comparator", "kind", "year",
                              "period_start", "period_end") if c in df]
        df = df.drop_duplicates(subset=dedupe)
        df["_dorder"] = df["district"].map(lambda d: [district_key(x) for x in districts].index(district_key(d)))
        df["_korder"] = df["kind"].map(lambda k: KINDS.index(k) if k in KINDS else len(KINDS))
        df["_year"] = pd.to_numeric(df.get("year"), errors="coerce")
        df = df.sort_values(["_dorder", "_year", "_korder"], na_position="last").drop(
            columns=["_dorder", "_korder", "_year"])
    return df, districts


def _hover(row, lang: str) -> str:
    kind = label(str(row.get("kind")), lang)
    where = district_label(row["district"], lang) + (f" · {_scope(row)}" if _scope(row) else "")
    parts = [
        f"<b>{html.escape(where)}</b> · {html.escape(kind)}",
        f"{html.escape(value_text(row, lang))} ({html.escape(period_text(row, lang))})",
        wrap(row.get("quote"), width=46, max_width=200),
        html.escape(f"{row.get('doc_id', '')} · " + _line_ref(row, lang)),
    ]
    return "<br>".join(p for p in parts if p)


def _line_ref(row, lang: str) -> str:
    line = as_number(row.get("line"))
    return label("line", lang).format(int(line)) if line is not None else ""


def _scope(row) -> str:
    """The sub-area a row's figure belongs to (empty for the district's own headline figure)."""
    scope = row.get("scope")
    return "" if scope is None or (isinstance(scope, float) and pd.isna(scope)) else str(scope).strip()


def _x_categories(rows: pd.DataFrame, lang: str) -> list[list[str]]:
    """The two-level x categories of ``rows``: [district labels], [year/period labels]; a sub-area's figure
    (``scope`` set) is labelled with it (``2025 · 平原新城``) so it is never read as the district's own."""
    return [[district_label(d, lang) for d in rows["district"]],
            [period_text(r, lang) + (f" · {_scope(r)}" if _scope(r) else "") for _, r in rows.iterrows()]]


def _statement_trace(rows: pd.DataFrame, kind: str, lang: str) -> go.Scatter:
    """The markers of one statement kind (target/expected/actual): value labels, hover text and
    an upward error bar to ``value_high`` for ranges."""
    values = pd.to_numeric(rows["value"], errors="coerce")
    is_range = (rows.get("comparator") == "range") & pd.to_numeric(rows.get("value_high"), errors="coerce").notna()
    plus = [(float(h) - float(v)) if r and pd.notna(v) else 0.0
            for r, v, h in zip(is_range, values, pd.to_numeric(rows.get("value_high"), errors="coerce"))]
    colours = [district_colour(d) for d in rows["district"]]
    return go.Scatter(
        x=_x_categories(rows, lang), y=values.tolist(), mode="markers+text",
        name=label(kind, lang), legendgroup=kind, showlegend=False,
        offsetgroup=kind,
        marker=dict(symbol=KIND_SYMBOLS[kind], size=KIND_SIZES[kind], color=colours,
                    line=dict(width=2.5 if kind == "expected" else 1, color=colours)),
        error_y=dict(type="data", symmetric=False, array=plus, arrayminus=[0.0] * len(plus),
                     visible=any(plus), thickness=2, width=6, color="#555555"),
        text=[value_text(r, lang) for _, r in rows.iterrows()],
        textposition="middle right", textfont=dict(size=12, color=colours),
        hovertext=[_hover(r, lang) for _, r in rows.iterrows()], hoverinfo="text",
        meta=dict(kind=kind, districts=[district_key(d) for d in rows["district"]]),
    )


def _add_indicator_traces(fig: go.Figure, df: pd.DataFrame, districts: list, lang: str,
                          row: int | None = None, col: int | None = None, show_legend: bool = True) -> None:
    """Add one indicator's markers (+ not-stated markers) to ``fig`` (optionally a subplot cell)."""
    cell = dict(row=row, col=col) if row is not None else {}
    stated = {district_key(d) for d in df["district"]} if len(df) else set()
    missing = [d for d in districts if district_key(d) not in stated]

    finite = pd.to_numeric(df.get("value"), errors="coerce").dropna() if len(df) else pd.Series(dtype=float)
    highs = pd.to_numeric(df.get("value_high"), errors="coerce").dropna() if len(df) and "value_high" in df else pd.Series(dtype=float)
    baseline = min(0.0, float(finite.min())) if len(finite) else 0.0

    # An invisible first trace fixes the order of the categories: districts in the given order,
    # within a district its years ascending (plotly orders categories by first appearance).
    order: list[tuple[str, str]] = []
    for d in districts:
        k = district_key(d)
        if k in stated:
            rows = df[df["district"].map(district_key) == k]
            pairs = [(district_label(d, lang), p) for p in _x_categories(rows, lang)[1]]
        else:
            pairs = [(district_label(d, lang), label("not_stated", lang))]
        order.extend(p for p in pairs if p not in order)
    if order:
        fig.add_trace(go.Scatter(
            x=[[a for a, _ in order], [b for _, b in order]], y=[baseline] * len(order), mode="markers",
            marker=dict(opacity=0, size=1), showlegend=False, hoverinfo="skip",
            meta=dict(kind="axis_order"), name="axis_order",
        ), **cell)

    for kind in KINDS:
        rows = df[df["kind"] == kind] if len(df) else df
        if len(rows):
            fig.add_trace(_statement_trace(rows, kind, lang), **cell)
    if missing:
        x_name, band = _not_stated_band(fig, row, col, lang)
        fig.add_trace(
            go.Scatter(
                x=[[district_label(d, lang) for d in missing], [label("not_stated", lang)] * len(missing)],
                y=[0.5] * len(missing), mode="markers", xaxis=x_name, yaxis=band,
                name=label("not_stated", lang), legendgroup="not_stated", showlegend=False,
                marker=dict(symbol="x-thin-open", size=14, line=dict(width=2, color=NOT_STATED_COLOUR),
                            color=NOT_STATED_COLOUR),
                hovertext=[f"{district_label(d, lang)}: {label('not_stated', lang)}" for d in missing],
                hoverinfo="text",
                meta=dict(kind="not_stated", districts=[district_key(d) for d in missing]),
            ),
        )
    # room for the value labels to the right and above the highest range
    top = max([*finite.tolist(), *highs.tolist(), baseline]) if len(finite) else 1.0
    pad = (top - baseline) * 0.15 or 1.0
    value_axis = dict(range=[baseline - pad * 0.6, top + pad], zeroline=True, zerolinecolor="#BBBBBB")
    if cell:
        fig.update_yaxes(**value_axis, **cell)
        fig.update_xaxes(tickfont=dict(size=13), **cell)
    else:  # not update_yaxes(): that would also rescale the "not stated" band
        fig.layout.yaxis.update(value_axis)
        fig.layout.xaxis.update(tickfont=dict(size=13))
    if show_legend:
        _add_legend_keys(fig, lang, with_not_stated=bool(missing))


#: Height of the "not stated" band under the values, as a share of the plot height.
NOT_STATED_BAND = 0.12


def _not_stated_band(fig: go.Figure, row: int | None, col: int | None, lang: str) -> tuple[str, str]:
    """A grey band under a plot's value axis for "not stated" markers; returns (x axis, band axis).

    Drawing them on the value axis at 0 made "not stated" read as a value of zero. The band is a
    separate y axis with no numbers, labelled 未提及 / not stated, and the x axis moves under it.
    """
    if row is None:
        x_axis, y_axis = fig.layout.xaxis, fig.layout.yaxis
    else:
        subplot = fig.get_subplot(row, col)
        x_axis, y_axis = subplot.xaxis, subplot.yaxis
    x_name = "x" + x_axis.plotly_name.removeprefix("xaxis")
    used = [int(k.removeprefix("yaxis") or 1) for k in fig.layout.to_plotly_json() if k.startswith("yaxis")]
    number = max([1, *used]) + 1
    band = f"y{number}"
    top = y_axis.domain[1] if y_axis.domain else 1.0
    y_axis.domain = [NOT_STATED_BAND + 0.05, top]
    x_axis.anchor = band
    fig.layout[f"yaxis{number}"] = dict(
        domain=[0, NOT_STATED_BAND], anchor=x_name, range=[0, 1], fixedrange=True, showgrid=False,
        zeroline=False, tickmode="array", tickvals=[0.5], ticktext=[label("not_stated", lang)],
        tickfont=dict(size=11, color=NOT_STATED_COLOUR), showline=False,
    )
    fig.add_shape(type="rect", xref=f"{x_name} domain", yref=f"{band} domain", x0=0, x1=1, y0=0, y1=1,
                  fillcolor="#F2F2F2", line=dict(width=0), layer="below")
    return x_name, band


def _add_legend_keys(fig: go.Figure, lang: str, with_not_stated: bool = True, kinds: Iterable[str] = KINDS) -> None:
    """Legend-only traces: the marker symbol of each kind, in neutral grey."""
    existing = {t.name for t in fig.data if getattr(t, "meta", None) and t.meta.get("legend_only")}
    keys = [(k, KIND_SYMBOLS[k]) for k in kinds]
    if with_not_stated:
        keys.append(("not_stated", "x-thin-open"))
    for key, symbol in keys:
        name = label(key, lang)
        if name in existing:
            continue
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name=name, legendgroup=key, showlegend=True,
            marker=dict(symbol=symbol, size=12, color="#555555", line=dict(width=2, color="#555555")),
            hoverinfo="skip", meta=dict(legend_only=True, kind=key),
        ))


def _indicator_title(df: pd.DataFrame, indicator_id: str, lang: str, fallback: str | None = None) -> str:
    name = None
    if len(df):
        col = "indicator_name_en" if lang == "en" and "indicator_name_en" in df else "name"
        names = df[col].dropna().astype(str)
        names = names[names != ""]
        if len(names):
            name = names.value_counts().index[0]
    name = name or fallback or str(indicator_id)
    units = df["unit"].dropna().astype(str) if len(df) and "unit" in df else pd.Series(dtype=str)
    units = units[units != ""]
    if len(units):
        name += f"（{units.value_counts().index[0]}）" if lang == "zh" else f" ({units.value_counts().index[0]})"
    return name


def _source_frame(df: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("doc_id", "line") if c in df]
    return df[cols] if len(cols) == 2 else pd.DataFrame(columns=["doc_id", "line"])


def indicator_chart(indicators: pd.DataFrame, indicator_id: str, districts=None, lang: str = "zh",
                    title: str | None = None, documents: pd.DataFrame | None = None) -> go.Figure:
    """Compare one registry indicator (by id) across districts.

    ``indicators``: the corpus indicator table. ``districts``: which districts to show, in any
    spelling (default: every district in ``indicators``), any of which may state nothing and then
    shows as "未提及 / not stated"; an unknown one raises ``UnknownItemError``. ``documents``
    (optional) adds document titles to the source note and its districts to the known ones.
    """
    check_lang(lang)
    df, districts = indicator_rows(indicators, indicator_id, districts, documents)
    fig = go.Figure()
    _add_indicator_traces(fig, df, districts, lang)
    apply_template(fig, title=title or _indicator_title(df, indicator_id, lang), height=520)
    fig.update_layout(
        scattermode="group", scattergap=0.5,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        meta=dict(indicator_id=str(indicator_id)),
    )
    add_source_note(fig, _source_frame(df), lang=lang, documents=documents)
    fig.update_layout(height=470 + (fig.layout.margin.b or 80))
    return fig


def gdp_growth_chart(indicators: pd.DataFrame, districts=None, lang: str = "zh",
                     indicator_id: str | None = None, documents: pd.DataFrame | None = None) -> go.Figure:
    """GDP growth targets, expected targets and actuals per district (thin wrapper)."""
    check_lang(lang)
    iid = indicator_id or _resolve_id(indicators, GDP_GROWTH_IDS, GDP_GROWTH_NAME) or GDP_GROWTH_IDS[0]
    df, _ = indicator_rows(indicators, iid, districts, documents)
    title = _indicator_title(df, iid, lang, fallback=_cl("gdp_title", lang))
    return indicator_chart(indicators, iid, districts=districts, lang=lang, title=title, documents=documents)


def elderly_care_chart(indicators: pd.DataFrame, districts=None, lang: str = "zh",
                       beds_id: str | None = None, nursing_id: str | None = None,
                       documents: pd.DataFrame | None = None) -> go.Figure:
    """Elderly-care beds per 1,000 elderly (left) and the nursing-bed share (right), per district."""
    check_lang(lang)
    bid = beds_id or _resolve_id(indicators, ELDERLY_BEDS_IDS, ELDERLY_BEDS_NAME) or ELDERLY_BEDS_IDS[0]
    nid = nursing_id or _resolve_id(indicators, NURSING_SHARE_IDS, NURSING_SHARE_NAME) or NURSING_SHARE_IDS[0]
    bdf, districts = indicator_rows(indicators, bid, districts, documents)
    ndf, _ = indicator_rows(indicators, nid, districts, documents)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=(
        _indicator_title(bdf, bid, lang, fallback=_cl("beds", lang)),
        _indicator_title(ndf, nid, lang, fallback=_cl("nursing", lang)),
    ))
    _add_indicator_traces(fig, bdf, districts, lang, row=1, col=1, show_legend=False)
    _add_indicator_traces(fig, ndf, districts, lang, row=1, col=2, show_legend=False)
    missing_any = any(getattr(t, "meta", {}) and t.meta.get("kind") == "not_stated" for t in fig.data)
    _add_legend_keys(fig, lang, with_not_stated=missing_any)
    apply_template(fig, title=_cl("elderly_title", lang), height=540)
    fig.update_layout(margin=dict(t=125))
    fig.update_annotations(font_size=14, selector=dict(text=fig.layout.annotations[0].text))
    fig.update_annotations(font_size=14, selector=dict(text=fig.layout.annotations[1].text))
    fig.update_layout(
        scattermode="group", scattergap=0.5,
        legend=dict(orientation="h", yanchor="bottom", y=1.09, xanchor="right", x=1.0),
        meta=dict(indicator_id=[bid, nid]),
    )
    add_source_note(fig, _source_frame(pd.concat([bdf, ndf])), lang=lang, documents=documents)
    fig.update_layout(height=480 + (fig.layout.margin.b or 80))
    return fig
