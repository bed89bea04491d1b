"""Run a per-document function over many files: serially, in a local process pool, or on Dask.

:func:`map_documents` is the one place the build decides *where* per-document work runs. The
function it maps must be a module-level (picklable) callable taking one item and returning a
picklable result; results always come back **in input order**, whatever order the workers finish
in, so a parallel build yields the same tables as a serial one.

* ``workers=1`` runs in this process (no pickling, best for a handful of files).
* ``workers=N`` (N > 1) uses a ``ProcessPoolExecutor`` with ``N`` processes started by the
  ``forkserver`` method: children never inherit the parent's threads (a parent that already ran
  torch or OpenMP code would otherwise risk a deadlocked fork). The fork server loads the stages'
  lazy tables once (:mod:`plancompare.pipeline.warmup`: the repair lexicon, seconds) and runs with
  one BLAS thread, so a new worker starts warm. Items are submitted largest first (``sizes``) so
  one long document does not finish alone at the end; ``on_result`` hears of each as it finishes.
* ``workers=None`` picks: serial below :data:`PARALLEL_MIN_DOCUMENTS` files or
  :data:`PARALLEL_MIN_BYTES` bytes of input, otherwise every core this process may use.
* ``engine="dask"`` submits the same function as Dask tasks (:func:`dask_map`) on the cluster of
  :func:`dask_client`; embedding on Dask actors is in :mod:`plancompare.engine_dask`.

A progress bar (tqdm, on stderr) counts finished documents when ``progress`` is true.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Callable, Sequence

from .errors import PlancompareError

# Below these sizes a pool costs more (worker start-up, pickling tables back) than it saves:
# measured by benchmarks/bench_scale.py, a worker starts in about a second and cleans about
# 25,000 characters per second.
PARALLEL_MIN_DOCUMENTS = 8
PARALLEL_MIN_BYTES = 400_000

ENGINES = ("local", "dask")
SCHEDULER_ENV = "PLANCOMPARE_DASK_SCHEDULER"


def available_cores() -> int:
    """CPU cores this process may run on (affinity-aware), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def choose_workers(workers: int | None, n_items: int, total_bytes: int = 0) -> int:
    """How many processes to use: ``workers`` if given, else 1 for small inputs, else all cores."""
    if workers is not None:
        if int(workers) < 1:
            raise PlancompareError(f"workers must be at least 1, got {workers}")
        return min(int(workers), max(1, n_items))
    if n_items < PARALLEL_MIN_DOCUMENTS or total_bytes < PARALLEL_MIN_BYTES:
        return 1
    return min(available_cores(), n_items)


def map_documents(
    func: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    workers: int | None = None,
    sizes: Sequence[int] | None = None,
    progress: bool = False,
    description: str = "Cleaning and outlining",
    engine: str = "local",
    client: Any = None,
    on_result: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """``[func(item) for item in items]``, possibly in parallel; results in input order.

    Parameters
    ----------
    func : callable
        A module-level function of one item (it is pickled to the workers).
    items : sequence
        The work items, e.g. ``(path, catalog_row, options)`` tuples.
    workers : int, optional
        Processes for the local engine; ``None`` chooses (see :func:`choose_workers`).
    sizes : sequence of int, optional
        A cost estimate per item (e.g. file bytes): larger items are started first.
    progress : bool
        Show a bar counting finished documents on stderr.
    engine : {"local", "dask"}
        ``"dask"`` runs the items as tasks on ``client`` (a ``dask.distributed.Client``), or on a
        local cluster when ``client`` is None.
    on_result : callable, optional
        Called in this thread as ``on_result(index, result)`` as each item finishes (completion
        order), e.g. to start embedding a document's passages while the others are cleaned.

    Raises whatever ``func`` raises for the first failing item (in input order for the serial
    path, in completion order otherwise); other items are cancelled.
    """
    items = list(items)
    if engine not in ENGINES:
        raise PlancompareError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "dask":
        return dask_map(func, items, sizes=sizes, progress=progress, description=description, client=client,
                        on_result=on_result)
    n_workers = choose_workers(workers, len(items), sum(sizes) if sizes is not None else 0)
    bar = _bar(len(items), description, progress)
    try:
        if n_workers == 1:
            results = []
            for i, item in enumerate(items):
                results.append(func(item))
                _tick(bar)
                if on_result is not None:
                    on_result(i, results[-1])
            return results
        return _pool_map(func, items, n_workers, largest_first(sizes, len(items)), bar, on_result)
    finally:
        if bar is not None:
            bar.close()


# Imported once by the fork server; every worker forks from it (see _pool_map).
FORKSERVER_PRELOAD = ["plancompare.pipeline.warmup", "plancompare.parallel", "plancompare.pipeline.stages"]


def start_fork_server():
    """The ``forkserver`` context of the document pool, its server started now (it warms up in its
    own process; this call does not wait). A first build calls it before loading the model, so the
    pool's start-up overlaps the model's load instead of queueing behind the torch import."""
    context = multiprocessing.get_context("forkserver")
    # The fork server imports the pipeline and loads the stages' lazy tables (the repair lexicon:
    # seconds) once, and every worker forks from it, instead of each worker of each pool loading
    # them again: that was most of the gap to a 2x speedup on 2 cores.
    context.set_forkserver_preload(FORKSERVER_PRELOAD)
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


def stop_fork_server() -> bool:
    """Stop the document pool's fork server if it runs (True when one was stopped). It holds the
    pipeline's modules and lazy tables (≈ 0.3 GB at 1,000 documents) for as long as the process
    lives; a build stops it once its documents are done, and a later pool starts a new one."""
    from multiprocessing import forkserver

    server = forkserver._forkserver  # noqa: SLF001 - the stdlib's own stop (Python >= 3.8)
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return False
    # Killed first: asked to stop, it exits through the interpreter's teardown, freeing the lexicon's
    # millions of objects one by one (0.3-1.4 s measured in a first build, where this call waits for it
    # and the embedding waits for this call); it holds nothing else to clean up (its workers are gone,
    # and _stop below closes its pipe, reaps it and removes its socket).
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:  # already gone
        pass
    server._stop()
    return True


def _pool_map(func, items: list, n_workers: int, order: list[int], bar, on_result=None) -> list:
    results: list[Any] = [None] * len(items)
    context = start_fork_server()
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
        futures = {pool.submit(func, items[i]): i for i in order}
        try:
            for future in as_completed(futures):
                index = futures[future]
                results[index] = future.result()
                _tick(bar)
                if on_result is not None:
                    on_result(index, results[index])
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return results


def prefetch_documents(sources, catalog_rows: dict, params, *, workers: int | None = None, engine: str = "local",
                       client: Any = None, progress: bool = False, on_tables: Callable[[Any], None] | None = None):
    """A ``process(path, catalog_row, params)`` for :class:`~plancompare.pipeline.sources.DocumentRun`
    whose answers were computed ahead, in parallel.

    Every source is processed with the catalog row and doc_id the run will give it in the usual
    case (its catalog row, else the doc_id of its path); the run then asks in its own order and
    gets the stored tables, or the stored error raised again, so the run's decisions (duplicates,
    skipped unreadable files, the build log) are those of a serial build. A request that was not
    foreseen (a doc_id made unique with a suffix) is computed on the spot. With one worker and
    the local engine, :func:`~plancompare.pipeline.stages.process_document` itself is returned.

    ``on_tables``: called in this thread with each document's tables as soon as they are ready
    (completion order), while the others are still processed. When given and ``workers`` is None,
    even a small input runs in a pool (on more than one core), so that this process is free for
    what ``on_tables`` starts (a first build embeds the finished documents' passages meanwhile).
    """
    from .pipeline.stages import process_document

    sizes = [_file_size(s.path) for s in sources]
    forced = on_tables is not None and workers is None and engine == "local" and len(sources) > 1
    if forced:
        workers = min(available_cores(), len(sources))
    if engine == "local" and choose_workers(workers, len(sources), sum(sizes)) == 1:
        return process_document
    keys, items = [], []
    for source in sources:
        resolved = str(source.path.resolve()) if source.path.exists() else str(source.path)
        row = dict(catalog_rows.get(resolved, {}))
        if not row.get("doc_id"):
            row["doc_id"] = source.doc_id
        keys.append(_request_key(source.path, row))
        items.append((source.path, row, params))

    def ready(_index, outcome) -> None:
        if on_tables is not None and outcome[0] == "ok":
            on_tables(outcome[1])

    # A first build (``on_tables``: its model still loading) also extracts each document's indicators in
    # the worker, into the stage cache: the pool is done before the model is, so they cost an idle core
    # there instead of a serial step after the embedding.
    func = _process_outcome_and_indicators if on_tables is not None and engine == "local" else _process_outcome
    try:
        outcomes = map_documents(func, items, workers=workers, sizes=sizes, progress=progress,
                                 engine=engine, client=client, on_result=ready)
    except BrokenProcessPool:
        if not forced:
            raise
        # A script without an ``if __name__ == "__main__":`` guard cannot start workers; a small
        # input was serial before the pool was forced for it, so it stays buildable.
        outcomes = [_process_outcome(item) for item in items]
    stored = dict(zip(keys, outcomes))

    def process(path, catalog_row, run_params):
        outcome = stored.pop(_request_key(path, catalog_row), None) if run_params == params else None
        if outcome is None:
            return process_document(path, catalog_row, run_params)
        if outcome[0] == "error":
            raise outcome[1]
        return outcome[1]

    return process


def _process_outcome(item) -> tuple:
    """``("ok", tables)`` or ``("error", exception)``: one bad file must not stop the others."""
    from .pipeline.stages import process_document

    try:
        return ("ok", process_document(*item))
    except Exception as exc:  # noqa: BLE001 - raised again when the run asks for this document
        return ("error", exc)


def _process_outcome_and_indicators(item) -> tuple:
    """:func:`_process_outcome`, then the document's indicators extracted into the stage cache (the
    build's :func:`~plancompare.pipeline.stages.extract_indicators` finds them there: its key is the
    content of the document's tables). A failure here is left for the build's own extraction."""
    from .pipeline.stages import extract_indicators

    outcome = _process_outcome(item)
    params = item[2]
    if outcome[0] == "ok" and params.use_cache:
        tables = outcome[1]
        try:
            extract_indicators(tables.passages, tables.documents, tables.lines, params)
        except Exception:  # noqa: BLE001 - the build extracts again and reports
            pass
    return outcome


def _request_key(path, row: dict) -> tuple:
    return str(path), tuple(sorted((str(k), str(v)) for k, v in row.items()))


def _file_size(path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0  # the document run names the problem


def largest_first(sizes: Sequence[int] | None, n: int) -> list[int]:
    """Indices ``0..n-1`` ordered by decreasing size (ties by index); input order without sizes."""
    if sizes is None:
        return list(range(n))
    return sorted(range(n), key=lambda i: (-int(sizes[i]), i))



@contextmanager
def dask_client(client: Any = None, n_workers: int | None = None):
    """Yield ``client``, or one for ``$PLANCOMPARE_DASK_SCHEDULER``, or one on a new local cluster."""
    if client is not None:
        yield client
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise PlancompareError(f"the dask engine needs dask[distributed] ({exc})") from None
    address = os.environ.get(SCHEDULER_ENV)
    if address:
        try:
            own = Client(address, timeout="30s")
        except OSError as exc:
            raise PlancompareError(f"{SCHEDULER_ENV}={address}: cannot reach the Dask scheduler ({exc})") from None
        with own:
            yield own
        return

    workers = n_workers or available_cores()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as own:
            yield own


def dask_map(func: Callable, items: Sequence, *, sizes: Sequence[int] | None = None, progress: bool = False,
             description: str = "documents", client: Any = None,
             on_result: Callable[[int, Any], None] | None = None) -> list:
    """``[func(item) for item in items]`` as Dask tasks; results in input order."""
    from dask.distributed import as_completed

    items = list(items)
    if not items:
        return []
    bar = _bar(len(items), description, progress)
    with dask_client(client) as active:
        order = largest_first(sizes, len(items))
        futures = {}
        for rank, i in enumerate(order):
            futures[active.submit(func, items[i], pure=False, priority=len(order) - rank)] = i
        results: list[Any] = [None] * len(items)
        try:
            for future in as_completed(list(futures)):
                index = futures[future]
                results[index] = future.result()
                if bar is not None:
                    bar.update(1)
                if on_result is not None:
                    on_result(index, results[index])
        finally:
            if bar is not None:
                bar.close()
            for future in futures:
                future.release()
    return results


def _bar(total: int, description: str, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit="doc", file=sys.stderr, dynamic_ncols=True)


def _tick(bar) -> None:
    if bar is not None:
        bar.update(1)
