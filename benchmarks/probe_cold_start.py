"""Timeline of a cold build of the bundled plans: where the seconds outside embedding go.

    python benchmarks/probe_cold_start.py [--runs 1] [--out benchmarks/results/cold_start_timeline.json]

Each run is the cold start of ``bench_scale.py --cold-start`` (a fresh ``$XDG_CACHE_HOME`` holding only
the model ``plancompare model install`` converted, every other cache empty, one process: imports,
``build_corpus(..., embed=True)``, ``Corpus.save``), with the build's steps timestamped from the
process's start by wrapping a few functions from outside (the library is not changed): the model load
(its imports: torch, transformers, sentence_transformers, then the model), each document's tables
arriving from the pool (with the worker's own clean/outline seconds), each embedding call (thread,
texts, seconds), the stage lines the build prints, the save. No bare embedding here: the ratio is
``bench_scale.py``'s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

T0 = time.perf_counter()
EVENTS: list[dict] = []


def _mark(what: str, **extra) -> None:
    EVENTS.append({"t": round(time.perf_counter() - T0, 3), "cpu_main": round(time.process_time(), 2),
                   "cpu_thread": round(time.thread_time(), 2), "thread": threading.current_thread().name,
                   "what": what, **extra})


def _wrap(owner, name: str, label: str, detail=None):
    """Replace ``owner.name`` by a wrapper marking its start and end."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        _mark(f"{label} start", **(detail(*args, **kwargs) if detail else {}))
        try:
            return original(*args, **kwargs)
        finally:
            _mark(f"{label} end")

    setattr(owner, name, wrapper)
    return original


def _instrument() -> None:
    import plancompare.corpus as corpus_mod
    import plancompare.early_embed as early_mod
    import plancompare.embed as embed_mod
    from plancompare.pipeline import stages

    original_load = early_mod.load_model

    def load_model(*args, **kwargs):
        _mark("model: preload thread starts")
        for module in ("torch", "transformers", "transformers.modeling_utils", "sentence_transformers"):
            __import__(module)
            _mark(f"model: import {module} done")
        try:
            return original_load(*args, **kwargs)
        finally:
            _mark("model: loaded")

    early_mod.load_model = load_model
    _wrap(embed_mod, "embed", "embed call", lambda texts, *a, **k: {"texts": len(texts)})
    _wrap(corpus_mod, "start_fork_server", "start_fork_server")
    original_stop = corpus_mod.stop_fork_server

    def stop_fork_server():
        _mark("stop_fork_server start", **_fork_server_cpu())
        try:
            return original_stop()
        finally:
            _mark("stop_fork_server end")

    corpus_mod.stop_fork_server = stop_fork_server
    _wrap(corpus_mod, "_corpus_of_run", "combine tables")
    _wrap(stages, "extract_indicators", "indicators")
    _wrap(corpus_mod.Corpus, "save", "save")
    _wrap(corpus_mod.Corpus, "assign_themes", "themes")
    original_early = corpus_mod._early_embedding

    def early_embedding(early, n_documents):
        submit = original_early(early, n_documents)

        def traced(tables):
            timings = {k: round(v, 2) for k, v in tables.timings.items()}
            _mark("document ready", doc=str(tables.documents["doc_id"].iloc[0]), passages=len(tables.passages),
                  worker_s=timings)
            return submit(tables)

        return traced

    corpus_mod._early_embedding = early_embedding
    for method in ("note", "done"):
        original = getattr(stages.StageReporter, method)

        def printed(self, *args, _original=original, _method=method):
            _mark(f"printed: {args[0]}")
            return _original(self, *args)

        setattr(stages.StageReporter, method, printed)


def _fork_server_cpu() -> dict:
    """CPU seconds of the pool's fork server itself (its warm-up) and of its reaped children (the workers)."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)  # noqa: SLF001
    if pid is None:
        return {}
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return {}
    tick = os.sysconf("SC_CLK_TCK")
    utime, stime, cutime, cstime = (int(x) / tick for x in fields[11:15])
    return {"fork_server_cpu_s": round(utime + stime, 2), "workers_cpu_s": round(cutime + cstime, 2)}


class _Ready(Exception):
    pass


def _stop_when_ready() -> None:
    """``--until-ready``: no early embedding, and the build stops where its embedding would start (the
    documents are done and the model is loaded): the part a cold build adds before embedding, timed
    without the embedding, whose two torch threads a shared machine slows far more than the rest."""
    import plancompare.corpus as corpus_mod
    import plancompare.early_embed as early_mod

    early_mod.BackgroundEmbedder.submit = lambda self, texts: None

    def ready(*args, **kwargs):
        _mark("ready: documents done and model loaded")
        raise _Ready

    corpus_mod._embed_and_assign_themes = ready


def worker(out: Path, until_ready: bool = False) -> dict:
    """One cold build with its timeline (imports of plancompare included, as in a first run)."""
    _mark("process start (script imported)")
    import plancompare as pc
    from plancompare.corpus import bundled_data_dir

    _mark("import plancompare done")
    _instrument()
    if until_ready:
        _stop_when_ready()
    catalog = pc.load_catalog(bundled_data_dir() / "catalog.csv")
    _mark("build_corpus start")
    try:
        corpus = pc.build_corpus(list(catalog["source_file"]), catalog=catalog, embed=True, progress=True,
                                 index=False)
    except _Ready:
        return {"passages": None, "loadavg": round(os.getloadavg()[0], 2), "events": EVENTS, "ready_s": EVENTS[-1]["t"]}
    _mark("build_corpus end")
    corpus.save(out / "processed")
    _mark("cold build done")
    return {"passages": len(corpus.passages), "loadavg": round(os.getloadavg()[0], 2), "events": EVENTS,
            "cpu_children_s": round(os.times().children_user + os.times().children_system, 2)}


def run_once(work: Path, until_ready: bool = False) -> dict:
    env = {**os.environ, "XDG_CACHE_HOME": str(work / "xdg"), "HF_HUB_OFFLINE": "1"}
    env.pop("PLANCOMPARE_CACHE_DIR", None)
    subprocess.run([sys.executable, "-m", "plancompare.cli", "model", "install"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    load_before = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--worker", str(work)] + (["--until-ready"] if until_ready else []), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    wall = round(time.perf_counter() - started, 2)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit("worker failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(load_before=load_before, wall_s=wall)
    return result


def table(result: dict) -> str:
    lines = ["| t (s) | process CPU (s) | thread CPU (s) | thread | event |", "| ---: | ---: | ---: | --- | --- |"]
    for e in result["events"]:
        extra = {k: v for k, v in e.items() if k not in ("t", "cpu_main", "cpu_thread", "thread", "what")}
        detail = f" {json.dumps(extra, ensure_ascii=False)}" if extra else ""
        lines.append(f"| {e['t']} | {e['cpu_main']} | {e.get('cpu_thread', '')} | {e['thread']} | {e['what']}{detail} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="JSON file for the runs' timelines")
    parser.add_argument("--until-ready", action="store_true",
                        help="stop where the embedding would start (no early embedding): the pre-embedding part alone")
    parser.add_argument("--quiet", action="store_true", help="one line per run, no table")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.until_ready)))
        return
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="plancompare-cold-") as work:
            runs.append(run_once(Path(work), args.until_ready))
        r = runs[-1]
        print(f"wall {r['wall_s']} s, ready {r.get('ready_s')} s, load {r['load_before']} -> {r['loadavg']}, "
              f"passages {r['passages']}", flush=True)
        if not args.quiet:
            print(table(r))
    if args.out:
        args.out.write_text(json.dumps(runs, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
