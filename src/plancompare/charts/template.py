"""The shared look of every plancompare chart.

One template (a Chinese-capable font stack, readable sizes, white background), one colour per
district that stays the same in every chart, bilingual labels (``lang="zh"`` or ``"en"``) and a
helper that writes the sources (documents and raw-file lines) under a chart.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from .._cells import as_number, is_missing
from ..districts import district_key as _key
from ..errors import OptionError

#: Fonts tried in order. The CJK families come first so that Latin text and Chinese text share
#: one typeface wherever one of them is installed; ``sans-serif`` is the last resort.
FONT_FAMILY = (
    "Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Micro Hei, Microsoft YaHei, "
    "PingFang SC, Hiragino Sans GB, SimHei, sans-serif"
)

TEMPLATE_NAME = "plancompare"
LANGS = ("zh", "en")

#: Known districts: canonical id -> (Chinese label, English label, colour).
#: Colours are from the Okabe-Ito colour-blind-safe palette.
DISTRICTS: dict[str, tuple[str, str, str]] = {
    "Huli": ("湖里区", "Huli", "#0072B2"),
    "Cangshan": ("仓山区", "Cangshan", "#D55E00"),
    "Chikan": ("赤坎区", "Chikan", "#009E73"),
}
_EXTRA_COLOURS = ("#CC79A7", "#E69F00", "#56B4E9", "#8C6D31", "#7F7F7F", "#9467BD", "#BCBD22")
#: The same table keyed by the spelling-independent key of :func:`plancompare.districts.district_key`.
_BY_KEY = {_key(name): name for name in DISTRICTS}

NOT_STATED_COLOUR = "#9E9E9E"

#: Bilingual labels used across the charts.
LABELS: dict[str, dict[str, str]] = {
    "target": {"zh": "目标值", "en": "Target"},
    "expected": {"zh": "预期目标", "en": "Expected (annual)"},
    "actual": {"zh": "实际值", "en": "Actual / baseline"},
    "not_stated": {"zh": "未提及", "en": "not stated"},
    "nothing_comparable": {"zh": "无可比内容", "en": "nothing comparable"},
    "district": {"zh": "区", "en": "District"},
    "theme": {"zh": "主题", "en": "Theme"},
    "share": {"zh": "文本占比", "en": "Share of text"},
    "passages": {"zh": "段落数", "en": "Passages"},
    "source": {"zh": "来源", "en": "Source"},
    "line": {"zh": "第{}行", "en": "line {}"},
    "lines": {"zh": "第{}行", "en": "lines {}"},
    "rank": {"zh": "排序", "en": "Rank"},
    "score": {"zh": "相似度", "en": "Score"},
    "text": {"zh": "原文", "en": "Text"},
    "section": {"zh": "章节", "en": "Section"},
    "matched_terms": {"zh": "匹配词", "en": "Matched terms"},
    "verdict": {"zh": "判断", "en": "Verdict"},
    "comparable": {"zh": "可比", "en": "comparable"},
    "related": {"zh": "相关", "en": "related"},
    "group": {"zh": "对齐组", "en": "Group"},
    "value": {"zh": "数值", "en": "Value"},
    "year": {"zh": "年份", "en": "Year"},
    "period": {"zh": "期间", "en": "Period"},
    "quote": {"zh": "原文", "en": "Quote"},
    "document": {"zh": "文件", "en": "Document"},
    "theme_coverage_title": {"zh": "各区主题覆盖（占文本比例）", "en": "Theme coverage by district (share of text)"},
    "aligned_title": {"zh": "各区可比段落", "en": "Aligned passages across districts"},
    "precedents_title": {"zh": "检索结果与出处", "en": "Matching passages and their sources"},
    "share_note": {
        "zh": "占比 = 该主题段落字数 / 该区全部正文字数",
        "en": "Share = characters in the theme's passages / all body text of the district",
    },
}

def check_lang(lang: str) -> str:
    """``lang`` itself if it is ``"zh"`` or ``"en"``; :class:`OptionError` (a ``ValueError``) otherwise."""
    if lang not in LANGS:
        raise OptionError(f"unknown language {lang!r}: labels exist in zh (Chinese) and en (English)")
    return lang


def label(key: str, lang: str = "zh") -> str:
    """The label ``key`` in ``lang`` (``"zh"`` or ``"en"``); the key itself if unknown."""
    check_lang(lang)
    return LABELS.get(key, {}).get(lang, key)


def district_key(district) -> str:
    """The canonical id of a district given in any spelling (``湖里区``, ``湖里``, ``huli``, ``Huli``).

    Known districts give their :data:`DISTRICTS` id (``Huli``); any other name gives its
    spelling-independent key from :func:`plancompare.districts.district_key`, so ``思明区`` and
    ``Siming`` still land on the same colour and row.
    """
    key = _key(district)
    return _BY_KEY.get(key, key)


def district_label(district, lang: str = "zh") -> str:
    check_lang(lang)
    key = district_key(district)
    if key in DISTRICTS:
        zh, en, _ = DISTRICTS[key]
        return zh if lang == "zh" else en
    return str(district)


def district_colour(district) -> str:
    """The district's colour: fixed for the known districts, a stable hash-based pick otherwise."""
    key = district_key(district)
    if key in DISTRICTS:
        return DISTRICTS[key][2]
    return _EXTRA_COLOURS[zlib.crc32(key.encode("utf-8")) % len(_EXTRA_COLOURS)]


def district_order(districts: Iterable) -> list:
    """Districts deduplicated, the known three first (Huli, Cangshan, Chikan), then alphabetical."""
    known = list(DISTRICTS)
    seen: dict[str, object] = {}
    for d in districts:
        if is_missing(d) or str(d).strip() == "":
            continue
        seen.setdefault(district_key(d), d)
    return [seen[k] for k in sorted(seen, key=lambda k: (known.index(k) if k in known else len(known), k))]


def _build_template() -> go.layout.Template:
    base = pio.templates["plotly_white"]
    template = go.layout.Template(base)
    template.layout.font = dict(family=FONT_FAMILY, size=14, color="#222222")
    template.layout.title = dict(font=dict(size=19), x=0.02, xanchor="left")
    template.layout.hoverlabel = dict(font=dict(family=FONT_FAMILY, size=13))
    template.layout.legend = dict(font=dict(size=13))
    template.layout.colorway = [v[2] for v in DISTRICTS.values()] + list(_EXTRA_COLOURS)
    return template


TEMPLATE = _build_template()
pio.templates[TEMPLATE_NAME] = TEMPLATE


def apply_template(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """Give ``fig`` the plancompare template (and optionally a title and height)."""
    fig.update_layout(template=TEMPLATE)
    if title is not None:
        fig.update_layout(title_text=title)
    if height is not None:
        fig.update_layout(height=height)
    return fig


def char_width(ch: str) -> int:
    """Display width: 2 for CJK / full-width characters, 1 otherwise."""
    o = ord(ch)
    if (
        0x1100 <= o <= 0x115F
        or 0x2E80 <= o <= 0xA4CF
        or 0xAC00 <= o <= 0xD7A3
        or 0xF900 <= o <= 0xFAFF
        or 0xFE30 <= o <= 0xFE4F
        or 0xFF00 <= o <= 0xFF60
        or 0xFFE0 <= o <= 0xFFE6
        or 0x20000 <= o <= 0x3FFFD
    ):
        return 2
    return 1


def truncate(text, max_width: int = 160, ellipsis: str = "…") -> str:
    """Cut ``text`` to ``max_width`` display columns (CJK = 2), adding an ellipsis when cut."""
    if is_missing(text):
        return ""
    text = " ".join(str(text).split())
    width = 0
    for i, ch in enumerate(text):
        width += char_width(ch)
        if width > max_width:
            return text[:i].rstrip() + ellipsis
    return text


def wrap(text, width: int = 48, max_width: int | None = None, sep: str = "<br>") -> str:
    """Wrap text to lines of ``width`` display columns (CJK = 2 columns), joined by ``sep``.

    Chinese has no spaces, so plotly would not break it by itself; breaks fall after
    punctuation or at a space where one is near, else mid-run. HTML-special characters are
    escaped, so the result is safe to use as plotly rich text.
    """
    import html

    text = truncate(text, max_width) if max_width else truncate(text, 10**9)
    lines: list[str] = []
    line, w, last_break = "", 0, -1
    for ch in text:
        cw = char_width(ch)
        if w + cw > width and line:
            if last_break > len(line) * 2 // 3:
                lines.append(line[: last_break + 1].rstrip())
                line = line[last_break + 1 :].lstrip()
            else:
                lines.append(line)
                line = ""
            w = sum(char_width(c) for c in line)
            last_break = -1
        line += ch
        w += cw
        if ch in " ，。；、：,.;:!?！？）)」』":
            last_break = len(line) - 1
    if line:
        lines.append(line)
    return sep.join(html.escape(x, quote=False) for x in lines)


def format_lines(start, end=None, lang: str = "zh") -> str:
    """``第85行`` / ``line 85`` or ``第85–90行`` / ``lines 85–90``."""
    s, e = as_number(start, int), as_number(end, int)
    if s is None:
        return ""
    if e is None or e == s:
        return label("line", lang).format(s)
    return label("lines", lang).format(f"{s}–{e}")


def source_lines(sources: pd.DataFrame, lang: str = "zh", documents: pd.DataFrame | None = None,
                 max_docs: int = 6) -> list[str]:
    """One line of text per document: ``doc_id（title）: 第85、90行``.

    ``sources`` needs ``doc_id`` and either ``line`` or ``line_start`` (+ optional ``line_end``).
    """
    check_lang(lang)
    if sources is None or len(sources) == 0 or "doc_id" not in sources:
        return []
    titles = {}
    if documents is not None and len(documents) and {"doc_id", "title"} <= set(documents.columns):
        titles = dict(zip(documents["doc_id"], documents["title"]))
    out = []
    for doc_id, rows in sources.groupby("doc_id", sort=False):
        refs = []
        for _, r in rows.iterrows():
            if "line" in rows and pd.notna(r.get("line")):
                ref = str(int(r["line"]))
            elif "line_start" in rows and pd.notna(r.get("line_start")):
                s = int(r["line_start"])
                e = r.get("line_end")
                ref = f"{s}–{int(e)}" if e is not None and pd.notna(e) and int(e) != s else str(s)
            else:
                continue
            if ref not in refs:
                refs.append(ref)
        if refs:
            nums = ("、" if lang == "zh" else ", ").join(refs[:12]) + ("…" if len(refs) > 12 else "")
            key = "line" if len(refs) == 1 and "–" not in refs[0] else "lines"
            ref_text = label(key, lang).format(nums)
        else:
            ref_text = ""
        title = titles.get(doc_id)
        name = f"{doc_id}（{truncate(title, 40)}）" if title else str(doc_id)
        out.append(f"{name}{'：' if lang == 'zh' else ': '}{ref_text}" if ref_text else name)
    if len(out) > max_docs:
        extra = len(out) - max_docs
        out = out[:max_docs] + [f"… +{extra}"]
    return out


def add_source_note(fig: go.Figure, sources: pd.DataFrame | list[str] | str | None, lang: str = "zh",
                    documents: pd.DataFrame | None = None, extra: str | None = None,
                    bottom: int = 80) -> go.Figure:
    """Write the sources (documents and raw lines) under the chart, in small grey type.

    ``sources`` is a DataFrame with ``doc_id`` and ``line`` (or ``line_start``/``line_end``),
    or ready-made text lines. ``bottom`` is the room (px) the x-axis labels need above the note.
    The note's text is also kept in ``fig.layout.meta["source_note"]``.
    """
    import html

    if isinstance(sources, pd.DataFrame):
        lines = source_lines(sources, lang=lang, documents=documents)
    elif isinstance(sources, str):
        lines = [sources]
    else:
        lines = list(sources or [])
    if extra:
        lines = [extra] + lines
    if not lines:
        return fig
    head = label("source", lang) + ("：" if lang == "zh" else ": ")
    text_lines = [head + lines[0]] + ["　" * 2 + x for x in lines[1:]]
    text = "<br>".join(html.escape(x, quote=False) for x in text_lines)
    margin_b = bottom + 17 * len(text_lines) + 12
    fig.update_layout(margin=dict(b=margin_b))
    fig.add_annotation(
        text=text, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom",
        yshift=-margin_b + 6, showarrow=False, align="left", font=dict(size=11, color="#666666"),
        name="source_note",
    )
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    meta["source_note"] = "\n".join(text_lines)
    fig.update_layout(meta=meta)
    return fig
