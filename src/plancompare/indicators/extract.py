"""Extraction: every quantitative statement in the passages, with its kind, year, comparator and source.

In: ``corpus.passages`` and ``corpus.documents``. Out: the ``corpus.indicators`` table (columns
:data:`INDICATOR_COLUMNS`, documented in docs/tables.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .._cells import as_number
from ..text.numbers import change_direction, find_ratios, fold_for_numbers
from ..text.sentences import sentence_spans
from .reading import Token, bind, choose_member, clause_start, find_aliases, tokens, years_and_masks
from .audit import row_warnings
from .dating import dated_documents, reported_documents
from .registry import Registry, load_registry
from .rules import (PART_OF_THIS_YEAR, Facts, decide, doc_years, expected_cue, is_expected_statement, is_reporting,
                    judged_against_goal, relative_year, section_context)
from .scope import own_names, subject_scope
from .sections import before_goals_passages, line_context, passage_sections
from .spans import compared_span, from_year_passed, horizon_year, is_base_year, milestone_restated, paragraph_year
from .tables import label_unit, year_columns

__all__ = ["extract_indicators", "INDICATOR_COLUMNS"]

INDICATOR_COLUMNS = [
    "indicator_id", "name", "district", "doc_id", "value", "value_high", "unit", "comparator", "kind", "year",
    "period_start", "period_end", "quote", "passage_id", "line", "indicator_name_en", "unit_raw", "category",
    "section_path", "value_raw", "name_raw", "measure", "canonical", "change", "kind_rule", "noise", "scope",
    "unit_known", "warning", "year_rule",
]


@dataclass
class _Sentence:
    """One sentence of a passage, folded, with what the paragraph around it says."""

    text: str                  # as written (cleaned)
    folded: str
    index: list                # folded position -> position in ``text``
    offset: int                # position of ``text`` in the passage
    paragraph: str             # the passage text before this sentence, from the start of its paragraph
    expected_open: bool


def _sentences(text: str, registry: Registry, open_first: bool = False,
               report_year: int | None = None) -> tuple[list[_Sentence], bool]:
    """Sentences of a passage, with the expected-enumeration state carried from sentence to sentence.

    ``open_first``: the previous passage ended with ``…预期目标是：``, so this passage's first paragraph is
    its enumeration; ``report_year``: a work report's year (see :func:`_expected_cue`). Returns the sentences
    and whether the enumeration runs on into the next passage.
    """
    open_until = 0 if open_first else -1  # the last paragraph number an expected enumeration covers
    pieces = [(a, text[a:b], text.count("\n", 0, a), text.rfind("\n", 0, a) + 1) for a, b in sentence_spans(text)]
    para_no = text.count("\n")
    out = []
    for offset, sentence, para, pstart in pieces:
        folded, index = fold_for_numbers(sentence)
        carried = para <= open_until
        if is_expected_statement(folded, registry.cues, report_year):
            # the enumeration runs to the end of the paragraph, or through the next one after a colon
            open_until = para + (1 if folded.rstrip().endswith((":", "：")) else 0)
        out.append(_Sentence(sentence, folded, index, offset, text[pstart:offset], carried))
    return out, open_until > para_no


def _raw_line(passage: pd.Series, offset_lines: int, line_map: dict | None) -> int | None:
    """Raw line of the clean line ``offset_lines`` within a passage (interpolated without a map)."""
    clean_start = as_number(passage.get("clean_line_start"), int)
    if line_map and passage["doc_id"] in line_map and clean_start is not None:
        lines = line_map[passage["doc_id"]]
        idx = clean_start + offset_lines
        if 0 <= idx < len(lines):
            entry = lines[idx]
            return int(entry[0] if isinstance(entry, (tuple, list)) else entry)
    ls, le = as_number(passage.get("line_start"), int), as_number(passage.get("line_end"), int)
    if ls is None:
        return None
    n_lines = str(passage["text"]).count("\n") + 1
    if n_lines <= 1 or le is None:
        return ls
    return ls + round(offset_lines * (le - ls) / (n_lines - 1))


def _written_name(local: str, cues: dict) -> str:
    """A name for a number without a canonical indicator: the words before it, cue words removed."""
    words = ([w for w, _ in cues.get("before_comparators", [])] + cues.get("growth_words", []) + cues.get("reduction_words", [])
             + cues.get("level_change_words", []) + ["达", "为", "保持在", "控制在"])
    text = local
    for word in sorted(words, key=len, reverse=True):
        if text.endswith(word):
            text = text[: -len(word)]
    return re.sub(r"^[\d.、)）\s]+", "", text)[-20:]


def comparator(local: str, token: Token, kind: str, cues: dict, distributed: str | None = None) -> str:
    """``range``, the word after the number, a 分别…左右 shared word, the word before it, or ``=`` (达到 included)."""
    if token.value_high is not None:
        return "range"
    if token.comparator_after:
        return token.comparator_after
    if distributed:
        return distributed
    tail = local[-6:]
    for word, cmp in cues.get("before_comparators", []):
        if kind == "actual" and word in cues.get("goal_only_comparators", []) and word in tail:
            return "="  # 居民消费价格涨幅控制在3.3% (what happened): the value reached, not a ceiling
        # 不少于床位总数的95%: the comparator governs a share written after it
        if word in tail or re.search(re.escape(word) + r"[^，,；;。]{0,10}的$", local):
            return cmp
    return "="  # 达到X with no floor word is literal, in a goal as in a review: PM2.5年均浓度达到40 is no floor


def _distributed_comparators(s: str, toks: list[Token]) -> dict:
    """分别增长7%和8%左右, 增长8.5%和9%左右: a comparator written once after the last number applies to all of them
    (without 分别, to a run of numbers of one unit joined by 和/、 only).

    Returns ``{token number: comparator}`` for the numbers that borrow one."""
    shared, group, respectively = {}, [], False
    for i, tok in enumerate(toks):
        prev = toks[group[-1]] if group else None
        joined = prev is not None and s[prev.end:tok.start] in ("和", "、", "及", "与", "") and (
            respectively or tok.unit == prev.unit)
        if not joined:
            group, respectively = [], "分别" in s[clause_start(s, tok.start):tok.start]
        group.append(i)
        if tok.comparator_after and len(group) > 1:
            for j in group[:-1]:
                if not toks[j].comparator_after and toks[j].value_high is None:
                    shared[j] = tok.comparator_after
    return shared


def _split_family(alias, s: str, toks: list[Token], token_no: int, cues: dict) -> str | None:
    """城乡居民人均可支配收入分别增长7%和8%: the first number is urban, the second rural.

    ``cues.split_families`` rows: [prefix, family named, family of the 1st number, of the 2nd …]."""
    for prefix, family, *parts in cues.get("split_families", []):
        if alias.family != family or prefix not in s[max(0, alias.start - len(prefix)):alias.end]:
            continue
        cut = s.rfind("分别", alias.end, toks[token_no].start)
        if cut < 0:
            continue
        # 城乡居民收入达到23292元和7750元、分别增长8.8%和10%: the rank counts from the 分别 before the number, and
        # only numbers of its unit (分别达到6.1万元、3.3万元,增长8.5%和9%: the rates rank among the rates)
        rank = sum(1 for t in toks[:token_no] if t.start > cut and t.unit == toks[token_no].unit)
        if rank < len(parts):
            return parts[rank]
    return None


_LATIN_GLUED = re.compile(r"[A-Za-z][\d.]*\d|\d[\d.]*(?=[A-Za-z])")  # PM2.5, 5G: a name's digits (reading.py masks them)


def _facts(sent: _Sentence, token: Token, local: str, years: list, periods: list, section: tuple,
           doc: tuple, ctx: dict, measure: str = "") -> Facts:
    """Collect what the sentence, paragraph, section and document say about one number (``measure``: the
    canonical indicator's measure, empty for a number without one)."""
    s, pos = sent.folded, token.start
    year = next((y for p, y in reversed(years) if p < pos), None)
    year_pos = next((p for p, _ in reversed(years) if p < pos), -1)
    period = next(((a, b) for p, a, b in reversed(periods) if p < pos), None)
    period_pos = next((p for p, _, _ in reversed(periods) if p < pos), -1)
    # (PM2.5 between the year and the number is a name, not a from-value: 到2025年，PM2.5年均浓度降至35微克)
    between = _LATIN_GLUED.sub("", s[year_pos + 5:pos])
    if year is not None and (re.search(r"\d[^\d，,。；;]{0,8}(?:到|至)[^\d]{0,4}$", between)
                             or from_year_passed(s, year_pos, pos)):
        # 由2020年的82.4岁提高到83.9岁: the year is the first number's; a horizon before it (到2020年…从2015年的…) is not
        year_pos, year = next(((p, y) for p, y in reversed(years) if p < year_pos and horizon_year(s, p, year_pos)),
                              (year_pos, None))
    from_value = bool(re.search(r"[从由][^，,；;从由]{0,12}$", s[:pos])
                      and re.match(r"[^，,；;]{0,16}(?:到|至)", s[token.end:]))
    # 1986年同1978年相比，国民生产总值由3480亿元增加到…: the from-value is the base year's own
    compared = compared_span(s, years, year_pos, doc[0]) if year is not None and not from_value else None
    if compared is None and year is not None and not from_value and is_base_year(s, year_pos):
        year = None  # 同比2015年增长72% with no later year: the base year is never the value's year
    if compared is not None:
        year, period = compared[1], compared  # 比2002年增长65.5%: growth since the base year
        period_pos = year_pos
    elif from_value and year is not None and re.search(r"[，,；;]", s[year_pos:pos]):
        # 由1997年的3252亿美元增加到2002年的6208亿美元，…；出口总额由1828亿美元增加到…: an undated from-value
        # parallel to an earlier clause's dated pair starts where that pair starts (the nearest year before
        # belongs to the earlier pair's end)
        earlier = [int(m.group(1)) for m in re.finditer(r"[从由]((?:19|20)\d{2})年", s[:year_pos + 5])]
        if earlier and re.search(r"(?:到|至)[^，,；;]{0,3}$", s[:year_pos]):
            year = earlier[-1]
    year = paragraph_year(s, pos, sent.paragraph, doc[0]) if period is None and year is None else year  # 全年…; 由…到…
    if period is None and year is None:
        period = _horizon(s[:pos], doc, ctx["cues"])
    if period_pos > year_pos:
        year = None
    elif year is not None and period_pos < year_pos:
        period = None
    elif compared is not None:
        year = None  # the span's end year dates the number (sentence_period)
    # 对接"十四五"规划，提出今年…的主要预期目标是 / 在2029年…会议上，…去年…增长3.9%: the time word nearest the
    # number wins (比去年/较上年 is a comparison's base, not a time)
    relative = [m.start() for m in re.finditer("今年|明年|去年", s[:pos])
                if s[max(0, m.start() - 1):m.start()] not in ("比", "较", "同")]
    if max(relative, default=-1) > max(year_pos, period_pos, s.rfind("；", 0, pos), s.rfind(";", 0, pos)):
        year, period = None, None
    before = s[:pos]
    baseline = None
    if from_value:
        baseline = 5 if "五年" in sent.paragraph + before or section[2] else 1
    direction, head_year, head_periods = section
    past, coming, plan_start, plan_end = doc
    cues = ctx["cues"]
    compared_goal = bool(re.search("(?:" + "|".join(map(re.escape, cues.get("goal_compared_words", []) or ["^$"]))
                                   + ")$", local) and re.match(cues.get("goal_after_pattern", "^$"), s[token.end:]))
    # 五年来，人民生活明显改善。…分别实际增长58.3%: an undated outcome of a five-year review paragraph
    five_years = year is None and period is None and not any(w in before for w in ("今年", "明年", "去年", "上年")) \
        and any(re.search(r"(?:^|。)\s*" + re.escape(w), sent.paragraph)
                for w in cues.get("five_year_review_openers", []))
    return Facts(before=before, local=local, year=year, period=period, five_year_review=five_years, measure=measure,
                 rel=relative_year(before, sent.paragraph),
                 expected_statement=_expected_here(s, pos, before, ctx), expected_open=sent.expected_open,
                 direction=direction, head_year=head_year, head_periods=head_periods, past=past, coming=coming,
                 plan_start=plan_start, plan_end=plan_end, doc_kind=ctx["doc_kind"],
                 before_goals=ctx["before_goals"], cues=ctx["cues"], baseline_years=baseline,
                 reporting=ctx["reporting"], compared_goal=compared_goal, date_rule=ctx.get("date_rule", ""),
                 judged=judged_against_goal(s[token.end:], cues),
                 so_far_paragraph=bool(PART_OF_THIS_YEAR.match(sent.paragraph.lstrip())))


def _expected_here(s: str, pos: int, before: str, ctx: dict) -> bool:
    """The sentence introduces expected targets and the number at ``pos`` is one of them: a number written before
    the cue in a clause about the past (``去年…增长8.0%，今年…预期增长6.5%``) is the review, not a goal."""
    cue = expected_cue(s, ctx["cues"], ctx.get("report_year"))
    if cue < 0:
        return False
    if pos < cue:
        rel = relative_year(before, "")
        return rel is None or rel >= 0
    return True


def _horizon(before: str, doc: tuple, cues: dict) -> tuple | None:
    """今后五年 / 未来五年 before the number: the coming five years (a plan's own period when it has one)."""
    if not any(w in before for w in cues.get("horizon_words", [])):
        return None
    _, coming, plan_start, plan_end = doc
    if plan_start and plan_end:
        return plan_start, plan_end
    return (coming, coming + 4) if coming else None


def _convert(value: float, value_high, unit_raw: str, unit: str, registry: Registry, alternatives=()):
    """Convert a value written in ``unit_raw`` (万元) to the registry's ``unit`` (元): ``((value, high), unit)``,
    or None if incompatible. A value in one of the indicator's ``alternatives`` (美元 for a total in 亿元) is
    put on the same scale in that currency: 1.76万亿美元 -> 17600 亿美元."""
    raw_base, raw_factor = registry.units.get(unit_raw, (unit_raw, 1.0))
    reg_base, reg_factor = registry.units.get(unit, (unit, 1.0))
    if raw_base != reg_base and raw_base in {registry.units.get(u, (u, 1.0))[0] for u in alternatives}:
        unit = next((name for name, (base, f) in registry.units.items() if base == raw_base and f == reg_factor), "")
        reg_base = raw_base if unit else reg_base
    if raw_base != reg_base or not reg_factor:
        return None
    factor = raw_factor / reg_factor
    return (round(value * factor, 10), (round(value_high * factor, 10) if value_high is not None else None)), unit


def _ratio_tokens(s: str, cues: dict) -> list[Token]:
    """Components of an industry-structure ratio (三次产业结构…0.6:55.8:43.6) as tokens with unit ``%``."""
    out = []
    if not any(w in s for w in cues.get("structure_words", [])):
        return out
    for ratio in find_ratios(s):
        quote = s[ratio.start:ratio.end]
        for value in ratio.parts:
            out.append(Token(ratio.start, ratio.end, ratio.end, value, None, "%", s[ratio.end:ratio.end + 12],
                             None, False, ratio_quote=quote))
    return out


def _ratio_members(n_parts: int, cues: dict) -> list[str]:
    names = cues.get("structure_components", ["industry_share_primary", "industry_share_secondary",
                                               "industry_share_tertiary"])
    return names[-n_parts:]


def _sentence_rows(sent: _Sentence, passage: pd.Series, registry: Registry, table: pd.DataFrame, ctx: dict) -> list:
    """Rows for the numbers of one sentence."""
    s, cues = sent.folded, registry.cues
    if not re.search(r"\d|百分之|[一二两三四五六七八九十]", s):
        return []
    years, periods, masks = years_and_masks(s, cues.get("periods", []))
    aliases = find_aliases(s, registry)
    masks = masks + [(a.start, a.end) for a in aliases]
    value_hits = [(m.start("value"), ind, m.group(0)) for pattern, ind in registry.value_patterns
                  for m in pattern.finditer(s)]
    ratios = _ratio_tokens(s, cues)
    masks += [(t.start, t.end) for t in ratios]
    toks = tokens(s, masks, registry)
    shared = _distributed_comparators(s, toks)
    rows = []
    for no, token in enumerate(toks + ratios):
        indicator, name_raw, scope = None, "", ""
        alias, local = bind(s, token, aliases, registry)
        hit = next((h for h in value_hits if h[0] == token.start), None)
        if token.ratio_quote:
            group = [t for t in ratios if t.start == token.start]
            member_id = _ratio_members(len(group), cues)[group.index(token)]
            indicator, name_raw = table.loc[member_id].copy(), token.ratio_quote
            indicator["indicator_id"] = member_id
            local = s[clause_start(s, token.start):token.start]
        elif hit is not None:
            indicator, name_raw = table.loc[hit[1]].copy(), hit[2]
            indicator["indicator_id"] = hit[1]
            local = s[clause_start(s, token.start):token.start]
        elif alias is not None and not _names_something_else(s, alias, token, cues):
            split = _split_family(alias, s, toks, no, cues) if no < len(toks) else None
            if split is not None:
                alias = type(alias)(alias.start, alias.end, split, alias.text)
            indicator = choose_member(alias, local, token, registry, s)
            name_raw = alias.text if indicator is not None else ""
            scope = subject_scope(s, alias.start, ctx["own_names"], cues) if indicator is not None else ""
        if (token.chinese and indicator is None) or milestone_restated(s, token.start, token.end, cues):
            continue  # 突破千亿元，达1082.18亿元: the exact value states it
        f = _facts(sent, token, local, years, periods, ctx["section"], ctx["doc_years"], ctx,
                   measure=str(indicator["measure"]) if indicator is not None else "")
        kind, year, pstart, pend, kind_rule, year_rule = decide(f)
        # 略低于8%的预定目标: the comparison word relates the outcome to the goal, not the goal to its value
        cmp = comparator("" if kind_rule == "past_goal" and f.compared_goal else local, token, kind, cues,
                         shared.get(no))
        rows.append(_row(sent, passage, registry, indicator, token, local, name_raw, cmp,
                         (kind, year, pstart, pend, kind_rule, year_rule), ctx, scope))
        if indicator is not None and alias is not None and not token.ratio_quote and hit is None:
            for other in _listed_with(s, alias, aliases, local, token):
                member = choose_member(other, local, token, registry, s)
                if member is not None:
                    rows.append(_row(sent, passage, registry, member, token, local, other.text, cmp,
                                     (kind, year, pstart, pend, kind_rule, year_rule), ctx,
                                     subject_scope(s, other.start, ctx["own_names"], cues)))
    return rows


def _listed_with(s: str, alias, aliases: list, local: str, token: Token) -> list:
    """能耗、水耗均下降20%, A和B年均增长超过7%: the names listed with ``alias`` (joined by 、/和) that one number
    applies to as well — unless the numbers are split among them (分别, or several numbers joined by 和/、)."""
    between = s[alias.end:token.start]
    if "分别" in local + between or re.search(r"\d", between) or re.match(r"\s*(?:和|、|及|与|至|到)\s*\d", s[token.end:]):
        return []
    listed, start = [], alias.start
    for other in reversed([a for a in aliases if a.end <= alias.start]):
        if s[other.end:start] not in ("、", "和", "及", "与", "以及"):
            break
        listed.insert(0, other)
        start = other.start
    return listed


def _names_something_else(s: str, alias, token: Token, cues: dict) -> bool:
    """占全市GDP的12%, 对GDP增长的贡献率为53.9%, 国家财政收入的60%以上来自国有企业: the number is a share of,
    or a contribution to, the indicator; 工业生产总值计划完成102.6%: the share of its plan fulfilled."""
    between = s[alias.end:token.start]
    subject = s[clause_start(s, alias.start):alias.start]
    fulfilment = token.unit == "%" and any(re.search(p, between) for p in cues.get("plan_fulfilment_patterns", []))
    return any(w in between for w in cues.get("not_the_indicator_words", [])) or "占" in subject[-8:] or (
        between == "的" and token.unit == "%") or fulfilment


def _table_rows(line: str, line_offset: int, columns: dict, passage: pd.Series, registry: Registry,
                ctx: dict) -> list:
    """Rows for one row of a table whose header names years: each number takes its column's year.

    The label cell (:func:`_label_cell`; the cells before it are the row's category and number) names the indicator (or, without a canonical name, is the written name); a bare number
    takes the unit the label gives in brackets. A column's year no later than the document's reviewed year
    makes an actual, a later one a target; a number in a column without a year (``年均增长率``) is a target
    over the table's span."""
    cues, cells = registry.cues, line.split("\t")
    at = _label_cell(cells, columns, registry)
    label, _ = fold_for_numbers(cells[at])
    aliases = find_aliases(label, registry)
    alias = aliases[-1] if aliases else None
    past, years = ctx["doc_years"][0], sorted(columns.values())
    if past is None and ctx["section"][2]:
        past = ctx["section"][2][-1][0] - 1  # an undated page's “十四五”…指标表: a column before the period is its base
    rows, start = [], sum(len(c) + 1 for c in cells[:at + 1])
    for i, cell in enumerate(cells[at + 1:], start=at + 1):
        cell_start, start = start, start + len(cell) + 1
        year = columns.get(len(cells) - 1 - i)
        folded, index = fold_for_numbers(cell)
        unit = label_unit(label)
        if unit and index and re.fullmatch(r"\d+(?:\.\d+)?", folded):
            folded, index = folded + unit, index + [index[-1]] * len(unit)  # 46 under …床位数（张）
        found = tokens(folded, [], registry) or _unknown_unit_cell(folded, unit)
        if len(found) != 1:
            continue
        token = found[0]
        indicator = choose_member(alias, "", token, registry, label + folded) if alias is not None else None
        if year is not None:
            decided = ("actual" if past is not None and year <= past else "target", year, None, None)
        else:
            decided = ("target", years[-1], years[0], years[-1])
        decided = (*decided, "table_column", "table_column")
        sent = _Sentence(line, folded, [cell_start + j for j in index], line_offset, "", False)
        scope = subject_scope(label, alias.start, ctx["own_names"], cues) if indicator is not None else ""
        rows.append(_row(sent, passage, registry, indicator, token, label if indicator is None else "",
                         alias.text if indicator is not None else "", token.comparator_after or "=",
                         decided, ctx, scope))
    return rows


def _label_cell(cells: list, columns: dict, registry: Registry) -> int:
    """Which cell of a table row is its label: the first cell left of the year columns that names an indicator
    (a plan's indicator table often opens a row with its category and number: ``生态建设⇥1⇥森林覆盖率(%)⇥45.31⇥
    46.3⇥约束性``), else the first cell (a name the registry does not know is kept as written)."""
    first_year = len(cells) - 1 - max(columns)
    for i, cell in enumerate(cells[:max(first_year, 1)]):
        if find_aliases(fold_for_numbers(cell)[0], registry):
            return i
    return 0


def _unknown_unit_cell(cell: str, label_unit_: str) -> list[Token]:
    """A cell holding one number whose unit the registry does not know (``46万辆``, or a bare ``46`` under a
    label ``…（万立方米）`` before that unit was listed): the number with the unit as written, flagged by
    ``unit_known == False`` instead of being dropped."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([^\d\s%‰.，,;；]{1,8})?\s*", cell)
    if m is None or not (m.group(2) or label_unit_):
        return []
    unit = m.group(2) or label_unit_
    return [Token(m.start(1), m.end(), m.end(1), float(m.group(1)), None, unit, "", None, False, unit_known=False)]


def _row(sent: _Sentence, passage: pd.Series, registry: Registry, indicator, token: Token, local: str,
         name_raw: str, cmp: str, decided: tuple, ctx: dict, scope: str = "") -> dict:
    """One output row (see :data:`INDICATOR_COLUMNS`)."""
    kind, year, pstart, pend, kind_rule, year_rule = decided
    cues = registry.cues
    value, value_high, unit = token.value, token.value_high, token.unit
    measure = indicator["measure"] if indicator is not None else ""
    if indicator is not None:
        converted = _convert(value, value_high, token.unit, indicator["unit"], registry, indicator["units"])
        if converted is not None:
            (value, value_high), unit = converted
    direction = change_direction(local) if not token.ratio_quote else None
    is_change = measure in ("growth", "reduction") or (indicator is None and direction is not None) or \
        unit in ("个百分点", "百分点")
    if (direction == -1 and measure != "reduction") or (direction == 1 and measure == "reduction"):
        # 刑事警情下降14.8%: a decrease is a negative change (a 'reduction' indicator states it positively, and
        # 能耗上升4.9% is a reduction of −4.9)
        value, value_high = -value, (-value_high if value_high is not None else None)
        if value_high is not None:
            value, value_high = min(value, value_high), max(value, value_high)
    o_start = sent.index[token.start] if token.start < len(sent.index) else 0
    text = str(passage["text"])
    line_offset = text[:sent.offset + o_start].count("\n")
    noise = indicator is None and _is_noise(local, unit, cues)
    return {
        "indicator_id": indicator["indicator_id"] if indicator is not None else "",
        "name": indicator["name"] if indicator is not None else _written_name(local, cues),
        "district": passage.get("district", ctx["district"]),
        "doc_id": passage["doc_id"],
        "value": value, "value_high": value_high, "unit": unit, "comparator": cmp,
        "kind": kind, "year": year, "period_start": pstart, "period_end": pend,
        "quote": sent.text.strip(), "passage_id": passage["passage_id"],
        "line": _raw_line(passage, line_offset, ctx["line_map"]),
        "indicator_name_en": indicator["name_en"] if indicator is not None else "",
        "unit_raw": token.unit, "category": indicator["category"] if indicator is not None else "",
        "section_path": ctx.get("section_path", passage.get("section_path", "")),  # with unnumbered headings
        "value_raw": token.value, "name_raw": name_raw,
        "measure": measure, "canonical": indicator is not None, "change": bool(is_change),
        "kind_rule": kind_rule, "noise": bool(noise), "scope": scope, "unit_known": token.unit_known,
        "year_rule": year_rule,
    }


def _note_lines(text: str, cues: dict) -> set[int]:
    """Line numbers of notes (``注：``, ``数据来源：``) and of the numbered items that continue a note."""
    prefixes = tuple(cues.get("note_prefixes", []))
    out, in_note = set(), False
    for no, line in enumerate(text.split("\n")):
        stripped = line.strip().replace(" ", "")
        if stripped.startswith(prefixes):
            in_note = True
        elif not (in_note and re.match(r"^(?:\d{1,2}[.、．]|[（(]\d{1,2}[)）])(?!\d)", stripped)):
            in_note = False
        if in_note:
            out.add(no)
    return out


def _is_noise(local: str, unit: str, cues: dict) -> bool:
    """Counts of meetings, durations of campaigns (成立6个, 历时5年): numbers that are no indicator."""
    clause = local[-12:]
    return any(w in clause for w in cues.get("noise_words", [])) or unit in cues.get("noise_units", [])


def _restated_expectations(out: pd.DataFrame, docs: dict) -> pd.DataFrame:
    """A work report restates its year's expected targets outside the goal list (``提出今年国内生产总值增长8%左右
    的目标``, ``把居民消费价格涨幅控制在3.5%左右，是…``): a single-year *target* row for the report's coming year,
    or an undated row only the document's kind made *actual*, that repeats an *expected* row of the same document
    (indicator, coming year, value) is *expected* too, dated the coming year
    (``kind_rule`` ``restated_expected``). Plans are left alone: their targets are targets."""
    if out.empty:
        return out
    expected = {(r.doc_id, r.indicator_id, r.year, r.value, None if pd.isna(r.value_high) else r.value_high)
                for r in out[out["kind"] == "expected"].itertuples()}
    # undated: nothing but the document's kind made it an actual (把居民消费价格涨幅控制在3.5%左右，考虑了…)
    undated = (out["kind"] == "actual") & (out["kind_rule"] == "document_default")
    for i, r in out[((out["kind"] == "target") | undated) & (out["indicator_id"] != "")].iterrows():
        doc = docs.get(r["doc_id"], {})
        coming = doc_years(doc)[1]
        if (doc.get("kind") != "work_report" or pd.notna(r["period_start"])
                or (r["kind"] == "target" and r["year"] != coming)):
            continue
        high = None if pd.isna(r["value_high"]) else r["value_high"]
        if (r["doc_id"], r["indicator_id"], coming, r["value"], high) in expected:
            year_rule = "document_year" + (f":{doc['date_rule']}" if doc.get("date_rule") else "")
            out.loc[i, ["kind", "kind_rule", "year", "year_rule"]] = ["expected", "restated_expected", coming, year_rule]
    return out


def extract_indicators(passages: pd.DataFrame, documents: pd.DataFrame, registry: Registry | None = None, *,
                       kinds: tuple = ("body", "heading"), canonical_only: bool = False, keep_noise: bool = False,
                       line_map: dict | None = None) -> pd.DataFrame:
    """Extract every quantitative statement from the passages.

    Parameters
    ----------
    passages : DataFrame
        ``corpus.passages`` (``passage_id, doc_id, role, text, section_path, line_start, line_end``;
        ``district, clean_line_start`` used when present).
    documents : DataFrame
        ``corpus.documents`` (``doc_id, kind, year, period_start, period_end, district``): tells a work
        report's reviewed year from its coming year and a plan's period.
    registry : Registry, optional
        Default: the bundled registry.
    kinds : tuple of str
        Passage roles to read. Headings are read too: some plans put a goal in a numbered heading line.
    canonical_only : bool
        Keep only rows tied to a canonical indicator.
    keep_noise : bool
        Keep numbers flagged as no indicator (``noise``: counts of meetings, durations of campaigns).
    line_map : dict, optional
        ``doc_id -> list`` of the raw line (or ``(raw_start, raw_end)``) of every clean line; gives exact
        raw lines for quotes inside multi-line passages. Without it the line is interpolated.

    Returns
    -------
    DataFrame
        One row per number (columns :data:`INDICATOR_COLUMNS`), in document order.
    """
    registry = registry or load_registry()
    cues = registry.cues
    docs = {d["doc_id"]: d for d in documents.to_dict("records")} if documents is not None else {}
    docs = dated_documents(passages, reported_documents(passages, docs), cues)
    table = registry.table.set_index("indicator_id")
    selected = passages if "role" not in passages.columns else passages[passages["role"].isin(kinds)]
    before_goals = before_goals_passages(passages, docs, cues)
    sections = passage_sections(selected, docs, cues)  # per line: (section path, goal list, horizon year)
    rows, carry, last_doc, header = [], False, None, None
    for _, passage in selected.iterrows():
        doc = docs.get(passage["doc_id"], {})
        carry = carry and passage["doc_id"] == last_doc
        header = header if passage["doc_id"] == last_doc else None
        lines = sections[passage["passage_id"]]
        reporting = is_reporting(doc, cues)
        ctx = {"cues": cues, "doc_kind": doc.get("kind") or "other", "doc_years": doc_years(doc, reporting),
               "reporting": reporting, "own_names": own_names(doc), "section_path": None,
               "before_goals": passage["passage_id"] in before_goals, "line_map": line_map,
               "district": doc.get("district", ""), "date_rule": doc.get("date_rule", "")}
        ctx["report_year"] = ctx["doc_years"][1] if ctx["doc_kind"] == "work_report" else None
        ctx = line_context(ctx, lines[0][0], lines[0][2])  # the passage's opening line's section
        text = str(passage["text"])
        # 国内生产总值达到74.4⏎万亿元: a line break between a number and its unit continues the sentence
        joined = re.sub(cues["number_unit_break"], " ", text) if cues.get("number_unit_break") else text
        sentences, carry = _sentences(joined, registry, carry or lines[0][1], ctx["report_year"])
        last_doc = passage["doc_id"]
        columns, header = year_columns(text, header)
        notes = _note_lines(text, cues)
        for sent in sentences:
            line_no = text.count("\n", 0, sent.offset)
            path, goal, horizon = lines[line_no]
            sent.expected_open = sent.expected_open or goal  # under a goal-list heading (主要预期目标): one item a line
            line_ctx = line_context(ctx, path, horizon)  # 2025年工作回顾 on a line of its own heads the lines after it
            if line_no in notes:
                continue  # 注：…/数据来源：… under a table explains the figures; it states none of its own
            if line_no in columns and "\t" in sent.text:
                rows += _table_rows(sent.text, sent.offset, columns[line_no], passage, registry, line_ctx)
            else:
                rows += _sentence_rows(sent, passage, registry, table, line_ctx)
    out = _restated_expectations(pd.DataFrame(rows, columns=INDICATOR_COLUMNS), docs)
    # consistency checks no correct row fails (audit.py): shown on the row so a user sees a suspicious reading
    out["warning"] = row_warnings(out, documents, registry) if len(out) else []
    if not keep_noise:
        out = out[~out["noise"].astype(bool)]
    if canonical_only:
        out = out[out["indicator_id"] != ""]
    return out.reset_index(drop=True).astype({
        "year": "Int64", "period_start": "Int64", "period_end": "Int64", "line": "Int64",
        "value": "float64", "value_high": "float64", "canonical": "bool", "change": "bool", "noise": "bool",
        "unit_known": "bool"})
