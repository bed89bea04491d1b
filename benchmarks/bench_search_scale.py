"""The product's search and compare on a generated corpus of N documents, before and after a change, one run.

    python benchmarks/bench_search_scale.py --saved DIR/n1000/saved --vectors VEC.npy --base e0b28f7

``--saved``: a corpus saved by ``bench_scale.py --phase build`` (no vectors). ``--vectors``: measured
passage vectors (``bench_memory.py --steps embed`` writes them) for its first rows; every other passage
gets a **stand-in**, a measured vector plus seeded noise (``bench_memory.standin_corpus``): speed and
memory do not depend on the values, search quality is not measured here.

Steps, each in a fresh process:

1. ``prepare`` (this checkout): load the corpus, build its search index (``Corpus.build_index``,
   timed), embed the queries (``query:`` prompt), pickle both into ``--work``;
2. ``measure`` once with this checkout's ``src`` ("after") and once with ``src`` of the git revision
   ``--base`` ("before"), on the same pickled index: ``PassageIndex.search`` latency per query, the
   query vector given (median, p95 over the queries x ``--rounds``; embedding a query costs the same
   at any corpus size, reported apart), then ``compare`` of ``--compares`` source passages (seconds
   each; the first compare of "after" fills the CSLS radius cache);
   The radii of the CSLS feature are computed once per row and cached (``PairFeaturizer.radii``),
   so "after" reports how many rows its compares filled (``radii_cached``).

Writes ``benchmarks/results/search_scale.json`` (keyed by N) and ``search_scale.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO / "benchmarks"))


def _queries() -> list[str]:
    """The memory benchmark's queries and the gold topic queries (tests/gold/topics.csv)."""
    import pandas as pd

    from bench_memory import QUERIES

    gold = pd.read_csv(REPO / "tests" / "gold" / "topics.csv", dtype=str, keep_default_na=False)["query"]
    return list(dict.fromkeys([*QUERIES, *sorted(q for q in set(gold) if q)]))


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def prepare_worker(folder: Path, work: Path) -> dict:
    import plancompare as pc
    from plancompare.embed import embed_texts

    corpus = pc.Corpus.load(folder)
    t0 = time.perf_counter()
    corpus.build_index()
    index_s = round(time.perf_counter() - t0, 1)
    queries = _queries()
    vectors = embed_texts(queries, prompt="query")
    t0 = time.perf_counter()
    embed_texts(queries, prompt="query", use_cache=False)
    embed_ms = (time.perf_counter() - t0) * 1000 / len(queries)
    with open(work / "index.pkl", "wb") as f:
        pickle.dump({"index": corpus.index, "queries": queries, "vectors": vectors}, f, protocol=5)
    index = corpus.index
    return {"passages": len(corpus.passages), "body_passages": len(index.passages_),
            "districts": len(index.districts_), "dense_method": index.dense_index_.method_,
            "index_s": index_s, "query_embedding_ms": round(embed_ms, 1), "prepare_peak_rss_mb": _hwm_mb()}


def recalibrate(dense) -> dict:
    """Run the loaded revision's own ``_calibrate`` on the pickled IVF index (the same trained cells)
    and probe as that revision would: the fewest cells tried that met the target (the last one
    tried, for a doubling schedule). Returns the probe count and what was tried."""
    dense.calibration_ = dense._calibrate()
    met = [p for p, r in dense.calibration_ if r >= dense.target_recall]
    dense.n_probe_ = int(min(met) if met else dense.calibration_[-1][0])
    dense.faiss_index_.nprobe = min(dense.n_probe_, dense.faiss_index_.nlist)
    out = {"n_probe": dense.n_probe_, "n_lists": int(dense.faiss_index_.nlist), "calibration": dense.calibration_}
    if hasattr(dense, "_scan_share"):  # revisions that bypass an IVF index visiting most rows
        dense.scan_share_ = dense._scan_share(dense._calibration_queries(), dense.n_probe_)
        out.update(scan_share=dense.scan_share_, prunes=dense.prunes())
    return out


def dense_quality(index, vectors: np.ndarray) -> dict:
    """On the benchmark's real query vectors: recall@10 of the dense index against the exact scan of
    the same vectors, and the dense floor of the approximate path against the true corpus minimum."""
    dense = index.dense_index_
    queries = np.asarray(vectors, dtype=np.float32)
    queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    exact_ids, _ = dense._exact(queries, 10)
    ids, _ = dense.search(queries, 10)
    recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact_ids)]))
    floor_error = []
    for q in queries:
        true_min = float(np.min(np.asarray(index.embeddings_) @ q))
        floor_error.append(float(np.min(index.dense_scores(q))) - true_min)
    return {"recall_at_10": round(recall, 4), "floor_error_max": round(max(floor_error), 5),
            "floor_error_mean": round(float(np.mean(floor_error)), 5)}


def stage_times(index, queries: list[str], vectors) -> dict:
    """Median ms of the two corpus-wide stages of a search alone: the dense scores (approximate index
    plus the floor) and the lexical scores (posting lists plus the verbatim-segment bonus)."""
    dense_ms, lexical_ms = [], []
    for q, v in zip(queries, vectors):
        t0 = time.perf_counter()
        index.dense_scores(v)
        t1 = time.perf_counter()
        index.lexical_scores(q)
        dense_ms.append((t1 - t0) * 1000)
        lexical_ms.append((time.perf_counter() - t1) * 1000)
    return {"dense_median_ms": round(statistics.median(dense_ms), 1),
            "lexical_median_ms": round(statistics.median(lexical_ms), 1)}


def measure_worker(work: Path, rounds: int, compares: int, agreement: bool, calibrate: bool) -> dict:
    with open(work / "index.pkl", "rb") as f:
        saved = pickle.load(f)
    index, queries, vectors = saved["index"], saved["queries"], saved["vectors"]
    out = {}
    if calibrate and index.dense_index_.method_ == "ivf":
        t0 = time.perf_counter()
        out["ivf"] = {**recalibrate(index.dense_index_), "calibration_s": round(time.perf_counter() - t0, 1)}
    for q, v in zip(queries[:3], vectors[:3]):  # warm-up: lazy tables, first BLAS calls
        index.search(q, v, k=5)
    seconds, sources = [], []
    for _ in range(rounds):
        for q, v in zip(queries, vectors):
            t0 = time.perf_counter()
            found = index.search(q, v, k=5)
            seconds.append(time.perf_counter() - t0)
            if len(found) and found["passage_id"].iloc[0] not in sources:
                sources.append(found["passage_id"].iloc[0])
    ms = [s * 1000 for s in seconds]
    out.update({"search_n": len(ms), "search_median_ms": round(statistics.median(ms), 1),
                "search_p95_ms": round(float(np.percentile(ms, 95)), 1), "compare_s": [], "compare_rows": []})
    out.update(stage_times(index, queries, vectors))
    if index.dense_index_.method_ == "ivf":
        out.setdefault("ivf", {}).update(dense_quality(index, vectors))
    for pid in sources[:compares]:
        t0 = time.perf_counter()
        rows = index.compare(pid, k=3)
        out["compare_s"].append(round(time.perf_counter() - t0, 2))
        out["compare_rows"].append(len(rows))
    out.update(product_search(work, index, queries, rounds))
    out["peak_rss_mb"], out["loadavg"] = _hwm_mb(), round(os.getloadavg()[0], 2)
    if agreement:
        out["radii_cached"] = int(np.isfinite(index.featurizer_.radii_).sum())
    return out


def product_search(work: Path, index, queries: list[str], rounds: int) -> dict:
    """``Corpus.search`` (the public path: the query embedded by the loaded model, then the index) on
    the corpus of ``work/standin`` holding the pickled ``index``: per query, median and p95 in ms, with
    an empty embedding cache (a new query: the model runs) and again with the query cached."""
    import tempfile

    import plancompare as pc

    corpus = pc.Corpus.load(work / "standin")
    corpus.index = index
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        os.environ["PLANCOMPARE_CACHE_DIR"] = cache
        for q in queries[:3]:  # warm-up: the model loads, its first forward passes
            corpus.search(q + " 试", k=5)
        for label in ("new", "cached"):  # the same queries twice: the second time from the cache
            ms = []
            for _ in range(rounds if label == "cached" else 1):
                for q in queries:
                    t0 = time.perf_counter()
                    corpus.search(q, k=5)
                    ms.append((time.perf_counter() - t0) * 1000)
            out[f"product_{label}_median_ms"] = round(statistics.median(ms), 1)
            out[f"product_{label}_p95_ms"] = round(float(np.percentile(ms, 95)), 1)
    return out


def _worker(src: Path, *args) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, __file__, *map(str, args)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"worker {args[:2]} failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {args[1]} ({src}): {result}", file=sys.stderr, flush=True)
    return result


def _base_src(rev: str, work: Path) -> Path:
    """``src`` of git revision ``rev``, extracted into ``work/base-REV``."""
    folder = work / f"base-{rev}"
    if not (folder / "src").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "src"], check=True, stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder / "src"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saved", type=Path, help="a corpus saved by bench_scale.py --phase build")
    parser.add_argument("--vectors", type=Path, help="measured passage vectors (.npy) for its first rows")
    parser.add_argument("--base", help="git revision measured as 'before' (omit: after only)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/plancompare-search-scale"))
    parser.add_argument("--rounds", type=int, default=1, help="passes over the queries")
    parser.add_argument("--compares", type=int, default=3, help="compares measured after")
    parser.add_argument("--compares-before", type=int, default=1, help="compares measured before (82 s each at N = 1,000)")
    parser.add_argument("--skip-prepare", action="store_true", help="reuse the pickled index in --work")
    parser.add_argument("--prepare-only", action="store_true",
                        help="stop after step 1 (build the index outside the heavy lock; measure with --skip-prepare)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--worker", choices=["prepare", "measure"])
    parser.add_argument("--agreement", action="store_true", help="(worker) report the radius cache")
    parser.add_argument("--recalibrate", action="store_true",
                        help="each version re-runs its own IVF calibration on the pickled index before measuring")
    args = parser.parse_args(argv)
    if args.worker == "prepare":
        print(json.dumps(prepare_worker(args.work / "standin", args.work)))
        return
    if args.worker == "measure":
        print(json.dumps(measure_worker(args.work, args.rounds, args.compares, args.agreement, args.recalibrate)))
        return
    from bench_memory import standin_corpus

    args.work.mkdir(parents=True, exist_ok=True)
    here = REPO / "src"
    row = {"created": time.strftime("%Y-%m-%d %H:%M:%S"), "command": "python benchmarks/bench_search_scale.py "
           + " ".join(sys.argv[1:] if argv is None else argv)}
    if not args.skip_prepare:
        row["standin"] = standin_corpus(args.saved, args.vectors, args.work / "standin")
        row["prepare"] = _worker(here, "--worker", "prepare", "--work", args.work)
        (args.work / "prepare.json").write_text(json.dumps(row))
        if args.prepare_only:
            return
    else:
        row = {**json.loads((args.work / "prepare.json").read_text()), **row}
    common = ["--work", args.work, "--rounds", args.rounds] + (["--recalibrate"] if args.recalibrate else [])
    if args.base:
        row["base"] = args.base
        row["before"] = _worker(_base_src(args.base, args.work), "--worker", "measure", *common,
                                "--compares", args.compares_before)
    row["after"] = _worker(here, "--worker", "measure", *common, "--compares", args.compares, "--agreement")
    out_file = args.out / "search_scale.json"
    results = json.loads(out_file.read_text()) if out_file.is_file() else {}
    results[str(row["prepare"]["passages"])] = row
    args.out.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    (args.out / "search_scale.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


# Notes on runs that the JSON does not describe in full (kept verbatim when the file is rewritten).
NOTES_BULLETS = [
    "- **201,727 passages again** (`python benchmarks/bench_search_scale.py --work /tmp/qps-scale/w --skip-prepare "
    "--rounds 2 --compares 0`, 2026-12-02 03:22, after the verdict features of that day were merged; heavy lock held, "
    "a niced memory benchmark beside it): 102 searches. Still over the 50 ms target: on these stand-in vectors the IVF "
    "calibration keeps about half of the cells, so each query's dense search scans about half the corpus (38% of the "
    "time, profile of the previous run); real embeddings cluster more, but embedding 200,000 passages takes days on "
    "this machine.",
]
NOTES_PARAGRAPHS = [
    "", "The 201,727-passage rows (2026-12-02, 107,376 indexed): NOT under the heavy lock (another helper's memory "
    "benchmark held it past this session's deadline), load 9.8 and 11.2 while they ran, so both versions are several "
    "times slower than on an idle machine; compare them with each other, not with the targets. The index was built in "
    "a separate `--prepare-only` run (2,008 s wall at load ≈ 10, nice 19 then 10; py-spy: most of it jieba word "
    "segmentation and the character TF-IDF, single-threaded Python, then the IVF training). Its calibration chose "
    "1,280 of 2,621 IVF cells on these stand-in vectors, so each dense search scans about half the corpus twice (the "
    "query, and the negated query for the corpus minimum): under load the largest part of a search (cProfile: dense "
    "38 %, features of the 30 candidates 19 %, lexical 13 %, result frame 6 %).",
    "", "**The 201,410-passage rows** (2026-12-02 13:58-14:03 UTC, 107,216 indexed, 868 districts; heavy lock held, "
    "load 7.8 at the start and 9.6 at the end from other helpers' jobs: a loaded machine, so compare the two versions "
    "with each other). The corpus was regenerated for this run (`bench_scale.py --sizes 1368 --embed-sizes --phase "
    "build --keep DIR`, then `bench_memory.py --worker embed --count 256` for the measured vectors, then "
    "`bench_search_scale.py --saved DIR/n1368/saved --vectors VEC.npy --work W --prepare-only`: index build 435 s). "
    "**The vectors**: the first 256 passages carry their real e5 vectors; every other passage is one of those 256 "
    "plus Gaussian noise of σ = 0.05 per dimension, renormalised (`bench_memory.standin_corpus`). The noise is as "
    "long as the vector itself, so a stand-in keeps a cosine of 0.72 with its source and two passages meet at "
    "0.39-0.61 (5th-95th percentile), where the 256 real vectors meet at 0.85-0.93: below the level of the 256 "
    "sources the stand-ins are random directions. k-means cannot cut such rows into cells: 2,600 of the 2,620 IVF "
    "cells hold a single row and about 20 cells hold all the rest, so the 40 cells the calibration needs (recall@10 "
    "1.0 on its midpoint queries and on the 51 real queries) visit 97.5 % of the rows. Normalising the centroids at "
    "every k-means step (spherical k-means) gave the same cells. The search's nearest rows are the 256 real vectors "
    "themselves (cosine about 0.85-0.9 with a real query; a stand-in, 0.72 of its source, about 0.6), so any probe count finds them.",
    "", "Profile of one search before the change (cProfile over the 51 queries on this index, load ≈ 12, 92 ms a "
    "search under the profiler): dense 40 % (two IVF searches: faiss 20 %, then re-scoring 4,000 candidates and "
    "the corpus-minimum search), features and verdict of the 30 candidates 19 %, result frame 12 %, lexical 10 % "
    "(of which the verbatim-segment check 6.5 %), query probe 9 %, top-k selection 6 %. What changed: an IVF "
    "index records the share of rows its calibrated probes visit (`VectorIndex.scan_share_`); above half it does "
    "not prune (`VectorIndex.prunes`), and `PassageIndex` then scores every row exactly, as below the size "
    "threshold (results identical to the exact path: `tests/test_scale.py`); on these vectors that scan is faster "
    "than the IVF path (dense stage 42.0 -> 30.0 ms median) and also fixes the dense floor, which the negated-query "
    "IVF search had missed by 0.023 on average and 0.053 at most (the cells around the negated query are "
    "single-row cells). The calibration bisects between the doubling steps (the fewest cells tried that meet the "
    "target, instead of up to twice that); the rows holding a verbatim query segment come from the intersection of "
    "its n-grams' posting lists, not the rarest list alone; IVF candidates are sorted instead of deduplicated (a "
    "row lies in one cell). Search: **96.3 -> 68.3 ms median, 151.5 -> 98.3 ms p95**; `Corpus.search` with a "
    "cached query vector 115.6 -> 76.7 ms median. Still over the 50 ms median target on this loaded machine; p95 "
    "meets 100 ms. What is left is mostly per-query constant work (features and verdict of the 30 candidates, the "
    "query's TF-IDF and word vectors, the result frame) and one exact pass over 107,216 x 384 float32 rows.",
    "", "Not kept: the corpus minimum searched in a sixteenth of the probes (the cells around the negated query hold "
    "one row each here: off by 0.023 on average); result rows taken column by column instead of one `iloc` "
    "(slower: about 1.5 ms a column under load).",
]


def _label(row: dict, version: str, short: bool = False) -> str:
    """A version's label: ``before (REV)``, ``after``, or an ``again`` entry's own ``label``."""
    if version == "again":
        return row["again"]["short_label" if short else "label"]
    return f"{version} ({row['base']})" if version == "before" else version


def _dense_lines(results: dict) -> list[str]:
    """The dense stage per version where it was measured (``--recalibrate`` runs): the IVF index each
    version calibrated on the pickled cells, the share of rows its probes visit, whether search used it,
    its recall@10 on the benchmark's real query vectors, and the dense and lexical stages alone."""
    rows = [row for row in results.values() if "dense_median_ms" in row.get("after", {})]
    if not rows:
        return []
    lines = ["The dense and lexical stages alone (median ms over the queries), and the IVF index as each version "
             "calibrated it on the same pickled cells (`--recalibrate`; recall@10 of the IVF index against the "
             "exact scan of the same vectors, on the benchmark's real query vectors):", "",
             "| passages | version | IVF cells | probed | rows visited | dense path in search | recall@10 | "
             "dense ms | lexical ms |", "| ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    for row in sorted(rows, key=lambda r: r["prepare"]["passages"]):
        for version in ("before", "after"):
            m = row.get(version, {})
            if "dense_median_ms" not in m:
                continue
            ivf = m.get("ivf", {})
            share = ivf.get("scan_share")
            path = ("IVF" if ivf.get("prunes", True) else "exact scan (IVF does not prune)") if ivf else "exact"
            label = f"{version} ({row['base']})" if version == "before" else version
            lines.append(f"| {row['prepare']['passages']:,} | {label} | {ivf.get('n_lists', '–')} | "
                         f"{ivf.get('n_probe', '–')} | {'–' if share is None else f'{share:.1%}'} | {path} | "
                         f"{ivf.get('recall_at_10', '–')} | {m['dense_median_ms']} | {m['lexical_median_ms']} |")
    return lines + [""]


def markdown(results: dict) -> str:
    lines = ["# Search and compare at scale, before and after (one run each)", "",
             "`PassageIndex.search` with the query vector given (query embedding reported apart) and `compare` "
             "(every other district) on generated corpora (`benchmarks/gen_corpus.py`, seed 0) with stand-in "
             "vectors; before = the `--base` revision's `src`, after = this checkout, both on the same pickled "
             "index, one after the other under the heavy lock. 1-minute load average per run.", "",
             "| passages (indexed) | districts | dense index | index build s | version | search median ms | "
             "search p95 ms | compare s (each) | peak RSS MB | load |",
             "| ---: | ---: | --- | ---: | --- | ---: | ---: | --- | ---: | ---: |"]
    for row in sorted(results.values(), key=lambda r: r["prepare"]["passages"]):
        p = row["prepare"]
        for version in ("before", "after", "again"):
            if version not in row:
                continue
            m = row[version]
            label = _label(row, version)
            lines.append(f"| {p['passages']:,} ({p['body_passages']:,}) | {p['districts']:,} | {p['dense_method']} | "
                         f"{p['index_s']} | {label} | {m['search_median_ms']} | {m['search_p95_ms']} | "
                         f"{', '.join(map(str, m['compare_s'])) or '–'} | {m['peak_rss_mb']:.0f} | {m['loadavg']} |")
    lines.append("")
    lines += _dense_lines(results)
    product = [row for row in results.values() if "product_new_median_ms" in row.get("after", {})]
    if product:
        lines += ["The public path, `Corpus.search(query)` (the query embedded by the loaded model, then the index): "
                  "a new query (empty embedding cache) and the same query again (cached vector), ms:", "",
                  "| passages | version | new query median | new query p95 | cached median | cached p95 |",
                  "| ---: | --- | ---: | ---: | ---: | ---: |"]
        for row in sorted(product, key=lambda r: r["prepare"]["passages"]):
            for version in ("before", "after", "again"):
                m = row.get(version, {})
                if "product_new_median_ms" in m:
                    label = _label(row, version, short=True)
                    lines.append(f"| {row['prepare']['passages']:,} | {label} | {m['product_new_median_ms']} | "
                                 f"{m['product_new_p95_ms']} | {m['product_cached_median_ms']} | "
                                 f"{m['product_cached_p95_ms']} |")
        lines.append("")
    for row in sorted(results.values(), key=lambda r: r["prepare"]["passages"]):
        p = row["prepare"]
        lines.append(f"- **{p['passages']:,} passages** (`{row['command']}`, {row['created']}): query embedding "
                     f"{p['query_embedding_ms']} ms a query; {row['after']['search_n']} searches per version "
                     f"(the queries x rounds); compares of the first results' passages, in order (the first "
                     f"compare after fills the radius cache: {row['after'].get('radii_cached', 0):,} rows "
                     f"cached after its {len(row['after']['compare_s'])} compares).")
    lines += NOTES_BULLETS
    lines += ["", "What changed (after): lexical scores from posting lists (the TF-IDF matrix column-major) and the "
              "exact-segment bonus only on the rows holding the segment's rarest n-gram, instead of every passage; "
              "per-probe values (centred cosines with every passage, their mean and spread, the CSLS radius of the "
              "probe, its home district) computed once per probe instead of once per district; each candidate's "
              "CSLS radius computed once per row (faiss' exact brute-force k-nearest search) and cached; one "
              "feature pass over every district's candidates; `top_rows` partitions before sorting; texts held as "
              "Python strings (an Arrow string column converted every row on each access). Then (issue 14, "
              "200,000 passages): a search's `dense_z` takes the mean and spread of the query's centred cosines "
              "from the first and second moments of the centred rows (a 384 x 384 product, computed once) and "
              "the centred cosines of its candidates only, instead of a pass over every passage "
              "(`tests/test_match_scale.py` checks it against that pass).",
              "", "Same results: on the match benchmark's corpus (`bench_match.py`, 1,136 passages, 665 candidate "
              "lists) the candidate rows are identical and every feature is within 2.4e-7 of before (only "
              "`dense_csls`, whose radii come from products of another shape); every held-out figure of "
              "`match.json` is unchanged except the per-district-pair comparable counts of the `focus_sentence` "
              "baseline (an earlier model kept for comparison): a few of its candidates sit exactly on a threshold chosen out of fold, where a 1e-7 change decides the side. `tests/test_match_scale.py` checks the "
              "shortcuts against the full scans.",
              "", "Not kept: CSLS radii through an IVF index of the centred vectors. On the N = 1,000 stand-in "
              "vectors its calibration needed 960 of 1,964 cells for a mean radius error of 0.002, and was then "
              "slower than the exact scan (3.7 vs 2.9 ms a row, load ≈ 7)."]
    lines += NOTES_PARAGRAPHS
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
