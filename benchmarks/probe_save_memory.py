"""What each write of ``Corpus.save`` adds to the resident memory, on a large saved corpus.

    PYTHONPATH=src python benchmarks/probe_save_memory.py DIR/n1000/saved OUT_DIR

``DIR/n1000/saved``: a corpus saved by ``bench_scale.py --sizes 1000 --phase build --keep DIR``
(no vectors). The probe loads it, gives it stand-in vectors (seeded unit Gaussian rows: memory does
not depend on a float32 matrix's values), then, the peak reset before each step (``/proc/self/clear_refs``):
``Corpus.save`` as it is; each table's ``DataFrame.to_parquet``; ``np.save`` of the vectors; the clean
texts written by ``plancompare.corpus._write_clean_texts`` and, as ``Corpus.save`` wrote them before,
by one ``DataFrame.to_parquet``. Prints one line a step (RSS, high-water mark, peak and lasting
increase); writes into ``OUT_DIR``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_memory import unit_gaussian_rows


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


class _Step:
    """Peak (``VmHWM``, reset at entry) and lasting change of the resident memory over a ``with`` block."""

    def __init__(self, label: str):
        self.label = label

    def __enter__(self):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        self.base, self.t0 = _status("VmRSS"), time.perf_counter()
        return self

    def __exit__(self, *exc):
        rss, hwm = _status("VmRSS"), _status("VmHWM")
        print(f"{self.label:44s} peak +{hwm - self.base:5.0f} MB  after {rss - self.base:+5.0f} MB  "
              f"{time.perf_counter() - self.t0:5.1f} s", flush=True)


def main(saved: Path, out: Path) -> None:
    import plancompare as pc
    import plancompare.corpus as pcc

    out.mkdir(parents=True, exist_ok=True)
    corpus = pc.Corpus.load(saved)
    n = len(corpus.passages)
    corpus.embeddings, corpus.model_id = unit_gaussian_rows(n), "intfloat/multilingual-e5-small"
    print(f"{n:,} passages, {len(corpus.documents):,} documents; RSS {_status('VmRSS'):.0f} MB", flush=True)
    with _Step("Corpus.save"):
        corpus.save(out / "saved")
    for name in pcc._TABLES:
        frame = getattr(corpus, name)
        if frame is not None:
            with _Step(f"  {name}.to_parquet ({len(frame):,} rows)"):
                frame.to_parquet(out / f"{name}.parquet", index=False)
    with _Step("  np.save(embeddings)"):
        np.save(out / "embeddings.npy", corpus.embeddings, allow_pickle=False)
    with _Step("  clean texts: _write_clean_texts"):
        pcc._write_clean_texts(out / "clean_text.parquet", corpus._clean_texts)
    with _Step("  clean texts: to_parquet (as before)"):
        texts = pd.DataFrame({"doc_id": list(corpus._clean_texts), "text": list(corpus._clean_texts.values())})
        texts.to_parquet(out / "clean_text_before.parquet", index=False)
        del texts


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
