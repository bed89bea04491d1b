"""Indicator extraction: accuracy against a hand-built gold table, generality, and bad input."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from plancompare.indicators import compare_indicators, extract_indicators, load_registry

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper module sits next to this file
from indicator_helpers import load_gold, score  # noqa: E402

REQUIRED_IDS = [
    "gdp_growth_rate", "gdp_total", "gdp_per_capita", "general_budget_revenue", "fixed_asset_investment_growth",
    "retail_sales_growth", "industrial_output_growth", "rd_spending_growth", "rd_intensity",
    "high_tech_enterprises_count", "invention_patents_per_10k", "digital_economy_share",
    "per_capita_disposable_income", "urban_unemployment_rate", "new_urban_jobs",
    "elderly_care_beds_per_1000_elderly", "nursing_bed_share", "childcare_places_per_1000",
    "general_practitioners_per_10k", "physicians_per_1000", "pm25_concentration", "air_quality_good_days_ratio",
    "energy_intensity_reduction", "forest_coverage", "urbanization_rate", "cpi_growth",
]


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def corpus(plans):
    """The bundled plans through the real cleaning and outline (conftest's ``plans``; no embeddings)."""
    return plans


@pytest.fixture(scope="module")
def extracted(corpus, registry):
    return extract_indicators(corpus.passages, corpus.documents, registry)


@pytest.fixture(scope="module")
def scored(extracted):
    return score(extracted, load_gold())


# ----------------------------------------------------------------------------------------------- registry
def test_registry_has_required_indicators(registry):
    table = registry.table
    assert table["indicator_id"].is_unique
    missing = set(REQUIRED_IDS) - set(table["indicator_id"])
    assert not missing, missing
    assert {"经济发展", "创新驱动", "民生福祉", "绿色生态"} <= set(table["category"])
    assert table["name_en"].str.len().gt(0).all()


# ----------------------------------------------------------------------------------------------- accuracy
def test_columns(extracted):
    contract = ["indicator_id", "name", "district", "doc_id", "value", "value_high", "unit", "comparator", "kind",
                "year", "period_start", "period_end", "quote", "passage_id", "line", "indicator_name_en",
                "unit_raw", "category", "section_path"]
    assert all(c in extracted.columns for c in contract)
    assert set(extracted["comparator"]) <= {"=", ">=", ">", "<=", "<", "~", "range"}
    assert set(extracted["kind"]) <= {"target", "expected", "actual"}
    assert (extracted["indicator_id"] == "").any(), "numbers without a canonical indicator are kept too"


def test_precision(scored):
    assert scored["precision"] >= 0.97, scored["_match"].attrs["unmatched_extracted"]


def test_recall(scored):
    m = scored["_match"]
    assert scored["recall"] >= 0.95, m[~m["all_right"]]


def test_gdp_growth_and_elderly_beds_all_right(scored):
    m = scored["_match"]
    key = m[m["indicator_id"].isin(["gdp_growth_rate", "elderly_care_beds_per_1000_elderly"])]
    assert len(key) >= 6  # Huli actual + expected, Cangshan and Chikan targets; two bed figures
    assert key["all_right"].all(), key[~key["all_right"]]


def test_quotes_point_to_raw_lines(extracted, corpus):
    # every canonical row's raw line holds its number (spaces aside) in the source file
    canon = extracted[extracted["indicator_id"] != ""]
    docs = corpus.documents.set_index("doc_id")
    root = Path(__file__).resolve().parents[1] / "data"
    hits = 0
    for _, row in canon.iterrows():
        source = Path(docs.loc[row["doc_id"], "source_file"])
        source = source if source.is_absolute() else root / source
        lines = source.read_text(encoding="utf-8").splitlines()
        raw = lines[int(row["line"]) - 1].replace(" ", "")
        number = f"{row['value_raw']:g}"
        hits += number in raw or number.replace(".0", "") in raw
    assert hits / max(1, len(canon)) >= 0.9


def test_chikan_states_no_elderly_bed_target(extracted):
    wide = compare_indicators(extracted, ["elderly_care_beds_per_1000_elderly", "gdp_growth_rate"])
    assert wide.loc["Chikan", "elderly_care_beds_per_1000_elderly"] == "not stated"
    assert "≥40张 (target, 2025)" in wide.loc["Cangshan", "elderly_care_beds_per_1000_elderly"]
    assert "≥7% (target, 2021–2025)" in wide.loc["Chikan", "gdp_growth_rate"]
    long = compare_indicators(extracted, ["elderly_care_beds_per_1000_elderly"], layout="long")
    chikan = long[long["district"] == "Chikan"]
    assert len(chikan) == 1 and chikan["display"].iloc[0] == "not stated"
    only_targets = compare_indicators(extracted, ["gdp_growth_rate"], kinds=["target"])
    assert "actual" not in only_targets.loc["Huli", "gdp_growth_rate"]


# --------------------------------------------------------------------------------------------- generality
GENERALITY_EXPECTED = {
    # file: [(indicator_id, value, value_high, comparator, kind, year)]
    "gwr_national_2019.txt": [
        ("gdp_growth_rate", 6.0, 6.5, "range", "expected", 2019),
        ("new_urban_jobs", 1100.0, None, ">=", "expected", 2019),
        ("urban_unemployment_rate", 5.5, None, "~", "expected", 2019),
        ("registered_unemployment_rate", 4.5, None, "<=", "expected", 2019),
        ("cpi_growth", 3.0, None, "~", "expected", 2019),
        ("gdp_growth_rate", 6.6, None, "=", "actual", 2018),
        ("new_urban_jobs", 1361.0, None, "=", "actual", 2018),
        ("cpi_growth", 2.1, None, "=", "actual", 2018),
    ],
    "gwr_national_2021.txt": [
        ("gdp_growth_rate", 6.0, None, ">=", "expected", 2021),
        ("new_urban_jobs", 1100.0, None, ">=", "expected", 2021),
        ("urban_unemployment_rate", 5.5, None, "~", "expected", 2021),
        ("cpi_growth", 3.0, None, "~", "expected", 2021),
        ("gdp_growth_rate", 2.3, None, "=", "actual", 2020),
        ("urban_unemployment_rate", 5.5, None, "<=", "target", 2025),  # 14th FYP: 控制在5.5%以内
    ],
    "gwr_national_2022.txt": [
        ("gdp_growth_rate", 5.5, None, "~", "expected", 2022),
        ("new_urban_jobs", 1100.0, None, ">=", "expected", 2022),
        ("urban_unemployment_rate", 5.5, None, "<=", "expected", 2022),
        ("cpi_growth", 3.0, None, "~", "expected", 2022),
        ("gdp_growth_rate", 8.1, None, "=", "actual", 2021),
        ("cpi_growth", 0.9, None, "=", "actual", 2021),
    ],
    "gwr_provincial_beijing_2026.txt": [
        ("gdp_growth_rate", 5.0, None, "~", "expected", 2026),
        ("urban_unemployment_rate", 5.0, None, "<=", "expected", 2026),
        ("cpi_growth", 2.0, None, "~", "expected", 2026),
        ("pm25_concentration", 29.0, None, "~", "expected", 2026),
        ("new_urban_jobs", 28.0, None, ">=", "target", 2026),
        ("gdp_growth_rate", 4.5, 5.0, "range", "target", 2030),  # 15th FYP: 年均增速4.5%-5%
        ("gdp_growth_rate", 5.4, None, "=", "actual", 2025),
    ],
}


@pytest.fixture(scope="module")
def generality_corpus(generality):
    return generality


@pytest.mark.parametrize("file_name", sorted(GENERALITY_EXPECTED))
def test_generality_headline_targets(generality_corpus, registry, file_name):
    docs = generality_corpus.documents
    doc_id = docs.loc[docs["source_file"].astype(str).str.endswith(file_name), "doc_id"].iloc[0]
    passages = generality_corpus.passages[generality_corpus.passages["doc_id"] == doc_id]
    got = extract_indicators(passages, docs, registry)
    missing = []
    for ind, value, high, cmp, kind, year in GENERALITY_EXPECTED[file_name]:
        rows = got[(got["indicator_id"] == ind) & (got["value"] == value) & (got["comparator"] == cmp)
                   & (got["kind"] == kind) & (got["year"] == year)]
        if high is not None:
            rows = rows[rows["value_high"] == high]
        if rows.empty:
            missing.append((ind, value, high, cmp, kind, year))
    assert not missing, (missing, got[got["indicator_id"] != ""][["indicator_id", "value", "value_high",
                                                                  "comparator", "kind", "year"]])


# ----------------------------------------------------------------------------------------------- bad input
def _one(text: str, kind: str = "five_year_plan", section: str = "") -> pd.DataFrame:
    passages = pd.DataFrame([{"passage_id": "t:0000", "doc_id": "t", "district": "T", "role": "body", "text": text,
                              "section_path": section, "line_start": 1, "line_end": 1, "clean_line_start": 0}])
    documents = pd.DataFrame([{"doc_id": "t", "district": "T", "kind": kind, "year": 2021,
                               "period_start": 2021, "period_end": 2025}])
    return extract_indicators(passages, documents)


@pytest.mark.parametrize("text", [
    "坚持创新驱动发展，全面塑造发展新优势。",                                 # no number
    "地区生产总值增长6.5%－6%。",                                          # reversed range
    "地区生产总值增长6%－。",                                              # dangling dash
    "地区生产总值增长%－6%左右。",                                          # range without its low end
    "到2025年，基本实现社会主义现代化。",                                   # year only
    "2025年",                                                            # year only
    "2021年11月17日印发，2021年6月-2022年5月完成。",                        # dates
    "1. 有效盘活利用存量空间。",                                            # list number
    "依据《厦门市包容普惠创新专项提升实施方案》（厦委办发〔2021〕18号）文件精神。",   # document number
    "厦湖府办〔2021〕44号",                                                 # document number
    "第三章 构建都市型产业体系",                                             # chapter number
    "锚定“10 13”任务，推进“2 2 n”服务体系。",                              # slogans with lost plus signs
    "二〇三五年远景目标纲要",                                               # Chinese year
])
def test_bad_input_yields_no_rows(text):
    assert _one(text).empty


def test_number_forms():
    got = _one("“十四五”期间，地区生产总值年均增长百分之八左右，城镇新增就业２万人以上，PM2.5平均浓度控制在２５微克/立方米以内。")
    rows = {r.indicator_id: r for r in got.itertuples()}
    assert rows["gdp_growth_rate"].value == 8 and rows["gdp_growth_rate"].comparator == "~"
    assert (rows["gdp_growth_rate"].period_start, rows["gdp_growth_rate"].period_end) == (2021, 2025)
    assert rows["new_urban_jobs"].value == 2 and rows["new_urban_jobs"].comparator == ">="
    assert rows["pm25_concentration"].value == 25 and rows["pm25_concentration"].comparator == "<="
    several = _one("2024年主要预期目标为：区级财政收入增长5.5%，区属规模以上工业产值增长12%，固定资产投资增长5%。",
                   kind="work_report")
    assert set(several["indicator_id"]) == {"general_budget_revenue_growth", "industrial_output_growth",
                                            "fixed_asset_investment_growth"}
    assert set(several["kind"]) == {"expected"} and set(several["year"]) == {2024}
    ranges = _one("地区生产总值增长4.5-5%，居民消费价格涨幅5%—5.5%。")
    assert sorted(zip(ranges["value"], ranges["value_high"])) == [(4.5, 5.0), (5.0, 5.5)]
    assert set(ranges["comparator"]) == {"range"}
    level = _one("到2025年地区生产总值约460亿元，人均生产总值超12万元。")
    by_id = level.set_index("indicator_id")
    assert by_id.loc["gdp_total", "value"] == 460 and by_id.loc["gdp_total", "comparator"] == "~"
    assert by_id.loc["gdp_per_capita", "value"] == 120000 and by_id.loc["gdp_per_capita", "unit_raw"] == "万元"
    points = _one("常住人口城镇化率提高2个百分点。")
    assert (points["indicator_id"] == "").all() and (points["unit"] == "个百分点").all()


def test_chikan_review_of_the_13th_plan_is_actual_2020(extracted):
    """Issue 12: Chikan's review of the 13th Five-Year period read as 2025 targets; its chapter heading is
    lost in the source, so only the plan's structure (text before the second chapter) tells."""
    chikan = extracted[extracted["doc_id"] == "chikan_14th_fyp"]
    review = chikan[chikan["quote"].str.contains("接待游客|毛入园率|企业开办时间")]
    assert len(review) >= 3
    assert set(review["kind"]) == {"actual"} and set(review["year"]) == {2020}, review
