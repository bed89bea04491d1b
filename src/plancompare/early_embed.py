"""Embedding during a first build, before the build's own embedding step.

:func:`preload_model` loads the model in a background thread while the documents are cleaned;
:class:`BackgroundEmbedder` embeds the passages of documents already cleaned into the embedding
cache meanwhile, so the build's :func:`~plancompare.embed.embed` call finds them cached. Both are
re-exported by :mod:`plancompare.embed`.
"""

from __future__ import annotations

import os
import time
from typing import Any, Sequence

from ._priority import EARLY_EMBED_NICENESS, lower_priority
from .embed_cache import default_cache_dir
from .model import load_model


def preload_model(model: Any = None, *, cache_dir: str | os.PathLike | None = None,
                  backend: str | None = None, start: bool = True):
    """Start loading the embedding model (converting it on first use) in a background thread.

    For a first build: while the per-document stages run, the model's imports, conversion and
    weights load, instead of after them. Only when the embedding cache is empty (nothing was ever
    embedded there), because a rebuild whose vectors are all cached never needs the model. Returns
    the started thread (``join`` it before embedding) or None. A failure is left for the real
    :func:`load_model` call to report. ``start=False`` returns the thread unstarted, for a caller
    that first starts the document pool (whose start-up then overlaps the model's load).
    """
    from .onnx_backend import resolve_backend

    root = default_cache_dir(cache_dir)
    if any(root.glob("*/shard-*.parquet")) or resolve_backend(backend) != "torch" or not (
            model is None or isinstance(model, str)):
        return None
    import threading

    def load() -> None:
        try:
            load_model(model)
        except Exception:  # noqa: BLE001 - reported by the caller's own load_model
            pass

    thread = threading.Thread(target=load, name="plancompare-model-preload", daemon=True)
    if start:
        thread.start()
    return thread


class BackgroundEmbedder:
    """Embed passages into the embedding cache in a background thread, while a first build is
    still cleaning other documents; the build's embedding step then finds them cached.

    ``submit(texts)`` queues a document's passages (in chunks of ``chunk`` texts); the thread
    waits for ``preload`` (the model-loading thread of :func:`preload_model`), then embeds chunk
    after chunk with ``threads`` torch threads (the other cores are cleaning) and a bar on stderr
    when ``progress``. ``use_threads(n)`` changes the thread count from the next chunk on (a
    build gives it the cores its pool no longer uses). ``finish()`` lets the running chunk end,
    drops the rest (the build embeds them with every core) and returns how many texts were
    embedded here.

    The thread runs at niceness :data:`~plancompare._priority.EARLY_EMBED_NICENESS`, behind the pool's
    workers: it takes the CPU the pool leaves. A chunk is one batch (8 texts) because ``finish()``
    waits for the running one while the other cores idle (32 texts at one thread: up to 2 s).
    """

    def __init__(self, model: Any = None, *, preload=None, progress: bool = False, threads: int = 1,
                 chunk: int = 8, cache_dir: str | os.PathLike | None = None):
        import queue
        import threading

        self.model, self.preload, self.progress = model, preload, progress
        self.threads, self.chunk, self.cache_dir = threads, chunk, cache_dir
        self.n_embedded_ = 0
        self._queue: Any = queue.Queue()
        self._stop = threading.Event()
        self._bar = None
        self._thread = threading.Thread(target=self._run, name="plancompare-early-embed", daemon=True)
        self._thread.start()

    def submit(self, texts: Sequence[str]) -> None:
        texts = list(texts)
        for start in range(0, len(texts), self.chunk):
            self._queue.put(texts[start:start + self.chunk])
        if self.progress and texts:
            if self._bar is None:
                from .embed import _progress_bar

                self._bar = _progress_bar(0, True)
                if self._bar is not None:
                    self._bar.set_description("embedding (while cleaning)")
            if self._bar is not None:
                self._bar.total += len(texts)
                self._bar.refresh()

    def use_threads(self, threads: int) -> None:
        self.threads = max(1, int(threads))

    def finish(self) -> int:
        self._stop.set()
        self._queue.put(None)
        self._thread.join()
        if self._bar is not None:
            self._bar.close()
        return self.n_embedded_

    def _run(self) -> None:
        import queue

        from .embed import embed  # not at the top: plancompare.embed re-exports this module

        if self.preload is not None:
            while self.preload.ident is None and not self._stop.is_set():  # started by the caller later
                time.sleep(0.05)
            if self.preload.ident is not None:
                self.preload.join()
        lower_priority(EARLY_EMBED_NICENESS, thread=True)  # torch's threads, started from this one, inherit it
        import torch

        before = applied = torch.get_num_threads()
        try:
            while not self._stop.is_set():
                try:
                    texts = self._queue.get(timeout=0.2)
                except queue.Empty:
                    continue
                if texts is None:
                    break
                if applied != self.threads:
                    applied = self.threads
                    torch.set_num_threads(applied)
                done = embed(texts, self.model, prompt="passage", progress=False, cache_dir=self.cache_dir)
                self.n_embedded_ += done.n_embedded
                if self._bar is not None:
                    self._bar.update(len(texts))
        except Exception:  # noqa: BLE001 - the build's own embedding step embeds and reports
            pass
        finally:
            torch.set_num_threads(before)
