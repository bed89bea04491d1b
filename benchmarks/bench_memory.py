"""Memory of what a user runs on a large corpus, each step in a fresh process.

    python benchmarks/bench_memory.py --saved /tmp/scale1000/n1000/saved       # every step
    python benchmarks/bench_memory.py --saved DIR --steps embed --embed-counts 2000 8000
    python benchmarks/bench_memory.py --saved DIR --steps build --documents /tmp/scale1000/n1000
    python benchmarks/bench_memory.py --saved DIR --steps whole --documents /tmp/scale1000/n1000 --work W

``DIR`` is a corpus saved by ``bench_scale.py --sizes 1000 --phase build --keep /tmp/scale1000``
(``build_corpus`` without embeddings, then ``Corpus.save``). Steps, each a new process whose peak
is its own (``VmHWM``, the high-water mark of its resident memory):

* ``build``: ``build_corpus`` of the generated documents (``--documents``, every core, no
  embedding), the resident memory of the main process and of its pool workers sampled together;

* ``shingles``: the near-duplicate check's shingles of every document, held as the build holds
  them (sorted int64 arrays) and as it held them before (sets of Python ints);
* ``tokens``: every passage tokenised and cut into model windows at once — what embedding held
  before it went through the texts in chunks (:data:`plancompare.embed.EMBED_CHUNK_TEXTS`);
* ``embed``: the first ``K`` passages through :func:`plancompare.embed.embed` (the real model,
  torch, an empty embedding cache in a temporary folder) for each ``K`` of ``--embed-counts``: the
  peak should not grow with ``K`` beyond the output rows (1.5 KB a passage);
* ``search``: what a user does with the saved corpus: :meth:`Corpus.load`, the search index built
  on first use (approximate dense index above 50,000 passages, character TF-IDF, comparison
  features), then searches and comparisons. The saved corpus has no vectors (embedding all 147,513
  passages takes about 2 h here), so this step writes ``embeddings.npy`` with the vectors of the
  largest ``embed`` step for those passages and, for every other passage, a **stand-in**: a
  measured vector (row ``i mod K``) plus seeded Gaussian noise, re-normalised. Memory does not
  depend on the values of a float32 matrix; search *quality* is not measured here.
* ``whole``: what ``plancompare build my_1000_plans/`` does, all in ONE process, then searches:
  ``build_corpus`` as the CLI calls it (documents on the pool, embedding, themes, indicators,
  search index), ``Corpus.save``, 8 searches and one ``compare``; resident memory of the process
  and its children sampled every 0.2 s and split by stage. Embedding every passage for real takes
  hours here, so a ``prefill`` process first fills a **fresh** embedding cache (its own
  ``$PLANCOMPARE_CACHE_DIR`` under ``--work``, never the user's) with the real vectors of the
  first 512 distinct passage texts and a **stand-in** for every other one (a measured vector plus
  seeded noise, as above), except the last ``EMBED_CHUNK_TEXTS`` distinct texts: those the build
  embeds for real (the model loads and runs one full chunk inside the build process). The model
  is loaded in a thread when the build starts, as a first build's preload does
  (:func:`plancompare.early_embed.preload_model`, which skips a non-empty cache); the early
  embedding during cleaning is not reproduced. ``--saved`` must hold the same documents' passages
  (their texts are the cache keys); a text it lacks is embedded for real by the build.
  ``--prefilled DIR`` copies an earlier prefill's cache instead (``DIR`` copied from that run's
  ``--work/cache`` before its build wrote to it, the prefill's record in ``DIR.json``): the same
  cache, without the prefill's model run.

Results go into ``benchmarks/results/scale.json`` (key ``memory``) and ``scale.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
QUERIES = ("长者食堂 社区助餐点", "城市更新 老旧小区改造", "数字经济 核心产业", "碳达峰 碳中和", "营商环境 一网通办",
           "elderly care", "义务教育 优质均衡", "生态环境 河长制")


def _rss_mb(field: str = "VmHWM") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def unit_gaussian_rows(n: int, dim: int = 384, seed: int = 0, block: int = 16_384):
    """``n`` seeded random unit rows (float32), drawn a block at a time so no float64 copy of the whole matrix
    is held: stand-in vectors for memory probes, whose figures do not depend on the values."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, block):
        drawn = rng.normal(size=(min(n, start + block) - start, dim)).astype(np.float32)
        rows[start:start + len(drawn)] = drawn / np.linalg.norm(drawn, axis=1, keepdims=True)
    return rows


def _texts(saved: Path, count: int | None = None) -> list[str]:
    import pyarrow.parquet as pq

    texts = pq.read_table(saved / "passages.parquet", columns=["text"]).column("text").to_pylist()
    return texts if count is None else texts[:count]


class _Sampler:
    """Resident memory of this process and the sum over its child processes (the build's pool
    workers), sampled every ``every`` seconds in a thread: the peaks of each and of their sum."""

    def __init__(self, every: float = 0.2):
        import threading

        import psutil

        self.every, self.process = every, psutil.Process()
        self.peaks = {"main_mb": 0.0, "workers_sum_mb": 0.0, "total_mb": 0.0}
        self.series: list[tuple[float, float, float]] = []  # (perf_counter, main MB, workers MB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.wait(self.every):
            try:
                main = self.process.memory_info().rss
                workers = sum(c.memory_info().rss for c in self.process.children(recursive=True))
            except psutil.Error:
                continue
            for key, value in (("main_mb", main), ("workers_sum_mb", workers), ("total_mb", main + workers)):
                self.peaks[key] = max(self.peaks[key], round(value / 2**20, 1))
            self.series.append((time.perf_counter(), main / 2**20, workers / 2**20))

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        return self.peaks


def build_worker(folder: Path) -> dict:
    """``build_corpus`` of the generated documents in ``folder`` as ``bench_scale.py --phase build``
    runs it (every core, no embedding, no stage cache), memory sampled across its processes."""
    import plancompare as pc
    from plancompare.parallel import choose_workers

    catalog = pc.load_catalog(folder / "catalog.csv")
    files = [Path(f) for f in catalog["source_file"]]
    workers = choose_workers(None, len(files), sum(f.stat().st_size for f in files))
    sampler = _Sampler()
    t0 = time.perf_counter()
    corpus = pc.build_corpus(files, catalog=catalog, workers=workers, progress=False, embed=False,
                             use_cache=False, index=False)
    seconds = round(time.perf_counter() - t0, 1)
    return {"documents": len(files), "passages": len(corpus.passages), "workers": workers, "seconds": seconds,
            "sampled_peaks": sampler.stop(), "peak_rss_mb": _rss_mb(), "loadavg": round(os.getloadavg()[0], 2)}


def shingles_worker(saved: Path, kind: str) -> dict:
    """The near-duplicate check's per-document shingles of every cleaned text, as the build keeps
    them: ``kind="array"`` (:func:`plancompare.pipeline.sources._shingles`, sorted int64) or ``"set"``
    (a frozenset of Python ints, what it kept before)."""
    import re

    import pandas as pd

    from plancompare.pipeline.sources import _SHINGLE, _shingles

    def as_set(text: str) -> frozenset:
        compact = re.sub(r"\s+", "", text)
        return frozenset(hash(compact[i:i + _SHINGLE]) for i in range(len(compact) - _SHINGLE + 1))

    texts = pd.read_parquet(saved / "clean_text.parquet")["text"].tolist()
    before = _rss_mb("VmRSS")
    kept = [(_shingles if kind == "array" else as_set)(text) for text in texts]
    return {"kind": kind, "documents": len(texts), "shingles": int(sum(len(k) for k in kept)),
            "held_mb": round(_rss_mb("VmRSS") - before, 1)}


def tokens_worker(saved: Path) -> dict:
    """Every passage tokenised and windowed in one call, as ``embed`` did before its chunks."""
    from plancompare import embed as pe
    from plancompare.model import load_model

    st = load_model(None)
    texts = _texts(saved)
    before = _rss_mb("VmRSS")
    t0 = time.perf_counter()
    seqs = pe._sequences_for(texts, st, "passage: ", pe._token_layout(st), pe.DEFAULT_WINDOW_OVERLAP)
    seconds = round(time.perf_counter() - t0, 1)
    after = _rss_mb("VmRSS")
    return {"passages": len(texts), "windows": len(seqs), "token_ids": sum(len(s.ids) for s in seqs),
            "rss_before_mb": before, "rss_after_mb": after, "held_by_windows_mb": round(after - before, 1),
            "float64_sums_mb": round(len(texts) * 384 * 8 / 2**20, 1), "seconds": seconds, "peak_rss_mb": _rss_mb()}


def embed_worker(saved: Path, count: int, out: Path) -> dict:
    """The first ``count`` passages through the real model into an empty cache; vectors saved."""
    import numpy as np

    from plancompare.embed import EMBED_CHUNK_TEXTS, embed
    from plancompare.model import load_model

    texts = _texts(saved, count)
    embed(texts[:4], use_cache=False)  # imports, model load, first batch: the baseline
    baseline = _rss_mb("VmRSS")
    load_model(None)
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        result = embed(texts, cache_dir=cache)
        seconds = round(time.perf_counter() - t0, 1)
    np.save(out, result.vectors, allow_pickle=False)
    return {"passages": len(texts), "chunk_texts": EMBED_CHUNK_TEXTS, "seconds": seconds,
            "rss_after_model_mb": baseline, "vectors_mb": round(result.vectors.nbytes / 2**20, 1),
            "peak_rss_mb": _rss_mb(), "loadavg": round(os.getloadavg()[0], 2)}


def standin_corpus(saved: Path, measured: Path, folder: Path) -> dict:
    """``folder``: the saved corpus's tables (linked) plus ``embeddings.npy``: the measured vectors
    for the first rows, a labelled stand-in for the others (see the module docstring)."""
    import numpy as np

    from plancompare.model import DEFAULT_MODEL_ID

    folder.mkdir(parents=True, exist_ok=True)
    for file in saved.iterdir():
        link = folder / file.name
        if file.suffix == ".parquet" and not link.exists():
            link.symlink_to(file)
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "model_id": DEFAULT_MODEL_ID}), encoding="utf-8")
    real = np.load(measured)
    n = manifest["n_passages"]
    out = np.lib.format.open_memmap(folder / "embeddings.npy", mode="w+", dtype=np.float32, shape=(n, real.shape[1]))
    rng = np.random.default_rng(0)
    for start in range(0, n, 16_384):
        rows = np.arange(start, min(n, start + 16_384))
        block = real[rows % len(real)] + rng.normal(0, 0.05, (len(rows), real.shape[1])).astype(np.float32)
        block[rows < len(real)] = real[rows[rows < len(real)]]
        out[rows] = block / np.linalg.norm(block, axis=1, keepdims=True)
    out.flush()
    return {"passages": n, "measured_rows": len(real), "standin_rows": n - len(real)}


def search_worker(folder: Path) -> dict:
    """Load the corpus, build its search index, search and compare: RSS after each, timings."""
    import numpy as np

    import plancompare as pc

    marks, t = {}, {}
    t0 = time.perf_counter()
    corpus = pc.Corpus.load(folder)
    t["load"], marks["after_load"] = round(time.perf_counter() - t0, 1), _rss_mb("VmRSS")
    t0 = time.perf_counter()
    corpus.build_index()
    t["index"], marks["after_index"] = round(time.perf_counter() - t0, 1), _rss_mb("VmRSS")
    corpus.search(QUERIES[0], k=5)  # the model loads for the first query's vector
    marks["after_first_search"] = _rss_mb("VmRSS")
    seconds = []
    for query in QUERIES:
        t0 = time.perf_counter()
        found = corpus.search(query, k=5)
        seconds.append(time.perf_counter() - t0)
    t["search_median"] = round(float(np.median(seconds)), 3)
    t0 = time.perf_counter()
    compared = corpus.compare(found["passage_id"].iloc[0], k=3) if len(found) else None
    t["compare"] = round(time.perf_counter() - t0, 2)
    index = corpus.index
    return {"passages": len(corpus.passages), "body_passages": len(index.passages_),
            "dense_method": index.dense_index_.method_ if index.dense_index_ is not None else None,
            "rss_mb": marks, "times_s": t, "compare_rows": 0 if compared is None else len(compared),
            "peak_rss_mb": _rss_mb(), "loadavg": round(os.getloadavg()[0], 2)}


def prefill_worker(saved: Path, real_rows: int = 512, left: int | None = None) -> dict:
    """Fill the fresh embedding cache ``$PLANCOMPARE_CACHE_DIR`` for ``--steps whole``: the real
    vectors of the first ``real_rows`` distinct passage texts of ``saved``, a labelled stand-in for
    every later one but the last ``left`` (default :data:`~plancompare.embed.EMBED_CHUNK_TEXTS`,
    one chunk), which the build embeds for real."""
    import numpy as np

    from plancompare.embed import (DEFAULT_WINDOW_OVERLAP, EMBED_CHUNK_TEXTS, EmbeddingCache, _model_identity, embed,
                                   text_key)
    from plancompare.onnx_backend import resolve_backend

    cache = EmbeddingCache()
    if not os.environ.get("PLANCOMPARE_CACHE_DIR") or any(cache.root.glob("*/shard-*.parquet")):
        raise SystemExit(f"prefill needs a fresh $PLANCOMPARE_CACHE_DIR, not {cache.root}")
    unique = list(dict.fromkeys(_texts(saved)))
    left = EMBED_CHUNK_TEXTS if left is None else left
    measured = embed(unique[:real_rows]).vectors  # into the cache, real vectors
    ns = _model_identity(None, None, "passage", DEFAULT_WINDOW_OVERLAP, resolve_backend(None))[4]
    standin = unique[real_rows:max(real_rows, len(unique) - left)]
    rng = np.random.default_rng(0)
    for start in range(0, len(standin), 16_384):
        part = standin[start:start + 16_384]
        rows = np.arange(start, start + len(part)) % real_rows
        block = measured[rows] + rng.normal(0, 0.05, (len(part), measured.shape[1])).astype(np.float32)
        cache.put(ns, [text_key(t) for t in part], block / np.linalg.norm(block, axis=1, keepdims=True))
    return {"cache_dir": str(cache.root), "distinct_texts": len(unique), "measured_rows": len(measured),
            "standin_rows": len(standin), "left_to_embed": len(unique) - len(measured) - len(standin)}


def _stage_peaks(series: list, stages: list[tuple[str, float, float]]) -> list[dict]:
    """Per stage ``(name, start, end)``: seconds and the peaks of the samples taken during it."""
    out = []
    for name, start, end in stages:
        inside = [(m, w) for t, m, w in series if start <= t <= end]
        out.append({"stage": name, "seconds": round(end - start, 1), "samples": len(inside),
                    "total_mb": round(max((m + w for m, w in inside), default=0.0), 1),
                    "main_mb": round(max((m for m, _ in inside), default=0.0), 1),
                    "workers_sum_mb": round(max((w for _, w in inside), default=0.0), 1)})
    return out


def whole_worker(folder: Path, out: Path) -> dict:
    """``plancompare build folder`` in this one process (``build_corpus`` as the CLI calls it, then
    ``Corpus.save``), then searches and a comparison; memory sampled by stage (module docstring)."""
    import threading

    import numpy as np

    import plancompare as pc
    from plancompare.model import load_model
    from plancompare.pipeline import stages

    catalog = pc.load_catalog(folder / "catalog.csv")
    marks: list[tuple[str, float, float]] = []  # (stage, start, end) from the build's own stage lines
    done = stages.StageReporter.done

    def record(self, stage, started, detail=""):
        marks.append((stage, started, time.perf_counter()))
        done(self, stage, started, detail)

    stages.StageReporter.done = record
    load_start = os.getloadavg()[0]
    sampler = _Sampler()
    t0 = time.perf_counter()
    threading.Thread(target=load_model, name="preload", daemon=True).start()  # a first build's preload
    corpus = pc.build_corpus([folder], catalog=catalog, progress=True)  # as `plancompare build` calls it
    for name, step in (("save", lambda: corpus.save(out)), ("first search (query model)",
                       lambda: corpus.search(QUERIES[0], k=5))):
        started = time.perf_counter()
        step()
        marks.append((name, started, time.perf_counter()))
    started, seconds = time.perf_counter(), []
    for query in QUERIES:
        begin = time.perf_counter()
        found = corpus.search(query, k=5)
        seconds.append(time.perf_counter() - begin)
    marks.append(("8 searches", started, time.perf_counter()))
    started = time.perf_counter()
    compared = corpus.compare(found["passage_id"].iloc[0], k=3) if len(found) else None
    marks.append(("compare", started, time.perf_counter()))
    wall = round(time.perf_counter() - t0, 1)
    peaks = sampler.stop()
    first = min(start for _, start, _ in marks)
    documents = [("documents (pool: read, repair, clean, outline; tables)", t0, first)]
    return {"documents": len(corpus.documents), "passages": len(corpus.passages),
            "embeddings_mb": round(corpus.embeddings.nbytes / 2**20, 1), "wall_s": wall,
            "stages": _stage_peaks(sampler.series, documents + marks), "sampled_peaks": peaks,
            "peak_rss_mb": _rss_mb(), "search_median_s": round(float(np.median(seconds)), 3),
            "compare_rows": 0 if compared is None else len(compared),
            "loadavg_start": round(load_start, 2), "loadavg_end": round(os.getloadavg()[0], 2)}


def _run(*args, env: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, *map(str, args)]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})})
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"worker {args} failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {args[1]}: {result}", file=sys.stderr, flush=True)
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saved", type=Path, required=True, help="a corpus saved by bench_scale.py --phase build")
    parser.add_argument("--steps", nargs="*", default=["build", "shingles", "tokens", "embed", "search"])
    parser.add_argument("--embed-counts", type=int, nargs="*", default=[2000, 8000])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "plancompare-memory")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--documents", type=Path, help="the generated documents (for --steps build)")
    parser.add_argument("--worker", choices=["build", "shingles-array", "shingles-set", "tokens", "embed", "search",
                                             "prefill", "whole"])
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--vectors", type=Path, help="measured vectors for --steps search (default: those of the "
                                                      "largest embed step, in --work)")
    parser.add_argument("--real-rows", type=int, default=512, help="whole: distinct texts prefilled with real vectors")
    parser.add_argument("--left-to-embed", type=int, help="whole: distinct texts the build embeds (default one chunk)")
    parser.add_argument("--prefilled", type=Path, help="whole: copy this prefilled cache (an earlier run's "
                                                        "--work/cache, copied before its build; its record in "
                                                        "PREFILLED.json) instead of prefilling")
    args = parser.parse_args(argv)
    if args.worker:
        work = {"build": lambda: build_worker(args.documents), "tokens": lambda: tokens_worker(args.saved),
                "shingles-array": lambda: shingles_worker(args.saved, "array"),
                "shingles-set": lambda: shingles_worker(args.saved, "set"),
                "embed": lambda: embed_worker(args.saved, args.count, args.work / f"vectors_{args.count}.npy"),
                "search": lambda: search_worker(args.work / "standin"),
                "prefill": lambda: prefill_worker(args.saved, args.real_rows, args.left_to_embed),
                "whole": lambda: whole_worker(args.documents, args.work / "whole_corpus")}[args.worker]
        print(json.dumps(work()))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    scale_file = args.out / "scale.json"
    if not scale_file.is_file():  # a new --out folder: add to the committed results, which the report needs
        scale_file = RESULTS / "scale.json"
    results = json.loads(scale_file.read_text()) if scale_file.is_file() else {}
    memory = results.get("memory") or {}
    memory.update(saved=str(args.saved), created=time.strftime("%Y-%m-%d %H:%M:%S"))
    memory.setdefault("commands", []).append("python benchmarks/bench_memory.py " + " ".join(sys.argv[1:]))
    if "build" in args.steps:
        memory["build"] = _run("--worker", "build", "--saved", args.saved, "--documents", args.documents)
    if "shingles" in args.steps:
        memory["shingles"] = [_run("--worker", f"shingles-{kind}", "--saved", args.saved) for kind in ("set", "array")]
    if "tokens" in args.steps:
        memory["tokens"] = _run("--worker", "tokens", "--saved", args.saved)
    if "embed" in args.steps:
        memory["embed"] = [_run("--worker", "embed", "--saved", args.saved, "--count", k, "--work", args.work)
                           for k in sorted(args.embed_counts)]
    if "search" in args.steps:
        largest = max(memory["embed"], key=lambda r: r["passages"])["passages"]
        measured = args.vectors or args.work / f"vectors_{largest}.npy"
        memory["standin"] = standin_corpus(args.saved, measured, args.work / "standin")
        memory["search"] = _run("--worker", "search", "--saved", args.saved, "--work", args.work)
    if "whole" in args.steps:
        env = {"PLANCOMPARE_CACHE_DIR": str(args.work / "cache")}  # stand-ins never reach the user's cache
        sizes = ["--real-rows", args.real_rows]
        if args.left_to_embed is not None:
            sizes += ["--left-to-embed", args.left_to_embed]
        if args.prefilled:  # a copy of an earlier prefill's cache (the same --saved and sizes): its record beside it
            shutil.copytree(args.prefilled, args.work / "cache")
            memory["whole_prefill"] = {**json.loads(args.prefilled.with_suffix(".json").read_text()),
                                       "copied_from": str(args.prefilled)}
        else:
            memory["whole_prefill"] = _run("--worker", "prefill", "--saved", args.saved, *sizes, env=env)
        memory["whole"] = _run("--worker", "whole", "--saved", args.saved, "--documents", args.documents,
                               "--work", args.work, env=env)
    results["memory"] = memory
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_scale import _write, memory_markdown

    _write(results, args.out)
    print(memory_markdown(memory))


if __name__ == "__main__":
    main()
