"""A report none of the extraction rules were written against: an excerpt of the State Council's 2025
government work report (public text from zh.wikisource), checked end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

import plancompare as pc

EXCERPT = Path(__file__).parent / "data" / "gwr_national_2025_excerpt.txt"


@pytest.fixture(scope="module")
def report():
    return pc.build_corpus([EXCERPT])


def test_metadata(report):
    doc = report.documents.iloc[0]
    assert (doc.kind, doc.district, doc.period_start, doc.period_end) == ("work_report", "全国", 2024, 2025)


@pytest.mark.parametrize(
    "indicator_id, value, comparator, kind, year",
    [
        ("gdp_growth_rate", 5.0, "~", "expected", 2025),
        ("urban_unemployment_rate", 5.5, "~", "expected", 2025),
        ("new_urban_jobs", 1200.0, ">=", "expected", 2025),
        ("cpi_growth", 2.0, "~", "expected", 2025),
        ("energy_intensity_reduction", 3.0, "~", "expected", 2025),
        ("gdp_growth_rate", 5.0, "=", "actual", 2024),
        ("new_urban_jobs", 1256.0, "=", "actual", 2024),
        ("urban_unemployment_rate", 5.1, "=", "actual", 2024),
        ("cpi_growth", 0.2, "=", "actual", 2024),
    ],
)
def test_headline_figures(report, indicator_id, value, comparator, kind, year):
    rows = report.indicators.query("indicator_id == @indicator_id and kind == @kind and year == @year")
    assert len(rows) == 1, rows
    row = rows.iloc[0]
    assert (row.value, row.comparator) == (value, comparator)
    assert row.quote and row.line > 0
