"""Charts: each returns a plotly Figure with the expected traces, on small synthetic tables."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from plancompare.charts import (
    aligned_passages_chart,
    district_colour,
    elderly_care_chart,
    gdp_growth_chart,
    indicator_chart,
    precedent_table,
    theme_coverage_heatmap,
)
from plancompare.charts.indicators import KIND_SYMBOLS, value_text
from plancompare.charts.template import FONT_FAMILY, district_label, truncate, wrap

IND_COLS = ["indicator_id", "name", "district", "doc_id", "value", "value_high", "unit", "comparator", "kind",
            "year", "period_start", "period_end", "quote", "passage_id", "line", "indicator_name_en", "unit_raw",
            "category", "section_path"]


def indicators() -> pd.DataFrame:
    na = None
    rows = [
        ("gdp_growth_rate", "地区生产总值增长", "Huli", "huli_work_report_2023", 1.5, na, "%", "=", "actual", 2023, na, na,
         "预计全年地区生产总值比增1.5%", "huli_work_report_2023:0003", 15, "GDP growth", "%", "economy", "一、回顾"),
        ("gdp_growth_rate", "地区生产总值增长", "Huli", "huli_work_report_2023", 5.5, na, "%", "~", "expected", 2024, na,
         na, "地区生产总值预估增长5.5%", "huli_work_report_2023:0030", 85, "GDP growth", "%", "economy", "二、目标"),
        ("gdp_growth_rate", "地区生产总值增长", "Cangshan", "cangshan_14th_fyp", 7, 8, "%", "range", "target", 2025, 2021,
         2025, "年均增长7%—8%", "cangshan_14th_fyp:0010", 60, "GDP growth", "%", "economy", "第一章 > 第二节"),
        ("elderly_care_beds_per_1000_elderly", "每千名老年人拥有养老床位数", "Cangshan", "cangshan_14th_fyp", 40, na, "张", ">=",
         "target", 2025, na, na, "每千名老年人拥有养老床位数达到 40 张以上", "cangshan_14th_fyp:0100", 240,
         "Elderly-care beds per 1,000 elderly", "张", "social", "第九章"),
        ("elderly_care_beds_per_1000_elderly", "每千名老年人拥有养老床位数", "Huli", "huli_work_report_2023", 80, na, "张", "=",
         "actual", 2023, na, na, "每千名老人养老床位数80张", "huli_work_report_2023:0005", 25,
         "Elderly-care beds per 1,000 elderly", "张", "social", "一、回顾"),
        ("nursing_bed_share", "护理型养老床位占比", "Cangshan", "cangshan_14th_fyp", 55, na, "%", ">=", "target", 2025,
         na, na, "其中护理型养老床位占比不低于 55%", "cangshan_14th_fyp:0100", 240, "Nursing-bed share", "%",
         "social", "第九章"),
        ("", "", "Chikan", "chikan_14th_fyp", 3, na, "个", "=", "actual", 2020, na, na, "建成3个",
         "chikan_14th_fyp:0001", 10, "", "个", "", ""),
    ]
    return pd.DataFrame(rows, columns=IND_COLS)


def themes_table() -> pd.DataFrame:
    th = [("economy", "经济发展", "Economy"), ("innovation", "科技创新", "Innovation"),
          ("elderly_care", "养老服务", "Elderly care"), ("business_env", "营商环境", "Business environment")]
    rows = []
    for i, (t, zh, en) in enumerate(th):
        for j, d in enumerate(["Huli", "Cangshan", "Chikan"]):
            if t == "business_env" and d == "Chikan":
                continue  # Chikan says nothing about it: the cell must show 0, not vanish
            share = ((i + 1) * (j + 2) % 7) / 40
            rows.append((t, zh, en, d, i + j + 1, int(share * 10000), share, [f"{d.lower()}:{i:04d}"]))
    return pd.DataFrame(rows, columns=["theme", "label_zh", "label_en", "district", "passages", "characters",
                                       "share", "top_passages"])


def alignment() -> pd.DataFrame:
    return pd.DataFrame([
        (1, "Huli", "huli_work_report_2023:0005", 0.91, "社区居家养老服务、长者食堂全覆盖，每千名老人养老床位数80张",
         "一、回顾 > 民生", 25, "matched"),
        (1, "Cangshan", "cangshan_14th_fyp:0100", 0.84, "大力发展居家养老服务<script>alert('x')</script>",
         "第九章 > 第三节", 240, "matched"),
        (1, "Chikan", None, None, None, None, None, "nothing comparable"),
        (2, "Huli", "huli_inclusive_innovation_2021:0012", 0.77, "推进医养结合。", "三、重点任务", 40, "matched"),
        (2, "Cangshan", "cangshan_14th_fyp:0101", 0.70, "支持社会力量兴办养老机构", "第九章", 241, "matched"),
        (2, "Chikan", "chikan_14th_fyp:0200", 0.66, "完善养老服务体系", "第八章", 512, "matched"),
    ], columns=["group", "district", "passage_id", "score", "text", "section_path", "line_start", "status"])


def hits() -> pd.DataFrame:
    long_text = "加快推进社会福利中心、居家养老照料中心和服务站点建设，" * 20
    return pd.DataFrame({
        "passage_id": ["cangshan_14th_fyp:0100", "huli_work_report_2023:0005"],
        "doc_id": ["cangshan_14th_fyp", "huli_work_report_2023"],
        "district": ["Cangshan", "Huli"],
        "score": [0.91, 0.8],
        "text": [long_text, "长者食堂<b>全覆盖</b>"],
        "section_path": ["第九章 > 第三节", "一、回顾"],
        "line_start": [240, 25], "line_end": [242, 25],
        "rank": [1, 2], "matched_terms": [["养老", "床位"], ["长者食堂"]],
    })


def data_traces(fig):
    return [t for t in fig.data if isinstance(t.meta, dict) and t.meta.get("kind") in
            ("target", "expected", "actual", "not_stated") and not t.meta.get("legend_only")]


def test_indicator_chart_kinds_distinct_and_not_stated_shown():
    fig = indicator_chart(indicators(), "gdp_growth_rate")
    assert isinstance(fig, go.Figure)
    traces = {t.meta["kind"]: t for t in data_traces(fig)}
    assert set(traces) == {"target", "expected", "actual", "not_stated"}
    # kinds are told apart by marker symbol, and each has a legend entry
    symbols = {k: traces[k].marker.symbol for k in ("target", "expected", "actual")}
    assert len(set(symbols.values())) == 3 and symbols == {k: KIND_SYMBOLS[k] for k in symbols}
    legend = [t.name for t in fig.data if t.showlegend]
    assert {"目标值", "预期目标", "实际值", "未提及"} <= set(legend)
    # Chikan states no GDP growth: shown as 未提及, not dropped
    assert traces["not_stated"].meta["districts"] == ["Chikan"]
    assert "赤坎区" in traces["not_stated"].x[0] and "未提及" in traces["not_stated"].x[1]
    # comparators and years annotated; range drawn as an error bar up to value_high
    assert traces["expected"].text == ("约5.5%",)
    assert traces["target"].text == ("7–8%",) and traces["target"].error_y.array == (1.0,)
    assert "2021–2025" in traces["target"].x[1] and "2024" in traces["expected"].x[1]
    # source note: documents + raw lines
    note = fig.layout.meta["source_note"]
    assert "huli_work_report_2023" in note and "15、85" in note and "cangshan_14th_fyp" in note
    assert fig.layout.template.layout.font.family == FONT_FAMILY


def test_indicator_chart_english_labels():
    fig = indicator_chart(indicators(), "gdp_growth_rate", lang="en")
    legend = {t.name for t in fig.data if t.showlegend}
    assert {"Target", "Expected (annual)", "Actual / baseline", "not stated"} <= legend
    xs = [x for t in data_traces(fig) for x in t.x[0]]
    assert "Huli" in xs and "Chikan" in xs and not any("区" in x for x in xs)
    assert fig.layout.title.text.startswith("GDP growth")
    assert "line" in fig.layout.meta["source_note"] and "Source" in fig.layout.meta["source_note"]
    assert value_text({"comparator": "~", "value": 5.5, "unit": "%"}, "en") == "≈5.5%"  # one formatter: ≈ in English, 约 in Chinese
    with pytest.raises(ValueError):
        indicator_chart(indicators(), "gdp_growth_rate", lang="fr")


def test_districts_parameter_and_unknown_indicator():
    fig = indicator_chart(indicators(), "no_such_indicator", districts=["Huli", "Cangshan", "Chikan"])
    (ns,) = data_traces(fig)
    assert ns.meta == {"kind": "not_stated", "districts": ["Huli", "Cangshan", "Chikan"]}
    fig = indicator_chart(indicators(), "gdp_growth_rate", districts=["湖里区"])  # any spelling of a district
    assert {k for t in data_traces(fig) for k in t.meta["districts"]} == {"Huli"}


def test_gdp_wrapper_finds_indicator_by_name_when_id_differs():
    df = indicators()
    df.loc[df["indicator_id"] == "gdp_growth_rate", "indicator_id"] = "econ.gdp_growth_rate"
    fig = gdp_growth_chart(df)
    assert fig.layout.meta["indicator_id"] == "econ.gdp_growth_rate"
    assert {t.meta["kind"] for t in data_traces(fig)} == {"target", "expected", "actual", "not_stated"}


def test_elderly_care_chart_two_panels():
    fig = elderly_care_chart(indicators())
    assert fig.layout.meta["indicator_id"] == ["elderly_care_beds_per_1000_elderly", "nursing_bed_share"]
    by_axis = {}
    for t in data_traces(fig):
        by_axis.setdefault(t.xaxis or "x", {})[t.meta["kind"]] = t.meta["districts"]
    assert by_axis["x"] == {"target": ["Cangshan"], "actual": ["Huli"], "not_stated": ["Chikan"]}
    assert by_axis["x2"] == {"target": ["Cangshan"], "not_stated": ["Huli", "Chikan"]}
    titles = [a.text for a in fig.layout.annotations]
    assert any("每千名老年人" in x for x in titles) and any("护理型" in x for x in titles)
    fig_en = elderly_care_chart(indicators(), lang="en")
    assert any("Nursing-bed share" in a.text for a in fig_en.layout.annotations)


def test_district_colours_consistent_across_charts():
    fig = indicator_chart(indicators(), "gdp_growth_rate")
    target = next(t for t in data_traces(fig) if t.meta["kind"] == "target")
    assert target.marker.color == (district_colour("Cangshan"),)
    table = aligned_passages_chart(alignment())
    assert table.data[0].header.fill.color[2] == district_colour("仓山区") == district_colour("cangshan")
    assert len({district_colour(d) for d in ("Huli", "Cangshan", "Chikan")}) == 3
    assert district_colour("Gulou") == district_colour("Gulou")  # unknown districts: stable too


def test_theme_coverage_heatmap():
    fig = theme_coverage_heatmap(themes_table())
    (hm,) = fig.data
    assert isinstance(hm, go.Heatmap)
    assert list(hm.y) == ["湖里区", "仓山区", "赤坎区"]
    assert list(hm.x) == ["经济发展", "科技创新", "养老服务", "营商环境"]
    z = pd.DataFrame(hm.z, index=hm.y, columns=hm.x)
    assert z.loc["赤坎区", "营商环境"] == 0.0  # missing cell shown as 0%
    assert z.loc["湖里区", "经济发展"] == pytest.approx(5.0)  # fractions shown as %
    assert "%" in hm.text[0][0]
    en = theme_coverage_heatmap(themes_table(), lang="en")
    assert list(en.data[0].x)[:2] == ["Economy", "Innovation"] and list(en.data[0].y) == ["Huli", "Cangshan", "Chikan"]


def test_aligned_passages_chart():
    fig = aligned_passages_chart(alignment(), theme_label="养老服务")
    (table,) = fig.data
    assert isinstance(table, go.Table)
    assert [h for h in table.header.values] == ["<b>对齐组</b>", "<b>湖里区</b>", "<b>仓山区</b>", "<b>赤坎区</b>"]
    chikan = table.cells.values[3]
    assert "无可比内容" in chikan[0] and "完善养老服务体系" in chikan[1]
    cangshan = table.cells.values[2][0]
    assert "<script>" not in cangshan and "&lt;script&gt;" in cangshan  # text is escaped
    assert "第240行" in cangshan and "第九章" in cangshan
    assert "cangshan_14th_fyp" in fig.layout.meta["source_note"]
    en = aligned_passages_chart(alignment(), lang="en")
    assert "nothing comparable" in en.data[0].cells.values[3][0]


def test_precedent_table():
    fig = precedent_table(hits())
    (table,) = fig.data
    assert isinstance(table, go.Table)
    header = [h.replace("<b>", "").replace("</b>", "") for h in table.header.values]
    assert header == ["排序", "区", "相似度", "原文", "匹配词", "来源"]
    text0 = table.cells.values[3][0]
    assert text0.endswith("…") and "<br>" in text0  # long Chinese text wrapped and truncated
    assert "&lt;b&gt;" in table.cells.values[3][1]
    assert "第240–242行" in table.cells.values[5][0] and "cangshan_14th_fyp" in table.cells.values[5][0]
    assert table.cells.values[4][0] == "养老、床位"
    no_rank = hits().drop(columns=["rank", "matched_terms"])
    en = precedent_table(no_rank, lang="en")
    assert list(en.data[0].cells.values[0]) == [1, 2] and len(en.data[0].header.values) == 5
    assert "lines 240–242" in en.data[0].cells.values[4][0]


def test_precedent_table_shows_the_verdict_instead_of_a_bare_score():
    judged = hits().assign(verdict=["comparable", "none"], p_comparable=[0.82, 0.03])
    (table,) = precedent_table(judged).data
    assert [h.replace("<b>", "").replace("</b>", "") for h in table.header.values][2] == "判断"
    assert table.cells.values[2][0] == "可比<br>0.82" and table.cells.values[2][1] == "无可比内容<br>0.03"
    (en,) = precedent_table(judged, lang="en").data
    assert en.cells.values[2][1] == "nothing comparable<br>0.03"


def test_text_helpers():
    assert truncate("一二三四五", 6) == "一二三…" and truncate("一二三", 6) == "一二三"
    assert truncate(None) == ""
    assert wrap("甲" * 30, width=20).count("<br>") == 2
    assert wrap("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert district_label("huli", "zh") == "湖里区" and district_label("湖里区", "en") == "Huli"


def test_not_stated_sits_in_its_own_band_not_on_the_value_axis():
    # issue 10: "not stated" markers drawn at y = 0 read as a value of zero
    for fig in (indicator_chart(indicators(), "gdp_growth_rate"), elderly_care_chart(indicators())):
        for trace in data_traces(fig):
            value_axis = fig.layout["yaxis" + (trace.yaxis or "y").removeprefix("y")]
            if trace.meta["kind"] != "not_stated":
                assert value_axis.ticktext is None  # values on a numeric axis
                continue
            assert value_axis.ticktext == ("未提及",) and value_axis.range == (0, 1)
            x_axis = fig.layout["xaxis" + (trace.xaxis or "x").removeprefix("x")]
            assert x_axis.anchor == trace.yaxis  # the axis labels sit under the band
            assert value_axis.domain[1] < min(
                fig.layout[k].domain[0] for k in fig.layout.to_plotly_json() if k.startswith("yaxis")
                and fig.layout[k].ticktext is None)
    en = indicator_chart(indicators(), "gdp_growth_rate", lang="en")
    (ns,) = [t for t in data_traces(en) if t.meta["kind"] == "not_stated"]
    assert en.layout["yaxis" + ns.yaxis.removeprefix("y")].ticktext == ("not stated",)
