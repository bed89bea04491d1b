"""Consistency checks on the indicator table (plancompare.indicators.audit) and the fixes they led to.

The checks need no gold: each names a reading no correct row can give (module docstring of
``plancompare.indicators.audit``). benchmarks/audit_indicators.py counts their violations over the 46 national
work reports, the generality texts, the format files and the bundled plans
(benchmarks/results/indicators_audit.json); the slow test fails when a count rises above that record. The other
tests check the checks on real rows (they fire on a real row made inconsistent, and on the readings still wrong)
and the general causes fixed after reading the violations, on the reports where each was seen.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import plancompare as pc
from plancompare.indicators import extract_indicators, load_registry
from plancompare.indicators.audit import CHECKS, ROW_CHECKS, audit_indicators, row_warnings

from .conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_indicators import REFERENCE, _lines, write_reference_reports  # noqa: E402

RECORD = ROOT / "benchmarks" / "results" / "indicators_audit.json"
YEARS = [1956, 1986, 2003, 2006, 2009, 2011, 2013, 2016, 2018]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    if not (SHARED / REFERENCE).is_file():
        pytest.fail(f"reference reports not found: {SHARED / REFERENCE} (set PLANCOMPARE_SHARED)")
    corpus = pc.build_corpus(write_reference_reports(SHARED, YEARS, tmp_path_factory.mktemp("audit")),
                             embed=False, index=False)
    return corpus, extract_indicators(corpus.passages, corpus.documents, line_map=_lines(corpus))


def _at(rows: pd.DataFrame, year: int, line: int) -> pd.DataFrame:
    return rows[(rows["doc_id"] == f"national_work_report_{year}") & (rows["line"] == line)]


def test_warning_column_matches_the_audit(reports):
    corpus, rows = reports
    found = audit_indicators(rows, corpus.documents)
    assert set(found["check"]) <= set(CHECKS)
    flagged = rows[rows["warning"] != ""]
    assert len(found[found["check"].isin(ROW_CHECKS)]) == sum(len(w.split(";")) for w in flagged["warning"])


def test_each_row_check_fires_on_a_real_row_made_inconsistent(reports):
    corpus, rows = reports
    clean = rows[rows["warning"] == ""]
    gdp = clean[(clean["indicator_id"] == "gdp_growth_rate") & (clean["kind"] == "actual")
                & clean["period_start"].isna()].iloc[[0]].copy()
    share = clean[(clean["indicator_id"] == "urbanization_rate")].iloc[[0]].copy()
    doc_year = int(corpus.documents.set_index("doc_id").loc[gdp["doc_id"].iloc[0], "year"])
    cases = {
        "actual_after_document": gdp.assign(year=doc_year + 1),
        "target_before_document": gdp.assign(kind="target", year=doc_year - 2),
        "expected_other_year": gdp.assign(kind="expected", year=doc_year + 3),
        "implausible_value": share.assign(value=140.0),
        "rate_unit_mismatch": gdp.assign(unit="亿元"),
    }
    assert row_warnings(gdp, corpus.documents) == [""]
    for check, row in cases.items():
        assert row_warnings(row, corpus.documents) == [check], check


def test_the_readings_still_wrong_are_flagged(reports):
    _, rows = reports
    # 在工农业生产总值中现代工业所占的比重，由1954年的33%上升到34%: a 1955 outcome under a forward heading
    shares = _at(rows, 1956, 29)
    assert shares.loc[shares["value"].isin([34.0, 46.0]), "warning"].tolist() == ["target_before_document"] * 2
    # 五年内…国民生产总值增长百分之四十四: a five-year growth read as one year's
    gnp = _at(rows, 1986, 26)
    assert gnp.loc[gnp["value"] == 44.0, "warning"].tolist() == ["implausible_value"]


def test_plan_fulfilment_is_an_outcome_and_no_indicator(reports):
    _, rows = reports
    # 粮食总产量…完成年度计划的102%: the share of the 1955 plan fulfilled, reported in 1956
    fulfilled = _at(rows, 1956, 25)
    fulfilled = fulfilled[fulfilled["value"].isin([102.0, 117.0])]
    assert list(zip(fulfilled["kind"], fulfilled["year"])) == [("actual", 1955), ("actual", 1955)]
    # 工业生产总值计划完成102.6%: not a GDP growth rate of 102.6 %
    assert not ((_at(rows, 1956, 73)["value"] == 102.6) & (_at(rows, 1956, 73)["indicator_id"] != "")).any()


def test_five_year_outcomes_carry_their_period_and_levels_do_not(reports):
    _, rows = reports
    income = _at(rows, 2006, 111)  # 五年来，人民生活明显改善。…分别实际增长58.3%和29.2%
    assert income.loc[income["value"] == 58.3, ["period_start", "period_end"]].values.tolist() == [[2001, 2005]]
    jobs = _at(rows, 2013, 5)  # 累计新增城镇就业5870万人
    assert jobs.loc[jobs["indicator_id"] == "new_urban_jobs", ["year", "period_start"]].values.tolist() == [
        [2012, 2008]]
    # a frame opening the sentence spans it, with its own length: 近三年累计，单位国内生产总值能耗下降10.08%
    energy = _at(rows, 2009, 20)
    energy = energy[energy["indicator_id"] == "energy_intensity_reduction"]
    assert energy[["value", "period_start", "period_end"]].values.tolist() == [[10.08, 2006, 2008]]
    first = _at(rows, 2018, 6)  # 五年来，…国内生产总值从54万亿元增加到82.7万亿元…城镇新增就业6600万人以上
    assert first.loc[first["indicator_id"] == "gdp_total", "period_start"].isna().all()
    assert first.loc[first["indicator_id"] == "new_urban_jobs", "period_start"].tolist() == [2013]


def test_from_values_start_where_their_pair_starts(reports):
    _, rows = reports
    # 城镇化率从47.5%提高到51.5% in the 2011 goals: 47.5 is the 2010 level, not a second 2015 target
    urban = _at(rows, 2011, 65)
    urban = urban[urban["indicator_id"] == "urbanization_rate"]
    assert list(zip(urban["value"], urban["kind"], urban["year"])) == [(47.5, "actual", 2010), (51.5, "target", 2015)]
    # 外贸进出口总额由1997年的3252亿美元增加到2002年的6208亿美元…；出口总额由1828亿美元增加到3256亿美元
    exports = _at(rows, 2003, 16)
    exports = exports[exports["indicator_id"] == "exports_total"]
    assert list(zip(exports["value"], exports["year"])) == [(1828.0, 1997), (3256.0, 2002)]


def test_two_urbanization_rates_are_two_indicators(reports):
    _, rows = reports
    # 到2020年，常住人口城镇化率达到60%、户籍人口城镇化率达到45%: two statistics, not two values of one
    rates = _at(rows, 2016, 35)
    rates = rates[rates["indicator_id"] != ""]
    assert list(zip(rates["indicator_id"], rates["value"])) == [("urbanization_rate", 60.0),
                                                                 ("registered_urbanization_rate", 45.0)]


def test_a_clause_listing_its_own_subjects_before_fenbie_keeps_its_numbers():
    # yichun_stats_bulletin_2022 line 18 (../shared/generality/formats): 营业收入和利润总额 are no 工业增加值
    text = ("全年工业园区投产工业企业2005家，吸纳从业人数27.2万人，实现工业增加值同比增长12.3%，"
            "营业收入和利润总额分别完成4672.8亿元和512.4亿元，分别增长9.6%和29.1%。")
    passages = pd.DataFrame([dict(passage_id="y:1", doc_id="y", role="body", text=text, section_path="",
                                  line_start=1, line_end=1)])
    documents = pd.DataFrame([dict(doc_id="y", kind="other", year=2022, period_start=None, period_end=None,
                                   district="宜春市", title="宜春市2022年国民经济和社会发展统计公报")])
    rows = extract_indicators(passages, documents)
    named = rows[rows["indicator_id"] != ""]
    assert named[["indicator_id", "value"]].values.tolist() == [["industrial_output_growth", 12.3]]


def test_registry_ranges_are_well_formed():
    table = load_registry().table
    ranges = table[table["plausible"].notna()]
    assert len(ranges) >= 20
    assert all(len(r) == 2 and r[0] < r[1] for r in ranges["plausible"])


@pytest.mark.slow
def test_no_check_counts_more_violations_than_recorded(tmp_path):
    """The benchmark's record is the ceiling: a change that makes any check fire more often fails here."""
    from audit_indicators import run

    if not (SHARED / REFERENCE).is_file():
        pytest.fail(f"reference reports not found: {SHARED / REFERENCE} (set PLANCOMPARE_SHARED)")
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))["total"]
    out, _ = run(SHARED, tmp_path / "reports")
    for check in CHECKS:
        assert out["total"][check] <= recorded[check], (check, out["total"][check], recorded[check])
    assert sum(out["rows"].values()) > 6000  # every set was read
