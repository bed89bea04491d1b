"""Resident memory of each part of the search-index fit (``Corpus.build_index``) on a saved corpus.

    PYTHONPATH=src python benchmarks/probe_index_fit.py DIR/n1000/saved [OUT.npy] > RESULT.json

The saved corpus gets seeded random unit vectors as **stand-ins** (memory does not depend on a
float32 matrix's values). Each wrapped step (``_check_embeddings``, the IVF fit, the TF-IDF fits,
``tocsc``, the featurizer's parts) records RSS before, its peak and RSS after: ``VmHWM`` is reset
through ``/proc/self/clear_refs`` before each step, nested steps pass their peak up. ``OUT.npy``:
the fitted ``centered_`` (and ``*_section.npy``, ``*_emb.npy``), to compare two versions bitwise.
Results: ``benchmarks/results/index_fit_memory.json``.
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
from bench_memory import unit_gaussian_rows


def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


stack, rows = [], []


def reset():
    hwm = status("VmHWM")
    for frame in stack:
        frame["peak"] = max(frame["peak"], hwm)
    Path("/proc/self/clear_refs").write_text("5")


def wrap(owner, name, label):
    original = getattr(owner, name)

    def wrapped(*a, **k):
        reset()
        frame = {"step": label, "depth": len(stack), "before": status("VmRSS"), "peak": 0.0}
        stack.append(frame)
        t0 = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            hwm = status("VmHWM")
            for f in stack:
                f["peak"] = max(f["peak"], hwm)
            stack.pop()
            frame["after"] = status("VmRSS")
            frame["s"] = round(time.perf_counter() - t0, 1)
            rows.append(frame)
    setattr(owner, name, wrapped)


def main(saved, vectors=None):
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    import plancompare as pc
    from plancompare.match import features, index
    from plancompare import vector_index
    from plancompare.pipeline import stages

    corpus = pc.Corpus.load(saved)
    n = len(corpus.passages)
    corpus.embeddings = unit_gaussian_rows(n)
    print("loaded", round(status("VmRSS")), "MB", file=sys.stderr)
    wrap(stages, "build_index", "stages.build_index (total)")
    wrap(index.PassageIndex, "fit", "PassageIndex.fit")
    wrap(index, "_check_embeddings", "_check_embeddings")
    wrap(vector_index.VectorIndex, "fit", "VectorIndex.fit (IVF)")
    wrap(TfidfVectorizer, "fit_transform", "TfidfVectorizer.fit_transform")
    wrap(CountVectorizer, "fit_transform", "CountVectorizer.fit_transform")
    wrap(sp.csr_matrix, "tocsc", "csr.tocsc")
    wrap(features.PairFeaturizer, "fit", "PairFeaturizer.fit")
    wrap(features.PairFeaturizer, "_fit_sentences", "_fit_sentences")
    wrap(features.PairFeaturizer, "_fit_dense", "_fit_dense")
    start = status("VmRSS")
    corpus.build_index()
    out = {"rss_before_mb": round(start), "rss_after_mb": round(status("VmRSS")),
           "steps": [{k: (round(v) if isinstance(v, float) and k != "s" else v) for k, v in r.items()}
                     for r in sorted(rows, key=lambda r: r.get("t", 0))]}
    if vectors:
        np.save(vectors, corpus.index.featurizer_.centered_)
        np.save(str(vectors).replace(".npy", "_section.npy"), corpus.index.featurizer_.section_centered_)
        np.save(str(vectors).replace(".npy", "_emb.npy"), corpus.index.embeddings_)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
