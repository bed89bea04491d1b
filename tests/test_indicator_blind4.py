"""Indicators on the eight remaining national work reports of 1994–2009 (tests/gold/indicators_blind4.csv).

The gold was typed by hand from the texts in ../shared/reference and split by document before the extractor was
run on them (tests/gold/indicators_blind4_README.md): ``dev`` 1995/1999/2000/2003 (looked at while fixing) and
``heldout`` 1994/1997/2002/2009. First run: dev 0.818 precision / 0.692 recall, held-out 0.778 / 0.848
(benchmarks/results/indicators_blind4_first.json). The held-out half's blind figure (after the dev fixes, before
its failures were looked at) is 0.806 / 0.879 (0.889 / 0.889 against the gold with three omissions corrected;
benchmarks/results/indicators_blind4_blind.json); its failure classes were fixed afterwards, so the held-out test
below checks a set that is no longer blind. The rule tests check, on the texts where each class was seen, the
general rules it led to.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from plancompare.indicators import extract_indicators
from plancompare.text.numbers import fold_for_numbers

from .conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_indicators import BLIND4_DOCS, BLIND4_GOLD  # noqa: E402
from indicator_helpers import assert_split_reaches_target, column_tuples, load_blind_reports, report_rows  # noqa: E402


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    return load_blind_reports(SHARED, 4, tmp_path_factory)



def _one_sentence(text: str, year: int, section: str = "") -> pd.DataFrame:
    passages = pd.DataFrame([dict(passage_id="r:1", doc_id="r", role="body", text=text, section_path=section,
                                  line_start=1, line_end=1)])
    documents = pd.DataFrame([dict(doc_id="r", kind="work_report", year=year, period_start=None, period_end=None,
                                   district="全国", title=f"{year}年政府工作报告")])
    return extract_indicators(passages, documents)


def test_gold_is_split_by_document_and_new(reports):
    docs, gold = pd.read_csv(BLIND4_DOCS), pd.read_csv(BLIND4_GOLD)
    assert set(docs["split"]) == {"dev", "heldout"} and gold.groupby("doc_id")["split"].nunique().max() == 1
    assert set(gold["doc_id"]) == set(docs["doc_id"])
    assert (gold["split"] == "heldout").sum() >= len(gold) / 2
    older = set()
    for number in (2, 3):
        older |= set(pd.read_csv(ROOT / "tests" / "gold" / f"indicators_blind{number}_documents.csv")["doc_id"])
    assert not older & set(docs["doc_id"])
    corpus, _ = reports
    assert (corpus.documents["kind"] == "work_report").all()


def test_dev_half_reaches_the_target(reports):
    _, rows = reports
    assert_split_reaches_target(rows, 4, "dev")


@pytest.mark.slow
def test_heldout_half_reaches_the_target_after_its_classes_were_fixed(reports):
    """No longer blind: the blind figure was 0.806 / 0.879 (indicators_blind4_blind.json)."""
    _, rows = reports
    assert_split_reaches_target(rows, 4, "heldout")


# ------------------------------------------------------------------------------ classes seen on the dev half
def test_a_middle_dot_between_digits_is_a_decimal_point(reports):
    # 1999: "全社会固定资产投资增长14·1％", "城镇居民人均可支配收入实际增长5·8％"
    assert fold_for_numbers("增长14·1％，中国·北京")[0] == "增长14.1%,中国·北京"
    _, rows = reports
    assert report_rows(rows, 1999, 6, "fixed_asset_investment_growth")["value"].tolist() == [14.1]
    assert report_rows(rows, 1999, 11, "urban_disposable_income_growth")["value"].tolist() == [5.8]


def test_a_heading_reviewing_one_year_and_turning_to_the_next_decides_nothing(reports):
    # 1999 "一、1998年工作回顾和1999年工作的总体要求"; 1994 "一、１９９３年国内工作的回顾和１９９４年工作的基本方针"
    _, rows = reports
    assert column_tuples(report_rows(rows, 1999, 6, "fixed_asset_investment_growth"), "kind", "year") == [("actual", 1998)]
    assert column_tuples(report_rows(rows, 1994, 6, "gdp_total"), "kind", "year", "comparator") == [("actual", 1993, ">")]


def test_an_outcome_compared_with_its_goal_gives_the_goal(reports):
    # 1999: "国内生产总值比上年增长7.8％，虽然略低于8％的预定目标"
    _, rows = reports
    got = report_rows(rows, 1999, 6, "gdp_growth_rate")
    assert sorted(column_tuples(got, "value", "kind", "year", "comparator")) == [
        (7.8, "actual", 1998, "="), (8.0, "expected", 1998, "=")]
    # not in any gold (2017, M2 is no core indicator): the same wording, with 左右 after the goal
    m2 = _one_sentence("稳健的货币政策灵活适度，广义货币M2增长11.3%，低于13%左右的预期目标。", 2017,
                       "一、2016年工作回顾")
    assert column_tuples(m2[m2["value"] == 13.0], "kind", "year", "comparator") == [("expected", 2016, "~")]


def test_clauses_that_say_nothing_of_their_own_do_not_separate_name_and_number(reports):
    # 2000: "城镇居民人均可支配收入，考虑价格下降因素比上年实际增长9．3％"; 2003: "国内生产总值从1997年的7.4万亿元
    # 增加到2002年的10.2万亿元，按可比价格计算，平均每年增长7.7%"
    _, rows = reports
    assert report_rows(rows, 2000, 9, "urban_disposable_income_growth")["value"].tolist() == [9.3]
    got = report_rows(rows, 2003, 7, "gdp_growth_rate")
    assert column_tuples(got, "value", "year", "period_start", "period_end") == [(7.7, 2002, 1998, 2002)]


def test_a_control_goal_opens_the_years_goal_list(reports):
    # 1995: "今年经济增长速度的宏观调控目标，定为百分之八至九"
    _, rows = reports
    got = report_rows(rows, 1995, 19, "gdp_growth_rate")
    assert column_tuples(got, "value", "value_high", "comparator", "kind", "year") == [(8.0, 9.0, "range", "expected",
                                                                                    1995)]


def test_older_names_of_the_registry_indicators(reports):
    # 2003: "城镇居民家庭人均可支配收入…平均每年实际增长8.6%", "人均期望寿命2002年达71.8岁"
    _, rows = reports
    assert report_rows(rows, 2003, 25, "urban_disposable_income_growth")["value"].tolist() == [8.6]
    assert report_rows(rows, 2003, 25, "per_capita_disposable_income_growth").empty
    assert column_tuples(report_rows(rows, 2003, 26, "life_expectancy"), "value", "year") == [(71.8, 2002)]


# ----------------------------------------------- classes seen on the held-out half (no longer blind after this)
def test_this_years_plan_opens_the_goal_list(reports):
    # 1994: "根据这个要求，今年计划国内生产总值增长百分之九"
    _, rows = reports
    assert column_tuples(report_rows(rows, 1994, 15, "gdp_growth_rate"), "value", "kind", "year") == [(9.0, "expected", 1994)]


def test_a_goal_written_number_first_names_its_indicator_after_it(reports):
    # 2009: "提出8%左右的国内生产总值增长目标" after the goal list on the same line
    _, rows = reports
    got = report_rows(rows, 2009, 48, "gdp_growth_rate")
    assert column_tuples(got, "value", "kind", "comparator") == [(8.0, "expected", "~"), (8.0, "expected", "~")]


def test_a_percentage_of_a_quantity_is_not_the_quantity(reports):
    # 1997: "国家财政收入的６０％以上来自国有企业"
    _, rows = reports
    doc = rows[rows["doc_id"] == "national_work_report_1997"]
    assert doc[(doc["line"] == 34) & (doc["indicator_id"] != "")].empty
    assert doc[(doc["line"] == 34) & (doc["value"] == 60.0)]["comparator"].tolist() == [">="]
