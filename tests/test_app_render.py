"""The precedent finder's HTML and upload checks (fast; the browser tests are in test_app.py)."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("panel")

from plancompare.app import render, upload  # noqa: E402
from plancompare.app.export_view import precedents_section  # noqa: E402
from plancompare.errors import InputFileError  # noqa: E402

HOSTILE = "规划<script>alert('x')</script>第一章<img src=x onerror=alert(1)> & 养老"


def test_highlight_escapes_document_text_and_marks_terms():
    out = render.highlight(HOSTILE, ["养老", "script"])
    assert "<script>" not in out and "<img" not in out
    assert "&lt;<mark>script</mark>&gt;" in out
    assert "<mark>养老</mark>" in out
    assert "&amp;" in out


def test_term_list_reads_lists_strings_and_glossary_mappings():
    assert render.term_list(["elderly care→养老", "床位"]) == ["elderly care", "养老", "床位"]
    assert render.term_list("养老、床位") == ["养老", "床位"]
    assert render.term_list(None) == []


def test_passage_and_context_html_escape_every_field():
    hit = {"passage_id": "p1", "doc_id": "d<1>", "district": "X", "score": 0.5, "text": HOSTILE,
           "section_path": "第一章 <b>总则</b>", "line_start": 3, "line_end": 4, "verdict": "related",
           "p_comparable": 0.41}
    out = render.passage_html(hit, terms=["养老"])
    assert "<script>" not in out and "<b>总则" not in out and "d&lt;1&gt;" in out
    assert "data-verdict='related'" in out and "p=0.41" in out and "lines 3–4" in out
    ctx = render.context_html([(2, "<script>x</script>", False), (3, HOSTILE, True)], ["养老"])
    assert "<script>" not in ctx and "class='here'" in ctx and "<span class='ln'>3</span>" in ctx


def test_verdict_badge_is_absent_without_a_verdict():
    assert render.verdict_badge(None) == ""
    assert render.verdict_badge(float("nan")) == ""
    assert "nothing comparable" in render.verdict_badge("none")


def test_diff_marks_shared_and_different_wording():
    left, right = render.diff_html("新建长者食堂20个", "新建长者食堂35个<b>")
    assert "<span class='same'>新建长者食堂</span>" in left
    assert "<span class='diff'>35个&lt;b&gt;</span>" in right
    assert 0 < render.shared_fraction("新建长者食堂20个", "新建长者食堂35个") < 1


def test_indicator_table_says_not_stated_and_keeps_quotes_escaped():
    long = pd.DataFrame([
        {"district": "A", "indicator_id": "gdp", "display": "≥6% (target, 2025)", "quote": "增长<6%>",
         "doc_id": "a", "line": 12},
        {"district": "B", "indicator_id": "gdp", "display": "not stated", "quote": "", "doc_id": "", "line": None},
    ])
    out = render.indicator_table_html(long, ["A", "B"], ["gdp"], {"gdp": "GDP"})
    assert "not stated" in out and "增长&lt;6%&gt;" in out and "<6%>" not in out
    assert "line 12" in out


def test_precedents_section_escapes_selected_passages():
    out = precedents_section([{"passage_id": "p", "district": "A", "doc_id": "a", "text": HOSTILE,
                               "section_path": "s", "line_start": 1, "line_end": 1, "score": 0.3}])
    assert "<script>" not in out and "onerror=alert" not in out.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in out


@pytest.mark.parametrize("name,data,problem", [
    ("plan.exe", b"MZ", "unsupported file type"),
    ("plan.txt", b"", "empty"),
    ("plan.txt", b"x" * 2048, "limit is"),
    ("", b"x", "no file chosen"),
])
def test_upload_checks_refuse_bad_input_with_one_line(name, data, problem):
    with pytest.raises(InputFileError) as err:
        upload.check_upload(name, data, max_bytes=1024)
    assert problem in str(err.value) and "\n" not in str(err.value)


def test_upload_names_cannot_leave_the_upload_folder(tmp_path):
    assert upload.safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert upload.safe_name("..\\..\\x y<z>.TXT") == "x_y_z.txt"
    path = upload.store_upload(upload.safe_name("../a.txt"), b"abc", tmp_path / "uploads")
    assert path.parent == tmp_path / "uploads" and path.read_bytes() == b"abc"


def test_app_briefing_holds_escaped_precedents_the_picked_table_and_the_chart(plans, tmp_path):
    import plancompare as pc
    from plancompare.app.export_view import write_app_briefing

    passage = plans.passages[plans.passages["role"] == "body"].iloc[0].to_dict()
    hostile = {**passage, "text": HOSTILE, "score": 0.9}
    chart = pc.charts.indicator_chart(plans.indicators, "gdp_growth_rate")
    path = write_app_briefing(plans, tmp_path / "reports", [hostile], indicator_ids=["gdp_growth_rate"],
                              lang="en", figures=[("GDP growth (gdp_growth_rate)", chart)])
    page = path.read_text(encoding="utf-8")
    assert path.parent == tmp_path / "reports" and sorted(p.name for p in path.parent.iterdir()) == ["briefing.html"]
    precedents, first_library_section = page.index("Selected precedents"), page.index("<h2>", page.index("</section>"))
    assert precedents < first_library_section
    assert "&lt;script&gt;" in page and "<script>alert('x')" not in page
    assert page.index("GDP growth (gdp_growth_rate)") > page.index("plotly")  # the chart comes after plotly.js
    assert page.rstrip().endswith("</html>")


def test_peers_compare_the_goal_of_a_chinese_query_and_the_whole_passage_otherwise(plans):
    from plancompare.app.queries import peers

    hits = plans.search("邮轮母港", k=1)
    pid = hits["passage_id"].iloc[0]
    focused = peers(plans, pid, k=2, focus="邮轮母港")
    assert "邮轮" in focused.attrs["focus_sentence"]
    assert len(focused.attrs["focus_sentence"]) < len(plans.passages.set_index("passage_id").at[pid, "text"])
    for focus in ("cruise home port", None, "  "):
        assert not peers(plans, pid, k=2, focus=focus).attrs.get("focus_sentence")
