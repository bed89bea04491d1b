"""Export: images through kaleido + system Chromium, self-contained HTML, the briefing page,
and the two environment checks (CJK font, browser) that turn silent failures into clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from plancompare.errors import PlancompareError
from plancompare.export import check_cjk_font, find_browser, write_briefing, write_figure

sys.path.insert(0, str(Path(__file__).parent))
from test_charts import indicators, themes_table  # noqa: E402

try:
    find_browser()
    HAVE_BROWSER = True
except PlancompareError:
    HAVE_BROWSER = False
needs_browser = pytest.mark.skipif(not HAVE_BROWSER, reason="no Chrome/Chromium for kaleido")


def _chinese_fig(family: str | None = None) -> go.Figure:
    fig = go.Figure(go.Bar(x=["湖里区", "仓山区", "赤坎区"], y=[5.5, 7, 6]))
    fig.update_layout(title="地区生产总值增长目标", width=500, height=320)
    if family:
        fig.update_layout(font_family=family)
    return fig


class FakeCorpus:
    """The attributes of plancompare.load_corpus() that write_briefing uses."""

    def __init__(self):
        ind = indicators()
        ind.loc[0, "quote"] = "预计全年地区生产总值比增1.5%<script>alert('quote')</script>"
        self.indicators = ind
        self.documents = pd.DataFrame({
            "doc_id": ["huli_work_report_2023", "cangshan_14th_fyp", "chikan_14th_fyp"],
            "district": ["Huli", "Cangshan", "Chikan"],
            "title": ["政府工作报告<script>alert('title')</script>", "仓山区十四五规划纲要", "赤坎区十四五规划纲要"],
        })
        self.passages = pd.DataFrame({
            "passage_id": ["huli:0000", "cangshan:0001", "chikan:0002"],
            "doc_id": ["huli_work_report_2023", "cangshan_14th_fyp", "chikan_14th_fyp"],
            "district": ["Huli", "Cangshan", "Chikan"],
            "section_path": ["一 > 二", "第一章", "第二章"],
            "text": ["<script>alert('passage')</script>经济发展", "仓山文本", "赤坎文本"],
            "line_start": [3, 4, 5], "line_end": [3, 6, 5],
        })

    def themes_table(self):
        t = themes_table()
        t["top_passages"] = [["huli:0000"] if d == "Huli" else ["cangshan:0001"] if d == "Cangshan"
                             else ["chikan:0002"] for d in t["district"]]
        return t


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig")
    return write_figure(_chinese_fig(), out / "gdp.png")


@needs_browser
def test_write_figure_all_formats(exported):
    assert set(exported) == {"png", "svg", "pdf", "html"}
    for fmt, p in exported.items():
        assert p.name == f"gdp.{fmt}" and p.stat().st_size > 0
    assert exported["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert exported["pdf"].read_bytes()[:5] == b"%PDF-"
    assert "<svg" in exported["svg"].read_text(encoding="utf-8")
    html = exported["html"].read_text(encoding="utf-8")
    assert "地区生产总值增长目标" in html or "\\u5730" in html
    assert '<script src="https://cdn.plot.ly' not in html and len(html) > 1_000_000  # plotly.js inlined


def test_write_figure_html_only_needs_no_browser(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    out = write_figure(_chinese_fig(), tmp_path / "x", formats=("html",))
    assert out["html"].stat().st_size > 0
    with pytest.raises(ValueError):
        write_figure(_chinese_fig(), tmp_path / "x", formats=("gif",))


def test_missing_cjk_font_is_a_clear_error(tmp_path):
    empty = tmp_path / "fonts"
    empty.mkdir()
    (empty / "DejaVuSans.ttf").write_bytes(b"")  # a Latin-only font name does not count
    with pytest.raises(PlancompareError, match="fonts-wqy-microhei") as err:
        check_cjk_font(font_dirs=[empty])
    assert str(empty) in str(err.value) and "boxes" in str(err.value)
    with pytest.raises(PlancompareError, match="apt-get install fonts-wqy-microhei"):
        write_figure(_chinese_fig(), tmp_path / "out", formats=("png",), font_dirs=[empty])
    assert not (tmp_path / "out.png").exists()


def test_cjk_font_found_here():
    if not Path("/usr/share/fonts").is_dir():
        pytest.skip("no system font directory")
    assert check_cjk_font()  # via fontconfig
    assert check_cjk_font(font_dirs=["/usr/share/fonts"])  # by scanning files


def test_missing_browser_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    with pytest.raises(PlancompareError, match="BROWSER_PATH"):
        find_browser()
    with pytest.raises(PlancompareError, match="apt-get install chromium"):
        write_figure(_chinese_fig(), tmp_path / "out", formats=("png",))

    from choreographer.browsers.chromium import Chromium

    monkeypatch.delenv("BROWSER_PATH")
    monkeypatch.setattr(Chromium, "find_browser", classmethod(lambda cls, **kw: None))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PlancompareError, match="No Chrome or Chromium"):
        find_browser()


NO_CJK_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <cachedir>{cache}</cachedir>
  <selectfont><rejectfont>
    <pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern>
    <pattern><patelt name="lang"><string>zh-tw</string></patelt></pattern>
    <pattern><patelt name="lang"><string>ja</string></patelt></pattern>
    <pattern><patelt name="lang"><string>ko</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>
"""

RENDER = textwrap.dedent("""
    import sys
    import plotly.graph_objects as go
    from plancompare.errors import PlancompareError
    from plancompare.export import write_figure
    out, check = sys.argv[1], sys.argv[2] == "check"
    for name, labels in (("zh", ["湖里区", "仓山区"]), ("en", ["Huli", "Cangshan"])):
        fig = go.Figure(go.Bar(x=labels, y=[5.5, 7]))
        fig.update_layout(title=" ".join(labels), font_family="DejaVu Sans", width=500, height=320)
        try:
            write_figure(fig, f"{out}/{name}", formats=("png",), check_fonts=check)
        except PlancompareError as exc:
            print("ERROR", exc)
            sys.exit(3)
""")


@needs_browser
def test_cjk_glyphs_render_not_boxes(tmp_path):
    """The Chinese-labelled chart rendered with CJK fonts differs from the same chart rendered
    where fontconfig offers no CJK font (Chromium then draws boxes); an English chart does not.

    Setting a Latin-only ``font_family`` is not enough to break Chinese: Chromium falls back
    glyph by glyph through fontconfig. So the no-CJK run hides the CJK fonts from fontconfig
    (FONTCONFIG_FILE with a <rejectfont> rule) in a subprocess.
    """
    if not Path("/etc/fonts/fonts.conf").is_file():
        pytest.skip("needs a fontconfig system configuration")
    conf = tmp_path / "fonts.conf"
    conf.write_text(NO_CJK_FONTCONFIG.format(cache=tmp_path / "fc-cache"), encoding="utf-8")
    script = tmp_path / "render.py"
    script.write_text(RENDER, encoding="utf-8")
    normal, nocjk = tmp_path / "normal", tmp_path / "nocjk"
    normal.mkdir()
    nocjk.mkdir()

    def run(out, env_extra, check):
        env = {**os.environ, **env_extra}
        return subprocess.run([sys.executable, str(script), str(out), check], env=env, capture_output=True,
                              text=True, timeout=300)

    r = run(normal, {}, "nocheck")
    assert r.returncode == 0, r.stderr[-2000:]
    r = run(nocjk, {"FONTCONFIG_FILE": str(conf)}, "nocheck")
    assert r.returncode == 0, r.stderr[-2000:]
    assert (normal / "zh.png").read_bytes() != (nocjk / "zh.png").read_bytes()
    # control: without Chinese text the two font setups render the very same image
    assert (normal / "en.png").read_bytes() == (nocjk / "en.png").read_bytes()
    # and with the check on, the no-CJK setup is refused up front with the fix named
    r = run(tmp_path, {"FONTCONFIG_FILE": str(conf)}, "check")
    assert r.returncode == 3 and "fonts-wqy-microhei" in r.stdout


@pytest.fixture(scope="module")
def briefing(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    formats = ("png", "svg") if HAVE_BROWSER else ()
    return write_briefing(FakeCorpus(), out_dir=out, formats=formats)


def test_briefing_page(briefing):
    html = briefing.read_text(encoding="utf-8")
    assert briefing.name == "briefing.html"
    # headline table: indicator × district, a district stating nothing shown as 未提及
    assert "<table class='headline'>" in html
    table = html[html.index("<table class='headline'>"):html.index("</table>")]
    for s in ("地区生产总值增长", "每千名老年人拥有养老床位数", "湖里区", "仓山区", "赤坎区", "未提及",
              "40张（目标值", "2025"):
        assert s in table
    assert "not stated" not in table and "target" not in table
    # charts inline, plotly.js embedded once
    assert html.count("class=\"plotly-graph-div\"") == 3
    assert '<script src="https://cdn.plot.ly' not in html
    # source quotes with document, section and raw line
    assert "第240行" in html and "第九章" in html and "cangshan_14th_fyp" in html
    assert "一 &gt; 二" in html  # theme passage section looked up from passages


def test_briefing_escapes_document_text(briefing):
    html = briefing.read_text(encoding="utf-8")
    for who in ("quote", "title", "passage"):
        assert f"<script>alert('{who}')" not in html
    for who in ("quote", "title", "passage"):  # escaped by the template (&#39; or &#x27; for the quote mark)
        assert f"&lt;script&gt;alert(&#39;{who}&#39;)" in html or f"&lt;script&gt;alert(&#x27;{who}&#x27;)" in html


@needs_browser
def test_briefing_writes_png_and_svg(briefing):
    out = briefing.parent
    for stem in ("gdp_growth", "elderly_care", "theme_coverage"):
        for fmt in ("png", "svg"):
            assert (out / f"{stem}.{fmt}").stat().st_size > 0
    assert "gdp_growth.png" in briefing.read_text(encoding="utf-8")


def test_briefing_english(tmp_path):
    path = write_briefing(FakeCorpus(), out_dir=tmp_path, lang="en", formats=())
    html = path.read_text(encoding="utf-8")
    table = html[html.index("<table class='headline'>"):html.index("</table>")]
    assert "Headline indicators" in html and "not stated" in table and "Huli" in table
    assert "GDP growth" in table and "未提及" not in table
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.slow
@needs_browser
def test_briefing_real_corpus(tmp_path):
    import plancompare

    corpus = plancompare.load_corpus()
    path = write_briefing(corpus, out_dir=tmp_path)
    html = path.read_text(encoding="utf-8")
    assert "湖里区" in html and "仓山区" in html and "赤坎区" in html
    for stem in ("gdp_growth", "elderly_care", "theme_coverage"):
        assert (tmp_path / f"{stem}.png").stat().st_size > 0
        assert (tmp_path / f"{stem}.svg").stat().st_size > 0


def test_headline_table_names_indicators_and_states_absence(plans):
    from plancompare.export import headline_table

    table = headline_table(plans.indicators, ["gdp_growth_rate", "nursing_bed_share"], lang="zh")
    assert list(table.index) == ["湖里区", "仓山区", "赤坎区"]
    assert list(table.columns) == ["地区生产总值增长", "养老机构护理型床位占比"]  # registry names
    assert table.iloc[2, 1] == "未提及"  # Chikan sets no nursing-bed target
    assert table.iloc[1, 1].startswith("≥55%（目标值")
    english = headline_table(plans.indicators, ["nursing_bed_share"], lang="en")
    assert english.iloc[2, 0] == "not stated"


def test_briefing_on_the_real_tables(plans, tmp_path):
    """Representative passages from the real themes_table (ids joined by ';'), escaped document text,
    and a heatmap that fits the page (issue 10)."""
    import re
    import types

    from plancompare.charts import theme_coverage_heatmap
    from plancompare.export import PAGE_WIDTH

    table = plans.themes_table()
    assert table["top_passages"].str.contains(";").any()  # the real cells hold several ids
    passages = plans.passages.copy()
    first_id = next(c for c in table["top_passages"] if c).split(";")[0]
    passages.loc[passages["passage_id"] == first_id, "text"] = "<script>alert('passage')</script>真实段落"
    corpus = types.SimpleNamespace(documents=plans.documents, passages=passages, indicators=plans.indicators,
                                   themes_table=lambda: table)
    html = write_briefing(corpus, out_dir=tmp_path, formats=()).read_text(encoding="utf-8")
    section = html[html.index("各主题代表段落"):]
    quotes = re.findall(r"<blockquote>(.*?)</blockquote>", section, flags=re.S)
    assert len(quotes) == sum(1 for c in table["top_passages"] if c)  # one per (theme, district) with passages
    assert not [q for q in quotes if re.fullmatch(r"[\w;:]+", q.strip())]  # text, never raw passage ids
    assert "<script>alert('passage')" not in html and "&lt;script&gt;alert(" in section
    # the heatmap is no wider than the page it sits on
    assert theme_coverage_heatmap(table).layout.width <= PAGE_WIDTH - 40 < 1504
    assert f"max-width:{PAGE_WIDTH}px" in html
    # one way to write "about": 约 in the Chinese briefing, never ≈ or ~ next to a number
    assert not re.search(r"[≈~]\d", html.split("<div class='figure'>")[0])


class SearchableCorpus(FakeCorpus):
    """FakeCorpus plus the ``search`` that the briefing's precedents section calls (one row per district,
    as ``corpus.search(query, k=1, district=d, min_verdict="none")`` returns it)."""

    def search(self, query, k=5, district=None, theme=None, min_verdict="related"):
        hit = self.passages[self.passages["district"] == district].head(k).copy()
        hit["verdict"] = {"Huli": "comparable", "Cangshan": "related"}.get(district, "none")
        hit["p_comparable"] = {"Huli": 0.91, "Cangshan": 0.3}.get(district, 0.02)
        hit["matched_terms"] = [["经济"] if district == "Huli" else [] for _ in range(len(hit))]
        hit["matched_variants"] = [[] for _ in range(len(hit))]
        return hit


def test_briefing_precedents_show_each_districts_verdict(tmp_path):
    html = write_briefing(SearchableCorpus(), out_dir=tmp_path, formats=(), lang="en",
                          precedent_queries=["economic growth"]).read_text(encoding="utf-8")
    section = html[html.index("Precedents in each district"):]
    assert "<h3>economic growth</h3>" in section
    assert "comparable · 0.91" in section and "related · 0.30" in section
    assert "nothing comparable · 0.02" in section  # Chikan: the near-miss, marked as such
    assert "Matched terms: 经济" in section and "cangshan_14th_fyp" in section
    assert "<script>alert('passage')" not in html  # passage text stays escaped
    plain = write_briefing(SearchableCorpus(), out_dir=tmp_path, formats=()).read_text(encoding="utf-8")
    assert "各区可比做法" not in plain  # no queries, no section


@pytest.mark.slow
def test_briefing_precedents_on_the_real_corpus(tmp_path):
    import plancompare

    corpus = plancompare.load_corpus()
    html = write_briefing(corpus, out_dir=tmp_path, formats=(),
                          precedent_queries=["长者食堂"]).read_text(encoding="utf-8")
    section = html[html.index("各区可比做法"):]
    assert section.count("<tr><th scope='row'>") == 3  # one row per bundled district
    assert "长者食堂→长者饭堂" in section  # Chikan's canteen found through the variant term
