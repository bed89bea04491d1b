"""Kind (target / expected / actual), year and period of one number: an ordered rule table.

Each rule looks at a :class:`Facts` record (what the sentence, its paragraph, its section headings and the
document's metadata say) and either decides or passes. The first rule that decides wins, and its name is
written to the ``kind_rule`` column so that a user can audit every row. The order is the documentation:
explicit wording in the sentence beats the paragraph, the paragraph beats the section, the section beats the
document's kind.

Kind rules (``KIND_RULES``)
---------------------------
0. ``past_goal`` — in a work report, the sentence quotes the goal set at the start of the reviewed year
   (``没有实现年初确定的单位国内生产总值能耗降低4%左右…的目标``; words ``past_goal_words``), or a review compares
   an outcome with that goal (``比上年增长7.8%，虽然略低于8%的预定目标``; ``goal_compared_words`` before the
   number, ``goal_after_pattern`` after it): *expected*, dated the reviewed year, with the goal's own comparator.
1. ``expected_statement`` — the sentence introduces the year's expected targets (``主要预期目标是：…``), and does
   not report that they were met (``完成预期目标``) nor name a period ending after the coming year
   (``今后五年…预期目标是…年均增长7%``): *expected*. In a work report, a goal list led by the report's own year
   (``提出了2018年的主要目标，即…``; ``report_year_expected_patterns``) counts too. A number written before the cue
   in a clause about the past (``去年…增长8.0%，今年…预期增长6.5%``) is the review, not a goal: each number takes
   the kind of its own clause.
   ``goal_judged`` — the sentence judges the number against its goal after it (``增长5.5%，符合预期目标``,
   ``下降2.4%，低于预期目标``, ``超过预期目标``; ``goal_judged_words``): *actual* — a 计划执行情况 report's review.
2. ``explicit_past`` — a year or named period written before the number ends no later than the document's
   reviewed year (``2020年``, ``"十三五"期间``), or the sentence says ``去年/上年/过去五年`` or its paragraph
   opens with ``过去五年/这五年/一年来`` (a review paragraph under a heading that also announces targets): *actual*; so is
   a part of this year that has passed (``今年上半年…比去年同期增长13.6%``, ``今年以来``: an outcome dated this year;
   in the sentence, or opening its paragraph like ``一年来``: ``今年以来，…。预计地区生产总值达到680亿元``)
   and an undated span up to now (``建区以来…增加至559.2亿元``: the reviewed year).
3. ``expected_enumeration`` — the sentence continues an enumeration opened by an expected statement in the
   same paragraph (or the line after ``…预期目标是：``), or stands under a work report's goal-list heading for its
   year (``二、2025年主要目标任务``, one item a line; :mod:`.sections`): *expected*; the kind carries over every item.
4. ``explicit_future`` — a year or period written before the number lies after the reviewed year, or the
   sentence says ``今年/明年`` in a forward-looking document part: *target*.
   ``statistical_report`` — the document's title says it is a statistical report (``统计公报``): *actual*.
5. ``review_section`` — a heading above the passage reviews the past (``回顾``, ``成就``, ``发展基础``,
   ``"十三五"时期``, ``2023年工作回顾``) or, in a plan, the passage precedes the plan's guiding ideas and
   goals or its second chapter (the review that opens every plan), under no forward-looking heading: *actual*.
6. ``forward_section`` — a heading above looks forward (``目标``, ``任务``, ``重点工作``), unless it says the goal
   was met (``就业超过预期目标``: a review heading): *target*. Headings include the ones the document structure
   missed, a short line of its own (``回顾2023``, ``"十五五"时期主要目标``; :mod:`.sections`), and what a heading
   announces is :func:`heading_kind` (past, future, a goal list) for every heading; a deeper heading
   that turns the direction (``2024年目标任务 > 回顾2023``) does not inherit the year of the one above. A heading that reviews one year and turns to the
   next (``1998年工作回顾和1999年工作的总体要求``: a review word and two years) gives neither a direction nor a
   year.
7. ``cue_words`` — the nearest cue word before the number (``完成``, ``同比`` … vs ``力争``, ``到20``…); an outcome
   compared with a plan (``完成年度计划的102%``, ``比原定的计划还少3.02%``: ``plan_outcome_patterns``) is *actual*.
8. ``document_default`` — a work report's undated numbers are *actual*; everything else *target*.

After all rows of a document are read, ``restated_expected`` (in :mod:`.extract`) turns a work report's
single-year *target* for its coming year, or an undated number only ``document_default`` made *actual*, into
*expected* when it repeats an *expected* row of the same report (same indicator, coming year and value): the goal
restated after the goal list.

``baseline_value`` — the undated from-value of ``从A提高到B`` that a target or expected statement would date with
B: it is the level the goal starts from, *actual* for the reviewed year (not after ``原定``: an old goal).

Period: 年均/累计 wording between name and number (``period_value_words``) or ``过去五年``/``五年来`` in the
sentence gives a row a period; so does, for a growth, reduction or flow (never a level), such a word in the clause
before the name (``累计新增城镇就业5870万人``: ``clause_period_words``) or an undated outcome in a paragraph opening a
five-year review (``五年来，…分别实际增长58.3%``: ``five_year_review_openers``) — an actual's period is the five
years up to its year.

Numbers in a table whose header row names years bypass these rules: ``table_column`` (see
:mod:`.tables`) gives each its column's year, *actual* up to the reviewed year and *target* after it.

Year rules (``YEAR_RULES``)
---------------------------
1. ``sentence_period`` — a named period before the number (``"十四五"期间``, ``2021—2025年``): its end year.
2. ``sentence_year`` — a year before the number (``到2022年``); a sentence opening with ``全年`` takes the past year
   its paragraph last named (``2025年，…总体平稳。全年地区生产总值增长5%``: 2025's outcome; ``spans.whole_year``); an undated
   from–to sentence after a dated pair of its paragraph takes that pair's years (``由2010年的…增加到2015年的…。一般公共
   预算收入由1070亿元增加到1963.5亿元``: 2010 and 2015; ``spans.paired_span_year``).
   ``from_baseline`` — an undated ``从A增加到B`` in a review: A is the value at the start of the reviewed span
   (five years back after ``过去五年``/``五年来``, one year otherwise).
3. ``relative_year`` — ``今年/明年/去年`` against the document's years (before the headings' period: ``今年``
   in a section on the coming five-year plan is still this year).
4. ``section_period`` — a period named in the headings, for period (年均, 累计) wording or a directed section.
5. ``section_year`` — a year named in the headings (``2023年工作回顾``); not for an *actual* under a forward heading
   of a later year (``奋进2023年`` > ``建区以来…增加至…``: the reviewed year dates it). When the headings name
   none, a forward section's paragraph opening with its horizon dates the goals listed after it (``一、主要目标`` /
   ``到2020年，…`` / ``——每千名老年人拥有养老床位数35张以上``; :mod:`.sections`).
6. ``document_year`` — actual: the reviewed year; expected: the report's year (a quoted past goal: the
   reviewed year); target: the plan's end year
   (a work report's targets: its year).

The rule that gave the year is kept per row in ``year_rule`` (``table_column`` and ``baseline_value`` for the
numbers those paths date). A document whose metadata has no date (no dated title or file name) is dated from its
own text (:mod:`.dating`: a dateline ``2018-01-24``, a ``YYYY年M月D日`` signature or dateline line, the meeting
``在…YYYY年…会议上``, the year it reviews ``回顾了…2015年``); the rules that then read that date
(``from_baseline``, ``relative_year``, ``document_year``, ``baseline_value``) are written with the dating rule
after a colon, e.g. ``document_year:dateline``, so that a year that rests on a guessed date can be told apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .._cells import as_number
from ..text.numbers import fold_for_numbers

__all__ = ["Facts", "KIND_RULES", "PART_OF_THIS_YEAR", "YEAR_RULES", "decide", "doc_years", "expected_cue",
           "heading_kind", "is_expected_statement", "is_reporting", "judged_against_goal", "section_context",
           "relative_year"]

_RELATIVE_YEARS = (("今年", 0), ("明年", 1), ("去年", -1), ("上年", -1), ("过去一年", -1), ("过去五年", -1),
                   ("一年来", -1), ("五年来", -1), ("这五年", -1), ("这一年", -1))
_YEARS_SINCE = re.compile(r"(?<![一二三四五六七八九十百千\d])(?:[两二三四六七八九十]{1,3}|\d{1,2})年来")
_PARAGRAPH_RELATIVE = (("过去一年", -1), ("过去五年", -1), ("一年来", -1), ("五年来", -1), ("这五年", -1),
                       ("这一年", -1))


@dataclass
class Facts:
    """What is known about one number when its kind and year are decided."""

    before: str                 # the sentence up to the number
    local: str                  # the words between the indicator name and the number
    year: int | None            # nearest year written before the number (None if a later period overrides it)
    period: tuple | None        # nearest (start, end) period written before the number
    rel: int | None             # -1 past, 0 this year, +1 next year (from 今年/去年… words)
    expected_statement: bool    # the sentence introduces expected targets
    expected_open: bool         # an expected enumeration is open in this paragraph
    direction: str | None       # 'past' / 'future' from the headings
    head_year: int | None
    head_periods: list
    past: int | None            # the document's reviewed (last full) year
    coming: int | None          # the year the document plans for (a work report's year)
    plan_start: int | None
    plan_end: int | None
    doc_kind: str
    before_goals: bool          # a plan's passage that comes before its guiding ideas and goals
    baseline_years: int | None = None  # 从A增加到B: A is the value this many years before the reviewed year
    reporting: bool = False     # the document is a statistical report (its title says so)
    compared_goal: bool = False  # 略低于8%的预定目标: the number is a goal an outcome is compared with
    five_year_review: bool = False  # undated, in a paragraph opening 五年来/过去五年: covers those five years
    measure: str = ""           # the canonical indicator's measure (growth, reduction, flow, level), or empty
    date_rule: str = ""         # the document's date was read from its text by this rule (dating.py), or empty
    judged: bool = False        # 增长5.5%，符合预期目标: the sentence judges the number against its goal (an outcome)
    so_far_paragraph: bool = False  # the paragraph opens with 今年以来/今年上半年…: it reports this year so far
    cues: dict = field(repr=False, default_factory=dict)


def expected_cue(s: str, cues: dict, report_year: int | None = None) -> int:
    """Where the sentence introduces the year's expected targets (``主要预期目标是：``), or -1.

    ``report_year``: a work report's year; then ``2018年的主要目标，即…`` (that year's goal list) counts too."""
    if any(re.search(w + r".{0,6}预期", s) for w in cues.get("achieved_expected_words", [])):
        return -1  # 完成预期目标: the goals were met (a review)
    found = [m.start() for p in cues.get("expected_patterns", []) for m in [re.search(p, s)] if m]
    if report_year is not None:
        found += [m.start() for p in cues.get("report_year_expected_patterns", []) for m in re.finditer(p, s)
                  if int(m.group(1)) == report_year]
    return min(found, default=-1)


def is_expected_statement(s: str, cues: dict, report_year: int | None = None) -> bool:
    return expected_cue(s, cues, report_year) >= 0


def is_reporting(doc: dict, cues: dict) -> bool:
    """The document's title says it is a statistical report (统计公报, 统计报告 …)."""
    title = str(doc.get("title") or "").replace(" ", "")
    return any(word in title for word in cues.get("reporting_title_words", []))


def doc_years(doc: dict, reporting: bool = False) -> tuple[int | None, int | None, int | None, int | None]:
    """(reviewed year, coming year, plan start, plan end) from a document's metadata row.

    A statistical report (``reporting``) reviews the year its title names (宜春市2022年…统计公报, posted in 2023),
    else its period's end year."""
    kind = doc.get("kind") or "other"
    year = as_number(doc.get("year"), int)
    ps, pe = as_number(doc.get("period_start"), int), as_number(doc.get("period_end"), int)
    if reporting:
        named = re.search(r"((?:19|20)\d{2})年", str(doc.get("title") or "").replace(" ", ""))
        reported = int(named.group(1)) if named else (pe or year)
        return reported, reported, None, None
    if kind == "five_year_plan":
        return (ps - 1 if ps else (year - 1 if year else None)), pe or (ps + 4 if ps else None), ps, pe
    if kind == "work_report":
        if ps and pe and pe > ps:
            return ps, pe, None, None
        return (year - 1, year, None, None) if year else (None, None, None, None)
    return (year - 1 if year else None), pe or year, ps, pe


def heading_kind(head: str, cues: dict) -> str | None:
    """What one heading (numbered or not) announces, from its last section word: ``'past'`` (``回顾``, ``成就``,
    ``执行情况``; ``past_section_words``, or a goal met: ``就业超过预期目标``), ``'future'`` (``目标``, ``任务``,
    ``工作安排``; ``future_section_words``), ``'goal_list'`` (a forward heading over a year's goal list:
    ``2025年主要目标任务``, ``主要预期目标``; ``goal_list_heading_pattern``), or None (no section word)."""
    norm = fold_for_numbers(head)[0]
    last_past, last_future = _section_words(norm, cues)
    if last_past < 0 and last_future < 0:
        return None
    if last_past > last_future:
        return "past"
    pattern = cues.get("goal_list_heading_pattern")
    return "goal_list" if pattern and re.search(pattern, norm) else "future"


def _section_words(norm: str, cues: dict) -> tuple[int, int]:
    """Positions of the last past and the last future section word in a folded heading (-1: none); a future word
    saying its goal was met (``就业超过预期目标``, ``顺利完成全年主要目标任务``) counts as a past one."""
    last_past = max((norm.rfind(w) for w in cues.get("past_section_words", [])), default=-1)
    future = cues.get("future_section_words", [])
    last_future = max((norm.rfind(w) for w in future), default=-1)
    if last_future >= 0 and _goal_met(norm, _run_start(norm, last_future, future), cues):
        return max(last_past, last_future), -1
    return last_past, last_future


def section_context(section_path: str, cues: dict, periods: list) -> tuple:
    """('past'|'future'|None, year in the headings, periods in the headings); the deepest heading wins (its
    direction from :func:`heading_kind`: a goal-list heading looks forward)."""
    direction, year, found = None, None, []
    for head in [h for h in str(section_path or "").split(" > ") if h]:
        norm = fold_for_numbers(head)[0]
        kind = heading_kind(norm, cues)
        years = re.findall(r"(?<!\d)(\d{4})年", norm)
        if _section_words(norm, cues)[0] >= 0 and len(set(years)) > 1:
            # 1998年工作回顾和1999年工作的总体要求, 1993年国内工作的回顾和1994年工作的基本方针: the section reviews
            # one year, then turns to the next; neither its direction nor its year tells which part a number is
            # in (the sentence's own words must)
            direction, year = None, None
            found += [(int(a), int(b)) for name, a, b in periods if name in norm]
            continue
        if kind is not None:
            turned = "past" if kind == "past" else "future"
            if direction is not None and turned != direction:
                year = None  # 2024年目标任务 > 回顾2023: a heading that turns back names its own year, or none
            direction = turned
        if years:
            year = int(years[-1])
        found += [(int(a), int(b)) for name, a, b in periods if name in norm]
    return direction, year, found


def _run_start(norm: str, pos: int, words: list) -> int:
    """Start of the run of ``words`` that ends with the one at ``pos``: ``主要目标任务`` is 主要目标 + 目标任务 + 任务,
    so the run of its last word (任务) starts at 主要."""
    while True:
        earlier = [i for w in words for i in [norm.find(w, max(0, pos - len(w)))] if 0 <= i < pos]
        if not earlier:
            return pos
        pos = min(earlier)


def _goal_met(text: str, pos: int, cues: dict) -> bool:
    """The goal words at ``pos`` follow a word saying they were met or judging an outcome against them (超过预期目标,
    完成全年目标, 顺利完成全年主要目标任务, 符合预期目标, 低于预期目标); not after a wish (确保完成全年目标任务)."""
    words = cues.get("achieved_expected_words", []) + cues.get("goal_judged_words", [])
    wishes = cues.get("goal_wish_words", [])
    for word in words:
        m = re.search(re.escape(word) + r".{0,4}$", text[:pos])
        if m and not any(w in text[max(0, m.start() - 4):m.start()] for w in wishes):
            return True
    return False


def judged_against_goal(after: str, cues: dict) -> bool:
    """The text after a number (to the end of its sentence) judges it against its goal: ``，符合预期目标``,
    ``、增长5.5%，低于预期目标`` — the number is an outcome. ``力争完成年度计划`` is a wish, not a judgement."""
    words = "|".join(sorted(map(re.escape, cues.get("goal_judged_words", [])), key=len, reverse=True))
    if not words:
        return False
    # the judgement closes the number's own clause or the next one (增长5.5%，符合预期目标); a judgement further
    # on (…降到10%左右，经过…努力，实际回落到6.1%，明显低于预定的调控目标) is about a later number
    clause = r"[^。；;！!？?，,]{0,30}?"
    m = re.match(clause + r"(?:[，,]" + clause + r")?(" + words + ")" + cues.get("goal_judged_object", "预期目标"), after)
    if m is None:
        return False
    lead = after[max(0, m.start(1) - 4):m.start(1)]
    return not any(w in lead for w in cues.get("goal_wish_words", []))


def relative_year(before: str, paragraph: str) -> int | None:
    """-1/0/+1 from the 去年/今年/明年 nearest the number in the sentence, or 过去五年… in the paragraph before it, or
    0 when the paragraph opens with 今年 (and names no past year word)."""
    # the word nearest the number wins (去年…增长8%，今年…增长6.5%: 今年 dates the second number); 比去年/较上年 is
    # the base of a comparison, which dates the number only when no other time word does (比上年增长7.8%: last year)
    rel, nearest, base = None, -1, None
    for word, offset in _RELATIVE_YEARS:
        for m in re.finditer(re.escape(word), before):
            if word == "上年" and before[m.end():m.end() + 1] == "均":
                continue  # 基础上年均增长: 上 + 年均, no time word
            if before[max(0, m.start() - 1):m.start()] in ("比", "较", "同"):
                base = offset
            elif m.start() >= nearest:
                rel, nearest = offset, m.start()
    rel = base if rel is None else rel
    if rel is None:
        for word, offset in _PARAGRAPH_RELATIVE:
            if word in paragraph:
                rel = offset
    if rel is None and _YEARS_SINCE.search(paragraph + before):
        rel = -1  # 二十年来，…。地区生产总值…增加至559.2亿元 / 两年来: a span up to now, like 五年来: what happened
    if rel is None and re.match(r"\s*今年", paragraph) and not re.search("去年|上年", paragraph):
        rel = 0  # 今年是"十五五"开局之年。全省地区生产总值增长5%左右: a paragraph opened by 今年 speaks of this year
    return rel


def _reviewed(f: Facts) -> int | None:
    if f.year is None and f.period is None and f.head_year and f.direction == "past":
        return max(f.past or f.head_year, f.head_year)
    return f.past


# --------------------------------------------------------------------------------------------- kind rules
def _quotes_past_goal(f: Facts) -> bool:
    """``没有实现年初确定的…降低4%左右…的目标``: a review quoting the goal the reviewed year began with (the
    number inside the quote: after ``全面实现年初确定的主要目标，国内生产总值增长7.8%`` it is an outcome)."""
    cut = max((f.before.rfind(w) for w in f.cues.get("past_goal_words", [])), default=-1)
    return cut >= 0 and "目标" not in f.before[cut:]


def _past_goal_quoted(f: Facts) -> bool:
    """The number is the reviewed year's goal: quoted after ``年初确定的``, or the goal an outcome of the past is
    compared with (``比上年增长7.8%，略低于8%的预定目标``)."""
    compared = f.compared_goal and (f.direction == "past" or (f.rel is not None and f.rel < 0))
    return _quotes_past_goal(f) or compared


def _past_goal(f: Facts):
    return "expected" if f.doc_kind == "work_report" and _past_goal_quoted(f) else None


def _expected_statement(f: Facts):
    if f.period is not None and f.coming is not None and f.period[1] > f.coming:
        return None  # 今后五年，经济增长预期目标是年均增长7%: a target over the coming period
    return "expected" if f.expected_statement else None


# 今年上半年 / 今年一季度 / 今年前三季度 / 今年1-10月: a part of this year that has passed — its figures are outcomes
PART_OF_THIS_YEAR = re.compile(r"今年(?:以来|上半年|[一二三]季度|前[二三]季度|前[一二三四五六七八九十\d]{1,2}个月|1\s?[-—~至到]\s?\d{1,2}月)")
# 建区以来 / 党的十八大以来 / 撤县设区以来: a span up to now — what it says happened (not 今年以来: this year's part)
_SINCE = re.compile(r"(?<!今年)以来")


def _goal_judged(f: Facts):
    return "actual" if f.judged else None


def _explicit_past(f: Facts):
    if f.year is None and f.period is None and f.rel == 0 and (PART_OF_THIS_YEAR.search(f.before)
                                                                or f.so_far_paragraph):
        return "actual"
    if f.year is None and f.period is None and f.rel is None and _SINCE.search(f.before):
        return "actual"
    ref = _reviewed(f)
    if f.year is not None and ref is not None:
        return "actual" if f.year <= ref else None
    if f.period is not None and ref is not None:
        return "actual" if f.period[1] <= ref else None
    if f.year is None and f.period is None and f.rel is not None and f.rel < 0:
        return "actual"
    return None


def _expected_enumeration(f: Facts):
    if not f.expected_open:
        return None
    if f.year is not None and f.coming is not None and f.year != f.coming:
        return None
    return "expected" if f.period is None else None


def _explicit_future(f: Facts):
    ref = _reviewed(f)
    if f.year is not None and ref is not None:
        return "target"
    if f.period is not None and ref is not None:
        return "target"
    if f.rel is not None and f.rel >= 0:
        return "target"
    return None


def _statistical_report(f: Facts):
    return "actual" if f.reporting else None


def _review_section(f: Facts):
    if f.direction == "past" or (f.direction is None and f.before_goals):
        return "actual"
    return None


def _forward_section(f: Facts):
    return "target" if f.direction == "future" else None


def _cue_words(f: Facts):
    positions = {}
    for word in f.cues.get("actual_words", []):
        p = f.before.rfind(word)
        if p >= 0:
            positions[p] = "actual"
    for pattern in f.cues.get("plan_outcome_patterns", []):
        for m in re.finditer(pattern, f.before):
            positions[m.end() - 1] = "actual"  # after the 计划 it contains: 完成年度计划的102% is an outcome
    for word in f.cues.get("target_words", []):
        p = f.before.rfind(word)
        if p >= 0 and p not in positions:
            positions[p] = "target"
    return positions[max(positions)] if positions else None


def _document_default(f: Facts):
    return "actual" if f.doc_kind == "work_report" else "target"


KIND_RULES = [
    ("past_goal", _past_goal),
    ("expected_statement", _expected_statement),
    ("goal_judged", _goal_judged),
    ("explicit_past", _explicit_past),
    ("expected_enumeration", _expected_enumeration),
    ("explicit_future", _explicit_future),
    ("statistical_report", _statistical_report),
    ("review_section", _review_section),
    ("forward_section", _forward_section),
    ("cue_words", _cue_words),
    ("document_default", _document_default),
]


# --------------------------------------------------------------------------------------------- year rules
def _sentence_period(f: Facts, kind: str, period_words: bool):
    if f.period is None:
        return None
    return (f.year if f.year is not None else f.period[1]), f.period[0], f.period[1]


def _sentence_year(f: Facts, kind: str, period_words: bool):
    return (f.year, None, None) if f.year is not None else None


def _relative(f: Facts, kind: str, period_words: bool):
    if f.rel is None or f.coming is None:
        return None
    if f.rel >= 0:
        return f.coming + f.rel, None, None
    return (f.past if f.past is not None else f.coming - 1), None, None


def _section_period(f: Facts, kind: str, period_words: bool):
    if not f.head_periods or not (f.direction or period_words):
        return None
    start, end = f.head_periods[-1] if kind != "actual" else f.head_periods[0]
    if kind == "actual" and f.past and end > f.past and len(f.head_periods) == 1:
        return None
    return end, (start if period_words else None), (end if period_words else None)


def _section_year(f: Facts, kind: str, period_words: bool):
    if f.head_year is None:
        return None
    if kind == "actual" and f.past is not None and f.head_year > f.past and f.direction != "past":
        return None  # 奋进2023年 > 建区以来…增加至559.2亿元: an outcome under the coming year's heading is not dated by it
    return f.head_year, None, None


def _document_year(f: Facts, kind: str, period_words: bool):
    if kind == "actual":
        return f.past, None, None
    if kind == "expected" and _past_goal_quoted(f):
        return f.past, None, None
    if kind == "expected" or f.doc_kind == "work_report":
        return f.coming, None, None
    return (f.plan_end or f.coming), None, None


def _from_baseline(f: Facts, kind: str, period_words: bool):
    if kind != "actual" or f.baseline_years is None or f.past is None:
        return None
    return f.past - f.baseline_years, None, None


YEAR_RULES = [
    ("sentence_period", _sentence_period),
    ("sentence_year", _sentence_year),
    ("from_baseline", _from_baseline),
    ("relative_year", _relative),
    ("section_period", _section_period),
    ("section_year", _section_year),
    ("document_year", _document_year),
]


_SPAN_COUNTS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _span_years(before: str, default: int = 5) -> int:
    """How many years a span word counts (连续四年, 近三年, 过去五年 -> 4, 3, 5); ``default`` when none does."""
    m = None
    for m in re.finditer(r"(?:连续|近|过去|这)(\d{1,2}|[两二三四五六七八九十])年", before):
        pass
    if m is None:
        return default
    n = m.group(1)
    return int(n) if n.isdigit() else _SPAN_COUNTS[n]


def _forward_baseline(f: Facts, kind: str) -> bool:
    """城镇化率从47.5%提高到51.5% in a goal: the undated from-value is where the goal starts, the level of the
    reviewed year (actual), not a second goal; 由原定平均每年百分之六调高到… starts from an old goal instead."""
    return (kind != "actual" and f.baseline_years is not None and f.year is None and f.period is None
            and f.past is not None and not re.search(r"原定|原计划|原来的?目标", f.before[-16:]))


# year rules that read the document's date: a date read from the text (not the metadata) is named with them
_DOCUMENT_DATED = ("from_baseline", "relative_year", "document_year")


def decide(f: Facts) -> tuple[str, int | None, int | None, int | None, str, str]:
    """Apply the rule tables: ``(kind, year, period_start, period_end, kind_rule, year_rule)``.

    ``year_rule``: the YEAR_RULES entry that gave the year (empty without a year); when it used a document date
    read from the text, the dating rule follows a colon (``document_year:dateline``)."""
    kind, kind_rule = "target", "document_default"
    for name, rule in KIND_RULES:
        got = rule(f)
        if got is not None:
            kind, kind_rule = got, name
            break
    clauses = re.split(r"[，,；;。：:]", f.before)
    # the clause of the number, and a frame opening the sentence (近三年累计，单位国内生产总值能耗下降10.08%)
    clause = clauses[-1] + ("|" + clauses[0] if len(clauses) > 1 else "")
    if _forward_baseline(f, kind):
        # 由今年预计的44%提高到…: this year's estimate; otherwise the reviewed year's level
        this_year = "今年" in f.before[-8:] and f.coming is not None
        year = f.coming if this_year else f.past
        return "actual", year, None, None, "baseline_value", _year_rule("baseline_value", year, f)
    # a growth, reduction or flow accumulates over the span a clause (累计新增城镇就业5870万人) or a five-year
    # review paragraph names; a level (国内生产总值82.7万亿元) is the value at one date whatever the span
    spans = f.measure not in ("", "level") and (any(w in clause for w in f.cues.get("clause_period_words", []))
                                                 or (f.five_year_review and kind == "actual"))
    period_words = any(w in f.local for w in f.cues.get("period_value_words", [])) or any(
        w in f.before for w in ("过去五年", "五年来")) or spans
    year = start = end = None
    year_rule = ""
    for name, rule in YEAR_RULES:
        got = rule(f, kind, period_words)
        if got is not None:
            (year, start, end), year_rule = got, name
            break
    if start is None and end is None and period_words:
        if f.period is None and kind == "actual" and year is not None:
            start, end = year - _span_years(f.before) + 1, year
        elif f.plan_start and f.plan_end:
            start, end = f.plan_start, f.plan_end
        elif year is not None:
            end = year
    return kind, year, start, end, kind_rule, _year_rule(year_rule, year, f)


def _year_rule(name: str, year: int | None, f: Facts) -> str:
    if year is None:
        return ""
    document_dated = name in _DOCUMENT_DATED or name == "baseline_value"
    return f"{name}:{f.date_rule}" if document_dated and f.date_rule else name
