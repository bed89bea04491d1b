"""Which number a year written in a sentence dates: a comparison's base year and a from–to pair's from-year date
no number after them.

* ``比2015年增长72%`` / ``同比2015年`` / ``较2020年`` / ``2000年相比``: the year is the base of a comparison — the
  number covers the years after it, never the base year itself (:func:`is_base_year`);
* ``从2017年的2.01万亿元增加到2.91万亿元、年均增长5.4%``: the year dates the from-value only; the to-value and what
  follows it belong to the span's end (:func:`from_year_passed`).

:func:`milestone_restated` tells a round milestone that the next clause restates exactly (``突破千亿元，达1082.18亿元``:
one statement, the exact value). :func:`compared_span` gives the span a compared number covers (``2007年…比2002年增长65.5%``: 2003–2007).

:func:`horizon_year`: a ``到2020年`` horizon before a from-year still dates the to-value; :func:`whole_year`: a
sentence opening with ``全年`` is the past year its paragraph named.

In: the folded sentence and positions in it. Out: booleans, or a (start, end) span.
"""

from __future__ import annotations

import re

__all__ = ["compared_span", "horizon_year", "is_base_year", "from_year_passed", "milestone_restated", "paired_span_year",
           "paragraph_year", "whole_year"]


def is_base_year(s: str, year_pos: int) -> bool:
    """The year at ``year_pos`` is the base of a comparison (``比2015年``, ``同比2015年``, ``较2020年``,
    ``2000年相比``), not the time of the number it compares."""
    return (s[max(0, year_pos - 1):year_pos] in ("比", "较")
            or re.match(r"\d{4}年(?:底|末)?(?:相比|相较|比较)", s[year_pos:]) is not None)


def from_year_passed(s: str, year_pos: int, pos: int) -> bool:
    """``从2017年的2.01万亿元增加到2.91万亿元、年均增长5.4%``: the year at ``year_pos`` opens a from–to pair
    whose to-value lies before ``pos``, so it dates the from-value only — the to-value and what follows belong
    to the span's end."""
    if s[max(0, year_pos - 1):year_pos] not in ("从", "由"):
        return False
    # the from-value and its 到 in the year's own clause (从2002年1月1日起，…由15.3%降到12%: a start date, no pair)
    return re.match(r"[^，,。；;]{0,20}?\d[^\d，,。；;]{0,8}(?:到|至)[^，,。；;]{0,12}?\d", s[year_pos + 5:pos]) is not None


def compared_span(s: str, years: list, year_pos: int, past: int | None) -> tuple | None:
    """``2005年与2000年相比，…增长57.3%`` / ``2007年…比2002年增长65.5%``: the year before the number is the base
    of a comparison, so the number covers the years after it up to the year written before the base (else the
    document's reviewed year). Returns that (start, end) span, or None when the year is no base."""
    base = next((y for p, y in years if p == year_pos), None)
    if base is None or not is_base_year(s, year_pos):
        return None
    # 到2020年底，…同比2015年增长67.86%；…同比2015年增长72%: an earlier base year is no end year either
    end = next((y for p, y in reversed(years) if p < year_pos and not is_base_year(s, p)), past)
    return (base + 1, end) if end is not None and end > base else None


def milestone_restated(s: str, start: int, end: int, cues: dict) -> bool:
    """The number at ``start``–``end`` is a round milestone passed (``突破千亿元``, ``跨过3万亿元``) whose exact value
    the next clause gives (``，达1082.18亿元``): one statement, read from the exact value only."""
    words = cues.get("milestone_words", [])
    if not any(s[:start].endswith(w) for w in words):
        return False
    return re.match(r"(?:大关|关口|台阶)?[，,]\s*(?:达到|达|为|实现)了?\s*\d", s[end:]) is not None


def horizon_year(s: str, p: int, until: int) -> bool:
    """The year at ``p`` is a horizon (``到2020年``, ``至2025年``) whose clause runs on to ``until``."""
    return s[max(0, p - 1):p] in ("到", "至") and not re.search(r"[。；;]", s[p:until])


_YEAR = r"(?:19|20)\d{2}"
_CITED_TITLE = re.compile(r"《[^》]*》")  # a cited document's title: its years are not the paragraph's


def whole_year(s: str, paragraph: str, past: int | None) -> int | None:
    """A sentence opening with 全年 ("the whole year") speaks of the year its paragraph last named: ``2025年，全市上下
    …经济运行总体平稳。全年地区生产总值增长5%`` is 2025's outcome. Only a past year (up to the reviewed one
    ``past``) is taken, no comparison's base year, and none inside a quoted title
    (``《关于…2025年…执行情况与2026年…草案的报告》``)."""
    if past is None or not re.match(r"[\s●■◆▲•·-]*全年", s):
        return None
    text = _CITED_TITLE.sub("", paragraph)
    named = [int(m.group(1)) for m in re.finditer(rf"(?<!\d)({_YEAR})年", text)
             if not is_base_year(text, m.start())]  # 比2021年减少0.14万人: a base, not the paragraph's year
    return named[-1] if named and named[-1] <= past else None


_UNDATED_PAIR = re.compile(r"[从從由][^，,；;。\d]{0,16}\d[^，,；;。]{0,16}?(?:到|至)")
_DATED_PAIR = re.compile(rf"[从從由]({_YEAR})年[^。；;]{{0,30}}?(?:到|至)({_YEAR})年")


def paired_span_year(s: str, pos: int, paragraph: str, past: int | None) -> int | None:
    """An undated from–to sentence (``一般公共预算收入由1070亿元增加到1963.5亿元，年均增长12.9%``) after a dated pair
    earlier in its paragraph (``地区生产总值由2010年的1.17万亿元增加到2015年的1.8万亿元``) spans the same past years:
    the from-value at ``pos`` takes that pair's from-year, a number after it the pair's to-year. None when the
    sentence names a year of its own, has no undated pair before ``pos``, or the paragraph's last pair is not past
    (``past``: the reviewed year)."""
    m = next((m for m in reversed(list(_UNDATED_PAIR.finditer(s))) if m.start() <= pos), None)  # this number's pair
    if past is None or m is None or re.search(rf"{_YEAR}年", s):
        return None
    pairs = _DATED_PAIR.findall(_CITED_TITLE.sub("", paragraph))
    if not pairs or int(pairs[-1][1]) > past:
        return None
    return int(pairs[-1][0]) if pos < m.end() else int(pairs[-1][1])


def paragraph_year(s: str, pos: int, paragraph: str, past: int | None) -> int | None:
    """The year an undated number at ``pos`` takes from its paragraph: :func:`whole_year`, else
    :func:`paired_span_year`."""
    return whole_year(s, paragraph, past) or paired_span_year(s, pos, paragraph, past)
