"""Documents without a dated title or file name (news excerpts of work reports, re-posted notices): the year is
read from the text (dateline, signature line, meeting, reviewed year) and the rule that decided is kept in
``year_rule``; a paragraph that reviews last year and then sets this year's goals gives each number the kind
of its own clause. Every sentence here was written for these tests."""

from __future__ import annotations

import pandas as pd
import pytest

import plancompare as pc
from plancompare.indicators import extract_indicators
from plancompare.indicators.dating import document_date
from plancompare.indicators.reading import years_and_masks
from plancompare.text.numbers import digit_string_value


def _rows(lines: list[str], kind: str = "work_report", year=None, start=None, end=None,
          sections: list[str] | None = None) -> pd.DataFrame:
    """One document, one passage a line (``sections``: the section path of each line)."""
    sections = sections or [""] * len(lines)
    passages = pd.DataFrame([{"passage_id": f"d:{i:04d}", "doc_id": "d", "district": "D", "role": "body",
                              "text": text, "section_path": head, "line_start": i + 1, "line_end": i + 1,
                              "clean_line_start": i} for i, (head, text) in enumerate(zip(sections, lines))])
    documents = pd.DataFrame([{"doc_id": "d", "district": "D", "kind": kind, "year": year,
                               "period_start": start, "period_end": end}])
    return extract_indicators(passages, documents)


def _one(rows: pd.DataFrame, indicator: str, value: float) -> pd.Series:
    got = rows[(rows["indicator_id"] == indicator) & (rows["value"] == value)]
    assert len(got) == 1, rows[["indicator_id", "value", "kind", "year", "kind_rule", "year_rule"]]
    return got.iloc[0]


# ----------------------------------------------------------------------------------------- the dating rules
@pytest.mark.parametrize("lines, year, rule", [
    (["东湖区召开人代会", "2031-01-20 09:15 来源：东湖日报", "会议听取了区长所作的政府工作报告。"], 2031, "dateline"),
    (["关于印发某县行动方案的通知", "各乡镇：现印发给你们。", "某县人民政府", "2027年2月14日"], 2027, "dated_line"),
    (["在2029年全县经济工作会议上，县长作了讲话。", "会议要求抓好六项工作。"], 2029, "meeting_date"),
    (["会议回顾了2033年的政府工作，部署了下一阶段任务。"], 2034, "reviewed_year"),
    (["报告提出了2036年经济社会发展的主要目标。"], 2036, "reviewed_year"),
    (["会议听取了政府工作报告。", "2月3日上午，大会开幕。"], None, ""),
])
def test_document_date_rules(lines, year, rule):
    assert document_date(lines) == (year, rule)


def test_a_deadline_inside_a_sentence_is_no_document_date():
    # a date in the middle of a long opening sentence is a deadline, not when the text was written
    text = "各单位务必于2030年6月30日前完成全部整改任务并报送书面材料，逾期未报的予以通报批评。"
    assert document_date([text]) == (None, "")


def test_chinese_numeral_years_are_years():
    years, _, _ = years_and_masks("二〇三一年全市的主要预期目标是：", [])
    assert years == [(0, 2031)]
    assert years_and_masks("二00九年", [])[0] == [(0, 2009)]
    assert years_and_masks("十二年来", [])[0] == []
    # one digit table for years, amounts and the audit (the circle ○ is a zero as 〇 is)
    assert years_and_masks("二○○四年", [])[0] == [(0, 2004)]
    assert (digit_string_value("一九九八"), digit_string_value("二00九"), digit_string_value("二十")) == (1998, 2009, None)


# ----------------------------------------------------------------------------------------- years from the text
def test_dateline_dates_this_year_and_last_year():
    rows = _rows(["西河区人代会开幕", "2031-01-20 09:15 来源：西河日报",
                  "区长在政府工作报告中说，去年全区地区生产总值完成512.3亿元，增长7.1%。",
                  "今年全区地区生产总值预期增长6%左右。"])
    actual = _one(rows, "gdp_total", 512.3)
    assert (actual["kind"], actual["year"], actual["year_rule"]) == ("actual", 2030, "relative_year:dateline")
    goal = _one(rows, "gdp_growth_rate", 6)
    assert (goal["kind"], goal["year"], goal["comparator"]) == ("expected", 2031, "~")
    assert goal["year_rule"] == "relative_year:dateline"


def test_reviewed_year_dates_an_undated_full_year_outcome():
    rows = _rows(["县长作政府工作报告。在回顾2033年工作时说：2033年，我们克服重重困难，各项工作稳步推进。"
                  "全年实现地区生产总值97.45亿元、增长6.3%，完成地方财政收入5.18亿元、增长4.4%。"])
    for indicator, value in [("gdp_total", 97.45), ("gdp_growth_rate", 6.3), ("general_budget_revenue", 5.18),
                             ("general_budget_revenue_growth", 4.4)]:
        row = _one(rows, indicator, value)
        assert (row["kind"], row["year"]) == ("actual", 2033)
        # 全年 opening the sentence takes the paragraph's 2033年 itself (spans.whole_year), before any document
        # date; the document is still dated from the reviewed year for the numbers no year of the text names
        assert row["year_rule"] == "sentence_year"
    assert document_date(["县长作政府工作报告。在回顾2033年工作时说：2033年，我们克服重重困难。"]) == (2034, "reviewed_year")


def test_meeting_date_and_a_year_the_sentence_names():
    rows = _rows(["在2029年全市经济工作会议上，市长说，去年全市一般公共预算收入增长3.9%。",
                  "2027年全市生产总值达到860亿元。"])
    named = _one(rows, "gdp_total", 860)
    assert (named["kind"], named["year"], named["year_rule"]) == ("actual", 2027, "sentence_year")
    last = _one(rows, "general_budget_revenue_growth", 3.9)
    assert (last["kind"], last["year"], last["year_rule"]) == ("actual", 2028, "relative_year:meeting_date")


def test_report_year_goal_list_is_expected():
    rows = _rows(["2032-02-01 来源：南山新闻", "主任在报告中提出了南山区2032年的主要目标，即地区生产总值增长6.5%左右，"
                  "全社会固定资产投资增长9%以上，城镇登记失业率控制在3.5%以内。"])
    for indicator, value, cmp in [("gdp_growth_rate", 6.5, "~"), ("fixed_asset_investment_growth", 9, ">="),
                                  ("registered_unemployment_rate", 3.5, "<=")]:
        row = _one(rows, indicator, value)
        assert (row["kind"], row["year"], row["comparator"], row["kind_rule"]) == (
            "expected", 2032, cmp, "expected_statement")


def test_a_goal_list_for_another_year_is_no_expected_list():
    rows = _rows(["2032-02-01 来源：南山新闻", "报告明确，到2035年的主要目标是地区生产总值达到1500亿元。"])
    assert _one(rows, "gdp_total", 1500)["kind"] == "target"


def test_dated_metadata_is_not_replaced():
    rows = _rows(["2031-01-20 来源：东湖日报", "去年全区地区生产总值完成512.3亿元。"], year=2025)
    row = _one(rows, "gdp_total", 512.3)
    assert (row["year"], row["year_rule"]) == (2024, "relative_year")


def test_chinese_numeral_year_dates_the_goal_list():
    rows = _rows(["北原自治区二〇三一年的主要预期目标是：地区生产总值增长百分之七，社会消费品零售总额增长百分之九。"])
    for indicator, value in [("gdp_growth_rate", 7), ("retail_sales_growth", 9)]:
        row = _one(rows, indicator, value)
        assert (row["kind"], row["year"], row["year_rule"]) == ("expected", 2031, "sentence_year")


# ----------------------------------------------------------------------------------------- kinds inside one paragraph
def test_last_year_then_this_years_goals_in_one_sentence():
    rows = _rows(["2030-01-15 来源：滨江晚报", "报告显示，初步核算，去年全市地区生产总值1234亿元、增长5.2%，今年全市地区生产总值"
                  "预期增长5%左右，一般公共预算收入增长4%。"])
    for indicator, value, kind, year in [("gdp_total", 1234, "actual", 2029), ("gdp_growth_rate", 5.2, "actual", 2029),
                                         ("gdp_growth_rate", 5, "expected", 2030),
                                         ("general_budget_revenue_growth", 4, "expected", 2030)]:
        row = _one(rows, indicator, value)
        assert (row["kind"], row["year"]) == (kind, year), row[["kind", "year", "kind_rule", "year_rule"]]


def test_the_time_word_nearest_the_number_wins():
    rows = _rows(["去年全县地区生产总值增长4.8%，今年全县地区生产总值力争增长6%。"], year=2030)
    assert tuple(_one(rows, "gdp_growth_rate", 4.8)[["kind", "year"]]) == ("actual", 2029)
    assert tuple(_one(rows, "gdp_growth_rate", 6)[["kind", "year"]]) == ("target", 2030)
    # 比去年 is the base of a comparison: the number is this year's, and a part of this year that has passed
    # states an outcome
    rows = _rows(["今年一季度全县社会消费品零售总额比去年同期增长6.6%。"], year=2030, kind="other")
    assert tuple(_one(rows, "retail_sales_growth", 6.6)[["kind", "year"]]) == ("actual", 2030)


def test_urban_and_rural_income_growth_after_split_name():
    rows = _rows(["2030年，城乡居民收入分别达到41250元和18760元、分别增长6.1%和7.3%。"], year=2031)
    assert _one(rows, "urban_disposable_income_growth", 6.1)["year"] == 2030
    assert _one(rows, "rural_disposable_income_growth", 7.3)["year"] == 2030
    rows = _rows(["今年主要预期目标是：城镇居民、农村居民人均可支配收入分别增长5%、6.5%，城镇调查失业率控制在5.5%以内。"],
                 year=2031)
    assert _one(rows, "urban_disposable_income_growth", 5)["kind"] == "expected"
    assert _one(rows, "rural_disposable_income_growth", 6.5)["kind"] == "expected"
    assert _one(rows, "urban_unemployment_rate", 5.5)["comparator"] == "<="


def test_plan_execution_section_reviews_the_past_year():
    rows = _rows(["2032年，全市实现地区生产总值2210.4亿元，增长4.1%。"], kind="other", year=2033,
                 sections=["一、2032年国民经济和社会发展计划执行情况"])
    row = _one(rows, "gdp_total", 2210.4)
    assert (row["kind"], row["year"], row["kind_rule"]) == ("actual", 2032, "explicit_past")


def test_an_undated_file_end_to_end(tmp_path):
    # through build_corpus: the metadata finds no year (no dated title, file name or date line), the text does
    path = tmp_path / "lakeside_report_excerpt.txt"
    body = "报告说，去年全县地区生产总值完成318.6亿元，增长5.9%。今年全县地区生产总值预期增长6%左右。\n"
    path.write_text("湖滨县县长作政府工作报告\n湖滨新闻网讯 县长在报告中回顾了2033年的工作。\n" + body, encoding="utf-8")
    corpus = pc.build_corpus([path], embed=False, index=False, use_cache=False)
    assert pd.isna(corpus.documents["year"].iloc[0])
    rows = corpus.indicators
    assert tuple(_one(rows, "gdp_total", 318.6)[["kind", "year"]]) == ("actual", 2033)
    goal = _one(rows, "gdp_growth_rate", 6)
    assert (goal["kind"], goal["year"], goal["year_rule"]) == ("expected", 2034, "relative_year:reviewed_year")
    # a page's date stamp dates the document in its metadata already; the indicators agree with it
    path.write_text("湖滨县县长作政府工作报告\n2034-01-18 10:02 来源：湖滨新闻网\n" + body, encoding="utf-8")
    corpus = pc.build_corpus([path], embed=False, index=False, use_cache=False)
    assert corpus.documents["year"].iloc[0] == 2034
    assert tuple(_one(corpus.indicators, "gdp_total", 318.6)[["kind", "year"]]) == ("actual", 2033)
    assert tuple(_one(corpus.indicators, "gdp_growth_rate", 6)[["kind", "year"]]) == ("expected", 2034)


def test_a_news_page_relaying_a_work_report_reads_as_the_report(tmp_path):
    # the metadata calls the page `other` (it is news, not the report); its numbers are the report's
    path = tmp_path / "news_page.txt"
    path.write_text("海川省政府工作报告提出今年发展主要目标\n2031-01-21 08:30 来源：海川日报\n"
                    "1月20日，海川省省长在省十四届人大三次会议上作政府工作报告。\n"
                    "全省一般公共预算收入达到812.4亿元，增长9.6%。\n"
                    "今年全省地区生产总值预期增长5.5%左右。\n", encoding="utf-8")
    corpus = pc.build_corpus([path], embed=False, index=False, use_cache=False)
    assert corpus.documents["kind"].iloc[0] == "other"
    rows = corpus.indicators
    revenue = _one(rows, "general_budget_revenue", 812.4)
    assert (revenue["kind"], revenue["year"]) == ("actual", 2030)
    assert tuple(_one(rows, "gdp_growth_rate", 5.5)[["kind", "year"]]) == ("expected", 2031)


# ------------------------------------------- provincial and city work reports (ind4 dev set: short real sentences)
@pytest.mark.parametrize("lines, year, rule", [
    # a news page that names no year: the session of the provincial congress dates the report
    (["今日上午,福建省第十三届人民代表大会第六次会议在福州开幕。"], 2022, "congress_session"),
    (["上海市第十六届人大二次会议1月23日上午在世博中心开幕。"], 2024, "congress_session"),
    (["3月5日，李强总理代表国务院在十四届全国人大四次会议上作《政府工作报告》。"], 2026, "congress_session"),
    (["1月20日上午,安徽省十四届人大三次会议开幕,安徽省省长王清宪作政府工作报告"], 2025, "congress_session"),
    # a city's congress has terms of its own: no date from it
    (["2月26日,在晋中市第五届人民代表大会第五次会议上, 刘星作政府工作报告。"], None, ""),
    (["经新华社“采编助手”大数据梳理,2026年吉林省政府工作报告中,“发展”出现67次"], 2026, "report_year"),
    (["报告明确了2023年江苏经济社会发展主要预期目标:经济增长5%左右"], 2023, "reviewed_year"),
])
def test_provincial_pages_are_dated(lines, year, rule):
    from plancompare.indicators import load_registry

    assert document_date(lines, load_registry().cues) == (year, rule)


def test_congress_session_dates_last_year_and_this_year():
    rows = _rows(["今日上午,福建省第十三届人民代表大会第六次会议在福州开幕。",
                  "初步统计,去年全省地区生产总值48810亿元、增长8.0%,今年全省地区生产总值预期增长6.5%。"])
    total = _one(rows, "gdp_total", 48810)
    assert (total["kind"], total["year"], total["year_rule"]) == ("actual", 2021, "relative_year:congress_session")
    assert tuple(_one(rows, "gdp_growth_rate", 6.5)[["kind", "year"]]) == ("expected", 2022)


def test_an_inline_review_heading_under_a_forward_heading():
    # the table of contents made 二、2024年目标任务… the heading; 回顾2023 on a line of its own turns back
    head = "二、2024年目标任务和主要工作"
    rows = _rows(["回顾2023\n全省生产总值增长5.5%,一般公共预算收入增长5.7%,固定资产投资增长6.3%。",
                  "(一)经济运行回升向好。开展稳外贸活动,出口总值增长9.3%。"], year=2024,
                 sections=[head, head + " > (一)经济运行回升向好"])
    for indicator, value in [("gdp_growth_rate", 5.5), ("fixed_asset_investment_growth", 6.3),
                             ("exports_growth", 9.3)]:
        assert tuple(_one(rows, indicator, value)[["kind", "year"]]) == ("actual", 2023)


def test_inline_headings_of_a_district_report_summary():
    rows = _rows(["2025年及“十四五”工作回顾", "“十四五”期间,地区生产总值年均增长6.6%。", "“十五五”时期主要目标",
                  "地区生产总值年均增长5%左右,一般公共预算收入年均增长2.5%,规上工业总产值达1300亿元。"], year=2026)
    past = _one(rows, "gdp_growth_rate", 6.6)
    assert tuple(past[["kind", "year", "period_start", "period_end"]]) == ("actual", 2025, 2021, 2025)
    goal = _one(rows, "gdp_growth_rate", 5)
    assert tuple(goal[["kind", "year", "period_start", "period_end"]]) == ("target", 2030, 2026, 2030)


def test_a_goal_list_heading_makes_its_lines_expected():
    head = "二、2025年主要目标任务"
    rows = _rows(["全省地区生产总值增长5.5%以上;\n固定资产投资增长5%左右;\n进出口总额增长5.5%左右;"], year=2025,
                 sections=[head])
    for indicator, value, cmp in [("gdp_growth_rate", 5.5, ">="), ("fixed_asset_investment_growth", 5, "~"),
                                  ("trade_growth", 5.5, "~")]:
        row = _one(rows, indicator, value)
        assert tuple(row[["kind", "year", "comparator", "kind_rule"]]) == ("expected", 2025, cmp,
                                                                          "expected_enumeration")
    # a heading saying a goal was met reviews the past
    met = _rows(["城镇新增就业859万人。"], year=2004, sections=["———就业超过预期目标"])
    assert tuple(_one(met, "new_urban_jobs", 859)[["kind", "year"]]) == ("actual", 2003)


@pytest.mark.parametrize("text, indicator, value, comparator", [
    ("2022年,一般公共预算收入达9258.9亿元、同口径增长1.5%。", "general_budget_revenue_growth", 1.5, "="),
    ("2024年,出口预计增长5.3%,城镇调查失业率预计4.7%左右。", "exports_growth", 5.3, "="),
    ("2025年,城镇和农村居民人均可支配收入分别增长4.3%、5.3%。", "urban_disposable_income_growth", 4.3, "="),
    ("2025年,城镇和农村居民人均可支配收入分别增长4.3%、5.3%。", "rural_disposable_income_growth", 5.3, "="),
    ("2024年,全省地区生产总值增长5.8%,经济总量跨上5万亿元台阶。", "gdp_total", 50000, ">"),
])
def test_provincial_review_sentences(text, indicator, value, comparator):
    row = _one(_rows([text], year=int(text[:4]) + 1), indicator, value)
    assert (row["kind"], row["year"], row["comparator"]) == ("actual", int(text[:4]), comparator)


@pytest.mark.parametrize("text, indicator, value", [
    ("“十四五”期间,吉林省地区生产总值跨越3个千亿元台阶,达到1.5万亿元。", "gdp_total", 1000),  # a step size
    ("对非美市场出口增长8.4%,服务贸易增长超过7%。", "exports_growth", 8.4),                # one market's exports
    ("全市一般公共预算收入277.48亿元，同比增长9.1%（同口径增长10.5%）。", "general_budget_revenue_growth", 10.5),
])
def test_figures_that_are_not_the_regions_headline(text, indicator, value):
    rows = _rows([text], year=2026)
    assert rows[(rows["indicator_id"] == indicator) & (rows["value"] == value)].empty


def test_since_spans_state_outcomes():
    # under a forward heading, 今年以来 and an undated …以来 span report what happened, not goals
    rows = _rows(["建区以来,地区生产总值、地方一般公共预算收入分别增加至559.2亿元、39.5亿元。",
                  "今年以来,全区地区生产总值增长5.1%。"], year=2023, sections=["二、奋进2023年"] * 2)
    assert tuple(_one(rows, "gdp_total", 559.2)[["kind", "year"]]) == ("actual", 2022)
    assert tuple(_one(rows, "gdp_growth_rate", 5.1)[["kind", "year"]]) == ("actual", 2023)


def test_urban_and_rural_rates_rank_among_the_rates():
    # 分别 before the two levels: the two growth rates after them are urban then rural, both 左右
    rows = _rows(["全市实现地区生产总值预计1.35万亿元,增长7%左右。城镇和农村居民人均可支配收入预计分别达到6.1万元、"
                  "3.3万元,增长8.5%和9%左右。"], year=2019)
    for indicator, value in [("urban_disposable_income_growth", 8.5), ("rural_disposable_income_growth", 9)]:
        assert tuple(_one(rows, indicator, value)[["kind", "year", "comparator"]]) == ("actual", 2018, "~")


def test_a_paragraph_opened_by_this_year_speaks_of_this_year():
    # a 2026 report: the goals follow a sentence that names the year; no goal list to restate
    rows = _rows(["今年是“十五五”开局之年。全省一般公共预算收入增长3%左右,居民消费价格涨幅2%左右。"], year=2026)
    assert tuple(_one(rows, "general_budget_revenue_growth", 3)[["kind", "year"]]) == ("target", 2026)
    # a paragraph that goes back to last year is not read so
    rows = _rows(["今年是“十五五”开局之年。去年全省一般公共预算收入增长2.9%。"], year=2026)
    assert tuple(_one(rows, "general_budget_revenue_growth", 2.9)[["kind", "year"]]) == ("actual", 2025)


def test_an_undated_page_naming_a_five_year_plan_speaks_from_its_start():
    """No date anywhere, but the opening names the plan (ind6 吴中 十三五 纲要, 仙桃 十四五 纲要 news): a plan's
    review is the year before the plan, its targets the plan's end; a work report presenting the outline is the
    plan's first year, its 今后五年 the plan's period."""
    plan = _rows(["本规划纲要根据《中共海川区委关于制定海川区国民经济和社会发展第十三个五年规划的建议》编制。",
                  "综合实力显著增强。经济总量增至950亿元，年均增长9.5%。"], kind="other",
                 sections=["", "第一章 基础与形势 > 第一节 发展基础"])
    row = _one(plan, "gdp_total", 950)
    assert (row["kind"], row["year"], row["year_rule"]) == ("actual", 2015, "document_year:plan_named")
    growth = _one(plan, "gdp_growth_rate", 9.5)
    assert (growth["year"], growth["period_start"], growth["period_end"]) == (2015, 2011, 2015)
    report = _rows(["市长向大会作政府工作报告。会议印发了《海川市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要(草案)》，"
                    "确定今后五年的主要发展目标:地区生产总值超过1200亿元,年均增长7%。"], kind="other")
    row = _one(report, "gdp_growth_rate", 7)
    assert (row["kind"], row["year"], row["period_start"], row["period_end"]) == ("target", 2025, 2021, 2025)
