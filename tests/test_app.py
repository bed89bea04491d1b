"""The precedent finder in a real browser: Playwright driving the system Chromium.

The test starts ``plancompare serve`` on 127.0.0.1 (a free port, a copy of the bundled corpus,
a scratch report folder), drives the page like a user, saves screenshots to tests/artifacts/
for review and stops the server itself. Playwright's own browser download is not used: the
Debian ``chromium`` the Makefile installs is passed as ``executable_path``.
"""

from __future__ import annotations

import shutil
import time

import pytest

from plancompare.app.process import background_server

from .conftest import REPO, SHARED

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api")

ARTIFACTS = REPO / "tests" / "artifacts"
FORMATS = SHARED / "generality" / "formats"
MAX_UPLOAD_MB = 5
HOSTILE_PLAN = """测试区2024年养老服务工作方案
一、总体要求
坚持以人民为中心，完善萤火虫驿站网络。<script>window.__pc_pwned = 1</script>
二、主要任务
新建萤火虫驿站12个，<img src=x onerror="window.__pc_pwned = 2">覆盖全部街道。
"""


@pytest.fixture(scope="module")
def server(corpus, tmp_path_factory):
    """``plancompare serve`` on a free port over a copy of the bundled corpus; stopped afterwards."""
    scratch = tmp_path_factory.mktemp("app")
    corpus_dir = corpus.save(scratch / "corpus")
    reports = scratch / "reports"
    try:
        with background_server(corpus_dir, reports, log_file=scratch / "server.log",
                               extra_args=["--max-upload-mb", MAX_UPLOAD_MB]) as url:
            yield {"url": url, "corpus_dir": corpus_dir, "reports": reports, "scratch": scratch}
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if (scratch / "server.log").is_file():
            shutil.copy(scratch / "server.log", ARTIFACTS / "server.log")


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.fail("no system Chromium found: run `make system-deps` (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(60_000)  # a shared CI machine can be slow; the 1 s target is benchmarked
    page = context.new_page()
    page.goto(server["url"], timeout=180_000)
    page.locator(".pc-query input").wait_for(timeout=120_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def tab(page, name: str) -> None:
    page.locator(".bk-tab", has_text=name).first.click()


def search(page, query: str, timeout: float = 30_000) -> float:
    """Type ``query``, press Enter; seconds until the results are on the page."""
    box = page.locator(".pc-query input")
    box.fill(query)
    started = time.perf_counter()
    box.press("Enter")
    page.locator(".pc-status [data-n]", has_text=query).wait_for(timeout=timeout)
    return time.perf_counter() - started


def test_search_context_compare_indicators_and_export(page, server, corpus):
    search(page, "长者食堂")  # the first query of a session also builds its widgets
    seconds = search(page, "养老床位")
    cards = page.locator(".pc-card")
    assert cards.count() >= 2
    districts = page.locator(".pc-district").all_inner_texts()
    assert len(districts) >= 2, districts
    assert page.locator(".pc-card mark").count() >= 1, "matched terms are highlighted"
    assert seconds < 5, f"results took {seconds:.2f} s"  # the 1 s target is measured by benchmarks/bench_app.py
    expects_verdict = "verdict" in corpus.search("养老床位", k=1).columns
    verdicts = page.locator(".pc-card [data-verdict]")
    if expects_verdict:
        assert verdicts.count() == cards.count()
        assert set(v.get_attribute("data-verdict") for v in verdicts.all()) <= {"comparable", "related", "none"}
    else:
        assert verdicts.count() == 0
    first = cards.first
    assert "line" in first.inner_text()
    shot(page, "01_search")

    first.locator("summary").click()
    context = first.locator(".pc-context")
    context.wait_for()
    assert context.locator(".here").count() >= 1 and context.locator(".ln").count() >= 2
    shot(page, "02_context")

    page.locator("input.pc-select").first.check()
    selected_text = first.locator(".pc-text").inner_text()[:12]
    page.locator("button.pc-compare").first.click()
    peer = page.locator(".pc-peer").first
    peer.wait_for(timeout=30_000)
    assert page.locator(".pc-peer").count() >= 2
    assert page.locator(".pc-peer .same").count() + page.locator(".pc-peer .diff").count() > 0
    assert "养老床位" in page.locator(".pc-focus").inner_text(), "the goal the query names is compared"
    shot(page, "03_compare")
    page.locator(".pc-use-focus input").uncheck()
    page.locator(".pc-focus").wait_for(state="detached", timeout=30_000)
    page.locator(".pc-peer").first.wait_for(timeout=30_000)

    tab(page, "Indicators")
    page.locator(".pc-indicator-table table").wait_for(timeout=30_000)
    rows = page.locator(".pc-indicator-table tr")
    assert rows.count() == corpus.documents["district"].nunique() + 1
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    summary = page.locator(".pc-indicator-table summary").first
    assert summary.get_attribute("title"), "each value carries its quote on hover"
    summary.click()
    assert page.locator(".pc-indicator-table .pc-quote").first.is_visible()
    shot(page, "04_indicators")

    tab(page, "Export")
    page.locator(".pc-selection .pc-card").first.wait_for(timeout=30_000)
    assert page.locator(".pc-selection .pc-card").count() == 1
    with page.expect_download(timeout=120_000) as download:
        page.locator(".pc-dl-briefing button").click()
    briefing = ARTIFACTS / "briefing.html"
    download.value.save_as(briefing)
    text = briefing.read_text(encoding="utf-8")
    assert "Selected precedents" in text and selected_text[:6] in text
    assert (server["reports"] / "briefing.html").is_file()
    with page.expect_download(timeout=180_000) as download:
        page.locator(".pc-dl-png button").click()
    png = ARTIFACTS / "indicator_chart.png"
    download.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shot(page, "05_export")


def test_clicks_in_quick_succession_are_all_received(page):
    search(page, "养老床位")
    boxes = page.locator("input.pc-select")
    assert boxes.count() >= 3
    # three ticks in one browser task: nothing the server does in between can merge them
    boxes.first.evaluate("b => [...b.getRootNode().querySelectorAll('input.pc-select')].slice(0, 3)"
                         ".forEach(x => x.click())")
    tab(page, "Export")
    page.locator(".pc-selection .pc-meta", has_text="3 selected").wait_for(timeout=30_000)
    assert page.locator(".pc-selection .pc-card").count() == 3


def test_uploaded_plan_is_searchable_and_its_script_is_shown_not_run(page, server, tmp_path):
    plan = tmp_path / "hostile_plan.txt"
    plan.write_text(HOSTILE_PLAN, encoding="utf-8")
    tab(page, "Add a plan")
    page.locator(".pc-file input[type=file]").set_input_files(str(plan))
    page.locator(".pc-upload-status .pc-received").wait_for()
    page.locator(".pc-add button").click()
    # the page stays usable while the plan is built in the background
    tab(page, "Search")
    search(page, "长者食堂", timeout=120_000)
    assert page.locator(".pc-card").count() >= 1
    tab(page, "Add a plan")
    page.locator(".pc-upload-status .pc-ok").wait_for(timeout=300_000)
    cleaned = page.locator(".pc-cleaned").inner_text()
    assert "<script>" in cleaned, "the markup is shown as text"
    assert page.locator(".pc-outline").inner_text().count("、") >= 2, "headings found"
    assert page.evaluate("window.__pc_pwned") is None
    assert page.locator(".pc-field-district input").input_value(), "a district inferred from the title"
    shot(page, "06_upload")
    assert (server["corpus_dir"] / "uploads" / "hostile_plan.txt").is_file(), "upload stored in the corpus folder"

    page.locator(".pc-field-district input").fill("Testville")
    page.locator(".pc-apply button").click()
    page.locator(".pc-upload-status .pc-ok", has_text="updated").wait_for(timeout=300_000)
    tab(page, "Search")
    search(page, "萤火虫驿站", timeout=60_000)
    assert page.locator(".pc-district").first.inner_text().startswith("Testville"), "edited metadata is used"
    hit = page.locator(".pc-card", has_text="萤火虫驿站").first
    assert "<script>" in hit.inner_text() or "<img" in hit.inner_text()
    assert page.evaluate("window.__pc_pwned") is None, "document text never runs"
    shot(page, "07_upload_searchable")


def test_oversized_or_unsupported_upload_gets_one_line(page, tmp_path):
    big = tmp_path / "big_plan.txt"
    big.write_bytes(("规划" * 1024 * 1024).encode("utf-8"))  # 6 MB, over the 5 MB limit
    tab(page, "Add a plan")
    page.locator(".pc-file input[type=file]").set_input_files(str(big))
    error = page.locator(".pc-upload-status .pc-error")
    error.wait_for(timeout=120_000)  # refused on arrival, before anyone presses Add
    assert "limit is 5 MB" in error.inner_text() and "Traceback" not in page.content()
    page.locator(".pc-add button").click()
    assert "limit is 5 MB" in error.inner_text()
    shot(page, "08_upload_too_large")


def test_real_format_file_uploads(page):
    from plancompare import ingest

    suffixes = getattr(ingest, "SUPPORTED_SUFFIXES", (".txt",))
    source = FORMATS / "guilin_logistics_hub_plan_2020.docx"
    if ".docx" not in suffixes:
        pytest.skip("the .docx reader is not on this branch yet (plancompare.ingest.SUPPORTED_SUFFIXES)")
    if not source.is_file():
        pytest.skip(f"{source} not found (set PLANCOMPARE_SHARED)")
    tab(page, "Add a plan")
    page.locator(".pc-file input[type=file]").set_input_files(str(source))
    page.locator(".pc-upload-status .pc-received").wait_for()
    page.locator(".pc-add button").click()
    page.locator(".pc-upload-status .pc-ok").wait_for(timeout=300_000)
    assert page.locator(".pc-outline div").count() >= 3
    assert len(page.locator(".pc-cleaned").inner_text()) > 500
    shot(page, "09_upload_docx")
