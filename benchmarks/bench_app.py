"""Precedent-finder responsiveness: seconds from pressing Enter to results on the page (warm).

Starts ``plancompare serve`` on the bundled corpus, drives the system Chromium with Playwright,
runs each query once to warm the session, then times REPEATS rounds of all queries in the browser.
The baseline, measured in the same run, is ``corpus.search`` called in-process (what the CLI and a
notebook pay); the ratio is the page's overhead. Target: first results within 1 s of a query.

Writes benchmarks/results/app.json and app.md.  Run: .venv/bin/python benchmarks/bench_app.py
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

import plancompare as pc
from plancompare.app.process import background_server

RESULTS = Path(__file__).parent / "results"
QUERIES = ["长者食堂", "养老床位", "elderly care beds", "数字经济", "营商环境", "生态环境保护", "研发投入", "乡村振兴"]
REPEATS = 3


#: True once the status line names ``query`` (searched through the page's shadow roots).
STATUS_SHOWS = """(query) => {
  const find = (root) => {
    const hit = root.querySelector('[data-n]');
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const found = find(el.shadowRoot); if (found) return found; }
    }
    return null;
  };
  const status = find(document);
  return status !== null && status.textContent.includes(query);
}"""


def browser_latencies(url: str) -> tuple[list[float], list[float]]:
    """(Enter → status on the page, seconds the server's callback took) per timed query."""
    times, server = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        box = page.locator(".pc-query input")
        box.wait_for(timeout=120_000)
        for round_ in range(REPEATS + 1):
            for query in QUERIES:
                box.fill(query)
                started = time.perf_counter()
                box.press("Enter")
                page.wait_for_function(STATUS_SHOWS, arg=query, polling=20, timeout=60_000)
                elapsed = time.perf_counter() - started
                if round_:  # round 0 warms the session
                    times.append(elapsed)
                    status = page.locator(".pc-status [data-n]", has_text=query)
                    server.append(float(status.get_attribute("data-seconds")))
                box.fill("")
        browser.close()
    return times, server


def library_latencies(corpus) -> list[float]:
    for query in QUERIES:
        corpus.search(query, k=200)
    times = []
    for _ in range(REPEATS):
        for query in QUERIES:
            started = time.perf_counter()
            corpus.search(query, k=200)
            times.append(time.perf_counter() - started)
    return times


def main() -> None:
    corpus = pc.load_corpus()
    baseline = library_latencies(corpus)
    with tempfile.TemporaryDirectory() as reports:
        with background_server(None, reports) as url:
            page, server = browser_latencies(url)
    result = {
        "queries": QUERIES, "repeats": REPEATS, "passages": int(len(corpus.passages)),
        "page_median_s": statistics.median(page), "page_max_s": max(page),
        "page_p90_s": sorted(page)[int(0.9 * (len(page) - 1))],
        "server_callback_median_s": statistics.median(server), "server_callback_max_s": max(server),
        "search_median_s": statistics.median(baseline), "search_max_s": max(baseline),
        "overhead_ratio_median": statistics.median(page) / statistics.median(baseline),
        "target_s": 1.0, "meets_target": max(page) < 1.0,
        "load_average_1min": os.getloadavg()[0], "cpus": os.cpu_count(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "app.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    md = (f"# Precedent finder responsiveness\n\n{len(page)} timed queries in Chromium ({REPEATS} rounds of "
          f"{len(QUERIES)}, warm), {result['passages']} passages.\n\n"
          f"| measure | median | max |\n|---|---|---|\n"
          f"| Enter → results on the page | {result['page_median_s']:.3f} s | {result['page_max_s']:.3f} s |\n"
          f"| server callback (search + render) | {result['server_callback_median_s']:.3f} s | {result['server_callback_max_s']:.3f} s |\n"
          f"| `corpus.search` in-process (baseline) | {result['search_median_s']:.3f} s | {result['search_max_s']:.3f} s |\n\n"
          f"Page / baseline (median): {result['overhead_ratio_median']:.1f}×. Target: results within 1 s "
          f"({'met' if result['meets_target'] else 'NOT met'}). Load average during the run: "
          f"{result['load_average_1min']:.1f} on {result['cpus']} CPUs.\n")
    (RESULTS / "app.md").write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
