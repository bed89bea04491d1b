"""Indicators on six national work reports never used for indicator gold (tests/gold/indicators_blind2.csv).

The gold was labelled by hand from the texts in ../shared/reference before the extractor was run on them, and
split before measuring: ``dev`` (2004, 2011, 2018: looked at while fixing) and ``heldout`` (2007, 2013, 2016:
scored once before and once after the dev fixes, failures not looked at in between). The held-out test holds the
issue's targets (precision >= 0.97, full-attribute recall >= 0.95 on core indicators); the rule tests below
check, on the dev texts, the general rules the dev failures led to.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from plancompare.charts import indicator_chart
from plancompare.indicators import extract_indicators

from .conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_indicators import BLIND2_DOCS, BLIND2_GOLD  # noqa: E402
from indicator_helpers import assert_split_reaches_target, load_blind_reports, report_rows  # noqa: E402


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    return load_blind_reports(SHARED, 2, tmp_path_factory)



def test_gold_is_split_by_document_and_covers_each_document(reports):
    docs = pd.read_csv(BLIND2_DOCS)
    gold = pd.read_csv(BLIND2_GOLD)
    assert set(docs["split"]) == {"dev", "heldout"}
    assert gold.groupby("doc_id")["split"].nunique().max() == 1
    assert set(gold["doc_id"]) == set(docs["doc_id"])
    corpus, _ = reports
    assert (corpus.documents["kind"] == "work_report").all()


def test_dev_half_reaches_the_target(reports):
    _, rows = reports
    assert_split_reaches_target(rows, 2, "dev")


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "blind figure (after the dev fixes, before its failures were looked at): 0.831 / 0.845; after fixing the "
    "failure classes seen on it and on blind gold 3's dev half (no longer blind): precision 0.935 / recall 1.000 "
    "(benchmarks/results/indicators.md), precision still below 0.97: 由前三年分别上升4.9%、5.5%、0.2%，转为下降1.2% "
    "gives rows for the earlier years' rises (read as the reviewed year's, the gold has none), and "
    "经济增长连续四年达到或略高于10% gives a GDP-growth row the gold does not list"))
def test_heldout_half_reaches_the_target(reports):
    _, rows = reports
    assert_split_reaches_target(rows, 2, "heldout")


def test_goal_met_heading_is_a_review(reports):
    # 2004: "——就业超过预期目标。城镇新增就业859万人" reports 2003, it sets no target
    _, rows = reports
    got = report_rows(rows, 2004, 10, "new_urban_jobs")
    assert list(zip(got["value"], got["kind"], got["year"])) == [(859.0, "actual", 2003)]


def test_coming_five_years_is_a_plan_target(reports):
    # 2011: "今后五年，我国经济增长预期目标是…年均增长7%" is the 12th plan's target, not 2011's expectation
    _, rows = reports
    got = report_rows(rows, 2011, 64, "gdp_growth_rate").iloc[0]
    assert (got["kind"], got["year"], got["period_start"], got["period_end"]) == ("target", 2015, 2011, 2015)
    # the same report's own year still gets its expected value
    this_year = report_rows(rows, 2011, 76, "gdp_growth_rate").iloc[0]
    assert (this_year["kind"], this_year["year"], this_year["comparator"]) == ("expected", 2011, "~")


def test_ceiling_word_in_an_actual_is_the_value_reached(reports):
    # 2011: "居民消费价格涨幅控制在 3.3%" (2010, what happened) vs "控制在4.6%以内" (2011 goal)
    _, rows = reports
    assert report_rows(rows, 2011, 73, "cpi_growth")["comparator"].tolist() == ["="]
    assert report_rows(rows, 2011, 76, "registered_unemployment_rate")["comparator"].tolist() == ["<="]


def test_rural_net_income_takes_its_own_number(reports):
    # "城镇居民人均可支配收入和农村居民人均纯收入年均分别实际增长9.7%和8.9%"
    _, rows = reports
    assert report_rows(rows, 2011, 7, "urban_disposable_income_growth")["value"].tolist() == [9.7]
    assert report_rows(rows, 2011, 7, "rural_net_income_growth")["value"].tolist() == [8.9]
    # "…和农村居民人均纯收入年均实际增长超过7%": one number for both names
    assert report_rows(rows, 2011, 68, "urban_disposable_income_growth")["comparator"].tolist() == [">"]
    assert report_rows(rows, 2011, 68, "rural_net_income_growth")["value"].tolist() == [7.0]


def test_one_number_after_listed_names_applies_to_each(reports):
    # 2018: "单位国内生产总值能耗、水耗均下降20%以上"
    _, rows = reports
    for indicator_id in ("energy_intensity_reduction", "water_intensity_reduction"):
        got = report_rows(rows, 2018, 11, indicator_id)
        assert list(zip(got["value"], got["comparator"], got["kind"])) == [(20.0, ">=", "actual")], indicator_id


def test_pollutants_do_not_borrow_the_energy_name(reports):
    # 2011: "单位国内生产总值能耗下降 19.1%，化学需氧量、二氧化硫排放量分别下降12.45%、14.29%"
    _, rows = reports
    assert report_rows(rows, 2011, 29, "energy_intensity_reduction")["value"].tolist() == [19.1]
    assert report_rows(rows, 2011, 29, "cod_emission_reduction")["value"].tolist() == [12.45]
    assert report_rows(rows, 2011, 29, "so2_emission_reduction")["value"].tolist() == [14.29]


def test_goal_quoted_in_a_review_is_the_reviewed_years_expectation(reports):
    # 2007: "全国没有实现年初确定的单位国内生产总值能耗降低4%左右、主要污染物排放总量减少2%的目标" (known class
    # of the held-out half, fixed with blind gold 3's dev fixes); the same line's outcome stays actual, and a
    # rise of a reduction indicator (能耗由前三年分别上升4.9%) is a negative reduction
    _, rows = reports
    got = report_rows(rows, 2007, 33, "energy_intensity_reduction")
    by_value = {v: (k, y, r) for v, k, y, r in zip(got["value"], got["kind"], got["year"], got["kind_rule"])}
    assert by_value[4.0] == ("expected", 2006, "past_goal")
    assert by_value[1.2][:2] == ("actual", 2006)
    assert -4.9 in by_value and 4.9 not in by_value
    # 2013: "全面实现年初确定的主要目标，国内生产总值增长7.8%": after the quoted goal, an outcome
    assert report_rows(rows, 2013, 8, "gdp_growth_rate")["kind"].tolist() == ["actual"]


# ------------------------------------------------- classes found on the held-out half (no longer blind after this)
def test_restated_goal_of_the_report_year_is_expected(reports):
    # a later section restating the year's goal: 2007 "提出今年国内生产总值增长8%左右的目标", 2013
    # "把居民消费价格涨幅控制在3.5%左右，是…", 2016 "经济增长预期目标6.5%－7%"
    _, rows = reports
    for year, line, indicator_id, value in ((2007, 41, "gdp_growth_rate", 8.0), (2013, 38, "cpi_growth", 3.5),
                                            (2016, 45, "gdp_growth_rate", 6.5)):
        got = report_rows(rows, year, line, indicator_id)
        got = got[got["value"] == value]
        assert list(zip(got["kind"], got["year"])) == [("expected", year)], (year, line)
    # a target over the coming five years in the same report stays a target
    plan = report_rows(rows, 2016, 33, "gdp_growth_rate")
    assert list(zip(plan["kind"], plan["year"])) == [("target", 2020)]


def test_restated_goal_in_a_plan_stays_a_target():
    text = "主要预期目标是：地区生产总值增长8%左右。\n提出今年地区生产总值增长8%左右的目标，综合考虑了多种因素。"
    rows = _extract(text)
    assert "restated_expected" not in set(rows["kind_rule"])
    # the goal list's line stays expected, the later restatement stays the plan's target
    assert rows.loc[rows["indicator_id"] == "gdp_growth_rate", "kind"].tolist() == ["expected", "target"]


def test_names_sharing_a_prefix_take_their_numbers_in_order(reports):
    # 2016: "单位国内生产总值用水量、能耗、二氧化碳排放量分别下降23%、15%、18%"
    _, rows = reports
    for indicator_id, value in (("water_intensity_reduction", 23.0), ("energy_intensity_reduction", 15.0),
                                ("carbon_intensity_reduction", 18.0)):
        got = report_rows(rows, 2016, 36, indicator_id)
        assert list(zip(got["value"], got["kind"], got["year"])) == [(value, "target", 2020)], indicator_id


def test_plan_summary_and_totals_in_trillions(reports):
    _, rows = reports
    # "“十三五”时期经济年均增长保持在6.5%以上"
    growth = report_rows(rows, 2016, 33, "gdp_growth_rate").iloc[0]
    assert (growth["value"], growth["comparator"], growth["period_end"]) == (6.5, ">=", 2020)
    # "在我国经济总量超过60万亿元的高基数上": a level stated as the base
    total = report_rows(rows, 2016, 11, "gdp_total")
    assert list(zip(total["value"], total["comparator"], total["unit"])) == [(600000.0, ">", "亿元")]
    # "进出口贸易总额1.76万亿美元": in 亿美元, like the 亿美元 totals
    trade = report_rows(rows, 2007, 7, "trade_total")
    assert list(zip(trade["value"], trade["unit"], trade["year"])) == [(17600.0, "亿美元", 2006)]


# ------------------------------------------------------------------------------ tables, notes, charts
def _extract(text: str) -> pd.DataFrame:
    passages = pd.DataFrame([dict(passage_id="d:1", doc_id="d", role="body", text=text, section_path="主要目标",
                                  line_start=1, line_end=text.count("\n") + 1)])
    documents = pd.DataFrame([dict(doc_id="d", kind="five_year_plan", year=2021, period_start=2021, period_end=2025,
                                   district="湖里区", title="湖里区国民经济和社会发展第十四个五年规划纲要")])
    return extract_indicators(passages, documents)


TABLE = ("指标\t2020年\t2025年\n供水能力（万立方米）\t46\t60\n新能源汽车（台）\t800\t1200\n"
         "注：1.森林覆盖率达到60%为约束性指标。\n2.地区生产总值增长8%为年均增速。\n全区森林覆盖率达到62%。")


def test_table_cells_with_units_keep_their_numbers():
    rows = _extract(TABLE)
    water = rows[rows["unit_raw"] == "万立方米"]
    assert list(zip(water["value"], water["year"], water["unit_known"])) == [(46.0, 2020, True), (60.0, 2025, True)]
    # a unit nobody listed is kept as written and flagged, not dropped
    cars = rows[rows["unit"] == "台"]
    assert list(zip(cars["value"], cars["unit_known"])) == [(800.0, False), (1200.0, False)]


def test_notes_under_a_table_state_no_indicator():
    rows = _extract(TABLE)
    forest = rows[rows["indicator_id"] == "forest_coverage"]
    assert forest["value"].tolist() == [62.0]
    assert not rows["quote"].str.startswith(("注", "2.")).any()
    assert "gdp_growth_rate" not in set(rows["indicator_id"])


def test_chart_labels_a_sub_area_figure_with_its_scope(reports):
    _, rows = reports
    row = rows[rows["indicator_id"] == "gdp_growth_rate"].iloc[[0]]
    both = pd.concat([row.assign(scope=""), row.assign(scope="平原新城", line=row["line"] + 1)])
    fig = indicator_chart(both, "gdp_growth_rate")
    shown = [t for t in fig.data if (t.meta or {}).get("kind") == row["kind"].iloc[0]]
    labels = list(shown[0].x[1])
    assert len(labels) == 2 and labels[0] != labels[1] and labels[1].endswith("· 平原新城")
    assert "平原新城" in shown[0].hovertext[1] and "平原新城" not in shown[0].hovertext[0]
