"""Recall@10 and latency of the IVF index against the number of probed cells (dense side only).

    python benchmarks/bench_index_probe.py [--n 200000]   # -> benchmarks/results/index_probe.json

Same synthetic vectors and queries as bench_index.py; one IVF build, then ``nprobe`` swept.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args(argv)
    import pandas as pd

    from bench_index import synthetic_passages
    from gen_corpus import load_pools
    from plancompare.embed import embed_texts
    from plancompare.vector_index import VectorIndex

    pools = load_pools()
    rng = np.random.default_rng(1)
    picks = rng.choice(len(pools.paragraphs), 260, replace=False)
    base = embed_texts([pools.paragraphs[i][:400] for i in picks[:200]], prompt="passage", backend="onnx")
    gold = pd.read_csv(REPO / "tests" / "gold" / "topics.csv")
    query_texts = list(dict.fromkeys(gold["query"].tolist()))
    query_texts += [pools.paragraphs[i][:60] for i in picks[200:]][: max(0, 60 - len(query_texts))]
    queries = embed_texts(query_texts, prompt="query", backend="onnx")
    _, vectors = synthetic_passages(args.n, pools, base)
    exact_ids, _ = VectorIndex(method="exact").fit(vectors).search(queries, 10)
    t0 = time.perf_counter()
    index = VectorIndex(method="ivf").fit(vectors)
    build = time.perf_counter() - t0
    rows = []
    for probe in (178, 358, 716):
        index.faiss_index_.nprobe = probe
        times, ids = [], []
        for q in queries:
            t = time.perf_counter()
            ids.append(index.search(q[None], 10)[0][0])
            times.append((time.perf_counter() - t) * 1000)
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact_ids)]))
        rows.append({"n_probe": probe, "recall_at_10": round(recall, 4), "median_ms": round(statistics.median(times), 2),
                     "p95_ms": round(float(np.percentile(times, 95)), 2)})
        print(rows[-1], file=sys.stderr, flush=True)
    import os

    result = {"passages": args.n, "n_lists": int(index.faiss_index_.nlist), "build_s": round(build, 1),
              "loadavg": round(os.getloadavg()[0], 2), "sweep": rows}
    (args.out / "index_probe.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
