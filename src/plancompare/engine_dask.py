"""Build a corpus on a Dask cluster: per-document stages as tasks, embedding on batched actors.

Why Dask (``dask[distributed]``, BSD): it is pure Python, installs from PyPI in seconds on the same
Python as the rest of the toolkit, and the clusters researchers already have speak it — a laptop
(``LocalCluster``), an HPC batch system (``dask-jobqueue``: SLURM, PBS, SGE), Kubernetes
(``dask-kubernetes``) or a cloud (``dask-cloudprovider``); a cluster is one address away
(``Client("tcp://scheduler:8786")``). Ray would do the same job with a heavier runtime (its own
object store and daemons, a ~70 MB wheel) that few university clusters run.

* :func:`plancompare.parallel.dask_map` runs the *same* module-level per-document function as the
  local process pool (:func:`plancompare.pipeline.stages.process_document`) as one task per
  document, larger documents first, and returns results in input order: the tables are identical
  to a serial build.
* :func:`dask_encoder` returns an ``encode(texts) -> vectors`` callable for
  :func:`plancompare.embed.embed` that spreads batches of texts over one :class:`EmbeddingActor`
  per worker. An actor loads the model once and keeps it; on a worker with a GPU that torch can see,
  the model runs there (see :func:`plancompare.model.load_model`). The driver keeps the embedding
  cache: only texts it has not embedded before go to the cluster.

The cluster: the ``client`` argument, else ``$PLANCOMPARE_DASK_SCHEDULER`` (a scheduler address),
else a ``LocalCluster`` with one single-threaded worker process per core, closed afterwards.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import numpy as np

from .errors import PlancompareError

from .parallel import SCHEDULER_ENV, dask_client  # noqa: F401 - the cluster entry points, re-exported
EMBED_BATCH_TEXTS = 64  # texts per actor call: enough to amortise a round trip, small enough to balance


class EmbeddingActor:
    """Holds one embedding model on a worker; :meth:`embed` returns unit vectors for texts."""

    def __init__(self, model: str | None = None, backend: str | None = None, prompt: str = "passage"):
        from .model import load_model
        from .onnx_backend import resolve_backend

        self.backend = resolve_backend(backend)
        self.prompt = prompt
        self.model = load_model(model)

    def embed(self, texts: list[str]) -> np.ndarray:
        from .embed import embed

        return embed(texts, self.model, prompt=self.prompt, use_cache=False, progress=False,
                     backend=self.backend).vectors


def dask_encoder(client: Any, model: str | None = None, backend: str | None = None, prompt: str = "passage",
                 progress: bool = False) -> Callable[[list[str]], np.ndarray]:
    """An ``encode(texts)`` for :func:`plancompare.embed.embed` that runs on actors of ``client``."""

    def encode(texts: list[str]) -> np.ndarray:
        workers = sorted(client.scheduler_info()["workers"])
        if not workers:
            raise PlancompareError("the Dask cluster has no workers")
        actors = [client.submit(EmbeddingActor, model, backend, prompt, actor=True, workers=[w]).result()
                  for w in workers]
        # Similar lengths in one batch waste little on padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [order[b:b + EMBED_BATCH_TEXTS] for b in range(0, len(order), EMBED_BATCH_TEXTS)]
        pending = [actors[n % len(actors)].embed([texts[i] for i in batch]) for n, batch in enumerate(batches)]
        out: np.ndarray | None = None
        bar = _bar(len(texts), "embedding on the cluster", progress)
        for batch, future in zip(batches, pending):
            vectors = future.result()
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[batch] = vectors
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()
        return out

    return encode


def dask_embed_passages(texts: list[str], model: Any = None, *, client: Any = None, backend: str | None = None,
                        progress: bool = False, cache_dir=None):
    """Embed passage texts through the cache (``cache_dir``, see :func:`plancompare.embed.embed`),
    the ones it lacks on the cluster; returns an :class:`~plancompare.embed.EmbeddingResult`."""
    from .embed import embed, model_id_of

    name = model if model is None or isinstance(model, str) else model_id_of(model)
    with dask_client(client) as active:
        return embed(texts, model, prompt="passage", backend=backend, progress=False, cache_dir=cache_dir,
                     encode=dask_encoder(active, name, backend, "passage", progress))


def _bar(total: int, description: str, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, file=sys.stderr, dynamic_ncols=True)
