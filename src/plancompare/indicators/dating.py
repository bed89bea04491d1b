"""The date of a document whose metadata has none, read from its own text; and a news page about a work report
read as the report it quotes.

In: the passages of one document (``text`` in document order, every role: a dateline is often front matter).
Out: ``(year, rule)`` — the year the document speaks from, as the metadata's ``year`` would give it (a work
report's year: the year it plans for), and which rule found it — or ``(None, "")``.

A page that carries no dated title or file name (a news excerpt of a work report, a re-posted notice) still
says when it was written: a dateline (``2018-01-24 16:28``), a signature or dateline line (``2024年3月19日``),
the meeting it was given at (``在2019年全区经济工作会议上``), or the year it reviews (``回顾了2015年…``).
The rules, in the order they are tried (first hit wins):

1. ``dateline`` — an ISO-style date ``YYYY-MM-DD`` (or ``YYYY/MM/DD``, ``YYYY.MM.DD``) in the first or last
   :data:`EDGE_LINES` lines.
2. ``dated_line`` — ``YYYY年M月D日`` in the first or last :data:`EDGE_LINES` lines, on a short line (a signature)
   or opening a line (a news dateline).
3. ``meeting_date`` — ``在…YYYY年…会议/大会上`` in the opening :data:`OPENING_CHARS` characters.
4. ``report_year`` — the opening names the work report of a year (``2026年吉林省政府工作报告中``): that year.
5. ``reviewed_year`` — the opening names the year it reviews (``回顾了…2015年``, ``2015年工作回顾``: the
   document's year is the one after) or the year it plans (``提出了…2016年…目标/工作/任务``, ``明确了2023年…目标``).
6. ``congress_session`` — the last resort: the session of a provincial-level or the national people's congress the
   report was given at (``福建省第十三届人民代表大会第六次会议``, ``十四届全国人大四次会议``). Their terms are elected
   together every five years (the ``congress_terms`` cue: which term each was elected in 2023; 14 unless listed),
   and a term normally meets once a year, so session *k* of term *t* sits in ``2023 + 5 (t - t2023) + k - 1``, at
   most the term's fifth year (a sixth session means an extra one was held: 福建 13th term, 6th session: 2022). An
   extra session earlier in the term (held for an election) still makes a later one read a year late, hence last
   and named in ``year_rule``. A city's or district's congress is not read: their terms do not start together.
7. ``plan_named`` — with no date at all, the five-year plan the opening names (:func:`dated_documents`).
"""

from __future__ import annotations

import re

import pandas as pd

from .._cells import as_number
from ..catalog import infer_kind

__all__ = ["DATE_RULES", "congress_year", "dated_documents", "document_date", "plan_period", "reported_documents",
           "EDGE_LINES", "OPENING_CHARS"]

EDGE_LINES = 6        # a dateline or signature sits in the first or last few lines
OPENING_CHARS = 1500  # the opening paragraphs, where a news report says which meeting and which year
_YEAR = r"((?:19|20)\d{2})"
_ISO = re.compile(r"(?<!\d)" + _YEAR + r"\s?([-/.])\s?(?:0?[1-9]|1[0-2])\2\s?(?:0?[1-9]|[12]\d|3[01])(?!\d)")
_YMD = re.compile(r"(?<!\d)" + _YEAR + r"\s?年\s?(?:0?[1-9]|1[0-2])\s?月\s?(?:0?[1-9]|[12]\d|3[01])\s?日")
_MEETING = re.compile(r"在[^。；;]{0,30}?" + _YEAR + r"年[^。；;]{0,30}?(?:会议|大会|会)上")
_REVIEWED = [re.compile(r"回顾(?:了)?[^。；;]{0,16}?" + _YEAR + r"年"), re.compile(_YEAR + r"年(?:的)?(?:工作)?回顾")]
_PLANNED = re.compile(r"(?:提出|明确)(?:了)?[^。；;]{0,16}?" + _YEAR + r"年[^。；;]{0,16}?(?:目标|工作|任务|安排)")
_REPORT_OF_YEAR = re.compile(_YEAR + r"年[^。；;，,]{0,10}?政府工作报告")
REPORT_YEAR_CHARS = 300  # a page names the report it is about near its top
_CN_SMALL = "一二三四五六七八九十"
_CONGRESS = re.compile(r"(全国|[^\s，,。、；;：:（(）)]{1,6}?(?:省|自治区)|北京|天津|上海|重庆)?市?第?"
                       r"([一二三四五六七八九十]{1,3})届(全国)?(?:人民代表大会|人大)第?([一二三四五六七八九十]{1,2})次会议")
DATE_RULES = ("dateline", "dated_line", "meeting_date", "report_year", "reviewed_year", "congress_session", "plan_named")


def _edge_lines(texts: list[str]) -> list[str]:
    lines = [line.strip() for text in texts for line in str(text).split("\n") if line.strip()]
    return lines[:EDGE_LINES] + lines[-EDGE_LINES:] if len(lines) > 2 * EDGE_LINES else lines


def _small_numeral(text: str) -> int:
    """十四 14, 六 6, 二十 20 (a term or session number)."""
    if "十" not in text:
        return _CN_SMALL.index(text) + 1
    tens, _, units = text.partition("十")
    return (_CN_SMALL.index(tens) + 1 if tens else 1) * 10 + (_CN_SMALL.index(units) + 1 if units else 0)


def congress_year(text: str, terms: dict | None = None) -> int | None:
    """The year of the first provincial-level or national people's congress session named in ``text``
    (``上海市第十六届人大二次会议`` 2024), or None (none named, or a city's or district's congress).

    ``terms``: region name -> the term number it elected in 2023 (the ``congress_terms`` cue); default 14."""
    terms = terms or {}
    for m in _CONGRESS.finditer(text):
        region = "全国" if m.group(3) else (m.group(1) or "")
        if not region:
            continue  # 嘉兴市第九届人民代表大会: a city's congress (its term is not the provinces')
        term2023 = next((int(t) for name, t in terms.items() if name in region), 14)
        try:
            term, session = _small_numeral(m.group(2)), _small_numeral(m.group(4))
        except ValueError:
            continue
        start = 2023 + 5 * (term - term2023)
        if 1 <= session <= 8 and 1954 <= start <= 2100:
            return start + min(session, 5) - 1
    return None


def document_date(texts: list[str], cues: dict | None = None) -> tuple[int | None, str]:
    """``(year, rule)`` of a document from its passage texts (in order), or ``(None, "")``.

    A reviewed year dates the document the year after it: a work report plans for that year, any other
    document was written after the year it reviews. ``cues``: the registry's cues (``congress_terms``)."""
    edges = _edge_lines(texts)
    for line in edges:
        m = _ISO.search(line)
        if m:
            return int(m.group(1)), "dateline"
    for line in edges:
        m = _YMD.search(line)
        # a signature (2024年3月19日 alone) or a dateline opening the line — not a deadline inside a sentence
        if m and (len(line) <= 30 or m.start() == 0):
            return int(m.group(1)), "dated_line"
    opening = "".join(str(t) for t in texts)[:OPENING_CHARS]
    m = _MEETING.search(opening)
    if m:
        return int(m.group(1)), "meeting_date"
    m = _REPORT_OF_YEAR.search(opening[:REPORT_YEAR_CHARS])
    if m:
        return int(m.group(1)), "report_year"
    found = [(m.start(), int(m.group(1)) + 1) for pattern in _REVIEWED for m in pattern.finditer(opening)]
    found += [(m.start(), int(m.group(1))) for m in _PLANNED.finditer(opening)]
    if found:
        return min(found)[1], "reviewed_year"
    year = congress_year(opening, (cues or {}).get("congress_terms"))
    if year is not None:
        return year, "congress_session"
    return None, ""


_PLAN_NAMED = re.compile(r"第十([一二三四五六])个五年规划|十([一二三四五六])五[”\"’']?(?:时期)?(?:发展)?规划")


def plan_period(opening: str) -> tuple[int, int] | None:
    """The five-year plan the opening names (``第十三个五年规划``, ``“十四五”规划``): its ``(start, end)``, or None.
    The 3rd plan began in 1966 after the 1963–65 adjustment years, so plan *n* starts in ``1966 + 5 (n - 3)``."""
    m = _PLAN_NAMED.search(opening)
    if m is None:
        return None
    start = 1966 + 5 * (10 + _CN_SMALL.index(m.group(1) or m.group(2)) + 1 - 3)
    return start, start + 4


def dated_documents(passages: pd.DataFrame, docs: dict, cues: dict | None = None) -> dict:
    """``docs`` with a year read from the text (:mod:`.dating`) for every document whose metadata has neither a
    year nor a period (``date_rule`` names the dating rule that found it; ``cues``: the registry's cues).

    Last, an undated page whose opening names a five-year plan (``本规划纲要根据《…第十三个五年规划的建议》编制``,
    ``会议印发了《…第十四个五年规划和…纲要(草案)》``) speaks from that plan's start: it reviews the year before it
    and sets targets for its end (``plan_named``; year and period are the plan's; a work report's year only: the
    report presenting a plan's outline is given in its first year)."""
    out = dict(docs)
    for doc_id, group in passages.groupby("doc_id", sort=False):
        doc = docs.get(doc_id)
        if doc is None or any(as_number(doc.get(k), int) is not None for k in ("year", "period_start", "period_end")):
            continue
        texts = list(group["text"].astype(str))
        year, rule = document_date(texts, cues)
        span = plan_period("".join(texts)[:OPENING_CHARS]) if year is None else None
        if year is not None:
            out[doc_id] = {**doc, "year": year, "date_rule": rule}
        elif span is not None and doc.get("kind") == "work_report":
            # a work report presenting the plan's outline is given in the plan's first year (its 今后五年: the plan)
            out[doc_id] = {**doc, "year": span[0], "date_rule": "plan_named"}
        elif span is not None:
            out[doc_id] = {**doc, "year": span[0], "period_start": span[0], "period_end": span[1],
                           "date_rule": "plan_named"}
    return out


REPORT_OPENING_CHARS = 200  # a news page says in its first lines whose work report it relays


def reported_documents(passages: pd.DataFrame, docs: dict) -> dict:
    """``docs`` with ``kind`` ``work_report`` (and ``kind_source`` ``opening``) for every document of kind
    ``other`` whose title or first :data:`REPORT_OPENING_CHARS` characters name a work report
    (``省长…作政府工作报告``): the metadata rightly calls such a news page ``other``, but its numbers are the
    report's — ``今年…预期`` values are the report's expected values, ``去年`` ones its actuals."""
    out = dict(docs)
    for doc_id, group in passages.groupby("doc_id", sort=False):
        doc = docs.get(doc_id)
        if doc is None or (doc.get("kind") or "other") != "other":
            continue
        opening = str(doc.get("title") or "") + "".join(group["text"].astype(str))[:REPORT_OPENING_CHARS]
        if infer_kind(opening) == "work_report":
            out[doc_id] = {**doc, "kind": "work_report", "kind_source": "opening"}
    return out

