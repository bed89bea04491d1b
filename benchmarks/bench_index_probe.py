"""Dense-side sweep at N passages: recall@10 against exact and latency of IVF and HNSW settings.

    python benchmarks/bench_index_probe.py [--n 200000]   # -> benchmarks/results/index_probe.json

Same synthetic vectors and queries as bench_index.py (cached under ``$XDG_CACHE_HOME`` so a second
run skips the embedding). For each candidate index: one build, then its search-time knob swept
(``nprobe`` for IVF, ``efSearch`` for HNSW), one query at a time, as a user's search sends them.
This is the measurement behind the choice in ``plancompare.vector_index``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def cached_vectors(n: int, base_size: int = 600, n_queries: int = 200):
    """``(vectors (n, d), queries (q, d), query_texts)`` as in bench_index.py, cached on disk."""
    import pandas as pd

    from bench_index import synthetic_passages
    from gen_corpus import load_pools
    from plancompare.embed import embed_texts

    folder = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "plancompare-bench-index"
    folder.mkdir(parents=True, exist_ok=True)
    vec_file, q_file = folder / f"vectors_{n}_{base_size}.npy", folder / f"queries_{n_queries}.npy"
    if vec_file.is_file() and q_file.is_file():
        return np.load(vec_file), np.load(q_file)
    pools = load_pools()
    rng = np.random.default_rng(1)
    picks = rng.choice(len(pools.paragraphs), base_size + n_queries, replace=False)
    base = embed_texts([pools.paragraphs[i][:400] for i in picks[:base_size]], prompt="passage", backend="onnx")
    gold = pd.read_csv(REPO / "tests" / "gold" / "topics.csv")
    query_texts = list(dict.fromkeys(gold["query"].tolist()))
    query_texts += [pools.paragraphs[i][:60] for i in picks[base_size:]][: max(0, n_queries - len(query_texts))]
    queries = embed_texts(query_texts, prompt="query", backend="onnx")
    _, vectors = synthetic_passages(n, pools, base)
    np.save(vec_file, vectors)
    np.save(q_file, queries)
    return vectors, queries


def _sweep(search, queries, truth, label, knob, values, setter):
    rows = []
    for value in values:
        setter(value)
        times, found = [], []
        for q in queries:
            t = time.perf_counter()
            found.append(search(q[None]))
            times.append((time.perf_counter() - t) * 1000)
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)]))
        rows.append({"index": label, knob: value, "recall_at_10": round(recall, 4),
                     "median_ms": round(statistics.median(times), 2),
                     "p95_ms": round(float(np.percentile(times, 95)), 2)})
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--only", choices=("ivf", "hnsw", "all"), default="all")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args(argv)
    import faiss

    vectors, queries = cached_vectors(args.n)
    dim = vectors.shape[1]
    flat = faiss.IndexFlatIP(dim)
    flat.add(vectors)
    truth = [row for row in flat.search(queries, 10)[1]]
    rows, builds = [], {}
    faiss.omp_set_num_threads(1)  # one query at a time: threads cost more than they save
    timed_flat = _sweep(lambda q: flat.search(q, 10)[1][0], queries, truth, "flat (exact, faiss)", "param", [0],
                        lambda v: None)
    rows += timed_flat
    if args.only in ("ivf", "all"):
        for n_lists in (1024, 4096):
            faiss.omp_set_num_threads(os.cpu_count())
            t0 = time.perf_counter()
            quantizer = faiss.IndexFlatIP(dim)
            ivf = faiss.IndexIVFFlat(quantizer, dim, n_lists, faiss.METRIC_INNER_PRODUCT)
            ivf.cp.seed = 0
            sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 64 * n_lists), replace=False)
            ivf.train(vectors[np.sort(sample)])
            ivf.add(vectors)
            builds[f"ivf{n_lists}"] = round(time.perf_counter() - t0, 1)
            faiss.omp_set_num_threads(1)
            probes = [p for p in (n_lists // 32, n_lists // 16, n_lists // 8, n_lists // 4, n_lists // 2)]
            rows += _sweep(lambda q: ivf.search(q, 10)[1][0], queries, truth, f"IVFFlat {n_lists}", "param", probes,
                           lambda v: setattr(ivf, "nprobe", v))
            del ivf
    if args.only in ("hnsw", "all"):
        for m, ef_construction in ((32, 80),):
            faiss.omp_set_num_threads(os.cpu_count())
            t0 = time.perf_counter()
            hnsw = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = ef_construction
            hnsw.add(vectors)
            builds[f"hnsw{m}_{ef_construction}"] = round(time.perf_counter() - t0, 1)
            print(builds, file=sys.stderr, flush=True)
            faiss.omp_set_num_threads(1)
            rows += _sweep(lambda q: hnsw.search(q, 10)[1][0], queries, truth, f"HNSWFlat M={m} efC={ef_construction}",
                           "param", [32, 64, 128, 256, 512], lambda v: setattr(hnsw.hnsw, "efSearch", v))
    result = {"passages": args.n, "queries": len(queries), "build_s": builds,
              "loadavg": [round(x, 2) for x in os.getloadavg()], "sweep": rows}
    (args.out / "index_probe.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
