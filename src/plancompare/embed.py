"""Embed passages and queries, with an on-disk cache of passage vectors.

:func:`embed_texts` turns a list of strings into an ``(n, dim)`` float32 array of
L2-normalised vectors, one row per input in input order. :func:`embed` does the
same and also says which model and prompt made the vectors and how many came
from the cache, because a corpus stores ``model_id`` next to its embeddings.

What happens to each text:

* The model's prompt for ``prompt`` (``"passage: "`` / ``"query: "`` for E5) is
  put in front, as the model was trained.
* A text that fits the model window (512 tokens for E5, counting the prompt and
  the special tokens) is embedded in one pass, exactly as
  ``SentenceTransformer.encode`` would.
* A longer text is never truncated: its tokens are cut into overlapping windows
  (each starting with the prompt), every window is embedded, and the windows'
  vectors are averaged weighted by the number of tokens each window adds that
  the previous one did not cover, then re-normalised.

Vectors are cached on disk keyed by (model id, model fingerprint, prompt,
window settings, sha256 of the text), so re-running on a corpus embeds only the
texts that are new or changed. The cache lives in ``cache_dir``, else
``$PLANCOMPARE_CACHE_DIR``, else ``<platformdirs user cache>/plancompare/embeddings``,
and is plain Parquet (no pickle).
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .embed_cache import (  # noqa: F401  (re-exported: the cache is part of this module's API)
    _MAX_SHARDS,
    CACHE_DIR_ENV,
    CacheNamespace,
    EmbeddingCache,
    default_cache_dir,
    text_key,
)
from .errors import ModelError
from .model import (
    DEFAULT_MODEL_ID,
    MANIFEST_NAME,
    default_model_fingerprint,
    install_model,
    load_model,
    prompts_for,
)

# Chosen by benchmarks/bench_embed.py on a 2-core CPU (see benchmarks/results/embed.md):
# on CPU a bigger batch buys little arithmetic efficiency but pads more, so
# throughput is flat from 2 to 8 passages and falls from 16 on.
DEFAULT_BATCH_SIZE = 8
# On a GPU a batch is one kernel launch whatever its size; padding costs little there.
ACCELERATOR_BATCH_SIZE = 64

# Tokens shared by consecutive windows of a long text, so no sentence is only
# ever seen cut in half.
DEFAULT_WINDOW_OVERLAP = 64

# Show a progress bar (when stderr is a terminal) only for runs at least this long.
PROGRESS_MIN_TEXTS = 64

# Texts tokenised and embedded per step. The token ids, windows and float64 sums of a step are all
# the encoding memory there is, so it does not grow with the number of texts (every text at once
# held 13.7 million token ids for 1,000 generated plans); each step's vectors reach the cache at
# once, so an interrupted long run keeps what it embedded. Large enough that sorting by length
# within a step still packs batches tightly.
EMBED_CHUNK_TEXTS = 2048

PROMPTS = ("passage", "query")


# --------------------------------------------------------------------------
# model identity
# --------------------------------------------------------------------------


def model_id_of(model: Any) -> str:
    """The id to record next to vectors made by ``model``.

    ``None`` -> :data:`~plancompare.model.DEFAULT_MODEL_ID`; a string -> itself;
    a ``SentenceTransformer`` -> the id :func:`~plancompare.model.load_model`
    attached, else the name or path it was loaded from.
    """
    if model is None:
        return DEFAULT_MODEL_ID
    if isinstance(model, str):
        return model
    model_id = getattr(model, "plancompare_model_id", None)
    if model_id:
        return model_id
    try:
        name = model[0].auto_model.config._name_or_path
    except Exception:
        name = None
    return name or type(model).__name__


def _dimension_of(st: Any) -> int:
    # sentence-transformers 6 renamed get_sentence_embedding_dimension.
    getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    return int(getter())


def _fingerprint_of(st: Any) -> str:
    return getattr(st, "plancompare_fingerprint", "") or ""


# --------------------------------------------------------------------------
# encoding
# --------------------------------------------------------------------------


@dataclass
class _Sequence:
    text_index: int  # which of the texts being encoded
    ids: list[int]  # full model input, special tokens included
    weight: float  # share of the text's tokens this window stands for


@dataclass(frozen=True)
class _TokenLayout:
    """How a model frames token ids: specials around, prompt in front."""

    prefix: list[int]
    suffix: list[int]
    max_tokens: int
    pad_id: int


def _token_layout(st: Any) -> _TokenLayout:
    tok = st.tokenizer
    # Find the special tokens the tokenizer adds by diffing a probe encoded with
    # and without them; works for BERT ([CLS] .. [SEP]) and XLM-R (<s> .. </s>).
    bare = tok("a", add_special_tokens=False)["input_ids"]
    full = tok("a", add_special_tokens=True)["input_ids"]
    for start in range(len(full) - len(bare) + 1):
        if full[start : start + len(bare)] == bare:
            prefix, suffix = full[:start], full[start + len(bare) :]
            break
    else:
        raise ModelError(f"{model_id_of(st)}: cannot tell which special tokens the tokenizer adds")
    limits = [x for x in (st.max_seq_length, getattr(tok, "model_max_length", None)) if x and x < 10**8]
    max_tokens = min(limits) if limits else 512
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
    return _TokenLayout(prefix=list(prefix), suffix=list(suffix), max_tokens=int(max_tokens), pad_id=int(pad_id))


def _token_ids(tok: Any, texts: list[str]) -> list[list[int]]:
    """Token ids without special tokens and without truncation."""
    backend = getattr(tok, "backend_tokenizer", None)
    if backend is not None:
        # The Rust tokenizer directly: no "sequence longer than max length"
        # warning for texts we are about to window anyway. transformers leaves
        # its last call's truncation/padding switched on in the backend (and
        # re-applies what it needs on every call), so switch them off first.
        if backend.truncation is not None:
            backend.no_truncation()
        if backend.padding is not None:
            backend.no_padding()
        return [e.ids for e in backend.encode_batch(texts, add_special_tokens=False)]
    return tok(texts, add_special_tokens=False, verbose=False)["input_ids"]


def _sequences_for(
    texts: Sequence[str], st: Any, prompt: str, layout: _TokenLayout, overlap: int
) -> list[_Sequence]:
    """Tokenise ``prompt + text`` for every text and cut long ones into windows."""
    full_ids = _token_ids(st.tokenizer, [prompt + t for t in texts])
    prompt_ids = _token_ids(st.tokenizer, [prompt])[0] if prompt else []
    room = layout.max_tokens - len(layout.prefix) - len(layout.suffix)
    seqs: list[_Sequence] = []
    for i, ids in enumerate(full_ids):
        if len(ids) <= room:
            seqs.append(_Sequence(i, layout.prefix + ids + layout.suffix, 1.0))
            continue
        # The prompt's last token may merge with the text's first (E5's
        # "passage: x" -> "▁x"), so repeat only the part that is a true prefix.
        head = 0
        while head < min(len(prompt_ids), len(ids)) and prompt_ids[head] == ids[head]:
            head += 1
        lead, content = ids[:head], ids[head:]
        budget = room - len(lead)
        if budget <= overlap:
            raise ModelError(
                f"{model_id_of(st)}: the prompt {prompt!r} leaves only {budget} tokens per window, "
                f"not more than the overlap of {overlap}"
            )
        stride = budget - overlap
        starts = list(range(0, len(content) - budget + 1, stride))
        if starts[-1] + budget < len(content):
            starts.append(len(content) - budget)  # last window ends at the text's end
        covered = 0
        for s in starts:
            end = s + budget
            seqs.append(_Sequence(i, layout.prefix + lead + content[s:end] + layout.suffix, float(end - covered)))
            covered = end
    return seqs


def _encode_uncached(
    texts: Sequence[str],
    st: Any,
    prompt: str,
    *,
    batch_size: int,
    overlap: int,
    progress: bool,
    backend: str = "torch",
    bar=None,
) -> np.ndarray:
    """Embed ``texts`` (no cache): ``(len(texts), dim)`` float32, L2-normalised. ``bar``: a
    progress bar shared by several calls (advanced, not closed), else one of this call's own."""
    layout = _token_layout(st)
    seqs = _sequences_for(texts, st, prompt, layout, overlap)
    dim = _dimension_of(st)
    sums = np.zeros((len(texts), dim), dtype=np.float64)
    weights = np.zeros(len(texts), dtype=np.float64)
    windows_per_text = np.bincount([s.text_index for s in seqs], minlength=len(texts))

    # Longest first, stable, like SentenceTransformer.encode: similar lengths
    # share a batch so little compute goes to padding.
    order = sorted(range(len(seqs)), key=lambda j: -len(seqs[j].ids))
    encoder = _batch_encoder(st, prompt, backend)

    own_bar = bar is None
    bar = _progress_bar(len(texts), progress) if own_bar else bar
    try:
        for b in range(0, len(order), batch_size):
            batch = [seqs[j] for j in order[b : b + batch_size]]
            width = max(len(s.ids) for s in batch)
            ids = np.full((len(batch), width), layout.pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for r, s in enumerate(batch):
                ids[r, : len(s.ids)] = s.ids
                mask[r, : len(s.ids)] = 1
            out = encoder(ids, mask)
            for r, s in enumerate(batch):
                sums[s.text_index] += s.weight * out[r]
                weights[s.text_index] += s.weight
            if bar is not None:
                bar.update(sum(1.0 / windows_per_text[s.text_index] for s in batch))
    finally:
        if bar is not None and own_bar:
            bar.close()

    vectors = sums / np.maximum(weights, 1e-12)[:, None]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _batch_encoder(st: Any, prompt: str, backend: str):
    """``encoder(ids, mask) -> (batch, dim)`` float32 for the model on ``backend``."""
    if backend != "torch":
        from .onnx_backend import onnx_encoder

        return onnx_encoder(st, backend)
    import torch

    template = st.preprocess(["a"], prompt=prompt) if prompt else st.preprocess(["a"])
    extra = {k: v for k, v in template.items() if k not in ("input_ids", "attention_mask", "token_type_ids")}
    want_types = "token_type_ids" in template
    device = st.device
    st.eval()

    def encode(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            features = {"input_ids": torch.from_numpy(ids).to(device),
                        "attention_mask": torch.from_numpy(mask).to(device), **extra}
            if want_types:
                features["token_type_ids"] = torch.zeros_like(features["input_ids"])
            return st(features)["sentence_embedding"].float().cpu().numpy()

    return encode


def default_batch_size(st: Any = None, backend: str = "torch") -> int:
    """:data:`DEFAULT_BATCH_SIZE` on a CPU, :data:`ACCELERATOR_BATCH_SIZE` on a GPU."""
    if backend == "torch" and st is not None and getattr(st.device, "type", "cpu") != "cpu":
        return ACCELERATOR_BATCH_SIZE
    if backend != "torch" and st is not None:
        from .onnx_backend import onnx_encoder

        if onnx_encoder(st, backend).device != "cpu":
            return ACCELERATOR_BATCH_SIZE
    return DEFAULT_BATCH_SIZE


def _progress_bar(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="passage", desc="embedding", file=sys.stderr, dynamic_ncols=True,
                bar_format="{l_bar}{bar}| {n:.0f}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]")


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


@dataclass
class EmbeddingResult:
    """Vectors plus what made them.

    ``vectors`` is ``(n, dim)`` float32, L2-normalised, row ``i`` for input ``i``;
    ``n_embedded`` distinct texts went through the model, ``n_cached`` came from
    the cache (duplicates within one call count once).
    """

    vectors: np.ndarray
    model_id: str
    prompt: str
    n_embedded: int = 0
    n_cached: int = 0
    seconds: float = 0.0


def embed(
    texts: Sequence[str],
    model: Any = None,
    *,
    prompt: str = "passage",
    cache_dir: str | os.PathLike | None = None,
    batch_size: int | None = None,
    progress: bool | None = None,
    use_cache: bool = True,
    model_dir: str | os.PathLike | None = None,
    window_overlap: int = DEFAULT_WINDOW_OVERLAP,
    show_progress: bool | None = None,
    backend: str | None = None,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    out: np.ndarray | None = None,
) -> EmbeddingResult:
    """Embed ``texts`` and report the model id and cache use; see :func:`embed_texts`.

    ``encode``: embeds the texts the cache lacks instead of this process (a list of texts in, their
    ``(n, dim)`` vectors out, e.g. on a cluster: :mod:`plancompare.engine_dask`).
    ``out``: a float32 ``(len(texts), dim)`` array the rows are written into (and returned as
    ``vectors``), e.g. ``numpy.lib.format.open_memmap(path, "w+", ...)`` for vectors on disk.

    Texts go through the model :data:`EMBED_CHUNK_TEXTS` at a time (tokenised, embedded, cached,
    written to the output), so the encoding memory does not grow with ``len(texts)``.
    """
    from .onnx_backend import resolve_backend

    started = time.perf_counter()
    backend = resolve_backend(backend)
    if show_progress is not None:
        warnings.warn("embed(show_progress=...) is now embed(progress=...)", DeprecationWarning, stacklevel=2)
        progress = show_progress
    texts = _checked_texts(texts, prompt, batch_size)
    st, model_id, prompt_text, dim, ns = _model_identity(model, model_dir, prompt, window_overlap, backend)
    if not texts:
        return EmbeddingResult(np.zeros((0, dim), np.float32), model_id, prompt_text, seconds=time.perf_counter() - started)

    keys = [text_key(t) for t in texts]
    rows_of: dict[str, list[int]] = {}
    for row, k in enumerate(keys):
        rows_of.setdefault(k, []).append(row)
    unique = {k: texts[rows[0]] for k, rows in rows_of.items()}
    vectors = _output_array(out, len(texts), dim)
    cache = EmbeddingCache(cache_dir) if use_cache else None
    found = cache.get(ns, unique) if cache is not None else {}
    for k, vector in found.items():
        vectors[rows_of[k]] = vector
    missing = [k for k in unique if k not in found]
    del found
    if missing:
        if encode is None:
            st = st if st is not None else load_model(None, model_dir)
            size = batch_size or default_batch_size(st, backend)
            encode = lambda part: _encode_uncached(part, st, prompt_text, batch_size=size,  # noqa: E731
                                                   overlap=window_overlap, progress=False, backend=backend, bar=bar)
            if progress is None:
                progress = len(missing) >= PROGRESS_MIN_TEXTS and sys.stderr.isatty()
        bar = _progress_bar(len(missing), bool(progress))
        try:
            for start in range(0, len(missing), EMBED_CHUNK_TEXTS):
                part = missing[start:start + EMBED_CHUNK_TEXTS]
                fresh = np.asarray(encode([unique[k] for k in part]), dtype=np.float32)
                if cache is not None:
                    cache.put(ns, part, fresh)
                for k, vector in zip(part, fresh):
                    vectors[rows_of[k]] = vector
        finally:
            if bar is not None:
                bar.close()
    if hasattr(vectors, "flush"):
        vectors.flush()
    return EmbeddingResult(vectors=vectors, model_id=model_id, prompt=prompt_text, n_embedded=len(missing),
                           n_cached=len(unique) - len(missing), seconds=time.perf_counter() - started)


def _output_array(out, n: int, dim: int) -> np.ndarray:
    """``out`` (checked: a writable ``(n, dim)`` float32 array, e.g. an ``np.memmap``) or a new array."""
    if out is None:
        return np.empty((n, dim), dtype=np.float32)
    if tuple(out.shape) != (n, dim) or out.dtype != np.float32:
        raise ValueError(f"out must be a float32 array of shape {(n, dim)}, got {out.dtype} {tuple(out.shape)}")
    return out


def _checked_texts(texts, prompt: str, batch_size: int | None) -> list[str]:
    """``texts`` as a list, after checking the arguments of :func:`embed` (TypeError/ValueError)."""
    if prompt not in PROMPTS:
        raise ValueError(f"prompt must be one of {PROMPTS}, got {prompt!r}")
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not one string")
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}] is {type(t).__name__}, not str")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    return texts


def _model_identity(model: Any, model_dir, prompt: str, window_overlap: int, backend: str) -> tuple:
    """``(st, model_id, prompt_text, dim, cache namespace)`` for ``model``; ``st`` is None for the
    default model, whose identity is read from its manifest without loading it (so a fully cached
    run never imports torch: that is most of a warm rebuild)."""
    if model is None or model == DEFAULT_MODEL_ID:
        path = install_model(model_dir)
        manifest = json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8"))
        st, model_id = None, DEFAULT_MODEL_ID
        prompt_text = prompts_for(model_id)[prompt]
        dim, max_tokens = int(manifest["dimension"]), int(manifest["max_seq_length"])
        fingerprint = default_model_fingerprint(path)
    else:
        st = load_model(model, model_dir) if isinstance(model, str) else model
        model_id = model_id_of(model if isinstance(model, str) else st)
        prompt_text = prompts_for(model_id, st)[prompt]
        dim, max_tokens = _dimension_of(st), _token_layout(st).max_tokens
        fingerprint = _fingerprint_of(st)
    if backend != "torch":  # its vectors differ in the last digits: never mix them with torch's
        from .onnx_backend import backend_tag

        fingerprint = f"{fingerprint}:{backend_tag(backend)}"
    return st, model_id, prompt_text, dim, CacheNamespace(model_id, prompt_text, max_tokens, window_overlap, fingerprint)


def embed_texts(
    texts: Sequence[str],
    model: Any = None,
    *,
    prompt: str = "passage",
    cache_dir: str | os.PathLike | None = None,
    batch_size: int | None = None,
    progress: bool | None = None,
    use_cache: bool = True,
    model_dir: str | os.PathLike | None = None,
    window_overlap: int = DEFAULT_WINDOW_OVERLAP,
    show_progress: bool | None = None,
    backend: str | None = None,
) -> np.ndarray:
    """Embed texts as an ``(len(texts), dim)`` float32 array of unit vectors.

    ``model``: ``None`` for the bundled default, a model name or directory, or a
    loaded ``SentenceTransformer``. ``prompt``: ``"passage"`` or ``"query"``
    selects the model's prompt. ``cache_dir``: embedding cache directory (see
    :func:`default_cache_dir`); ``use_cache=False`` bypasses it. ``model_dir``:
    where the default model is installed (see :func:`plancompare.model.models_root`).
    ``progress``: ``None`` shows a bar on stderr only when it is a terminal
    and at least :data:`PROGRESS_MIN_TEXTS` texts need the model.
    ``window_overlap``: tokens shared by consecutive windows of long texts.
    ``batch_size``: windows per forward pass (default: :func:`default_batch_size`, by device).
    ``backend``: ``"torch"`` (default), ``"onnx"`` or ``"onnx-int8"`` (ONNX Runtime, see
    :mod:`plancompare.onnx_backend`); default ``$PLANCOMPARE_EMBED_BACKEND`` or ``"torch"``.

    Use :func:`model_id_of` (or :func:`embed`) for the id to store with the vectors.
    """
    return embed(
        texts,
        model,
        prompt=prompt,
        cache_dir=cache_dir,
        batch_size=batch_size,
        progress=progress,
        use_cache=use_cache,
        model_dir=model_dir,
        window_overlap=window_overlap,
        show_progress=show_progress,
        backend=backend,
    ).vectors
