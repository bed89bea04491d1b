"""Export charts for briefings: PNG/SVG/PDF (kaleido ≥ 1 + a system Chromium) and self-contained HTML.

Kaleido 1.x no longer ships a browser. It drives a Chrome/Chromium through ``choreographer``,
which looks for one in this order:

1. a browser downloaded by ``kaleido.get_chrome_sync()`` / ``choreo_get_chrome`` (under
   ``platformdirs.user_data_dir("choreographer", "plotly")/deps``);
2. ``$BROWSER_PATH`` if set;
3. ``chrome``, ``google-chrome``, ``chromium``, ``chromium-browser``, … on ``$PATH``;
4. the typical install paths (``/usr/bin/chromium`` …).

It starts the browser headless with ``--no-sandbox`` (so it runs as root in a container) and
needs no display. Debian's ``chromium`` package is therefore found on ``PATH`` with no setup;
``BROWSER_PATH=/usr/bin/chromium`` pins it explicitly. This module checks for a browser and for
a CJK font *before* rendering, because a missing CJK font does not fail: Chinese turns into boxes.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from ._cells import is_missing
from .errors import PlancompareError

log = logging.getLogger(__name__)

IMAGE_FORMATS = ("png", "svg", "pdf")
ALL_FORMATS = ("png", "svg", "pdf", "html")
DEFAULT_WIDTH = 1000
DEFAULT_HEIGHT = 560

#: Where fonts live when fontconfig (``fc-list``) is not available to ask.
DEFAULT_FONT_DIRS = (
    "/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
    "/Library/Fonts", "/System/Library/Fonts", "~/Library/Fonts", "C:/Windows/Fonts",
)
_FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc", ".woff", ".woff2")
#: File-name fragments of common CJK fonts (used when scanning a directory without fontconfig).
_CJK_FONT_NAMES = (
    "cjk", "wqy", "wenquanyi", "sourcehansans", "sourcehanserif", "notosanssc", "notoserifsc",
    "droidsansfallback", "msyh", "simhei", "simsun", "simkai", "simfang", "pingfang", "stheiti",
    "hiragino", "arphic", "ukai", "uming", "noto sans sc", "sarasa", "lxgw", "alibaba", "harmonyos",
)

FONT_FIX = (
    "Install one, e.g. `apt-get install fonts-wqy-microhei` (or fonts-noto-cjk; "
    "`brew install --cask font-noto-sans-cjk-sc` on macOS), or point fontconfig at a directory "
    "holding a CJK font; then check with `fc-list :lang=zh`."
)
BROWSER_FIX = (
    "Image export (PNG/SVG/PDF) renders through kaleido with a Chrome or Chromium browser. "
    "Install one (`apt-get install chromium` on Debian/Ubuntu), or set BROWSER_PATH=/path/to/chrome, "
    "or download one with `plotly_get_chrome` / `python -c 'import kaleido; kaleido.get_chrome_sync()'`. "
    "HTML export works without a browser (formats=('html',))."
)


# --------------------------------------------------------------------------------------------
# environment checks

def find_browser() -> str:
    """The Chrome/Chromium kaleido will use (the same search as kaleido's), or a clear error."""
    path = None
    try:
        from choreographer.browsers.chromium import Chromium

        path = Chromium.find_browser(skip_local=False)
    except Exception as exc:  # noqa: BLE001 - any failure here means "not found"
        log.debug("choreographer browser search failed: %s", exc)
    if not path:
        for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
            path = shutil.which(name)
            if path:
                break
    if not path or not Path(path).is_file() or not os.access(path, os.X_OK):
        where = f" (BROWSER_PATH={os.environ['BROWSER_PATH']!r} is not an executable file)" \
            if os.environ.get("BROWSER_PATH") else ""
        raise PlancompareError(f"No Chrome or Chromium browser found{where}. {BROWSER_FIX}")
    return str(path)


def _font_files(dirs: Iterable[str | os.PathLike]) -> list[Path]:
    files = []
    for d in dirs:
        p = Path(d).expanduser()
        if p.is_dir():
            files.extend(f for f in p.rglob("*") if f.suffix.lower() in _FONT_SUFFIXES and f.is_file())
    return files


def _font_has_chinese(path: Path) -> bool:
    name = path.name.lower().replace("-", "").replace("_", "")
    if any(frag.replace(" ", "") in name for frag in _CJK_FONT_NAMES):
        return True
    fc_query = shutil.which("fc-query")
    if fc_query:
        try:
            out = subprocess.run([fc_query, "--format=%{lang}\n", str(path)], capture_output=True,
                                 text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            return False
        return any(lang in ("zh-cn", "zh-sg", "zh-tw", "zh-hk") or lang.startswith("zh")
                   for line in out.splitlines() for lang in line.split("|"))
    return False


def check_cjk_font(font_dirs: Sequence[str | os.PathLike] | None = None) -> str:
    """Make sure a font with Chinese glyphs is installed; return the first one found.

    With ``font_dirs=None`` it asks fontconfig (``fc-list :lang=zh``), which is what Chromium
    uses, and scans :data:`DEFAULT_FONT_DIRS` if ``fc-list`` is missing. With ``font_dirs``
    it scans only those directories. Raises :class:`PlancompareError` naming the fix otherwise.
    """
    if font_dirs is None:
        fc_list = shutil.which("fc-list")
        if fc_list:
            try:
                out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True,
                                     timeout=30).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                out = ""
            if out:
                return out.splitlines()[0].split(",")[0]
            searched = "fontconfig (`fc-list :lang=zh` lists nothing)"
        else:
            for f in _font_files(DEFAULT_FONT_DIRS):
                if _font_has_chinese(f):
                    return f.name
            searched = "the font directories " + ", ".join(DEFAULT_FONT_DIRS)
    else:
        for f in _font_files(font_dirs):
            if _font_has_chinese(f):
                return f.name
        searched = "the font directories " + ", ".join(str(d) for d in font_dirs)
    raise PlancompareError(
        f"No font with Chinese (CJK) glyphs found in {searched}; exported charts would show "
        f"Chinese text as empty boxes. {FONT_FIX}"
    )


# --------------------------------------------------------------------------------------------
# writing

def _size(fig: go.Figure, width: int | None, height: int | None) -> tuple[int, int]:
    w = width or fig.layout.width or DEFAULT_WIDTH
    h = height or fig.layout.height or DEFAULT_HEIGHT
    return int(w), int(h)


def _stem(path: str | os.PathLike) -> Path:
    p = Path(path)
    if p.suffix.lower().lstrip(".") in ALL_FORMATS:
        p = p.with_suffix("")
    return p


def render_images(jobs: Sequence[tuple[go.Figure, Path, str, float, int | None, int | None]], *,
                  check_fonts: bool = True, font_dirs: Sequence[str | os.PathLike] | None = None,
                  timeout: float = 120) -> list[Path]:
    """Render many (figure, path, format, scale, width, height) jobs in one browser session."""
    if not jobs:
        return []
    for _, _, fmt, *_ in jobs:
        if fmt not in IMAGE_FORMATS:
            raise ValueError(f"unknown image format {fmt!r}; use one of {IMAGE_FORMATS}")
    if check_fonts:
        check_cjk_font(font_dirs)
    browser = find_browser()
    import kaleido

    objs = []
    for fig, path, fmt, scale, width, height in jobs:
        w, h = _size(fig, width, height)
        path.parent.mkdir(parents=True, exist_ok=True)
        objs.append({"fig": fig, "path": str(path),
                     "opts": {"format": fmt, "scale": scale, "width": w, "height": h}})
    # mathjax=False: no CDN fetch (works offline); the browser found above is passed explicitly
    kopts = {"mathjax": False, "timeout": timeout, "path": browser}
    try:
        kaleido.write_fig_from_object_sync(objs, kopts=kopts)
    except Exception as exc:
        if type(exc).__name__ == "ChromeNotFoundError":
            raise PlancompareError(f"kaleido could not start a browser ({exc}). {BROWSER_FIX}") from exc
        raise PlancompareError(
            f"Exporting {len(objs)} image(s) with kaleido and {browser} failed: {exc!r}. "
            "Check that the browser starts headless (`chromium --headless --no-sandbox --dump-dom about:blank`)."
        ) from exc
    out = []
    for o in objs:
        p = Path(o["path"])
        if not p.is_file() or p.stat().st_size == 0:
            raise PlancompareError(f"kaleido wrote no image to {p}")
        out.append(p)
    return out


def write_html(fig: go.Figure, path: str | os.PathLike) -> Path:
    """Self-contained HTML (plotly.js inlined, works offline)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(str(p), include_plotlyjs=True, full_html=True,
                   config={"displaylogo": False, "responsive": True})
    return p


def write_figure(fig: go.Figure, path: str | os.PathLike,
                 formats: Sequence[str] = ("png", "svg", "pdf", "html"), scale: float = 2, *,
                 width: int | None = None, height: int | None = None, check_fonts: bool = True,
                 font_dirs: Sequence[str | os.PathLike] | None = None) -> dict[str, Path]:
    """Write ``fig`` as ``path.png``, ``path.svg``, ``path.pdf`` and/or ``path.html``.

    ``path`` is a stem (a suffix that names a format is dropped). Images are rendered by kaleido
    with the system Chrome/Chromium at ``scale`` (2 = print resolution) and the figure's own
    width/height (else 1000×560); the HTML embeds plotly.js. Before rendering images it checks
    for a CJK font (``font_dirs`` to look in specific directories only) and for a browser, and
    raises :class:`~plancompare.errors.PlancompareError` with the fix if either is missing.
    Returns ``{format: path}``.
    """
    formats = [f.lower().lstrip(".") for f in ([formats] if isinstance(formats, str) else formats)]
    bad = [f for f in formats if f not in ALL_FORMATS]
    if bad:
        raise ValueError(f"unknown export format(s) {bad}; use any of {ALL_FORMATS}")
    stem = _stem(path)
    written: dict[str, Path] = {}
    jobs = [(fig, stem.with_name(stem.name + f".{f}"), f, scale, width, height)
            for f in formats if f in IMAGE_FORMATS]
    for p in render_images(jobs, check_fonts=check_fonts, font_dirs=font_dirs):
        written[p.suffix.lstrip(".")] = p
    if "html" in formats:
        written["html"] = write_html(fig, stem.with_name(stem.name + ".html"))
    return {f: written[f] for f in formats}


# --------------------------------------------------------------------------------------------
# briefing

#: Headline indicators of the briefing table (registry ids; unknown ids are shown as not stated).
DEFAULT_BRIEFING_INDICATORS = (
    "gdp_growth_rate",
    "gdp_total",
    "rd_spending_growth",
    "high_tech_enterprises_count",
    "per_capita_disposable_income",
    "pm25_concentration",
    "air_quality_good_days_ratio",
    "elderly_care_beds_per_1000_elderly",
    "nursing_bed_share",
)

_B = {
    "title": {"zh": "区域发展规划对比简报", "en": "District development plans: comparison briefing"},
    "intro": {"zh": "{districts}规划文本的指标与主题对比。每张图下列出原文出处（文件、章节、原始文件行号）。",
              "en": "Indicators and themes in the plans of {districts}. Each figure lists its sources (document, section, raw-file line)."},
    "table": {"zh": "主要指标对比", "en": "Headline indicators"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "sources": {"zh": "原文出处", "en": "Sources"},
    "gdp": {"zh": "地区生产总值增长目标", "en": "GDP growth targets"},
    "elderly": {"zh": "养老床位", "en": "Elderly-care beds"},
    "themes": {"zh": "主题覆盖", "en": "Theme coverage"},
    "files": {"zh": "图表文件", "en": "Chart files"},
    "none": {"zh": "（无）", "en": "(none)"},
    "rep": {"zh": "各主题代表段落", "en": "Representative passages per theme"},
    "precedents": {"zh": "各区可比做法", "en": "Precedents in each district"},
    "precedents_note": {
        "zh": "每区列出与检索语最可比的一段及判断：可比（目标相同）、相关（主题相同、目标不同）或无可比内容（所列为最接近的一段，供核对）；数字为可比概率。",
        "en": "Each district's passage most comparable to the query, with a verdict: comparable (same goal), related (same theme, different goal) or nothing comparable (the passage shown is the nearest miss, for checking); the number is the probability of comparable."},
    "verdict": {"zh": "判断", "en": "Verdict"},
    "passage": {"zh": "段落", "en": "Passage"},
    "matched": {"zh": "匹配词", "en": "Matched terms"},
}


#: The page's content width (px); charts are drawn no wider than this.
PAGE_WIDTH = 1100


def _b(key: str, lang: str) -> str:
    return _B[key][lang]


def _text(x) -> str:
    return "" if is_missing(x) else str(x)


def passage_ids(cell) -> list[str]:
    """The passage ids of a ``themes_table().top_passages`` cell: a ``;``-joined string or a list."""
    if isinstance(cell, str):
        return [pid for pid in cell.split(";") if pid]
    if is_missing(cell):
        return []
    return [str(pid.get("passage_id", "")) if isinstance(pid, dict) else str(pid) for pid in cell]


def headline_table(indicators: pd.DataFrame, indicator_ids: Sequence[str], districts=None,
                   lang: str = "zh") -> pd.DataFrame:
    """A wide district × indicator table of display strings (``≥40张（目标值，2025）``).

    The statements come from :func:`plancompare.compare_indicators` and are written by the one
    bilingual formatter (:func:`plancompare.formatting.format_statement`); a missing indicator
    reads "not stated" / 未提及. ``districts`` may be spelt any way the district resolver accepts;
    a district with no indicator at all is listed with every cell not stated.
    """
    from .charts.template import check_lang, district_key, district_label, district_order, label
    from .formatting import format_statement
    from .indicators import compare_indicators, load_registry

    check_lang(lang)
    present = indicators["district"].dropna().unique() if len(indicators) else []
    if districts is None:
        districts = district_order(present)
    keyed = {district_key(d): d for d in present}
    # districts without any indicator cannot be resolved against the indicator table: they are
    # listed as not stated, while every other district goes through the resolver
    stated = [d for d in districts if district_key(d) in keyed]
    registry = load_registry().table.set_index("indicator_id")
    name_column = "name_en" if lang == "en" else "name"
    names = {iid: registry[name_column].get(iid, iid) for iid in indicator_ids}
    long = compare_indicators(indicators, list(indicator_ids), districts=stated, layout="long") if stated else None
    separator = "；" if lang == "zh" else "; "
    cells: dict[tuple, list[str]] = {}
    if long is not None:
        for _, row in long.iterrows():
            text = label("not_stated", lang) if row["kind"] == "" else format_statement(row, lang)
            texts = cells.setdefault((district_key(row["district"]), row["indicator_id"]), [])
            if text not in texts:
                texts.append(text)
    table = pd.DataFrame(
        [[separator.join(cells.get((district_key(d), iid), [label("not_stated", lang)])) for iid in indicator_ids]
         for d in districts],
        index=[district_label(d, lang) for d in districts],
        columns=[names.get(iid, iid) for iid in indicator_ids],
    )
    table.index.name = label("district", lang)
    return table


def _table_context(table: pd.DataFrame) -> dict:
    return {
        "index_name": table.index.name or "",
        "columns": [str(c) for c in table.columns],
        "rows": [{"name": _text(i), "cells": [_text(v) for v in row]}
                 for i, row in zip(table.index, table.itertuples(index=False))],
    }


def _section_of(passages: pd.DataFrame | None, passage_id) -> str:
    if passages is None or not len(passages) or passage_id is None or "passage_id" not in passages:
        return ""
    hit = passages.loc[passages["passage_id"] == passage_id, "section_path"] if "section_path" in passages else []
    return str(hit.iloc[0]) if len(hit) else ""


def _titles(documents: pd.DataFrame | None) -> dict:
    if documents is None or not len(documents) or not {"doc_id", "title"} <= set(documents.columns):
        return {}
    return dict(zip(documents["doc_id"], documents["title"]))


def _quote_items(rows: pd.DataFrame, lang: str, documents: pd.DataFrame | None,
                 passages: pd.DataFrame | None) -> list[dict]:
    """The source quotes under an indicator chart: who, value, quote, document, section, raw line."""
    from .charts.indicators import period_text, value_text
    from .charts.template import district_label, label

    if rows is None or not len(rows):
        return []
    titles = _titles(documents)
    items = []
    for _, r in rows.iterrows():
        section = r.get("section_path") if "section_path" in rows else None
        if is_missing(section) or str(section) == "":
            section = _section_of(passages, r.get("passage_id"))
        line = r.get("line")
        items.append({
            "who": f"{district_label(r.get('district'), lang)} · {label(str(r.get('kind')), lang)} · "
                   f"{value_text(r, lang)} ({period_text(r, lang)})",
            "quote": _text(r.get("quote")),
            "doc_id": _text(r.get("doc_id")),
            "title": _text(titles.get(r.get("doc_id"))),
            "section": _text(section),
            "lines": label("line", lang).format(int(line)) if line is not None and pd.notna(line) else "",
        })
    return items


def _theme_passage_items(themes_table: pd.DataFrame, passages: pd.DataFrame | None, documents, lang: str,
                         per_cell: int = 1) -> list[dict]:
    """Representative passages per (theme, district), with document, section and raw lines."""
    from .charts.template import district_label, format_lines, truncate

    if themes_table is None or not len(themes_table) or "top_passages" not in themes_table:
        return []
    by_id = passages.drop_duplicates("passage_id").set_index("passage_id") \
        if passages is not None and len(passages) and "passage_id" in passages else None
    titles = _titles(documents)
    label_column = "label_zh" if lang == "zh" else "label_en"
    items = []
    for _, r in themes_table.iterrows():
        for pid in passage_ids(r.get("top_passages"))[:per_cell]:
            if by_id is None or pid not in by_id.index:
                continue  # an id the passages table lacks is not shown as if it were text
            hit = by_id.loc[pid]
            items.append({
                "who": f"{_text(r.get(label_column, r.get('theme')))} · {district_label(r.get('district'), lang)}",
                "quote": truncate(hit.get("text", ""), 220),
                "doc_id": _text(hit.get("doc_id")),
                "title": _text(titles.get(hit.get("doc_id"))),
                "section": _text(hit.get("section_path")),
                "lines": format_lines(hit.get("line_start"), hit.get("line_end"), lang),
            })
    return items


def _precedent_blocks(corpus, queries: Sequence[str], districts: Sequence[str], documents,
                      lang: str) -> list[dict]:
    """For each query, each district's best passage (``corpus.search(..., k=1, min_verdict="none")``) with
    its verdict, probability, matched terms and provenance; a district's verdict ``none`` reads
    "nothing comparable" and its passage is the near-miss."""
    from .charts.template import district_label, format_lines, label, truncate

    titles = _titles(documents)
    verdict_key = {"none": "nothing_comparable"}
    separator = "、" if lang == "zh" else ", "
    blocks = []
    for query in queries:
        rows = []
        for district in districts:
            hits = corpus.search(query, k=1, district=district, min_verdict="none")
            if not len(hits):
                continue
            hit = hits.iloc[0]
            terms = [t for column in ("matched_terms", "matched_variants")
                     if isinstance(hit.get(column), (list, tuple)) for t in hit.get(column)]
            rows.append({
                "who": district_label(district, lang),
                "verdict": label(verdict_key.get(str(hit["verdict"]), str(hit["verdict"])), lang),
                "verdict_class": str(hit["verdict"]),
                "p": f"{float(hit['p_comparable']):.2f}",
                "quote": truncate(_text(hit.get("text")), 220),
                "terms": separator.join(map(str, terms)),
                "doc_id": _text(hit.get("doc_id")),
                "title": _text(titles.get(hit.get("doc_id"))),
                "section": _text(hit.get("section_path")),
                "lines": format_lines(hit.get("line_start"), hit.get("line_end"), lang),
            })
        blocks.append({"query": query, "rows": rows})
    return blocks


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("plancompare", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def write_briefing(corpus, out_dir: str | os.PathLike = "reports",
                   indicator_ids: Sequence[str] = DEFAULT_BRIEFING_INDICATORS, lang: str = "zh", *,
                   formats: Sequence[str] = ("png", "svg"), scale: float = 2,
                   check_fonts: bool = True, font_dirs: Sequence[str | os.PathLike] | None = None,
                   precedent_queries: Sequence[str] = ()) -> Path:
    """Write ``out_dir/briefing.html`` (self-contained) and the charts as PNG and SVG files.

    The page (``templates/briefing.html.j2``, rendered by Jinja2 with autoescaping: document text
    is untrusted) holds the headline indicator table (district × indicator), the GDP-growth,
    elderly-care and theme-coverage charts, and under each chart the source quotes with
    document, section and raw line. ``formats=()`` skips the image files (no browser needed).
    ``precedent_queries`` (e.g. ``["长者食堂"]``) add a precedents section: for each query, every
    district's most comparable passage with its verdict (comparable / related / nothing comparable),
    probability, matched terms and source.
    Returns the path of ``briefing.html``.
    """
    from .charts.template import check_lang, district_label

    check_lang(lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    documents = getattr(corpus, "documents", None)
    passages = getattr(corpus, "passages", None)
    indicators = getattr(corpus, "indicators", None)
    if indicators is None:
        indicators = pd.DataFrame(columns=["indicator_id", "name", "district", "doc_id", "value", "value_high",
                                           "unit", "comparator", "kind", "year", "period_start", "period_end",
                                           "quote", "passage_id", "line"])
    figures, districts, ids = _briefing_figures(corpus, indicators, documents, passages, lang, indicator_ids)
    table = headline_table(indicators, ids, districts=districts, lang=lang)
    precedents = _precedent_blocks(corpus, precedent_queries, districts, documents, lang) if precedent_queries else []

    files: dict[str, list[Path]] = {}
    img_formats = [f for f in formats if f in IMAGE_FORMATS]
    if img_formats:
        jobs = [(f["figure"], out / f"{f['stem']}.{fmt}", fmt, scale, None, None)
                for f in figures for fmt in img_formats]
        for p in render_images(jobs, check_fonts=check_fonts, font_dirs=font_dirs):
            files.setdefault(p.stem, []).append(p)
    for i, f in enumerate(figures):
        f["div"] = f.pop("figure").to_html(full_html=False, include_plotlyjs=i == 0, div_id=f"fig-{f['stem']}",
                                           config={"displaylogo": False, "responsive": True})
        f["files"] = [p.name for p in files.get(f["stem"], [])]
    html_text = _environment().get_template("briefing.html.j2").render(
        html_lang="zh-CN" if lang == "zh" else "en",
        page_width=PAGE_WIDTH,
        text={key: _b(key, lang) for key in _B},
        intro=_b("intro", lang).format(districts=("、" if lang == "zh" else ", ").join(
            district_label(d, lang) for d in districts)),
        table=_table_context(table),
        figures=figures,
        precedents=precedents,
    )
    path = out / "briefing.html"
    path.write_text(html_text, encoding="utf-8")
    return path


def _briefing_figures(corpus, indicators, documents, passages, lang, indicator_ids):
    """The briefing's charts (with their source items), its districts and its headline indicator ids."""
    from .charts import elderly_care_chart, gdp_growth_chart, theme_coverage_heatmap
    from .charts.indicators import (
        ELDERLY_BEDS_IDS, ELDERLY_BEDS_NAME, GDP_GROWTH_IDS, GDP_GROWTH_NAME, NURSING_SHARE_IDS,
        NURSING_SHARE_NAME, _resolve_id, indicator_rows,
    )
    from .charts.template import district_order

    names = []
    if documents is not None and len(documents) and "district" in documents:
        names.extend(documents["district"].dropna().unique())
    names.extend(indicators["district"].dropna().unique() if len(indicators) else [])
    districts = district_order(names)

    gdp_id = _resolve_id(indicators, GDP_GROWTH_IDS, GDP_GROWTH_NAME) or GDP_GROWTH_IDS[0]
    beds_id = _resolve_id(indicators, ELDERLY_BEDS_IDS, ELDERLY_BEDS_NAME) or ELDERLY_BEDS_IDS[0]
    nurse_id = _resolve_id(indicators, NURSING_SHARE_IDS, NURSING_SHARE_NAME) or NURSING_SHARE_IDS[0]

    gdp = gdp_growth_chart(indicators, districts=districts, lang=lang, indicator_id=gdp_id, documents=documents)
    gdp_rows, _ = indicator_rows(indicators, gdp_id, districts, documents)
    eld = elderly_care_chart(indicators, districts=districts, lang=lang, beds_id=beds_id, nursing_id=nurse_id,
                             documents=documents)
    eld_rows = pd.concat([indicator_rows(indicators, beds_id, districts, documents)[0],
                          indicator_rows(indicators, nurse_id, districts, documents)[0]])
    figures = [
        {"stem": "gdp_growth", "heading": _b("gdp", lang), "figure": gdp,
         "quotes": _quote_items(gdp_rows, lang, documents, passages), "passages": []},
        {"stem": "elderly_care", "heading": _b("elderly", lang), "figure": eld,
         "quotes": _quote_items(eld_rows, lang, documents, passages), "passages": []},
    ]
    themes_table = corpus.themes_table() if hasattr(corpus, "themes_table") else None
    if themes_table is not None and len(themes_table):
        heat = theme_coverage_heatmap(themes_table, lang=lang, max_width=PAGE_WIDTH - 40)
        figures.append({"stem": "theme_coverage", "heading": _b("themes", lang), "figure": heat, "quotes": [],
                        "passages": _theme_passage_items(themes_table, passages, documents, lang)})

    ids = list(indicator_ids)
    # the chart indicators stand in for their default ids when the table uses other ids for them
    present = set(indicators["indicator_id"].astype(str)) if len(indicators) else set()
    resolved = {GDP_GROWTH_IDS[0]: gdp_id, ELDERLY_BEDS_IDS[0]: beds_id, NURSING_SHARE_IDS[0]: nurse_id}
    ids = [resolved.get(i, i) if i not in present else i for i in ids]
    return figures, districts, ids
