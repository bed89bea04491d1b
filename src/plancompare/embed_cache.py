"""The on-disk cache of embedding vectors used by :mod:`plancompare.embed`.

Vectors are keyed by a :class:`CacheNamespace` (model id, model fingerprint, prompt, window
settings) and the sha256 of the text; each namespace is a directory of Parquet shard files (no
pickle) with a readable ``meta.json``. Kept apart from the encoding code because it is plain
storage: it needs neither torch nor the model.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import PlancompareError

CACHE_DIR_ENV = "PLANCOMPARE_CACHE_DIR"

_CACHE_FORMAT = 1
_MAX_SHARDS = 16  # merge the cache's shard files once there are more than this

def default_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Embedding cache directory: ``cache_dir``, else ``$PLANCOMPARE_CACHE_DIR``,
    else ``<user cache>/plancompare/embeddings``."""
    from .model import user_cache_path

    return user_cache_path("embeddings", cache_dir, CACHE_DIR_ENV)


def text_key(text: str) -> str:
    """Cache key of a text: the hex sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheNamespace:
    """Everything besides the text that decides a vector."""

    model_id: str
    prompt: str
    max_tokens: int
    window_overlap: int
    fingerprint: str = ""

    @property
    def name(self) -> str:
        blob = json.dumps({**self.__dict__, "format": _CACHE_FORMAT}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


class EmbeddingCache:
    """Vectors on disk, one directory per :class:`CacheNamespace`.

    Each directory holds ``meta.json`` (the namespace, readable) and Parquet
    shards with columns ``key`` (hex sha256 of the text) and ``vector``
    (fixed-size list of float32). Every :meth:`put` writes one new shard via a
    temporary file and an atomic rename, so readers never see half a file and
    concurrent writers don't clobber each other; many shards get merged.
    ``hits`` and ``misses`` count :meth:`get` results over the object's life.
    """

    def __init__(self, cache_dir: str | os.PathLike | None = None):
        self.root = default_cache_dir(cache_dir)
        self.hits = 0
        self.misses = 0

    def _dir(self, ns: CacheNamespace) -> Path:
        return self.root / ns.name

    def _shards(self, ns: CacheNamespace) -> list[Path]:
        d = self._dir(ns)
        return sorted(d.glob("shard-*.parquet")) if d.is_dir() else []

    def _read(self, ns: CacheNamespace) -> tuple[list[Path], dict[str, np.ndarray]]:
        import pyarrow.parquet as pq

        shards = self._shards(ns)
        found: dict[str, np.ndarray] = {}
        for shard in shards:
            try:
                table = pq.read_table(shard)
                keys = table.column("key").to_pylist()
                vectors = _vectors_from_arrow(table.column("vector"))
            except Exception:
                # A damaged shard only costs re-embedding its texts.
                continue
            for key, row in zip(keys, vectors):
                found[key] = row
        return shards, found

    def get(self, ns: CacheNamespace, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Cached vectors for those ``keys`` that have one, in this cache or, failing that, in the
        vectors shipped with the package for ``ns`` (:data:`SEED_DIR`)."""
        keys = list(keys)
        if not keys:
            return {}
        _, stored = self._read(ns)
        out = {k: stored[k] for k in keys if k in stored}
        if len(out) < len(keys):
            seed = read_seed(ns)
            out.update({k: seed[k] for k in keys if k not in out and k in seed})
        self.hits += len(out)
        self.misses += len(keys) - len(out)
        return out

    def put(self, ns: CacheNamespace, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors[i]`` under ``keys[i]``."""
        if len(keys) == 0:
            return
        d = self._dir(ns)
        try:
            d.mkdir(parents=True, exist_ok=True)
            meta = d / "meta.json"
            if not meta.exists():
                _atomic_write_bytes(
                    meta,
                    json.dumps(
                        {**ns.__dict__, "format": _CACHE_FORMAT, "dim": int(vectors.shape[1])},
                        indent=2,
                        ensure_ascii=False,
                    ).encode("utf-8"),
                )
            shard = d / f"shard-{time.time_ns():020d}-{os.getpid()}.parquet"
            _write_shard(shard, list(keys), vectors)
            if len(self._shards(ns)) > _MAX_SHARDS:
                self._compact(ns)
        except OSError as exc:
            raise PlancompareError(f"{d}: cannot write the embedding cache ({exc})") from None

    def _compact(self, ns: CacheNamespace) -> None:
        shards, stored = self._read(ns)
        if not stored:
            return
        keys = sorted(stored)
        merged = self._dir(ns) / f"shard-{time.time_ns():020d}-{os.getpid()}-merged.parquet"
        _write_shard(merged, keys, np.stack([stored[k] for k in keys]))
        for shard in shards:
            try:
                shard.unlink()
            except FileNotFoundError:
                pass

    def clear(self) -> None:
        """Delete every cached vector under this cache's root."""
        import shutil

        if self.root.is_dir():
            for d in self.root.iterdir():
                if d.is_dir() and (d / "meta.json").exists():
                    shutil.rmtree(d, ignore_errors=True)


# Vectors the package ships for texts every first build embeds (the theme descriptions), one
# Parquet shard per namespace named after it; written by scripts/build_embed_seed.py. A first
# build would otherwise spend seconds of its model time on them (issue 14, cold start).
SEED_DIR = Path(__file__).resolve().parent / "data" / "embed_seed"


def seed_path(ns: CacheNamespace) -> Path:
    """Where the package's shipped vectors of namespace ``ns`` live (the file may not exist)."""
    return SEED_DIR / f"{ns.name}.parquet"


def read_seed(ns: CacheNamespace) -> dict[str, np.ndarray]:
    """The package's shipped vectors of ``ns`` by text key (empty when none ship for it)."""
    import pyarrow.parquet as pq

    path = seed_path(ns)
    if not path.is_file():
        return {}
    try:
        table = pq.read_table(path)
        return dict(zip(table.column("key").to_pylist(), _vectors_from_arrow(table.column("vector"))))
    except Exception:  # a damaged file only costs embedding those texts, as for a cache shard
        return {}


def write_seed(ns: CacheNamespace, texts: Sequence[str], vectors: np.ndarray) -> Path:
    """Write the shipped vectors of ``ns``: ``vectors[i]`` of ``texts[i]``; returns the path."""
    SEED_DIR.mkdir(parents=True, exist_ok=True)
    path = seed_path(ns)
    _write_shard(path, [text_key(t) for t in texts], vectors)
    return path


def _write_shard(path: Path, keys: list[str], vectors: np.ndarray) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), vectors.shape[1])
    table = pa.table({"key": pa.array(keys, pa.string()), "vector": column})
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _vectors_from_arrow(column) -> np.ndarray:

    chunks = []
    for chunk in column.chunks:
        dim = chunk.type.list_size
        chunks.append(chunk.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(-1, dim))
    if not chunks:
        return np.zeros((0, 0), np.float32)
    return np.concatenate(chunks) if len(chunks) > 1 else chunks[0]


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
