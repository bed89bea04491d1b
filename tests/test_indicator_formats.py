"""Indicators on real files the rules were not written against.

* The nine real format files in ../shared/generality/formats against their hand-written gold
  (tests/gold/indicators_formats.csv), dev and held-out halves, each with a floor.
* Sub-area figures (scope), the year of 今年 after a named period, statistical reports, year-column tables and
  town-level metadata, each checked on text that was not used while the rule was written (the rule's source
  is named in each test).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import plancompare as pc
from plancompare.catalog import infer_region
from plancompare.indicators import compare_indicators, extract_indicators

from .conftest import SHARED

sys.path.insert(0, str(Path(__file__).resolve().parent))
from indicator_helpers import score  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FORMATS = SHARED / "generality" / "formats"
REFERENCE = SHARED / "reference" / "national_work_reports_1954_2018.jsonl"
GOLD = ROOT / "tests" / "gold" / "indicators_formats.csv"
GOLD_DOCS = ROOT / "tests" / "gold" / "indicators_formats_documents.csv"
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_indicators import CORE  # noqa: E402

# floors a little under the measured figures (benchmarks/results/indicators.md)
FLOORS = {"dev": (0.97, 0.95), "heldout": (0.90, 0.90)}


@pytest.fixture(scope="module")
def nine():
    if not FORMATS.is_dir():
        pytest.skip(f"the nine real files are not in {FORMATS} (set PLANCOMPARE_SHARED)")
    corpus = pc.build_corpus(FORMATS, embed=False, index=False)
    lines = {d: list(zip(g["line_start"], g["line_end"])) for d, g in corpus.lines.groupby("doc_id", sort=False)}
    return corpus, extract_indicators(corpus.passages, corpus.documents, line_map=lines)


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_format_files_core_indicators_reach_their_floor(nine, split):
    _, rows = nine
    docs = pd.read_csv(GOLD_DOCS)
    docs = list(docs.loc[docs["split"] == split, "doc_id"])
    gold = pd.read_csv(GOLD)
    gold = gold[gold["doc_id"].isin(docs)]
    scored = rows[rows["doc_id"].isin(docs) & rows["indicator_id"].isin(CORE) & (rows["scope"] == "")]
    result = score(scored, gold)
    floor_p, floor_r = FLOORS[split]
    misses = result["_match"].query("not all_right")[["doc_id", "line", "indicator_id", "value"]]
    assert result["precision"] >= floor_p and result["recall"] >= floor_r, (result["precision"], result["recall"],
                                                                           misses.to_dict("records"))


def test_documents_stating_no_core_indicator_yield_none(nine):
    """Four of the nine (a logistics plan, a district policy, an action plan, a town work plan) set no core
    indicator: nothing may be reported for them."""
    _, rows = nine
    docs = pd.read_csv(GOLD_DOCS)
    empty = set(docs["doc_id"]) - set(pd.read_csv(GOLD)["doc_id"])
    assert len(empty) == 4
    found = rows[rows["doc_id"].isin(empty) & rows["indicator_id"].isin(CORE) & (rows["scope"] == "")]
    assert found.empty, found[["doc_id", "line", "indicator_id", "value"]].to_dict("records")


def test_sub_area_figure_is_scoped_not_the_regions(nine):
    """Rule written on Beijing 2026 (平原新城) and Yichun 2022 (市级); checked on Wanzai 2015, not looked at then:
    全县有11乡镇（街道）财政收入超过五千万元 is the towns' revenue, not the county's."""
    _, rows = nine
    wanzai = rows[(rows["doc_id"] == "wanzai_stats_bulletin_2015") & (rows["indicator_id"] == "general_budget_revenue")]
    towns = wanzai[wanzai["quote"].str.contains("11乡镇")]
    assert len(towns) == 1 and towns.iloc[0]["scope"].startswith("乡镇")
    own = wanzai[wanzai["scope"] == ""]
    assert own["value"].round(4).tolist() == [14.2712]  # 公共财政预算收入142712万元, the county's own
    shown = compare_indicators(wanzai.assign(district="Wanzai"), "general_budget_revenue", layout="long")
    assert shown["value"].round(4).tolist() == [14.2712]
    with_parts = compare_indicators(wanzai.assign(district="Wanzai"), "general_budget_revenue", layout="long",
                                    sub_areas=True)
    assert len(with_parts) == 2


def test_statistical_report_numbers_are_actuals_of_the_year_its_title_names(nine):
    """Rule written on Yichun 2022 (posted 2023); checked on Wanzai 2015 and Shenzhen 2021."""
    corpus, rows = nine
    for doc, year in (("wanzai_stats_bulletin_2015", 2015), ("shenzhen_gender_statistics_2021", 2021)):
        core = rows[(rows["doc_id"] == doc) & rows["indicator_id"].isin(CORE)]
        assert len(core) >= 1
        assert (core["kind"] == "actual").all() and (core["year"] == year).all(), core[["indicator_id", "kind", "year"]]


def test_year_column_table_rows_take_their_columns_years(nine):
    """Rule written on Ganzhou's table (2020/2025/2035); checked on Guilin's table 2 (2018/2022/2025, growth
    column, each row its own passage), not looked at then."""
    _, rows = nine
    guilin = rows[(rows["doc_id"] == "guilin_logistics_hub_plan_2020") & (rows["kind_rule"] == "table_column")]
    total = guilin[guilin["name"].str.startswith("社会物流总额")].sort_values("value")
    assert total[["value", "kind", "year"]].values.tolist()[1:] == [
        [3985.30, "actual", 2018], [5834.88, "target", 2022], [7766.23, "target", 2025]]
    growth = total.iloc[0]
    assert (growth["value"], growth["unit"], growth["year"], growth["period_start"]) == (10.0, "%", 2025, 2018)


def _reference_report(year: int, tmp_path: Path) -> pc.Corpus:
    if not REFERENCE.is_file():
        pytest.skip(f"{REFERENCE} not found (set PLANCOMPARE_SHARED)")
    record = next(r for r in map(json.loads, REFERENCE.read_text(encoding="utf-8").splitlines()) if r["year"] == year)
    path = tmp_path / f"national_{year}.txt"
    path.write_text(record["title"] + "\n" + record["text"], encoding="utf-8")
    return pc.build_corpus([path], embed=False, index=False)


def test_this_year_after_a_named_period_dates_the_number_this_year(tmp_path):
    """Rule written on Beijing 2024 (对接"十四五"规划，提出今年…预期目标); checked on the 2007 national report:
    "“十一五”期间，关停…；五年淘汰…1亿吨…，今年力争分别淘汰3000万吨和3500万吨" — the five-year figures are
    for 2010, this year's for 2007."""
    corpus = _reference_report(2007, tmp_path)
    rows = extract_indicators(corpus.passages, corpus.documents)
    sentence = rows[rows["quote"].str.contains("今年力争分别淘汰3000万吨")]
    years = dict(zip(sentence["value"], sentence["year"]))
    assert years[3000.0] == 2007 and years[3500.0] == 2007
    assert years[1.0] == 2010 and years[5500.0] == 2010


def test_review_paragraph_under_a_heading_that_also_sets_targets_is_actual():
    """这五年 opens a review paragraph (rule written on Beijing 2026); the paragraph is the 2013 national report's
    own, put under a heading that reviews one plan period and sets the next one's targets."""
    if not REFERENCE.is_file():
        pytest.skip(f"{REFERENCE} not found")
    record = next(r for r in map(json.loads, REFERENCE.read_text(encoding="utf-8").splitlines()) if r["year"] == 2013)
    paragraph = next(p for p in record["text"].split("\n") if p.startswith("这五年，我国宏观经济"))
    passages = pd.DataFrame([{"passage_id": "p1", "doc_id": "r2013", "role": "body", "text": paragraph,
                              "section_path": "二、“十一五”时期发展成就和“十二五”时期主要目标任务",
                              "line_start": 1, "line_end": 1}])
    documents = pd.DataFrame([{"doc_id": "r2013", "kind": "work_report", "year": 2013, "period_start": 2012,
                               "period_end": 2013, "district": "全国", "title": record["title"]}])
    rows = extract_indicators(passages, documents)
    gdp = rows[rows["indicator_id"] == "gdp_growth_rate"].iloc[0]
    assert (gdp["value"], gdp["kind"], gdp["year"]) == (9.3, "actual", 2012)


def test_town_title_and_issuer_give_the_region(nine):
    corpus, _ = nine
    doc = corpus.documents.set_index("doc_id").loc["shuangpu_farm_produce_safety_workplan_2021"]
    assert (doc["district_zh"], doc["district"]) == ("双浦镇", "Shuangpu")
    assert infer_region("关于下达2021年度双浦镇农产品质量安全监管工作计划的通知") == "双浦镇"
    assert infer_region("杭州市西湖区双浦镇2022年工作总结") == "双浦镇"
    # words that end like a town are no town
    assert infer_region("关于做好城镇老旧小区改造工作的通知") == ""
    assert infer_region("梁溪区关于美丽乡村建设的意见") == "梁溪区"
    # the other eight keep their regions
    regions = corpus.documents.set_index("doc_id")["district_zh"].to_dict()
    assert {regions[d] for d in regions if d != "shuangpu_farm_produce_safety_workplan_2021"} == {
        "北京市", "赣州市", "桂林市", "梁溪区", "南京市", "深圳市", "万载县", "宜春市"}
