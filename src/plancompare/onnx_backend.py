"""Run a sentence-transformers BERT-style encoder with ONNX Runtime (fp32 or int8), offline.

The converted e5 model (:mod:`plancompare.model`) is exported once with ``torch.onnx.export`` into
``<model dir>/onnx/model.onnx`` — the file name and place sentence-transformers' own
``backend="onnx"`` reads, so ``SentenceTransformer(path, backend="onnx")`` also works where its
optional ``optimum`` dependency is installed — and, for ``"onnx-int8"``, quantised with ONNX Runtime's
dynamic int8 quantisation by the recipe :data:`INT8_RECIPE` (one of :data:`INT8_RECIPES`) into
``onnx/model_qint8_<recipe>.onnx``. Nothing is downloaded.

(sentence-transformers' ONNX backend needs ``optimum-onnx``, which pins ``transformers<4.58`` and
so cannot be installed beside this project's ``transformers 5``; the session below does the same
inference: the transformer's last hidden state, mean pooling over the attention mask, L2 norm.)

:class:`OnnxEncoder` is what :func:`plancompare.embed.embed` calls for ``backend="onnx"`` or
``"onnx-int8"``: ``encoder(input_ids, attention_mask) -> (batch, dim) float32 unit vectors``.
CUDA is used when ONNX Runtime offers the CUDA provider.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError

BACKENDS = ("torch", "onnx", "onnx-int8")
BACKEND_ENV = "PLANCOMPARE_EMBED_BACKEND"
ONNX_FILES = {"onnx": "model.onnx", "onnx-int8": "model_qint8.onnx"}

# How the int8 model is quantised, by recipe (each names its own file). Dynamic quantisation with
# one scale per output channel, of the MatMuls with a weight matrix (ONNX Runtime leaves the two
# attention products of activations fp32). "all": 8-bit weights everywhere; "7bit": 7-bit weights
# (``reduce_range``): on x86 CPUs without VNNI the u8 x s8 products are summed pairwise in 16 bits,
# which saturates with full-range weights; "7bit-ffn-out-fp32": 7-bit, and the feed-forward output
# projections (their GELU inputs have the widest range) kept fp32; "7bit-last2-fp32": 7-bit, the last
# two layers fp32. Compared by ``benchmarks/bench_embed.py --backends`` (``benchmarks/results/embed.md``).
INT8_RECIPES = ("all", "7bit", "7bit-ffn-out-fp32", "7bit-last2-fp32")
# "7bit": as fast as any recipe and within the agreement the issue asks on the project's gold
# (cosine to torch >= 0.99, recall@3 within 0.01); "all" was not (compare recall@3 -0.014).
INT8_RECIPE = "7bit"
_LOCK = threading.Lock()


def resolve_backend(backend: str | None) -> str:
    """``backend``, else ``$PLANCOMPARE_EMBED_BACKEND``, else ``"torch"``; checked against :data:`BACKENDS`."""
    chosen = backend or os.environ.get(BACKEND_ENV) or "torch"
    if chosen not in BACKENDS:
        raise ModelError(f"unknown embedding backend {chosen!r} (from {'argument' if backend else BACKEND_ENV}); "
                         f"use one of {', '.join(BACKENDS)}")
    return chosen


def model_directory(st: Any) -> Path:
    """The local folder a loaded ``SentenceTransformer`` came from."""
    folder = getattr(st, "plancompare_path", None)
    if folder is None:
        try:
            folder = st[0].auto_model.config._name_or_path
        except Exception:  # pragma: no cover - other model layouts
            folder = None
    if not folder or not Path(folder).is_dir():
        raise ModelError(f"{folder or type(st).__name__}: the ONNX backend needs a model in a local folder")
    return Path(folder)


def backend_tag(backend: str) -> str:
    """``backend`` plus its int8 recipe when that is not "all" (the embedding cache keeps the
    vectors of different recipes apart; "all" keeps the tag of the caches written before recipes)."""
    if backend == "onnx-int8" and INT8_RECIPE != "all":
        return f"{backend}:{INT8_RECIPE}"
    return backend


def onnx_file_name(backend: str, recipe: str | None = None) -> str:
    """The file of ``backend`` in the model's ``onnx`` folder; an int8 recipe other than "all"
    names its own file, so a changed recipe never reuses another's."""
    recipe = recipe or INT8_RECIPE
    if backend == "onnx-int8" and recipe != "all":
        return f"model_qint8_{recipe}.onnx"
    return ONNX_FILES[backend]


def export_onnx(st: Any, backend: str = "onnx", progress: bool = True, recipe: str | None = None) -> Path:
    """The ONNX file for ``backend`` in the model's folder, exported (and quantised with ``recipe``,
    default :data:`INT8_RECIPE`) on first use."""
    recipe = recipe or INT8_RECIPE
    if recipe not in INT8_RECIPES:
        raise ModelError(f"unknown int8 recipe {recipe!r}; use one of {', '.join(INT8_RECIPES)}")
    folder = model_directory(st) / "onnx"
    target = folder / onnx_file_name(backend, recipe)
    if target.is_file():
        return target
    with _LOCK:
        if target.is_file():
            return target
        folder.mkdir(parents=True, exist_ok=True)
        fp32 = folder / ONNX_FILES["onnx"]
        if not fp32.is_file():
            if progress:
                print(f"exporting the embedding model to ONNX: {fp32}", file=sys.stderr)
            _export_fp32(st, fp32)
        if backend == "onnx-int8":
            if progress:
                print(f"quantising the ONNX model to int8: {target}", file=sys.stderr)
            _quantise(fp32, target, recipe)
    return target


def _export_fp32(st: Any, target: Path) -> None:
    import torch

    model = st[0].auto_model.to("cpu").eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # The TorchScript exporter: one self-contained file, no onnxscript rewrites needed. Its
    # tracer warnings are about shapes fixed at trace time that do not vary here.
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _hidden_state_module(model), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in
                          ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
            opset_version=17, dynamo=False,
        )
    os.replace(tmp, target)


def _hidden_state_module(model):
    """Wrap a transformers model so the export sees one plain tensor output."""
    import torch

    class HiddenState(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    return HiddenState(model)


def _quantise(source: Path, target: Path, recipe: str = "all") -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp.onnx")
    # Only the matrix multiplications: quantising the embedding tables (Gather) costs agreement
    # for no speed, they are looked up, not multiplied. One scale per output channel: with one per
    # tensor the worst passage's cosine to the fp32 vector fell to 0.985, per channel it is 0.994.
    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # a "pre-process first" hint
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                     per_channel=True, reduce_range=recipe.startswith("7bit"),
                     nodes_to_exclude=fp32_nodes(source, recipe))
    os.replace(tmp, target)


def fp32_nodes(source: Path, recipe: str) -> list[str]:
    """Names of the MatMul nodes of the ONNX file ``source`` that ``recipe`` keeps fp32 (see
    :data:`INT8_RECIPES`). Layers are told by the ``layer.<i>`` part of a node's name, as the
    transformers BERT/XLM-R encoders name them."""
    import re

    import onnx

    graph = onnx.load(str(source), load_external_data=False).graph
    matmuls = [node for node in graph.node if node.op_type == "MatMul"]
    layer = {node.name: int(m.group(1)) for node in matmuls if (m := re.search(r"layer\.(\d+)/", node.name))}
    last = max(layer.values(), default=-1)
    keep = []
    for node in matmuls:
        if ((recipe.endswith("ffn-out-fp32") and re.search(r"layer\.\d+/output/dense/", node.name))
                or (recipe.endswith("last2-fp32") and layer.get(node.name, -1) > last - 2)):
            keep.append(node.name)
    return keep


class OnnxEncoder:
    """``encoder(input_ids, attention_mask)`` -> mean-pooled, L2-normalised float32 rows.

    Parameters
    ----------
    path : the ``.onnx`` file. threads : intra-op threads (default: ONNX Runtime's choice).
    """

    def __init__(self, path: Path, threads: int | None = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = int(threads)
        available = ort.get_available_providers()
        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
        self.path = Path(path)
        self.session = ort.InferenceSession(str(path), options, providers=providers)
        self.device = "cuda" if providers[0] == "CUDAExecutionProvider" else "cpu"
        self._inputs = {i.name for i in self.session.get_inputs()}

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": input_ids.astype(np.int64), "attention_mask": attention_mask.astype(np.int64)}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
        hidden = self.session.run(["last_hidden_state"], feeds)[0]
        mask = attention_mask[..., None].astype(np.float32)
        pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def onnx_encoder(st: Any, backend: str) -> OnnxEncoder:
    """The (memoised per file) encoder for ``backend`` of a loaded model."""
    path = export_onnx(st, backend)
    with _LOCK:
        cached = _ENCODERS.get(str(path))
        if cached is None:
            cached = _ENCODERS[str(path)] = OnnxEncoder(path)
    return cached


_ENCODERS: dict[str, OnnxEncoder] = {}
