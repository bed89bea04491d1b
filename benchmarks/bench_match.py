"""Benchmark plancompare.match on the bundled corpus: quality, latency, memory; calibrate alignment.

    .venv/bin/python benchmarks/bench_match.py              # writes benchmarks/results/match.{json,md}
    .venv/bin/python benchmarks/bench_match.py --calibrate  # also prints the align_theme threshold sweep

Measures
* recall@1 / recall@3 of ``PassageIndex.search`` (per gold row, filtered to the row's district) and of
  ``PassageIndex.compare`` (per other district of each gold source) against ``tests/gold/topics.csv``,
  for the hybrid index and the lexical-only one; English queries with and without the glossary
  expansion (``expand_english``), and a check that Chinese queries return exactly the same results
  with the expansion on and off;
* ``search`` latency on the warm index (query embedding precomputed), median and p95 over the gold
  queries, target < 50 ms; the same with the query embedded on the fly (what ``corpus.search`` does);
* ``compare`` for every body passage (total and per call);
* peak Python memory (tracemalloc) of fitting the index and running the queries, and the process's
  peak RSS;
* alignment calibration: the F1-optimal ``align_theme`` threshold over mutual-nearest-neighbour pairs
  labelled by the gold set (see :func:`calibrate`).

``--passages FILE.parquet --embeddings FILE.npy`` benchmark a saved passages table and its embeddings
(rows aligned) instead of ``plancompare.load_corpus()``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def _gold_helpers():
    """The gold loaders and recall functions live with the tests; load that module by path."""
    spec = importlib.util.spec_from_file_location("_match_gold", REPO / "tests" / "test_match.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load(args) -> tuple[pd.DataFrame, np.ndarray]:
    if args.passages:
        passages = pd.read_parquet(args.passages)
        embeddings = np.load(args.embeddings)
    else:
        import plancompare as pc

        corpus = pc.load_corpus()
        passages, embeddings = corpus.passages, corpus.embeddings
    mask = (passages["role"] == "body").to_numpy()
    if len(embeddings) == mask.sum() and len(embeddings) != len(passages):
        return passages[mask].reset_index(drop=True), embeddings  # body-only embeddings
    return passages[mask].reset_index(drop=True), embeddings[mask]


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def calibrate(index, passages: pd.DataFrame, gold: pd.DataFrame, helpers) -> dict:
    """F1-optimal threshold for align_theme's links.

    Within each theme, every mutual-nearest-neighbour pair across two districts is a candidate
    link. A candidate is a positive when both passages are gold targets of one topic; a negative
    when one is a gold target of topic T and the other lies in a district where T has targets but
    is not one of them (the gold names a different counterpart); other candidates are unlabelled.
    The threshold maximising F1 of "similarity >= threshold" over labelled candidates is reported.
    """
    if "theme" not in passages.columns:
        return {"error": "passages have no theme column"}
    topic_of: dict[int, set] = {}
    districts_of_topic: dict[str, set] = {}
    for row in gold[gold["lang"] == "zh"].itertuples():
        for doc_id, line in row.targets:
            r = int(np.flatnonzero((passages["doc_id"] == doc_id) & (passages["line_start"] <= line)
                                   & (passages["line_end"] >= line))[0])
            topic_of.setdefault(r, set()).add(row.topic_id)
            districts_of_topic.setdefault(row.topic_id, set()).add(row.district)
    district = passages["district"].to_numpy()
    labelled = []
    for theme, rows in passages.groupby(passages["theme"].astype(str)).groups.items():
        rows = np.asarray(sorted(rows))
        sim = index.pair_similarity(rows)
        dist = district[rows]
        best = {}
        for d in np.unique(dist):
            cols = np.flatnonzero(dist == d)
            for i in range(len(rows)):
                if dist[i] != d:
                    best[(i, d)] = cols[np.argmax(sim[i, cols])]
        for (i, d), j in best.items():
            if i < j and best.get((j, dist[i])) == i:
                a, b = rows[i], rows[j]
                ta, tb = topic_of.get(a, set()), topic_of.get(b, set())
                if ta & tb:
                    labelled.append((float(sim[i, j]), 1))
                elif any(district[b] in districts_of_topic[t] for t in ta) or any(
                        district[a] in districts_of_topic[t] for t in tb):
                    labelled.append((float(sim[i, j]), 0))
    if not labelled:
        return {"error": "no labelled candidate pairs"}
    sims = np.array([s for s, _ in labelled])
    labels = np.array([y for _, y in labelled])
    sweep = []
    for t in np.unique(np.round(sims, 3)):
        pred = sims >= t
        tp = int((pred & (labels == 1)).sum())
        fp = int((pred & (labels == 0)).sum())
        fn = int((~pred & (labels == 1)).sum())
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        sweep.append({"threshold": float(t), "tp": tp, "fp": fp, "fn": fn, "f1": round(f1, 4)})
    best_row = max(sweep, key=lambda r: (r["f1"], -r["threshold"]))
    return {"n_positive": int(labels.sum()), "n_negative": int((labels == 0).sum()),
            "best": best_row, "sweep": sweep}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", help="a passages Parquet file (instead of load_corpus())")
    parser.add_argument("--embeddings", help="embeddings .npy aligned with --passages rows (or body rows)")
    parser.add_argument("--calibrate", action="store_true", help="print the align_theme threshold sweep")
    parser.add_argument("--out", default=str(RESULTS), help="results folder")
    args = parser.parse_args(argv)

    from plancompare.embed import embed_texts
    from plancompare.match import PassageIndex

    helpers = _gold_helpers()
    gold = helpers.load_gold()
    passages, embeddings = _load(args)

    tracemalloc.start()
    t0 = time.perf_counter()
    index = PassageIndex().fit(passages, embeddings)
    fit_seconds = time.perf_counter() - t0
    lexical = PassageIndex().fit(passages, None)
    unexpanded = PassageIndex(expand_english=False).fit(passages, embeddings)

    queries = sorted(set(gold["query"]))
    t0 = time.perf_counter()
    qvec = embed_texts(queries, prompt="query")
    embed_seconds = time.perf_counter() - t0
    qemb = dict(zip(queries, qvec))

    quality = {
        "search_hybrid": helpers.search_recall(index, gold, qemb)[0],
        "search_hybrid_zh": helpers.search_recall(index, gold[gold["lang"] == "zh"], qemb)[0],
        "search_hybrid_en": helpers.search_recall(index, gold[gold["lang"] == "en"], qemb)[0],
        "search_hybrid_en_no_expansion": helpers.search_recall(unexpanded, gold[gold["lang"] == "en"], qemb)[0],
        "search_lexical_zh": helpers.search_recall(lexical, gold[gold["lang"] == "zh"])[0],
        "search_lexical_en": helpers.search_recall(lexical, gold[gold["lang"] == "en"])[0],
        "compare_hybrid": helpers.compare_recall(index, gold)[0],
        "compare_lexical": helpers.compare_recall(lexical, gold)[0],
    }
    misses = {
        "search_hybrid": helpers.search_recall(index, gold, qemb)[1],
        "compare_hybrid": helpers.compare_recall(index, gold)[1],
    }

    zh_queries = gold[gold["lang"] == "zh"]
    zh_unchanged = all(
        index.search(row.query, qemb[row.query], k=5, district=d).equals(
            unexpanded.search(row.query, qemb[row.query], k=5, district=d))
        for row in zh_queries.itertuples() for d in (row.district, None))

    # Warm latency: one untimed pass, then each gold query (both unfiltered and district-filtered).
    for q in queries:
        index.search(q, qemb[q], k=5)
    search_ms = []
    for row in gold.itertuples():
        t0 = time.perf_counter()
        index.search(row.query, qemb[row.query], k=5, district=row.district)
        search_ms.append((time.perf_counter() - t0) * 1000)
    for q in queries:
        t0 = time.perf_counter()
        index.search(q, qemb[q], k=5)
        search_ms.append((time.perf_counter() - t0) * 1000)
    end_to_end_ms = []
    for q in queries:
        t0 = time.perf_counter()
        index.search(q, embed_texts([q], prompt="query")[0], k=5)
        end_to_end_ms.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    for pid in index.passages_["passage_id"]:
        index.compare(pid, k=3)
    compare_total = time.perf_counter() - t0
    _, peak_python = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "source": args.passages or "plancompare.load_corpus()",
        "n_passages": int(len(passages)),
        "embedding_dim": int(embeddings.shape[1]),
        "n_gold_topics": int(gold["topic_id"].nunique()),
        "n_gold_search_rows": int((gold["targets"].map(len) > 0).sum()),
        "index_params": index.get_params() if hasattr(index, "get_params") else {
            "dense_weight": index.dense_weight, "ngram_range": list(index.ngram_range),
            "min_score": index.min_score, "sublinear_tf": index.sublinear_tf, "exact_bonus": index.exact_bonus},
        "recall": {name: {f"@{k}": round(v, 4) for k, v in r.items()} for name, r in quality.items()},
        "misses": misses,
        "zh_results_unchanged_by_expansion": zh_unchanged,
        "glossary_terms": len(index.glossary_),
        "fit_seconds": round(fit_seconds, 4),
        "embed_gold_queries_seconds": round(embed_seconds, 3),
        "search_ms": {"n": len(search_ms), "median": round(statistics.median(search_ms), 3),
                      "p95": round(_percentile(search_ms, 95), 3), "max": round(max(search_ms), 3)},
        "search_with_query_embedding_ms": {"n": len(end_to_end_ms),
                                           "median": round(statistics.median(end_to_end_ms), 3),
                                           "p95": round(_percentile(end_to_end_ms, 95), 3)},
        "compare_all": {"n": int(len(passages)), "total_seconds": round(compare_total, 3),
                        "per_call_ms": round(compare_total / len(passages) * 1000, 3)},
        "peak_python_mb": round(peak_python / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target": {"search_ms_median_lt": 50, "recall@3_gte": 0.90},
    }
    if args.calibrate:
        cal = calibrate(index, passages, gold, helpers)
        result["align_calibration"] = {k: v for k, v in cal.items() if k != "sweep"}
        for row in cal.get("sweep", []):
            print(row)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "match.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "match.md").write_text(_markdown(result), encoding="utf-8")
    print(_markdown(result))
    return 0


def _markdown(r: dict) -> str:
    lines = [
        "# plancompare.match benchmark",
        "",
        f"{r['when']} · Python {r['python']} · {r['machine']} · {r['n_passages']} body passages "
        f"(dim {r['embedding_dim']}) from {r['source']} · gold: {r['n_gold_topics']} topics, "
        f"{r['n_gold_search_rows']} (topic, district) rows",
        "",
        "| measure | recall@1 | recall@3 |",
        "|---|---|---|",
    ]
    for name, rec in r["recall"].items():
        lines.append(f"| {name} | {rec['@1']:.3f} | {rec['@3']:.3f} |")
    s, e, c = r["search_ms"], r["search_with_query_embedding_ms"], r["compare_all"]
    lines += [
        "",
        (f"English queries are expanded through the {r['glossary_terms']}-term policy glossary "
         "(`search_*_en`; `search_hybrid_en_no_expansion` = dense only, as before the glossary). "
         "Chinese results identical with and without expansion: "
         f"{'yes' if r['zh_results_unchanged_by_expansion'] else 'NO'}."),
        "",
        "| timing | value |",
        "|---|---|",
        f"| index fit | {r['fit_seconds'] * 1000:.1f} ms |",
        f"| search, warm, query embedding given (n={s['n']}) | median {s['median']:.2f} ms, p95 {s['p95']:.2f} ms "
        f"(target < 50 ms) |",
        f"| search incl. embedding the query (n={e['n']}) | median {e['median']:.1f} ms, p95 {e['p95']:.1f} ms |",
        f"| compare, every passage (k=3) | {c['total_seconds']:.2f} s total, {c['per_call_ms']:.2f} ms per call |",
        f"| peak Python memory (tracemalloc) | {r['peak_python_mb']} MB |",
        f"| peak RSS of the process | {r['peak_rss_mb']} MB |",
    ]
    if "align_calibration" in r:
        cal = r["align_calibration"]
        if "best" in cal:
            b = cal["best"]
            lines += ["", f"align_theme calibration: {cal['n_positive']} positive / {cal['n_negative']} negative "
                          f"labelled MNN pairs; best threshold {b['threshold']:.3f} (F1 {b['f1']:.3f}, "
                          f"tp {b['tp']}, fp {b['fp']}, fn {b['fn']})"]
    lines += ["", "Misses at @3: " + "; ".join(f"{m[0]}/{m[1]}" for m in r["misses"]["search_hybrid"])
              + " (search) · " + ("; ".join(f"{m[0]}/{m[1]}" for m in r["misses"]["compare_hybrid"]) or "none")
              + " (compare)", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
