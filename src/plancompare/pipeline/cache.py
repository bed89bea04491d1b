"""The per-document stage cache: one folder of Parquet tables per (stage, key).

Keys are SHA-256 digests of what the stage's output depends on (the document's bytes, the
code fingerprint of the stage's modules, its parameters), so an entry never goes stale: a
change of input, code or parameter simply asks for another entry.  Entries are written to a
temporary folder and renamed into place, so a crash or a concurrent build (a process pool)
never leaves half an entry.  The cache lives in the user cache folder, never in the package:
``$PLANCOMPARE_CACHE_DIR`` if set, else ``<user cache>/plancompare``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

CACHE_DIR_ENV = "PLANCOMPARE_CACHE_DIR"


def cache_root(explicit: str | os.PathLike | None = None) -> Path:
    """``explicit``, else ``$PLANCOMPARE_CACHE_DIR``, else ``<user cache>/plancompare``."""
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("plancompare", appauthor=False))


def cache_key(*parts) -> str:
    """A SHA-256 hex digest of ``parts`` (JSON-serialisable values)."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


class StageCache:
    """Cached stage outputs under ``root/stages/<stage>/<key>/``.

    Parameters
    ----------
    root : path, optional
        See :func:`cache_root`.
    enabled : bool
        ``False`` makes every lookup miss and every store a no-op.
    """

    def __init__(self, root: str | os.PathLike | None = None, enabled: bool = True):
        self.root = cache_root(root) / "stages"
        self.enabled = enabled

    def _folder(self, stage: str, key: str) -> Path:
        return self.root / stage / key[:2] / key

    def get(self, stage: str, key: str) -> tuple[dict[str, pd.DataFrame], dict] | None:
        """``(tables, info)`` stored for ``(stage, key)``, or ``None``."""
        if not self.enabled:
            return None
        folder = self._folder(stage, key)
        info_file = folder / "info.json"
        if not info_file.is_file():
            return None
        try:
            info = json.loads(info_file.read_text(encoding="utf-8"))
            tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in info["tables"]}
        except (OSError, ValueError, KeyError):
            return None  # a damaged entry is recomputed, not trusted
        return tables, info.get("info", {})

    def put(self, stage: str, key: str, tables: dict[str, pd.DataFrame], info: dict | None = None) -> None:
        """Store ``tables`` (and JSON-serialisable ``info``) for ``(stage, key)``."""
        if not self.enabled:
            return
        folder = self._folder(stage, key)
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
            for name, table in tables.items():
                table.to_parquet(staging / f"{name}.parquet", index=False)
            payload = {"tables": list(tables), "info": info or {}}
            (staging / "info.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
            try:
                os.replace(staging, folder)
            except OSError:  # another process stored the same entry first
                shutil.rmtree(staging, ignore_errors=True)
        except OSError:
            pass  # a read-only or full cache folder only costs speed
