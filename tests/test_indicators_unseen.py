"""Values not found at all on unseen text (issue 12, ind3 held-out half A): an older budget name, a share spelled
out with 占, a year between 分别 and its numbers, and a hard-wrapped page whose joined paragraph spans several
printed lines. Each test is one short sentence of the kind found on third-party pages."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from plancompare.indicators import extract_indicators

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper module sits next to this file
from indicator_helpers import match  # noqa: E402


def _rows(text: str, kind: str, year: int | None) -> pd.DataFrame:
    passages = pd.DataFrame([{"passage_id": "t:0000", "doc_id": "t", "district": "T", "role": "body", "text": text,
                              "section_path": "", "line_start": 1, "line_end": text.count("\n") + 1,
                              "clean_line_start": 0}])
    documents = pd.DataFrame([{"doc_id": "t", "district": "T", "kind": kind, "year": year,
                               "period_start": None, "period_end": None}])
    return extract_indicators(passages, documents)


def _read(rows: pd.DataFrame) -> set:
    canon = rows[rows["indicator_id"] != ""]
    return {(r.indicator_id, r.value, r.comparator, r.kind, int(r.year)) for r in canon.itertuples()}


def test_old_budget_revenue_name():
    """地方一般预算收入 is the name of general public budget revenue before the 2014 budget law."""
    rows = _rows("地方一般预算收入178.2亿元,增长23%,占生产总值比重由上年的9.6%提高到10.8%。", "work_report", 2010)
    assert {("general_budget_revenue", 178.2, "=", "actual", 2009),
            ("general_budget_revenue_growth", 23.0, "=", "actual", 2009)} <= _read(rows)


def test_share_spelled_out_with_zhan():
    """护理型床位数占养老机构床位比例: the 占 belongs to the name, so the number is the share itself."""
    rows = _rows("到2025年,全市每千名老人养老床位保持在50张以上,护理型床位数占养老机构床位比例达到65%以上。",
                 "action_plan", 2021)
    assert ("nursing_bed_share", 65.0, ">=", "target", 2025) in _read(rows)


def test_base_year_between_respectively_and_numbers():
    """A、B分别比2015年增长X、Y: the base year is no number of the list, so X is A's and Y is B's."""
    rows = _rows("2020年地区生产总值、居民人均可支配收入分别比2015年增长37.8%、43.5%,为实现第一个百年奋斗目标作出了贡献。",
                 "work_report", 2021)
    read = _read(rows)
    assert ("gdp_growth_rate", 37.8, "=", "actual", 2020) in read
    assert ("per_capita_disposable_income_growth", 43.5, "=", "actual", 2020) in read
    assert not any(r[0] == "per_capita_disposable_income_growth" and r[1] == 37.8 for r in read)


def test_gold_line_inside_a_joined_paragraph_matches():
    """A page hard-wrapped at the printer's width (预计,全区地区生产总值突破1400亿元 on printed line 20 of a
    paragraph joined from lines 16–23): the row cites the paragraph's first line, and a gold typed at the printed
    line is inside its span; outside the span the 3-line tolerance still counts from the nearer end."""
    row = {"doc_id": "t", "indicator_id": "gdp_total", "value": 1400.0, "value_high": None, "kind": "actual",
           "comparator": ">", "year": 2018, "line": 16, "line_last": 23}
    extracted = pd.DataFrame([row])
    for gold_line, found in ((20, True), (23, True), (26, True), (27, False)):
        gold = pd.DataFrame([{**row, "line": gold_line}]).drop(columns=["line_last"])
        assert bool(match(extracted, gold)["all_right"].iloc[0]) is found, gold_line
    without_span = extracted.drop(columns=["line_last"])
    assert not match(without_span, pd.DataFrame([{**row, "line": 20}]).drop(columns=["line_last"]))["found"].iloc[0]


def test_bulleted_goal_list_of_a_digest_is_read(tmp_path):
    """A news digest of a work report: short title lines, one sentence, then a line heading a bulleted goal list
    (`●…增长5%以上`) and numbered work items. The bullets sit before the first numbered heading but are the
    body's list, not front matter (ind6 山东 2023; the same `●` goal/review lists: ind3 陕西 2026, ind5 湖北 2025)."""
    import plancompare as pc

    text = ("某省两会报告速览\n2023年某省这样干\n某某日报 2023年01月14日\n"
            "1月13日上午,某省人民代表大会开幕。省长代表省政府向大会作政府工作报告。\n"
            "建议全年经济社会发展预期目标\n●地区生产总值增长5%以上\n●城镇调查失业率5.5%以内\n"
            "●居民消费价格涨幅3%左右\n重点抓好十个方面工作\n1.扎实推进经济量质齐升\n2.扎实推进乡村振兴\n")
    path = tmp_path / "digest.txt"
    path.write_text(text, encoding="utf-8")
    corpus = pc.build_corpus([path], embed=False, index=False)
    got = _read(extract_indicators(corpus.passages, corpus.documents))
    assert {("gdp_growth_rate", 5.0, ">=", "expected", 2023), ("urban_unemployment_rate", 5.5, "<=", "expected", 2023),
            ("cpi_growth", 3.0, "~", "expected", 2023)} <= got


def test_series_going_on_to_a_later_year_keeps_its_name():
    """`…将实现为83岁，2035年将实现为83.5岁`: the next clause carries on the same series with the name elided;
    将/实现/进一步 are no subject of their own (ind6 健康武汉2035; the national reports' `1979年达到27%，1980年将达到
    29%` and `1979年进一步提高到36.3元` are the same elision)."""
    rows = _rows("根据规划,到2030年,武汉人均期望寿命将实现为83岁,2035年将实现为83.5岁。", "action_plan", 2018)
    assert {("life_expectancy", 83.0, "=", "target", 2030), ("life_expectancy", 83.5, "=", "target", 2035)} <= _read(rows)


def test_achieving_a_rate_restates_no_named_indicator():
    """`实现9.5%左右的增长` after a goal sentence restates it with no name: 实现 is
    filler, but a figure of its own noun after another clause stays unnamed (blind2: restatements that name no indicator are no rows)."""
    rows = _rows("今年经济增长目标确定为9.5%左右,主要考虑是继续促进发展。从这两年的趋势看,实现9.5%左右的增长,必须付出艰苦努力。",
                 "work_report", 2013)
    assert len(rows[rows["indicator_id"] == "gdp_growth_rate"]) == 1


def test_value_after_shixian_in_a_goal_list_keeps_the_name():
    """`力争生产总值翻一番以上，实现26亿元以上`: 实现 is no subject, the clause carries on the named goal (ind6 台江)."""
    rows = _rows("到十二五末力争生产总值翻一番以上,实现26亿元以上,年均增长18%以上。", "five_year_plan", 2011)
    got = {(r.indicator_id, r.value, r.comparator) for r in rows.itertuples()}
    assert ("gdp_total", 26.0, ">=") in got


def test_undated_from_to_pair_after_a_dated_one_spans_its_years():
    """A five-year review paragraph dates its first from–to pair and leaves the next ones undated (ind6 内蒙古 2013
    and 2016, one document each): the from-value takes the dated pair's from-year, the rest its to-year."""
    text = ("综合经济实力显著增强。地区生产总值由2010年的1.17万亿元增加到2015年的1.8万亿元,年均增长10%。"
            "一般公共预算收入由1070亿元增加到1963.5亿元,年均增长12.9%;固定资产投资由4405亿元增加到1.3万亿元,年均增长24.1%。")
    got = _read(_rows(text, "work_report", 2016))
    assert {("general_budget_revenue", 1070.0, "=", "actual", 2010), ("general_budget_revenue", 1963.5, "=", "actual", 2015),
            ("general_budget_revenue_growth", 12.9, "=", "actual", 2015), ("fixed_asset_investment_growth", 24.1, "=", "actual", 2015)} <= got


def test_undated_pair_in_a_forward_paragraph_is_left_alone():
    """The dated pair must lie in the past (up to the reviewed year): a goal paragraph's pairs are not a review;
    nor does a sentence with a year of its own borrow one."""
    from plancompare.indicators.spans import paired_span_year

    forward = "到2030年,人均预期寿命由2020年的78岁提高到2030年的80岁。"
    assert paired_span_year("一般公共预算收入由100亿元增加到150亿元", 9, forward, 2020) is None
    review = "地区生产总值由2010年的1.17万亿元增加到2015年的1.8万亿元。"
    assert paired_span_year("一般公共预算收入由1070亿元增加到1963.5亿元", 9, review, 2015) == 2010
    assert paired_span_year("一般公共预算收入由1070亿元增加到1963.5亿元", 20, review, 2015) == 2015
    assert paired_span_year("2015年一般公共预算收入由1070亿元增加到1963.5亿元", 14, review, 2015) is None
