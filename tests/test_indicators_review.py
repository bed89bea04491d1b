"""Kind and year of review statements on unseen text (issue 12): outcomes judged against their goal, unnumbered
review headings, the end of a from–to span, and comparison base years. Each test is one short sentence of the
kind found on third-party pages (a 计划执行情况 report, a work-report digest, a five-year review, a plan's review)."""

from __future__ import annotations

import pandas as pd
import pytest

from plancompare.indicators import extract_indicators, load_registry
from plancompare.indicators.sections import line_sections, unnumbered_heading
from plancompare.indicators.rules import heading_kind, judged_against_goal, section_context


@pytest.fixture(scope="module")
def cues():
    return load_registry().cues


def _rows(text: str, kind: str, year: int | None, start: int | None, end: int | None, section: str = "") -> pd.DataFrame:
    passages = pd.DataFrame([{"passage_id": "t:0000", "doc_id": "t", "district": "T", "role": "body", "text": text,
                              "section_path": section, "line_start": 1, "line_end": text.count("\n") + 1,
                              "clean_line_start": 0}])
    documents = pd.DataFrame([{"doc_id": "t", "district": "T", "kind": kind, "year": year,
                               "period_start": start, "period_end": end}])
    return extract_indicators(passages, documents)


def _rows_of(texts: list, kind: str, year: int) -> pd.DataFrame:
    """Several passages of one document with no numbered heading (the outline saw none)."""
    passages = pd.DataFrame([{"passage_id": f"t:{i:04d}", "doc_id": "t", "district": "T", "role": "body", "text": t,
                              "section_path": "", "line_start": 1 + i * 10, "line_end": 1 + i * 10 + t.count("\n"),
                              "clean_line_start": i * 10} for i, t in enumerate(texts)])
    documents = pd.DataFrame([{"doc_id": "t", "district": "T", "kind": kind, "year": year,
                               "period_start": year - 1, "period_end": year}])
    return extract_indicators(passages, documents)


def _one(rows: pd.DataFrame, indicator: str, value: float) -> pd.Series:
    hit = rows[(rows["indicator_id"] == indicator) & (rows["value"] == value)]
    assert len(hit) == 1, rows[["indicator_id", "value", "kind", "year"]]
    return hit.iloc[0]


# ------------------------------------------------------------------ 1. outcomes judged against their goal
PLAN_REPORT = "一、2025年国民经济和社会发展计划执行情况 > (一)2025年计划指标完成情况"


def test_outcome_judged_against_goal_is_actual():
    """A 计划执行情况 report: 符合/低于/超过预期目标 after the number makes it the year's outcome, not a goal."""
    rows = _rows("1.地区生产总值达到67665.3亿元、增长5.5%，符合预期目标。\n2.固定资产投资（不含农户）下降2.4%，低于预期目标。",
                 "other", 2026, 2025, 2026, PLAN_REPORT)
    for indicator, value in (("gdp_total", 67665.3), ("gdp_growth_rate", 5.5), ("fixed_asset_investment_growth", -2.4)):
        row = _one(rows, indicator, value)
        assert (row["kind"], row["year"], row["kind_rule"]) == ("actual", 2025, "goal_judged"), row
    assert _one(rows, "gdp_total", 67665.3)["comparator"] == "="


@pytest.mark.parametrize("after, judged", [
    ("，符合预期目标。", True),
    ("、增长5.5%，符合预期目标。", True),
    ("，超过全年预期目标，成为经济运行的一大亮点。", True),
    ("，完成全年目标的108%。", True),
    ("，力争完成年度计划目标。", False),                     # a wish, not a judgement
    ("，实现规划目标。", False),                            # a plan's goal, not an outcome's judgement
    ("的预定目标。", False),                                # the number is the goal (略低于8%的预定目标)
    ("左右，经过上下各方面的努力，实际回落到6.1%，明显低于预定的调控目标。", False),  # judges a later number
])
def test_judged_against_goal(cues, after, judged):
    assert judged_against_goal(after, cues) is judged


def test_heading_judging_a_goal_is_no_forward_heading(cues):
    direction, year, _ = section_context(PLAN_REPORT + " > 1.地区生产总值达到67665.3亿元、增长5.5%,符合预期目标。", cues, [])
    assert (direction, year) == ("past", 2025)


# ------------------------------------------------------------------ 2. unnumbered review headings
DIGEST = ("2025年工作回顾\n2025年是“十四五”收官之年。全省生产总值增长5.1%。\n“十四五”时期重大成就\n■综合实力再上台阶\n"
          "●地区生产总值跨过3万亿元、年均增长5.2%。")


def test_bare_review_headings_make_a_digest_actual():
    """A 2026 work-report digest headed by bare lines: its review is 2025's outcome, not the 2026 goals."""
    rows = _rows(DIGEST, "other", 2026, 2026, 2026)
    got = {(r.indicator_id, r.value): (r.kind, r.year, r.kind_rule) for r in rows.itertuples()}
    assert got[("gdp_growth_rate", 5.1)] == ("actual", 2025, "review_section")
    assert got[("gdp_total", 30000.0)][:2] == ("actual", 2025)
    assert got[("gdp_growth_rate", 5.2)][:2] == ("actual", 2025)
    assert _one(rows, "gdp_total", 30000.0)["comparator"] == ">"  # 跨过 3万亿元
    assert _one(rows, "gdp_growth_rate", 5.2)["section_path"].endswith("“十四五”时期重大成就")


@pytest.mark.parametrize("line, heading", [
    ("2025年工作回顾", "2025年工作回顾"),
    ("“十四五”时期重大成就", "“十四五”时期重大成就"),
    ("■2026年主要目标任务", "2026年主要目标任务"),
    ("回顾2023", "回顾2023"),                                         # a year without 年
    ("主要预期目标", "主要预期目标"),                                  # undated
    ("2021-2025年发展目标", "2021-2025年发展目标"),                    # a span of years
    ("■综合实力再上台阶", None),                                     # no time direction
    ("全省生产总值增长5.1%", None),                                  # a statement
    ("一、2025年工作回顾", None),                                    # numbered: the outline's heading
    ("指标\t2020年\t2025年目标", None),                              # a table's header row
    ("1-10月主要指标完成情况", None),                                # a number other than a year
    ("2025年是“十四五”收官之年,我们坚持以习近平新时代中国特色社会主义思想为指导。", None),
])
def test_unnumbered_heading(cues, line, heading):
    assert unnumbered_heading(line, cues) == heading


def test_bare_heading_ends_with_a_new_numbered_section(cues):
    paths, carried = line_sections("2025年工作回顾\n经济增长5%。", "", cues, None)
    assert paths == ["2025年工作回顾", "2025年工作回顾"] and carried == ("2025年工作回顾", "")
    assert line_sections("经济增长5%。", "", cues, carried)[0] == ["2025年工作回顾"]
    assert line_sections("经济增长5%。", "一、2026年工作安排", cues, carried) == ([None], None)
    deeper, _ = line_sections("A\n2025年工作回顾\nB", "一、总体情况", cues, None)
    assert deeper == [None, "一、总体情况 > 2025年工作回顾", "一、总体情况 > 2025年工作回顾"]
    assert line_sections("B", "一、总体情况 > (一)经济", cues, ("2025年工作回顾", "一、总体情况"))[0] == [
        "一、总体情况 > 2025年工作回顾 > (一)经济"]
    # a heading the passage's path already holds (the outline made it one) is not put in again
    assert line_sections("2025年工作回顾\nB", "2025年工作回顾", cues, None) == ([None, None], None)


@pytest.mark.parametrize("heading, kind", [
    ("2025年工作回顾", "past"),
    ("顺利完成全年主要目标任务", "past"),          # goals met: the met word stands before the run 主要目标任务
    ("就业超过预期目标", "past"),
    ("确保完成全年目标任务", "future"),            # a wish, not a goal met
    ("2026年工作安排", "future"),
    ("“十五五”时期主要目标", "goal_list"),         # goal_list() then refuses it: a period's goals are targets
    ("主要预期目标", "goal_list"),
    ("综合实力再上台阶", None),
    ("2024年成绩单", "past"),                      # a digest's report card (ind5 湖北 2025; 邯郸 2025's headline)
    ("过去五年工作成绩", "past"),
    ("以优异成绩迎接党的二十大", None),            # 成绩 alone is no review word
])
def test_heading_kind(cues, heading, kind):
    assert heading_kind(heading, cues) == kind


REPORT = ("2025年是“十五五”开局之年。", "主要预期目标", "地区生产总值增长5%左右;", "一般公共预算收入增长3%;")


@pytest.mark.parametrize("passages", [["\n".join(REPORT)], [REPORT[0], "\n".join(REPORT[1:])]],
                         ids=["inside a passage", "opening a passage"])
def test_an_unnumbered_goal_list_heading_is_one_rule(passages):
    """``主要预期目标`` on a line of its own heads a work report's goal list whether it opens a passage or stands
    inside one: every item after it is an expected goal of the report's year."""
    rows = _rows_of(passages, "work_report", 2025)
    for indicator, value in (("gdp_growth_rate", 5), ("general_budget_revenue_growth", 3)):
        row = _one(rows, indicator, value)
        assert (row["kind"], row["year"], row["kind_rule"]) == ("expected", 2025, "expected_enumeration"), row


def test_a_report_card_heading_heads_the_reviewed_years_outcomes():
    """■ 2024年成绩单 / ●预计全省地区生产总值增长6%左右 in a 2025 report digest: 2024's estimated outcome."""
    rows = _rows("■ 2024年成绩单\n●预计全省地区生产总值增长6%左右", "other", 2025, 2025, 2025)
    assert (_one(rows, "gdp_growth_rate", 6)[["kind", "year", "comparator"]] == ["actual", 2024, "~"]).all()


def test_numbers_under_a_goals_met_heading_are_outcomes():
    """回眸2024 / 顺利完成全年主要目标任务 in a 2025 report digest: what follows is 2024's outcome, not a goal."""
    rows = _rows("顺利完成全年主要目标任务\n工业增势强劲,规上工业增加值增长8.3%,进出口达3.38万亿元。", "other", 2025, 2025, 2025)
    assert (_one(rows, "trade_total", 33800)[["kind", "year", "comparator"]] == ["actual", 2024, "="]).all()


# ------------------------------------------------------------------ 3. the end of a from–to span
def test_growth_after_a_from_to_span_belongs_to_its_end():
    """过去五年: 从2017年的A增加到B、年均增长r — 2017 dates A only; B and r belong to the span's end (2022)."""
    rows = _rows("——这五年，全市地区生产总值从2017年的2.01万亿元增加到2.91万亿元、年均增长5.4%。",
                 "work_report", 2023, 2022, 2023, "一、过去五年及2022年工作回顾")
    assert _one(rows, "gdp_total", 20100.0)["year"] == 2017
    assert _one(rows, "gdp_total", 29100.0)["year"] == 2022
    growth = _one(rows, "gdp_growth_rate", 5.4)
    assert (growth["kind"], growth["year"], growth["period_end"]) == ("actual", 2022, 2022)


def test_a_start_date_is_no_from_year():
    """从2002年1月1日起，…由15.3%降到12%: a start date, not a from–to pair: it still dates what follows."""
    rows = _rows("从2026年1月1日起，地区生产总值增长6%。", "five_year_plan", 2021, 2021, 2025)
    assert _one(rows, "gdp_growth_rate", 6.0)["year"] == 2026


# ------------------------------------------------------------------ 4. a comparison base is never the year
def test_base_year_is_never_the_value_year():
    """到2020年底…同比2015年增长67.86%；…同比2015年增长72%: the second base year is not an end year either."""
    rows = _rows("到2020年底，预计实现地区生产总值100.13亿元，同比2015年增长67.86%；财政收入预计实现6.13亿元，"
                 "同比2015年增长72%；社会消费品零售总额预计实现21.45亿元，同比2015年增长17.6%。",
                 "five_year_plan", 2022, 2021, 2025, "第一章 历史方位 > 第一节 全面小康社会如期建成")
    for indicator, value in (("gdp_growth_rate", 67.86), ("general_budget_revenue_growth", 72.0),
                             ("retail_sales_growth", 17.6)):
        row = _one(rows, indicator, value)
        assert (row["kind"], row["year"], row["period_start"], row["period_end"]) == ("actual", 2020, 2016, 2020)


def test_lone_base_year_does_not_date_the_value():
    """With no later year (an undated page) the base year still dates nothing: the row gets no year rather than
    the base's."""
    rows = _rows("全市居民人均可支配收入比2015年增长45%。", "other", None, None, None)
    row = _one(rows, "per_capita_disposable_income_growth", 45.0)
    assert pd.isna(row["year"])


def test_a_title_line_is_no_section_heading(cues):
    title = "海川省政府工作报告提出今年发展主要目标"
    assert line_sections(title + "\n全省一般公共预算收入达到812.4亿元。", "", cues, None, title)[0] == [None, None]


def test_a_tagged_title_line_is_no_section_heading(cues):
    """A page's tag before the title (metadata drops it: title ``计划报告解读``) leaves the line the title line:
    its ``计划`` and the session's year head the whole page, no section of it."""
    line = "【聚焦2026海川两会】计划报告解读"
    assert unnumbered_heading(line, cues, "计划报告解读") is None
    assert unnumbered_heading(line, cues, "") is not None  # without the title it would pass for a heading


# ------------------------------------------------------------------ whose figure: the region's own, the headline series
def test_region_after_a_verb_is_the_region_itself():
    """推动全区地区生产总值…: 全区 after a verb is still the region (no sub-area scope)."""
    rows = _rows("五年来，我们推动全区地区生产总值在2012年突破2000亿元。", "work_report", 2016, 2015, 2016)
    row = _one(rows, "gdp_total", 2000.0)
    assert (row["scope"], row["year"], row["comparator"]) == ("", 2012, ">")


def test_above_threshold_fixed_asset_investment_is_the_headline():
    """规模以上固定资产投资 is a county report's headline investment series; 货物和服务进出口 is a wider total than
    进出口 (customs), not the headline trade figure."""
    rows = _rows("据统计预测，全县规模以上固定资产投资增长18.3%，货物和服务进出口年均增长8.3%。", "work_report", 2022, 2021, 2022)
    row = _one(rows, "fixed_asset_investment_growth", 18.3)
    assert (row["scope"], row["kind"], row["year"]) == ("", "actual", 2021)
    assert set(rows.loc[rows["value"] == 8.3, "scope"]) == {"货物和服务"}


def test_milestone_restated_by_its_exact_value():
    """突破千亿元，达1082.18亿元: one statement, the exact value (a lone 跨过3万亿元 stays: see the digest test)."""
    rows = _rows("预计全市地区生产总值突破千亿元，达1082.18亿元，增长9%。", "work_report", 2018, 2017, 2018)
    assert sorted(rows.loc[rows["indicator_id"] == "gdp_total", "value"]) == [1082.18]


# ------------------------------------------------------------------ ind5 dev: general patterns (issue 12)
def test_a_paragraph_opened_by_this_year_so_far_reports_outcomes():
    """今年以来 opening a paragraph (like 一年来) makes its undated figures this year's outcomes, sentences later:
    a year-end speech's 预计 figures are no targets."""
    rows = _rows("今年以来，全区上下积极应对疫情，各项工作取得显著成绩。预计(下同)地区生产总值达到680亿元、年均增长8.4%。",
                 "other", 2020, 2020, 2020)
    for indicator, value in (("gdp_total", 680), ("gdp_growth_rate", 8.4)):
        row = _one(rows, indicator, value)
        assert (row["kind"], row["year"], row["comparator"]) == ("actual", 2020, "="), row


def test_a_component_after_qizhong_takes_the_numbers_after_it():
    """…320亿元、年均增长13.3%，其中工业投资139亿元、年均增长20%: 20% is industrial investment's, not the total's;
    a component that is an indicator (其中一般公共预算收入…) keeps its own."""
    rows = _rows("全社会固定资产投资320亿元、年均增长13.3%，其中工业投资139亿元、年均增长20%。一般公共预算收入42.3亿元、"
                 "年均增长7.8%，其中税收收入17.1亿元、年均增长4.6%。", "work_report", 2021, 2020, 2021)
    assert sorted(rows.loc[rows["indicator_id"] == "fixed_asset_investment_growth", "value"]) == [13.3]
    assert sorted(rows.loc[rows["indicator_id"] == "general_budget_revenue_growth", "value"]) == [7.8]
    total = _rows("财政总收入2600亿元,增长14.5%,其中一般公共预算收入1825.06亿元,增长12.5%。", "work_report", 2021, 2020, 2021)
    assert _one(total, "general_budget_revenue_growth", 12.5)["year"] == 2020


@pytest.mark.parametrize("text", ["到2025年,济南市细颗粒物(PM2.5)年均浓度达到40微克/立方米。",
                                  "到2025年,PM2.5平均浓度降至40微克/立方米。"])
def test_a_latin_name_between_year_and_number_is_no_from_value(text):
    """PM2.5 between 到2025年 and the number is a name: its digits are no from-value taking the year away."""
    row = _one(_rows(text, "implementation_plan", 2023, 2023, 2023), "pm25_concentration", 40)
    assert (row["kind"], row["year"]) == ("target", 2025)


def test_a_goal_section_opened_by_its_horizon_dates_its_items():
    """一、主要目标 / 到2020年，全面建成… / ——每千名老年人拥有养老床位数35张以上: the goals listed after the horizon
    are the horizon's (a 实施意见 of 2014), not the document's year; a numbered heading ends it."""
    passages = pd.DataFrame([
        {"passage_id": "t:0", "doc_id": "t", "district": "T", "role": "heading", "text": "一、主要目标",
         "section_path": "一、主要目标", "line_start": 1, "line_end": 1, "clean_line_start": 0},
        {"passage_id": "t:1", "doc_id": "t", "district": "T", "role": "body",
         "text": "到2020年,全面建成覆盖城乡的养老服务体系。\n——每千名老年人拥有养老床位数35张以上。",
         "section_path": "一、主要目标", "line_start": 2, "line_end": 3, "clean_line_start": 1},
        {"passage_id": "t:2", "doc_id": "t", "district": "T", "role": "body", "text": "每千名老年人拥有养老床位数30张以上。",
         "section_path": "二、主要任务", "line_start": 4, "line_end": 4, "clean_line_start": 3}])
    documents = pd.DataFrame([{"doc_id": "t", "district": "T", "kind": "implementation_plan", "year": 2014,
                               "period_start": 2014, "period_end": 2014}])
    rows = extract_indicators(passages, documents)
    assert _one(rows, "elderly_care_beds_per_1000_elderly", 35)["year"] == 2020
    assert _one(rows, "elderly_care_beds_per_1000_elderly", 30)["year"] == 2014


@pytest.mark.parametrize("text, indicator, value", [
    ("工业经济总量成为全区第四个突破2000亿元大关的地区。", "gdp_total", 2000),
    ("1956年工业生产总值比1955年将增长19.7%。", "gdp_growth_rate", 19.7),
])
def test_a_sector_before_a_region_wide_name_is_the_sectors_figure(text, indicator, value):
    """工业 before 经济总量 / 生产总值 names the industrial figure: scoped, not the region's headline GDP."""
    rows = _rows(text, "work_report", 2025, 2024, 2025)
    assert set(rows.loc[(rows["indicator_id"] == indicator) & (rows["value"] == value), "scope"]) == {"工业"}


def test_nursing_bed_share_spelled_out_with_zhan():
    """护理型床位占养老服务机构总床位比例达到30%以上: any spelling of the 占 phrase names the share."""
    rows = _rows("到2020年,护理型床位占养老服务机构总床位比例达到30%以上。", "implementation_plan", 2014, 2014, 2014)
    row = _one(rows, "nursing_bed_share", 30)
    assert (row["kind"], row["year"], row["comparator"]) == ("target", 2020, ">=")


def test_a_table_row_opened_by_its_category_and_number():
    """类别⇥序号⇥指标名称⇥2020年⇥2025年⇥属性: the label is the cell naming an indicator, not the category; on an
    undated page, under a “十四五” heading, the 2020 column is the base (actual)."""
    text = ("类别\t序号\t指标名称\t2020年\t2025年\t属性\n生态建设\t1\t森林覆盖率(%)\t45.31\t46.3\t约束性\n"
            "2\t森林蓄积量(万立方米)\t4606.24\t5000\t约束性")
    rows = _rows(text, "other", None, None, None, "“十四五”林业发展主要目标指标表")
    assert tuple(_one(rows, "forest_coverage", 45.31)[["kind", "year"]]) == ("actual", 2020)
    assert tuple(_one(rows, "forest_coverage", 46.3)[["kind", "year"]]) == ("target", 2025)
    assert not (rows["value"] == 1).any()  # the row's number is no value


@pytest.mark.parametrize("text", [
    "二十年来，我们始终树立重振辉煌的雄心。地区生产总值、地方一般公共预算收入分别增加至559.2亿元、39.5亿元。",
    "两年来，全市地区生产总值共增长百分之十四。",
])
def test_a_span_of_years_up_to_now_reports_outcomes(text):
    """二十年来 / 两年来 (like 五年来, 一年来) in the paragraph or sentence: what happened, not a goal."""
    rows = _rows(text, "other", 2023, 2023, 2023, "二、奋进2023年")
    assert set(rows.loc[rows["indicator_id"] != "", "kind"]) == {"actual"}


@pytest.mark.parametrize("text, kind, year", [
    ("会议发布的《关于海川市2025年计划执行情况与2026年计划草案的报告》显示，2025年，全市上下攻坚克难，经济运行总体平稳。"
     "全年地区生产总值增长5%，固定资产投资增长5.2%。", "actual", 2025),
    ("2022年，面对多重超预期因素冲击，全县经济稳中有进。全年实现地区生产总值2651.25亿元，增长1.0%。", "actual", 2022),
    ("年末常住人口比2021年减少0.14万人。全年地区生产总值增长5%左右。", "target", 2026),  # a base year: no year
])
def test_a_sentence_opened_by_the_whole_year_is_its_paragraphs_year(text, kind, year):
    """全年 opening a sentence speaks of the (past) year its paragraph last named, not of the document's year
    (ind5 济源 2026 plan-report news; the same ``YYYY年，…。全年…`` review paragraph in nine documents of ind3,
    ind4, ind5 and the 2006 national report)."""
    rows = _rows(text, "other", 2026, 2026, 2026)
    row = rows[rows["indicator_id"] == "gdp_growth_rate"].iloc[0]
    assert (row["kind"], row["year"]) == (kind, year)


def test_a_horizon_before_a_from_year_dates_the_to_value():
    """到2020年全省居民人均预期寿命从2015年的73.25岁增长到74岁: the from-year dates the from-value only, and the
    horizon written before it still dates the goal (a plan's idiom: ind5 健康甘肃2030 news; 到2030年将其平均预期寿命
    从2024年的79岁提高到80岁 on a news page)."""
    rows = _rows("规划提出，到2020年全省居民人均预期寿命从2015年的73.25岁增长到74岁。", "five_year_plan", 2016, 2016, 2030)
    assert tuple(_one(rows, "life_expectancy", 74)[["kind", "year"]]) == ("target", 2020)
    assert tuple(_one(rows, "life_expectancy", 73.25)[["kind", "year"]]) == ("actual", 2015)
