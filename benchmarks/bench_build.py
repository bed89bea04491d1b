"""Corpus build benchmark: a cold build, a warm (stage-cached) build, and the warm `plancompare build`
that `make run` starts with.

* cold: a fresh process and an empty stage cache (``$PLANCOMPARE_CACHE_DIR`` in a temporary folder):
  decode, clean (mojibake repair included), outline, themes without embeddings, indicators, index;
* warm: the same build again in a fresh process: every document comes from the per-document stage cache;
* ``plancompare build`` (bundled plans, embeddings included, progress on stderr) run twice with the
  user's caches; the second run is the warm ``make run`` step (target: at most 5 s).

Writes benchmarks/results/build.json and build.md. Run: .venv/bin/python benchmarks/bench_build.py [REPEATS]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
STEP = """
import json, resource, time, tempfile
t0 = time.perf_counter()
import plancompare as pc
t_import = time.perf_counter() - t0
catalog = pc.load_catalog(pc.corpus.bundled_data_dir() / "catalog.csv")
t1, c1 = time.perf_counter(), time.process_time()
corpus = pc.build_corpus(list(catalog["source_file"]), catalog=catalog, embed=False)
t_build, c_build = time.perf_counter() - t1, time.process_time() - c1
folder = tempfile.mkdtemp()
corpus.save(folder)
t3 = time.perf_counter()
loaded = pc.load_corpus(folder)
t_load = time.perf_counter() - t3
print(json.dumps({"import_s": t_import, "build_s": t_build, "build_cpu_s": c_build, "load_saved_s": t_load,
                  "statuses": sorted(set(corpus.build_log["status"])),
                  "documents": len(corpus.documents), "passages": len(corpus.passages),
                  "characters": int(corpus.documents["n_chars"].sum()),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _step(env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", STEP], check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cli_build() -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one ``plancompare build``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "plancompare.cli", "build"], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(repeats: int = 3) -> None:
    cold, warm = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "PLANCOMPARE_CACHE_DIR": cache}
            cold.append(_step(env))
            warm.append(_step(env))
    assert all(run["statuses"] == ["processed"] for run in cold), cold
    assert all(run["statuses"] == ["cached"] for run in warm), warm
    _cli_build()  # warms the user's caches (embeddings, stage outputs)
    cli_runs = [_cli_build() for _ in range(repeats)]
    best = {
        "cold_build_s": min(r["build_s"] for r in cold),
        "warm_build_s": min(r["build_s"] for r in warm),
        "cold_build_cpu_s": min(r["build_cpu_s"] for r in cold),
        "warm_build_cpu_s": min(r["build_cpu_s"] for r in warm),
        "import_s": min(r["import_s"] for r in cold + warm),
        "load_saved_s": min(r["load_saved_s"] for r in cold + warm),
        "cli_build_warm_s": min(wall for wall, _ in cli_runs),
        "cli_build_warm_cpu_s": min(cpu for _, cpu in cli_runs),
        "documents": cold[0]["documents"], "passages": cold[0]["passages"], "characters": cold[0]["characters"],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in cold),
        "runs": repeats, "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_average": os.getloadavg()[0],
    }
    best["warm_over_cold"] = best["warm_build_s"] / best["cold_build_s"]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "build.json").write_text(json.dumps(best, indent=2), encoding="utf-8")
    md = [
        "# Corpus build benchmark",
        "",
        f"{best['documents']} documents, {best['passages']} passages, {best['characters']} cleaned characters; "
        f"best of {best['runs']} fresh processes each, {best['date']} (2 cores shared with other jobs; "
        f"load average {best['load_average']:.1f} at the end).",
        "",
        "| step | wall seconds | CPU seconds |",
        "| --- | ---: | ---: |",
        f"| import plancompare | {best['import_s']:.2f} | |",
        f"| cold build, empty stage cache (decode, clean incl. mojibake repair, outline, themes without "
        f"embeddings, indicators, search index) | {best['cold_build_s']:.2f} | {best['cold_build_cpu_s']:.2f} |",
        f"| warm build, same code and files (per-document stage cache) | {best['warm_build_s']:.2f} | "
        f"{best['warm_build_cpu_s']:.2f} |",
        f"| warm `plancompare build` (the `make run` step: bundled plans with embeddings, saved; "
        f"whole process) | {best['cli_build_warm_s']:.2f} | {best['cli_build_warm_cpu_s']:.2f} |",
        f"| load a saved corpus (Parquet) | {best['load_saved_s']:.2f} | |",
        "",
        f"Warm build / cold build (wall): {best['warm_over_cold']:.2f}. Peak RSS (cold): {best['peak_rss_mb']:.0f} MB. "
        "On a machine shared by many jobs wall time is several times CPU time; CPU time is what a build costs "
        "on an idle machine.",
    ]
    (RESULTS / "build.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
