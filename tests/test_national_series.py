"""The national GDP growth target series, extracted from the State Council work reports 1994–2018 in
../shared/reference and compared with a table typed from the published reports (tests/data/
national_gdp_growth_targets.csv, which cites its source). Nobody here wrote these facts."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

import plancompare as pc
from plancompare.indicators import extract_indicators

from .conftest import SHARED

REFERENCE = SHARED / "reference" / "national_work_reports_1954_2018.jsonl"
TABLE = Path(__file__).parent / "data" / "national_gdp_growth_targets.csv"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    if not REFERENCE.is_file():
        pytest.fail(f"reference reports not found: {REFERENCE} (set PLANCOMPARE_SHARED)")
    folder = tmp_path_factory.mktemp("reference")
    paths = []
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        report = json.loads(line)
        if report["year"] >= 1994:
            path = folder / f"national_work_report_{report['year']}.txt"
            path.write_text(report["title"] + "\n" + report["text"], encoding="utf-8")
            paths.append(path)
    corpus = pc.build_corpus(paths, embed=False, index=False)
    return corpus.documents, extract_indicators(corpus.passages, corpus.documents)


@pytest.fixture(scope="module")
def published():
    return pd.read_csv(TABLE, comment="#")


def _key(value, high, comparator):
    high = None if high is None or (isinstance(high, float) and math.isnan(high)) else float(high)
    return float(value), high, comparator


def _annual_targets(rows: pd.DataFrame, year: int) -> set:
    """Distinct GDP-growth goals dated to the report's own year (period averages excluded)."""
    rows = rows[(rows["indicator_id"] == "gdp_growth_rate") & rows["kind"].isin(["expected", "target"])
                & (rows["year"] == year) & rows["period_start"].isna()]
    return {_key(r.value, r.value_high, r.comparator) for r in rows.itertuples()}


def test_reports_are_dated_work_reports(reports):
    documents, _ = reports
    assert (documents["kind"] == "work_report").all()
    assert (documents["district"] == "全国").all()
    assert (documents["period_end"] == documents["year"]).all()


def test_every_stated_target_is_reproduced(reports, published):
    documents, extracted = reports
    wrong = {}
    for row in published.itertuples():
        doc_id = f"national_work_report_{row.year}"
        got = _annual_targets(extracted[extracted["doc_id"] == doc_id], row.year)
        want = {_key(row.value, row.value_high, row.comparator)}
        if got != want:
            wrong[row.year] = (want, got)
    assert not wrong, wrong


def test_no_target_where_none_is_stated(reports, published):
    documents, extracted = reports
    stated = set(published["year"])
    invented = {}
    for year in sorted(set(documents["year"].dropna().astype(int)) - stated):
        got = _annual_targets(extracted[extracted["doc_id"] == f"national_work_report_{year}"], year)
        if got:
            invented[year] = got
    assert not invented, invented


def test_expected_since_the_reports_call_them_so(reports, published):
    """From 2003 on the reports call the figure a 预期目标: the row says ``expected``."""
    _, extracted = reports
    for year in published.loc[published["year"] >= 2003, "year"]:
        rows = extracted[(extracted["doc_id"] == f"national_work_report_{year}")
                         & (extracted["indicator_id"] == "gdp_growth_rate") & (extracted["year"] == year)]
        assert (rows["kind"] == "expected").any(), (year, rows[["value", "kind", "kind_rule", "quote"]])
