"""One district resolver: every spelling a user may type, on the real tables."""

from __future__ import annotations

import pytest

import plancompare as pc
from plancompare.charts import indicator_chart
from plancompare.districts import display_name, resolve_district, resolve_districts
from plancompare.errors import UnknownItemError

SPELLINGS = ["Huli", "huli", "HULI", "湖里区", "湖里", "Huli District"]


@pytest.mark.parametrize("name", SPELLINGS)
def test_every_spelling_resolves_against_the_documents(plans, name):
    assert resolve_district(name, plans.documents) == "Huli"


@pytest.mark.parametrize("name", ["湖里区", "湖里", "huli"])
def test_chinese_names_resolve_without_a_chinese_column(name):
    # indicators carry only the display name; the pinyin of 湖里区 finds Huli
    assert resolve_district(name, ["Huli", "Cangshan", "Chikan"]) == "Huli"


def test_unknown_district_lists_the_known_ones(plans):
    with pytest.raises(UnknownItemError) as err:
        resolve_district("Siming", plans.documents)
    message = str(err.value)
    assert "Siming" in message and "Cangshan, Chikan, Huli" in message and "\n" not in message


def test_resolve_districts_keeps_order_and_drops_duplicates(plans):
    assert resolve_districts(["chikan", "湖里区", "Huli"], plans.documents) == ["Chikan", "Huli"]


@pytest.mark.parametrize("name, expected", [
    ("湖里区", "Huli"), ("仓山区", "Cangshan"), ("赤坎区", "Chikan"), ("西安市", "Xi'an"),
    ("长安区", "Chang'an"), ("吕梁市", "Lüliang"), ("浦东新区", "Pudong"), ("福建省", "Fujian"),
    ("广西壮族自治区", "Guangxi"), ("鄂温克族自治旗", "Ewenke"), ("Huli", "Huli"), ("全国", "全国"), (None, ""),
])
def test_display_name_romanises_like_the_bundled_names(name, expected):
    assert display_name(name) == expected


def test_compare_indicators_accepts_any_spelling(plans):
    # issue 10: districts=["huli"] used to read "not stated" although Huli states the value
    indicators = plans.indicators
    ids = ["gdp_growth_rate"]
    reference = pc.compare_indicators(indicators, ids, districts=["Huli"])
    assert reference.loc["Huli", "gdp_growth_rate"] != "not stated"
    for name in ("huli", "HULI", "湖里区", "湖里"):
        table = pc.compare_indicators(indicators, ids, districts=[name])
        assert list(table.index) == ["Huli"]
        assert table.loc["Huli", "gdp_growth_rate"] == reference.loc["Huli", "gdp_growth_rate"]
    with pytest.raises(UnknownItemError, match="Hulli"):
        pc.compare_indicators(indicators, ids, districts=["Hulli"])


def test_chart_districts_accept_any_spelling(plans):
    fig = indicator_chart(plans.indicators, "gdp_growth_rate", districts=["huli", "仓山"])
    shown = {d for t in fig.data if isinstance(t.meta, dict) for d in t.meta.get("districts", [])}
    assert shown == {"Huli", "Cangshan"}


def test_a_document_without_catalog_gets_a_pinyin_display_name(tmp_path, catalog):
    source = next(f for f in catalog["source_file"] if "huli_government_work_report" in f)
    corpus = pc.build_corpus([source])
    row = corpus.documents.iloc[0]
    assert row["district"] == "Huli" and row["district_zh"] == "湖里区"
    assert set(corpus.passages["district"]) == {"Huli"}



def test_charts_refuse_an_unknown_district_but_keep_silent_known_ones(plans):
    from plancompare.charts import theme_coverage_heatmap

    with pytest.raises(UnknownItemError, match="Hulli"):
        indicator_chart(plans.indicators, "gdp_growth_rate", districts=["Hulli"])
    # a district with documents but no indicator rows is "not stated", not unknown
    no_chikan = plans.indicators[plans.indicators["district"] != "Chikan"]
    fig = indicator_chart(no_chikan, "gdp_growth_rate", districts=["赤坎区"], documents=plans.documents)
    (trace,) = [t for t in fig.data if isinstance(t.meta, dict) and t.meta.get("kind") == "not_stated"
                and not t.meta.get("legend_only")]
    assert trace.meta["districts"] == ["Chikan"]
    heat = theme_coverage_heatmap(plans.themes_table(), districts=["cangshan", "湖里"])
    assert list(heat.data[0].y) == ["仓山区", "湖里区"]
