"""The concrete cases of issue 12, as short synthetic sentences quoted from it, plus the number reader of the
shared text layer and the metadata inference for documents without a catalog entry."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

from plancompare.catalog import MetadataWarning, infer_kind, infer_metadata, infer_region
from plancompare.indicators import extract_indicators
from plancompare.indicators.rules import KIND_RULES, YEAR_RULES
from plancompare.text.numbers import (change_direction, chinese_numeral_value, find_quantities, find_ratios,
                                      fold_for_numbers)

UNITS = {"%", "个", "亿元", "万元", "万人", "张", "个工作日"}


def _extract(text: str, kind: str, year: int, start: int, end: int, section: str = "",
             before: list[tuple[str, str]] | None = None) -> pd.DataFrame:
    """One document: optional earlier passages (section, text), then ``text`` under ``section``."""
    rows = [*(before or []), (section, text)]
    passages = pd.DataFrame([{"passage_id": f"t:{i:04d}", "doc_id": "t", "district": "T", "role": "body",
                              "text": body, "section_path": head, "line_start": i + 1, "line_end": i + 1,
                              "clean_line_start": i} for i, (head, body) in enumerate(rows)])
    documents = pd.DataFrame([{"doc_id": "t", "district": "T", "kind": kind, "year": year,
                               "period_start": start, "period_end": end}])
    out = extract_indicators(passages, documents)
    return out[out["passage_id"] == f"t:{len(rows) - 1:04d}"]


def _plan(text, section="", before=None):
    return _extract(text, "five_year_plan", 2021, 2021, 2025, section, before)


def _report(text, section="", year=2024):
    return _extract(text, "work_report", year, year - 1, year, section)


# ----------------------------------------------------------------------------------------- shared text layer
def test_fold_keeps_numbers_apart_and_words_together():
    assert fold_for_numbers("累计建 设5G网络基站2000个以上")[0] == "累计建设5G网络基站2000个以上"
    assert fold_for_numbers("锚定“10 13”任务")[0] == "锚定10 13任务"
    assert fold_for_numbers("增长６．５％")[0] == "增长6.5%"


@pytest.mark.parametrize("text, value", [("八", 8), ("十四", 14), ("两百", 200), ("六点五", 6.5), ("二〇三五", 2035),
                                         ("四万零六百", 40600), ("二亿五千万", 250_000_000), ("万", None)])
def test_chinese_numerals(text, value):
    assert chinese_numeral_value(text) == value


@pytest.mark.parametrize("text, value, unit", [
    ("全年税收完成三百二十一亿四千万元", 3_214_000, "万元"),  # 321.4亿元, in the unit the sentence goes on with
    ("新增就业两万八千人", 28_000, "人"),  # not 八千人
    ("粮食产量达到八千三百万吨", 8300, "万吨"),
    ("全省生产总值达到二万五千九百六十八点五五亿元", 25968.55, "亿元")])  # decimals after the last section (ind6)
def test_numerals_with_wan_and_yi_sections_are_read_whole(text, value, unit):
    (q,) = find_quantities(fold_for_numbers(text)[0], {"万元", "亿元", "人", "万吨"})
    assert (q.value, q.unit) == (value, unit)
    assert text[q.end:] == "" and q.start == re.search("[一二三四五六七八九两]", text).start()  # the whole numeral


@pytest.mark.parametrize("text, low, high", [
    ("增长5%—5.5%", 5.0, 5.5), ("增长6-6.5%", 6.0, 6.5), ("增长6%－6.5%", 6.0, 6.5), ("百分之八至九", 8.0, 9.0)])
def test_ranges(text, low, high):
    (q,) = find_quantities(fold_for_numbers(text)[0], UNITS)
    assert (q.value, q.value_high, q.unit) == (low, high, "%")


def test_multiplier_units_and_malformed_ranges():
    (q,) = find_quantities("收入12.5亿元", UNITS)
    assert (q.value, q.unit) == (12.5, "亿元")
    assert find_quantities(fold_for_numbers("增长6.5%－6%")[0], UNITS) == []
    assert find_quantities(fold_for_numbers("增长6%－")[0], UNITS) == []


def test_ratios_and_signed_changes():
    assert [r.parts for r in find_ratios("三次产业结构从2015年的0.6:55.8:43.6调整为0.2:38.2:61.6")] == [
        [0.6, 55.8, 43.6], [0.2, 38.2, 61.6]]
    assert find_ratios("上午9:30召开") == []
    assert change_direction("刑事警情下降") == -1
    assert change_direction("收入增长") == 1
    assert change_direction("PM2.5降至") is None


# ----------------------------------------------------------------------------------------- issue 12 cases
def test_review_of_the_past_period_is_actual_for_its_end_year():
    text = "“十三五”时期，全区平均每年接待游客超500万人次，企业开办时间压缩至1个工作日内。"
    rows = _plan(text, section="第一章 发展基础")
    assert len(rows) == 2
    assert set(rows["kind"]) == {"actual"} and set(rows["year"]) == {2020}
    assert rows.set_index("unit").loc["个工作日", "comparator"] == "<="


def test_plan_review_before_the_goals_is_actual_even_without_a_review_heading():
    review = "学前三年毛入园率超过100%，公办幼儿园在园幼儿占比82.5%。"
    goals = [("第二章 指导思想和发展目标", "到2025年，地区生产总值年均增长7%以上。")]
    rows = _extract(review, "five_year_plan", 2021, 2021, 2025, "前言 > 教育现代化水平全面提升")
    assert set(rows["kind"]) == {"target"}  # no goals heading anywhere: nothing says this is a review
    passages = pd.DataFrame([
        {"passage_id": "t:0000", "doc_id": "t", "district": "T", "role": "body", "text": review,
         "section_path": "前言 > 教育现代化水平全面提升", "line_start": 1, "line_end": 1},
        {"passage_id": "t:0001", "doc_id": "t", "district": "T", "role": "body", "text": goals[0][1],
         "section_path": goals[0][0], "line_start": 2, "line_end": 2}])
    documents = pd.DataFrame([{"doc_id": "t", "district": "T", "kind": "five_year_plan", "year": 2021,
                               "period_start": 2021, "period_end": 2025}])
    out = extract_indicators(passages, documents)
    first = out[out["passage_id"] == "t:0000"]
    assert set(first["kind"]) == {"actual"} and set(first["year"]) == {2020}
    assert set(first["kind_rule"]) == {"review_section"}
    second = out[out["passage_id"] == "t:0001"].iloc[0]
    assert (second.kind, second.year, second.comparator) == ("target", 2025, ">=")


def test_expected_targets_carry_over_the_enumeration():
    text = ("主要预期目标是：地区生产总值增长3.5%左右，城乡常住居民人均可支配收入分别增长7%和8%左右。"
            "社会消费品零售总额增长6.5%左右")
    rows = _report(text).set_index("indicator_id")
    assert set(rows["kind"]) == {"expected"} and set(rows["year"]) == {2024}
    assert rows.loc["gdp_growth_rate", "value"] == 3.5
    assert rows.loc["urban_disposable_income_growth", ["value", "comparator"]].tolist() == [7.0, "~"]
    assert rows.loc["rural_disposable_income_growth", ["value", "comparator"]].tolist() == [8.0, "~"]
    assert rows.loc["retail_sales_growth", ["value", "comparator"]].tolist() == [6.5, "~"]
    assert rows.loc["retail_sales_growth", "kind_rule"] == "expected_enumeration"


def test_enumeration_after_a_colon_line_is_expected():
    passages = pd.DataFrame([
        {"passage_id": "t:0000", "doc_id": "t", "district": "T", "role": "body",
         "text": "今年经济社会发展的主要预期目标是：", "section_path": "二、2012年工作总体部署", "line_start": 1,
         "line_end": 1},
        {"passage_id": "t:0001", "doc_id": "t", "district": "T", "role": "body",
         "text": "国内生产总值增长7.5%；城镇登记失业率控制在4.6%以内。", "section_path": "二、2012年工作总体部署",
         "line_start": 2, "line_end": 2}])
    documents = pd.DataFrame([{"doc_id": "t", "district": "T", "kind": "work_report", "year": 2012,
                               "period_start": 2011, "period_end": 2012}])
    rows = extract_indicators(passages, documents).set_index("indicator_id")
    assert rows.loc["gdp_growth_rate", ["value", "comparator", "kind", "year"]].tolist() == [7.5, "=", "expected", 2012]
    assert rows.loc["registered_unemployment_rate", "comparator"] == "<="


def test_floor_written_before_a_share():
    row = _plan("到2025年，养老机构护理型床位不少于床位总数的95%。").iloc[0]
    assert (row.indicator_id, row.value, row.comparator) == ("nursing_bed_share", 95.0, ">=")


@pytest.mark.parametrize("text, cmp", [("到2025年，森林覆盖率达到24.1%。", "="), ("到2025年，城区绿化覆盖率达46.3%。", "="),
                                       ("到2025年，森林覆盖率力争达到24.1%。", ">="),
                                       ("到2025年，森林覆盖率达到24.1%以上。", ">="),
                                       ("到2025年，森林覆盖率不低于24.1%。", ">=")])
def test_reaching_a_target_is_literal_unless_a_floor_word_says_so(text, cmp):
    """达到X in a goal is X (a PM2.5 concentration 达到40 is no floor); only a floor word (以上, 不低于, 不少于,
    超过, 力争达到) makes it one (the project's convention since 2026-12-02; tests/gold/indicators_README.md)."""
    row = _plan(text).iloc[0]
    assert (row.kind, row.year, row.comparator) == ("target", 2025, cmp)


def test_a_stray_space_inside_a_word_does_not_hide_the_number():
    row = _plan("到2025年，累计建 设5G网络基站2000个以上。").iloc[0]
    assert (row.indicator_id, row.value, row.comparator, row.year) == ("base_stations_5g", 2000.0, ">=", 2025)


def test_first_year_of_a_plan_in_a_provincial_report():
    row = _report("今年经济社会发展主要预期目标是：全省地区生产总值增长5%左右。", section="三、2026年重点工作",
                  year=2026).iloc[0]
    assert (row.value, row.comparator, row.kind, row.year) == (5.0, "~", "expected", 2026)


def test_structure_ratios_and_signed_changes():
    rows = _report("二、三产结构优化至36.8:63.2，刑事警情下降14.8%。", section="一、2023年工作回顾", year=2024)
    shares = rows[rows["indicator_id"].str.startswith("industry_share")].set_index("indicator_id")
    assert shares["value"].to_dict() == {"industry_share_secondary": 36.8, "industry_share_tertiary": 63.2}
    assert set(shares["year"]) == {2023} and set(shares["kind"]) == {"actual"}
    assert set(shares["name_raw"]) == {"36.8:63.2"}
    crime = rows[rows["indicator_id"] == ""].iloc[0]
    assert (crime.value, crime.unit, bool(crime.change)) == (-14.8, "%", True)


def test_named_year_beats_the_plan_end():
    row = _plan("到2022年，森林覆盖率达到45%。").iloc[0]
    assert (row.kind, row.year) == ("target", 2022)


def test_this_year_and_next_year_against_the_document_date():
    rows = _report("今年城镇新增就业1.2万人，明年城镇新增就业1.5万人。", year=2024)
    assert rows.sort_values("value")["year"].tolist() == [2024, 2025]


def test_non_indicators_are_flagged_and_dropped_by_default():
    passages = pd.DataFrame([{"passage_id": "t:0000", "doc_id": "t", "district": "T", "role": "body",
                              "text": "成立6个工作专班，历时5年，新建口袋公园12个。", "section_path": "",
                              "line_start": 1, "line_end": 1}])
    documents = pd.DataFrame([{"doc_id": "t", "kind": "work_report", "year": 2024}])
    default = extract_indicators(passages, documents)
    everything = extract_indicators(passages, documents, keep_noise=True)
    assert default["value"].tolist() == [12.0] and not default["canonical"].any()
    assert sorted(everything.loc[everything["noise"], "value"]) == [5.0, 6.0]


def test_every_row_names_its_rule():
    rows = _plan("“十三五”期间，城镇新增就业4.85万人；到2025年地区生产总值年均增长7%。")
    names = {name for name, _ in KIND_RULES}
    assert rows["kind_rule"].isin(names).all()
    assert [name for name, _ in YEAR_RULES][0] == "sentence_period"


# ----------------------------------------------------------------------------------------- metadata
@pytest.mark.parametrize("title, region", [
    ("福州市仓山区国民经济和社会发展第十四个五年规划", "仓山区"), ("2026年北京市政府工作报告", "北京市"),
    ("关于进一步推动我市养老服务发展的实施意见", ""), ("空港经开区2024年工作要点", ""),
    ("厦门市加快推进自贸区建设行动计划", "厦门市")])
def test_region_only_from_the_leading_place_names(title, region):
    assert infer_region(title) == region


@pytest.mark.parametrize("title, kind", [
    ("湖里区国民经济和社会发展第十四个五年规划纲要", "five_year_plan"), ("2024年政府工作报告", "work_report"),
    ("湖里区养老服务体系建设三年行动计划（2023—2025年）", "implementation_plan"),
    ("关于加快发展养老服务业的实施意见", "implementation_plan"), ("湖里区统计公报", "other")])
def test_kind_from_the_title(title, kind):
    assert infer_kind(title) == kind


def test_issuer_line_and_confidence():
    lines = ["天津市人民政府办公厅关于印发天津市养老服务提升行动方案的通知", "津政办发〔2023〕12号",
             "天津市人民政府办公厅", "2023年5月6日", "天津市养老服务提升行动方案", "为进一步推动我市养老服务……"]
    meta = infer_metadata(lines, "download.txt")
    assert (meta["district"], meta["kind"], meta["doc_number"]) == ("天津市", "implementation_plan", "津政办发〔2023〕12号")
    assert meta["meta_confidence"] == 1.0 and meta["meta_warnings"] == ""
    report = infer_metadata(["政府工作报告", "——2024年1月10日在湖里区第九届人民代表大会第四次会议上", "区长 黄颖"],
                            "r.txt")
    assert report["district"] == "湖里区" and report["kind"] == "work_report"


def test_weak_metadata_warns():
    with pytest.warns(MetadataWarning, match="no Chinese text"):
        meta = infer_metadata(["Annual report", "plain English text only"], "report_2024.txt")
    assert meta["meta_confidence"] < 0.5 and "no Chinese text" in meta["meta_warnings"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        infer_metadata(["x"], "quiet.txt", warn=False)


def test_this_year_in_a_section_on_the_next_plan_is_this_year():
    rows = _report("今年全省地区生产总值增长5%左右，“十五五”期间年均增长5%以上。",
                   section="二、“十四五”时期发展成就和“十五五”时期主要目标任务", year=2026)
    got = sorted(zip(rows["indicator_id"], rows["year"], rows["period_start"].fillna(0), rows["comparator"]))
    assert got == [("gdp_growth_rate", 2026, 0, "~"), ("gdp_growth_rate", 2030, 2026, ">=")]


def test_registry_covers_what_plans_and_reports_set():
    from plancompare.indicators import load_registry

    ids = set(load_registry().table["indicator_id"])
    wanted = {"retail_sales_growth", "fixed_asset_investment_growth", "general_budget_revenue",
              "general_budget_revenue_growth", "exports_growth", "imports_growth", "trade_growth",
              "per_capita_disposable_income_growth", "urban_disposable_income_growth",
              "rural_disposable_income_growth", "urban_unemployment_rate", "registered_unemployment_rate",
              "new_urban_jobs", "cpi_growth", "energy_intensity_reduction", "carbon_intensity_reduction",
              "forest_coverage", "air_quality_good_days_ratio", "life_expectancy", "nursing_bed_share",
              "childcare_places_per_1000", "elderly_care_beds_per_1000_elderly"}
    assert wanted <= ids, wanted - ids


@pytest.mark.parametrize("text, indicator_id, value", [
    ("进出口增长6%左右。", "trade_growth", 6.0),
    ("出口增长8.5%，进口增长3%。", "exports_growth", 8.5),
    ("出口增长8.5%，进口增长3%。", "imports_growth", 3.0),
    ("城镇调查失业率控制在5.5%以内。", "urban_unemployment_rate", 5.5),
    ("每千人口拥有3岁以下婴幼儿托位数达到4.5个。", "childcare_places_per_1000", 4.5),
])
def test_registry_reads_report_wording(text, indicator_id, value):
    rows = _report(text)
    assert value in rows.loc[rows["indicator_id"] == indicator_id, "value"].tolist(), rows


@pytest.mark.parametrize("front, region", [
    # a party committee issuing with its government
    (["中共梁溪区委 梁溪区人民政府关于进一步深化现代产业发展相关政策的意见"], "梁溪区"),
    # a work report without a title line opens with the government it speaks for
    (["各位代表：", "现在，我代表北京市人民政府，向大会报告政府工作，请予审议。"], "北京市"),
    # a local bulletin quoting the State Council's policy is not a national document
    (["宜春市2022年国民经济和社会发展统计公报", "宜春市统计局", "按照党中央、国务院决策部署，全市上下……"], "宜春市"),
    (["各位代表：", "现在，我代表国务院，向大会报告政府工作。"], "全国"),
])
def test_region_from_front_matter_patterns(front, region):
    from plancompare.catalog import infer_metadata

    assert infer_metadata(front, "plan.txt", warn=False).get("district_zh") == region


@pytest.mark.parametrize("text, cmp", [("城镇登记失业率≤4%。", "<="), ("城镇登记失业率≦4%。", "<="),
                                       ("地级及以上城市空气质量优良天数比率≥82%。", ">=")])
def test_a_comparator_written_as_a_symbol(text, cmp):
    """≤ / ≥ before the number (ind6 洞头 计划执行 report, 上海 健康老龄化 plan news, ind5 健康甘肃 ≤5‰) bound it."""
    row = _report(text, year=2016).iloc[0]
    assert row.comparator == cmp
