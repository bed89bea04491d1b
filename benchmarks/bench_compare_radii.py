"""First ``compare`` on a large pickled index: CSLS radii scanned once per row (before) and once per
distinct vector (now), each on a fresh copy of the same index (empty radius cache), then a profile.

    PYTHONPATH=src python benchmarks/bench_compare_radii.py INDEX.pkl [--out benchmarks/results/compare_radii.json]

``INDEX.pkl``: a pickled :class:`~plancompare.match.PassageIndex` (e.g. the N = 1,000 generated corpus's,
with stand-in vectors keyed by passage text as ``bench_memory.py --steps whole`` prefills them: a
repeated paragraph has one vector). The compared passage is the first result of a lexical search for
``QUERY`` (no model needed). Run it under the heavy lock; the 1-minute load average is recorded.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pickle
import pstats
import time
from pathlib import Path

import numpy as np
import pandas as pd

QUERY = "长者食堂 社区助餐点"


def _fresh(path: Path):
    with open(path, "rb") as f:
        index = pickle.load(f)
    index.featurizer_.radii_ = np.full(len(index.passages_), np.nan, dtype=np.float32)
    index.featurizer_.twin_ = None
    return index


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--frames", type=Path, help="pickle both compare frames here")
    parser.add_argument("--now-first", action="store_true", help="time the per-distinct-vector version first")
    args = parser.parse_args(argv)
    index = _fresh(args.index)
    pid = index.search(QUERY, None, k=5)["passage_id"].iloc[0]
    runs, frames = {}, {}
    versions = ("per row (before)", "per distinct vector (now)")
    for version in reversed(versions) if args.now_first else versions:
        index = _fresh(args.index)
        if version.startswith("per row"):
            index.featurizer_.twin_ = np.arange(len(index.passages_))
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        frames[version] = index.compare(pid, k=3)
        seconds = time.perf_counter() - t0
        radii = index.featurizer_.radii_
        runs[version] = {"seconds": round(seconds, 2), "radii_filled": int((~np.isnan(radii)).sum()),
                         "loadavg_before": round(load, 2), "loadavg_after": round(os.getloadavg()[0], 2)}
        print(version, runs[version], flush=True)
    before, now = frames[versions[0]], frames[versions[1]]
    differing = [c for c in before.columns if c != "p_comparable" and not before[c].equals(now[c])]
    same = not differing and len(before) == len(now)
    p_diff = float(np.abs(before["p_comparable"].to_numpy() - now["p_comparable"].to_numpy()).max())
    index = _fresh(args.index)
    profile = cProfile.Profile()
    profile.enable()
    index.compare(pid, k=3)
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(25)
    print(text.getvalue())
    twins = index.featurizer_._twins()
    result = {"index": str(args.index), "indexed_passages": len(index.passages_),
              "distinct_vectors": int(len(np.unique(twins))), "districts": len(index.districts_),
              "passage_id": pid, "compare_rows": len(now), "runs": runs, "now_first": args.now_first,
              "same_rows_and_verdicts": bool(same), "columns_differing": differing,
              "max_p_comparable_difference": p_diff,
              "profile_top": text.getvalue().splitlines()[:60], "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    if args.frames:
        pd.to_pickle(frames, args.frames)
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "profile_top"}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    main()
