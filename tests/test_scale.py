"""Scale: parallel per-document build, vector and lexical indexes, ONNX embedding, the Dask engine.

The parallel and Dask builds are checked on documents from benchmarks/gen_corpus.py: real paragraphs
of the national reports, the generality reports and the bundled plans, recombined under generated
headings with synthetic names and numbers.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plancompare as pc
from plancompare.parallel import PARALLEL_MIN_BYTES, PARALLEL_MIN_DOCUMENTS, choose_workers, map_documents
from plancompare.vector_index import LexicalIndex, VectorIndex

REPO = Path(__file__).resolve().parents[1]
TABLES = ("documents", "passages", "glossary", "repairs", "lines", "indicators", "build_log")


def _generator():
    spec = importlib.util.spec_from_file_location("gen_corpus", REPO / "benchmarks" / "gen_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_corpus", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return sys.modules["gen_corpus"]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Six small generated documents and their catalog."""
    folder = tmp_path_factory.mktemp("synthetic")
    catalog = _generator().write_corpus(folder, 6, seed=7, mean_chars=2_500)
    return sorted(folder.glob("doc_*.txt")), catalog


@pytest.fixture(scope="module")
def serial_build(synthetic):
    files, catalog = synthetic
    return pc.build_corpus(files, catalog=catalog, workers=1, embed=False, use_cache=False)


def _assert_same_tables(a, b):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert all(a.clean_text(d) == b.clean_text(d) for d in a.documents["doc_id"])


def test_generator_is_deterministic_and_prefix_stable(tmp_path):
    gen = _generator()
    pools = gen.load_pools()
    text_a, row_a = gen.make_document(3, pools, seed=1, mean_chars=3_000)
    text_b, row_b = gen.make_document(3, pools, seed=1, mean_chars=3_000)
    other, _ = gen.make_document(4, pools, seed=1, mean_chars=3_000)
    assert (text_a, row_a) == (text_b, row_b) and text_a != other
    # real paragraphs, synthetic names: no real district name survives
    assert not any(name in text_a for name in ("仓山", "湖里", "赤坎"))
    assert row_a["district"] in text_a


def test_parallel_build_equals_serial(synthetic, serial_build):
    files, catalog = synthetic
    parallel = pc.build_corpus(files, catalog=catalog, workers=2, embed=False, use_cache=False)
    _assert_same_tables(serial_build, parallel)
    assert list(parallel.documents["doc_id"]) == [f"synthetic_{i:05d}" for i in range(6)]
    assert len(parallel.passages) > 30


def test_choose_workers_serial_for_small_inputs_all_cores_for_large():
    assert choose_workers(None, PARALLEL_MIN_DOCUMENTS - 1, 10 * PARALLEL_MIN_BYTES) == 1
    assert choose_workers(None, 1000, PARALLEL_MIN_BYTES - 1) == 1
    assert choose_workers(None, 1000, 10 * PARALLEL_MIN_BYTES) >= 1
    assert choose_workers(3, 2) == 2  # never more processes than documents
    with pytest.raises(pc.PlancompareError):
        choose_workers(0, 10)


def test_map_documents_keeps_input_order_when_larger_items_start_first():
    items = [-i for i in range(12)]
    assert map_documents(abs, items, workers=2, sizes=list(range(12))) == list(range(12))


def test_map_documents_reports_every_result_as_it_finishes():
    seen = []
    results = map_documents(abs, [-i for i in range(9)], workers=2, sizes=list(range(9)),
                            on_result=lambda i, r: seen.append((i, r)))
    assert results == list(range(9)) and sorted(seen) == [(i, i) for i in range(9)]


def _lexicon_loaded(_item) -> int:
    from plancompare.repair.lexicon import default_lexicon

    return default_lexicon.cache_info().currsize


def test_pool_workers_start_with_the_repair_lexicon_loaded():
    # loaded once by the fork server, not again by each worker (the parallel speedup depended on it)
    assert map_documents(_lexicon_loaded, [0, 1, 2], workers=2) == [1, 1, 1]


def test_build_reports_a_bad_file_from_a_worker(tmp_path, synthetic):
    files, _ = synthetic
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(pc.PlancompareError, match="empty"):
        pc.build_corpus([*files[:2], empty], workers=2, embed=False, use_cache=False)


# --- indexes -------------------------------------------------------------------------------


def _clustered(n, dim=48, centres=60, seed=0, sample_seed=None):
    """``n`` unit vectors around ``centres`` cluster centres (drawn with ``seed``); ``sample_seed``
    draws other points around the same centres (queries from the corpus' distribution)."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(centres, dim))
    rng = rng if sample_seed is None else np.random.default_rng(sample_seed)
    x = base[rng.integers(0, centres, n)] + 0.35 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_exact_index_matches_brute_force_and_loads_memory_mapped(tmp_path):
    vectors, queries = _clustered(5_000), _clustered(20, seed=1)
    index = VectorIndex(method="exact", chunk_rows=700).fit(vectors)
    ids, scores = index.search(queries, k=10)
    full = queries @ vectors.T
    for q in range(len(queries)):
        assert np.allclose(scores[q], np.sort(full[q])[::-1][:10], atol=1e-5)
        assert np.allclose(full[q, ids[q]], scores[q], atol=1e-5)
    loaded = VectorIndex.load(index.save(tmp_path / "idx"))
    assert isinstance(loaded.vectors_, np.memmap)
    assert np.array_equal(loaded.search(queries, k=10)[0], ids)


def test_ivf_index_recall_at_10_against_exact(tmp_path):
    vectors, queries = _clustered(30_000), _clustered(100, sample_seed=2)
    exact_ids, _ = VectorIndex(method="exact").fit(vectors).search(queries, 10)
    index = VectorIndex(approximate_above=20_000).fit(vectors)
    assert index.method_ == "ivf"
    # nprobe was calibrated for the target: fewer cells than all, and the last one tried met it
    assert index.n_probe_ < index.faiss_index_.nlist and dict(index.calibration_)[index.n_probe_] >= index.target_recall
    # the fewest cells tried that met it: every probe count below it that was tried missed the target
    assert all(r < index.target_recall for p, r in index.calibration_ if p < index.n_probe_)
    ids, scores = index.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact_ids)])
    assert recall >= 0.99
    assert np.allclose(scores, np.einsum("qd,qkd->qk", queries, vectors[ids]), atol=1e-5)  # exact re-scores
    again = VectorIndex(approximate_above=20_000).fit(vectors).search(queries, 10)[0]
    assert np.array_equal(again, ids)  # deterministic build
    loaded = VectorIndex.load(index.save(tmp_path / "ivf"))
    assert loaded.n_probe_ == index.n_probe_
    assert np.array_equal(loaded.search(queries, 10)[0], ids)


def _noise(n, dim=32, seed=0):
    """``n`` unit vectors with no neighbourhood structure (isotropic Gaussian directions)."""
    x = np.random.default_rng(seed).normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_ivf_prunes_only_where_its_cells_separate_the_rows():
    structured = VectorIndex(approximate_above=1_000).fit(_clustered(8_000))
    assert structured.method_ == "ivf" and structured.prunes() and structured.scan_share_ < 0.5
    flat = VectorIndex(approximate_above=1_000).fit(_noise(8_000))
    assert flat.method_ == "ivf" and flat.scan_share_ > 0.5 and not flat.prunes()
    assert not VectorIndex(method="exact").fit(_noise(100)).prunes()


def _synthetic_passages(n, seed=0):
    rng = np.random.default_rng(seed)
    chars = np.array(list("发展建设推进城市乡村产业创新服务养老食堂社区医疗教育交通生态环境保护绿色低碳数字经济"))
    texts = ["".join(rng.choice(chars, size=int(rng.integers(20, 60)))) + "。" for _ in range(n)]
    return pd.DataFrame({"passage_id": [f"p{i}" for i in range(n)], "doc_id": [f"d{i % 7}" for i in range(n)],
                         "district": [f"区{i % 7}" for i in range(n)], "text": texts,
                         "section_path": ["一、发展 > （一）建设"] * n, "line_start": np.arange(n),
                         "line_end": np.arange(n)})


def test_search_through_an_ivf_index_that_does_not_prune_equals_the_exact_path():
    from plancompare.match import PassageIndex

    passages, vectors = _synthetic_passages(3_000), _noise(3_000)
    exact = PassageIndex().fit(passages, vectors)
    bypassed = PassageIndex(dense_index=VectorIndex(approximate_above=500), dense_pool=50).fit(passages, vectors)
    assert exact.dense_index_.method_ == "exact"
    assert bypassed.dense_index_.method_ == "ivf" and not bypassed.dense_index_.prunes()
    for i, query in enumerate(["养老食堂", "数字经济 绿色低碳", "城市更新"]):
        q = _noise(1, seed=10 + i)[0]
        assert np.array_equal(bypassed.dense_scores(q), exact.dense_scores(q))
        pd.testing.assert_frame_equal(bypassed.search(query, q, k=5, min_verdict="none"),
                                      exact.search(query, q, k=5, min_verdict="none"))


def test_rows_containing_a_segment_equals_reading_every_text():
    from plancompare.match import PassageIndex

    passages = _synthetic_passages(2_000, seed=3)
    index = PassageIndex().fit(passages)
    texts = passages["text"].tolist()
    for alternatives in (["养老"], ["养老食堂", "社区医疗"], ["发展建设推进"], ["数字"], ["不存在的词"]):
        expected = [i for i, t in enumerate(texts) if any(a in t for a in alternatives)]
        assert index._rows_containing(alternatives).tolist() == expected


def test_fewer_rows_than_k_pads_with_minus_one():
    ids, scores = VectorIndex().fit(_clustered(3)).search(_clustered(2, seed=3), k=5)
    assert (ids[:, 3:] == -1).all() and np.isinf(scores[:, 3:]).all()


def test_lexical_index_equals_tfidf_cosine(serial_build, tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from plancompare.match import CharNgramAnalyzer

    texts = serial_build.passages["text"].tolist()
    index = LexicalIndex(chunk_size=17).fit(texts)
    reference = TfidfVectorizer(analyzer=CharNgramAnalyzer(), sublinear_tf=True).fit(texts)
    matrix = reference.transform(texts)
    for query in ("经济社会发展", "生态环境保护 绿色发展", "养老服务"):
        expected = (matrix @ reference.transform([query]).T).toarray().ravel()
        got = index.scores(query)
        assert np.allclose(got, expected, atol=1e-4)  # hashing: a rare collision moves a norm slightly
        assert set(np.argsort(-got)[:5]) == set(np.argsort(-expected)[:5])
    loaded = LexicalIndex.load(index.save(tmp_path / "lex"))
    assert np.allclose(loaded.scores("养老服务"), index.scores("养老服务"))
    ids, _ = loaded.search(["养老服务"], k=3)
    assert ids.shape == (1, 3)


# --- embedding backends and the Dask engine (slow: they load the model) ----------------------


def test_int8_recipes_keep_the_named_matmuls_fp32_and_tag_their_vectors(tmp_path, monkeypatch):
    import onnx
    from onnx import TensorProto, helper

    from plancompare import onnx_backend as ob

    names = [f"/encoder/layer.{i}/{part}/MatMul" for i in range(4)
             for part in ("attention/self/query", "attention/output/dense", "intermediate/dense", "output/dense")]
    weight = helper.make_tensor("w", TensorProto.FLOAT, [2, 2], [1.0, 0.0, 0.0, 1.0])
    nodes = [helper.make_node("MatMul", ["x" if i == 0 else f"y{i - 1}", "w"], [f"y{i}"], name=name)
             for i, name in enumerate(names)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info(f"y{len(names) - 1}", TensorProto.FLOAT, [1, 2])], [weight])
    onnx.save(helper.make_model(graph), tmp_path / "model.onnx")
    kept = {recipe: ob.fp32_nodes(tmp_path / "model.onnx", recipe) for recipe in ob.INT8_RECIPES}
    assert kept["all"] == kept["7bit"] == []
    assert kept["7bit-ffn-out-fp32"] == [f"/encoder/layer.{i}/output/dense/MatMul" for i in range(4)]
    assert kept["7bit-last2-fp32"] == names[8:]
    monkeypatch.setattr(ob, "INT8_RECIPE", "7bit")
    assert ob.backend_tag("onnx-int8") == "onnx-int8:7bit" and ob.onnx_file_name("onnx-int8") == "model_qint8_7bit.onnx"
    monkeypatch.setattr(ob, "INT8_RECIPE", "all")
    assert ob.backend_tag("onnx-int8") == "onnx-int8" and ob.onnx_file_name("onnx-int8") == "model_qint8.onnx"


@pytest.mark.slow
def test_onnx_backends_agree_with_torch(serial_build):
    from plancompare.embed import embed_texts

    texts = serial_build.passages["text"].tolist()[:24]
    torch_vectors = embed_texts(texts, use_cache=False)
    onnx_vectors = embed_texts(texts, use_cache=False, backend="onnx")
    int8_vectors = embed_texts(texts, use_cache=False, backend="onnx-int8")
    assert (torch_vectors * onnx_vectors).sum(1).min() >= 0.9999
    assert (torch_vectors * int8_vectors).sum(1).min() >= 0.99
    with pytest.raises(pc.PlancompareError, match="backend"):
        embed_texts(texts[:1], backend="tensorrt")


@pytest.mark.slow
def test_dask_engine_builds_the_same_tables_on_a_local_cluster(synthetic, serial_build, tmp_path):
    from dask.distributed import Client, LocalCluster

    from plancompare.embed import embed_texts
    from plancompare.engine_dask import dask_embed_passages

    files, catalog = synthetic
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        on_cluster = pc.build_corpus(files, catalog=catalog, engine="dask", client=client, embed=False,
                                     use_cache=False)
        texts = serial_build.passages["text"].tolist()[:10]
        result = dask_embed_passages(texts, client=client, cache_dir=tmp_path)
    assert result.n_embedded == len(set(texts))  # all of them went to the cluster's actors
    _assert_same_tables(serial_build, on_cluster)
    local = embed_texts(texts, use_cache=False)
    assert result.vectors.shape == local.shape
    assert (result.vectors * local).sum(1).min() >= 0.99999


# --- the approximate dense index inside search (slow: the embedded bundled corpus) -------------


@pytest.fixture(scope="module")
def embedded_body(corpus):
    """Body passages of the bundled corpus, their embeddings, and the gold queries embedded."""
    from plancompare.embed import embed_texts

    from .test_match import body_rows, load_gold

    passages, mask = body_rows(corpus)
    queries = sorted(set(load_gold()["query"]))
    return passages, corpus.embeddings[mask], queries, embed_texts(queries, prompt="query")


@pytest.mark.slow
def test_search_through_recall_safe_approximate_index_equals_exact(embedded_body, monkeypatch):
    from plancompare import vector_index
    from plancompare.match import PassageIndex

    passages, embeddings, queries, vectors = embedded_body
    exact = PassageIndex().fit(passages, embeddings)
    assert exact.dense_index_.method_ == "exact"  # the bundled corpus is far below the threshold
    # every cell probed and every passage in the pool: the approximate path must change nothing
    safe = PassageIndex(dense_index=VectorIndex(method="ivf", n_lists=16, n_probe=16),
                        dense_pool=len(passages)).fit(passages, embeddings)
    assert safe.dense_index_.method_ == "ivf"
    # every cell probed: search would bypass the index for the exact scan; the IVF path is the one under test
    assert safe.dense_index_.scan_share_ == 1.0 and not safe.dense_index_.prunes()
    monkeypatch.setattr(vector_index, "MAX_SCAN_SHARE", 1.0)
    for query, vector in zip(queries, vectors):
        pd.testing.assert_frame_equal(safe.search(query, vector, k=5, min_verdict="none"),
                                      exact.search(query, vector, k=5, min_verdict="none"), rtol=1e-5)


@pytest.mark.slow
def test_search_above_a_low_threshold_uses_ivf_and_keeps_the_results(embedded_body, monkeypatch):
    from plancompare import vector_index
    from plancompare.match import PassageIndex

    passages, embeddings, queries, vectors = embedded_body
    exact = PassageIndex().fit(passages, embeddings)
    low = PassageIndex(dense_index=VectorIndex(approximate_above=100), dense_pool=100).fit(passages, embeddings)
    assert low.dense_index_.method_ == "ivf"
    # a dozen cells over ~1,000 passages: the calibrated probes visit most rows, so search would bypass the
    # index; the approximate path is what this test is about, so it is forced
    assert not low.dense_index_.prunes()
    monkeypatch.setattr(vector_index, "MAX_SCAN_SHARE", 1.0)
    assert low.dense_index_.prunes()
    # calibrated: the probe count grew until the calibration recall reached the target
    assert len(low.dense_index_.calibration_) > 1
    assert dict(low.dense_index_.calibration_)[low.dense_index_.n_probe_] >= low.dense_index_.target_recall
    same = []
    for query, vector in zip(queries, vectors):
        a = exact.search(query, vector, k=5, min_verdict="none")["passage_id"].tolist()
        b = low.search(query, vector, k=5, min_verdict="none")["passage_id"].tolist()
        same.append(len(set(a) & set(b)) / len(a))
    assert np.mean(same) >= 0.95, same


# --- cold start: the model loads while the documents are cleaned ---------------------------------


def test_model_preload_only_when_the_embedding_cache_is_empty(tmp_path):
    from plancompare.early_embed import preload_model

    shard = tmp_path / "namespace" / "shard-0.parquet"
    shard.parent.mkdir()
    shard.write_bytes(b"")
    assert preload_model(cache_dir=tmp_path) is None  # a rebuild: its vectors may all be cached
    assert preload_model(cache_dir=tmp_path / "empty", backend="onnx") is None  # ONNX loads its own session


@pytest.mark.slow
def test_model_preload_loads_the_model_a_build_then_reuses(tmp_path):
    from plancompare.early_embed import preload_model
    from plancompare.model import _load_cached, load_model

    load_model.cache_clear()
    thread = preload_model(cache_dir=tmp_path)
    assert thread is not None
    thread.join()
    assert _load_cached.cache_info().currsize == 1
    load_model()
    assert _load_cached.cache_info().hits >= 1


def test_background_embedder_fills_the_cache_the_build_then_reads(tmp_path):
    import time

    from plancompare.early_embed import BackgroundEmbedder
    from plancompare.embed import embed

    texts = ["推进新型城镇化建设", "加强生态环境保护", "建设现代化产业体系"]
    early = BackgroundEmbedder(cache_dir=tmp_path, chunk=2)
    early.submit(texts)
    deadline = time.time() + 300
    while early.n_embedded_ < len(texts) and time.time() < deadline:
        time.sleep(0.2)
    assert early.finish() == len(texts)
    again = embed(texts, cache_dir=tmp_path)
    assert again.n_cached == len(texts) and again.n_embedded == 0
    fresh = embed(texts, use_cache=False)
    assert np.allclose(again.vectors, fresh.vectors, atol=1e-6)


def test_background_embedder_waits_for_a_preload_started_later_and_takes_more_threads(tmp_path):
    import threading
    import time

    import torch

    from plancompare.early_embed import BackgroundEmbedder
    from plancompare.embed import embed

    threads_before = torch.get_num_threads()
    preload = threading.Thread(target=lambda: None)  # started only after the first submit, as a build does
    early = BackgroundEmbedder(cache_dir=tmp_path, preload=preload, chunk=1)
    texts = ["推进新型城镇化建设", "加强生态环境保护", "建设现代化产业体系"]
    early.submit(texts[:1])
    time.sleep(0.3)
    assert early.n_embedded_ == 0  # still waiting for the model load to start and end
    preload.start()
    early.use_threads(2)
    early.submit(texts[1:])
    deadline = time.time() + 300
    while early.n_embedded_ < len(texts) and time.time() < deadline:
        time.sleep(0.2)
    assert early.finish() == len(texts)
    assert torch.get_num_threads() == threads_before
    assert embed(texts, cache_dir=tmp_path).n_cached == len(texts)


def test_near_duplicate_check_by_minhash_filtering_equals_comparing_every_pair(synthetic):
    import random

    from plancompare.pipeline.sources import NEAR_DUPLICATE_JACCARD, DocumentRun, _jaccard, _shingles
    from plancompare.pipeline.stages import DocumentParams

    texts = [f.read_text(encoding="utf-8") for f in synthetic[0]]
    rng = random.Random(0)
    for text in list(texts):  # copies with a stretch of 1-12 % cut out: some near duplicates, some not
        for share in (0.01, 0.04, 0.08, 0.12):
            cut = rng.randrange(len(text))
            texts.append(text[:cut] + text[cut + int(len(text) * share):])
    run, positives = DocumentRun({}, DocumentParams()), 0
    for i, text in enumerate(texts):
        shingles = _shingles(text)
        every_pair = next((d for d, other in run._shingles.items()
                           if _jaccard(shingles, other) >= NEAR_DUPLICATE_JACCARD), None)
        assert run._near_twin(shingles, exclude="") == every_pair
        positives += every_pair is not None
        run._remember(f"doc{i}", shingles)
    assert 0 < positives < len(texts) - len(synthetic[0])


def test_first_build_pool_extracts_indicators_into_the_cache_the_build_then_reads(synthetic, tmp_path, monkeypatch):
    """A first build's pool workers (``on_tables`` given) also extract each document's indicators;
    the build's own extraction then finds every document in the stage cache, with the same table."""
    from plancompare.corpus import _catalog_rows, _combine
    from plancompare.parallel import prefetch_documents
    from plancompare.pipeline import stages
    from plancompare.pipeline.sources import DocumentRun, resolve_sources

    files, catalog = synthetic
    rows = _catalog_rows(catalog)
    params = stages.DocumentParams(cache_dir=str(tmp_path / "cache"))
    sources = resolve_sources(files)
    seen = []
    process = prefetch_documents(sources, rows, params, workers=2, on_tables=seen.append)
    run = DocumentRun(rows, params, process=process).run(sources)
    assert len(seen) == len(files)
    tables = _combine(run.results)  # the tables build_corpus extracts from
    fresh = stages.extract_indicators(tables["passages"], tables["documents"], tables["lines"],
                                      stages.DocumentParams(use_cache=False))
    assert len(fresh)  # the generated plans hold quantitative statements

    def no_extraction(*args, **kwargs):
        raise AssertionError("a document's indicators were not in the cache")

    monkeypatch.setattr(stages, "_extract_one", no_extraction)
    cached = stages.extract_indicators(tables["passages"], tables["documents"], tables["lines"], params)
    pd.testing.assert_frame_equal(cached, fresh, check_exact=True)


def test_stop_fork_server_ends_it_at_once_and_a_later_pool_starts_a_new_one():
    from multiprocessing import forkserver

    from plancompare.parallel import start_fork_server, stop_fork_server

    start_fork_server()
    pid = forkserver._forkserver._forkserver_pid
    assert stop_fork_server() is True
    with pytest.raises(ProcessLookupError):  # killed and reaped
        os.kill(pid, 0)
    assert stop_fork_server() is False
    assert map_documents(abs, [-3, -1, -2] * 4, workers=2) == [3, 1, 2] * 4
    assert stop_fork_server() is True


@pytest.mark.slow
def test_first_build_prints_progress_for_every_phase_in_order(synthetic, tmp_path, monkeypatch, capsys):
    """A first build (empty caches) says what it does from start to end: the model load beside the
    cleaning, the documents, the early embedding, the embedding, themes and indicators; and its
    tables equal a build without the early embedding (``workers=1`` builds serially, nothing early)."""
    files, catalog = synthetic
    monkeypatch.setenv("PLANCOMPARE_CACHE_DIR", str(tmp_path / "first"))
    corpus = pc.build_corpus(files[:3], catalog=catalog, embed=True, progress=True, index=False)
    err = capsys.readouterr().err.replace("\r", "\n")
    order = ["first build: the embedding model loads while the documents are cleaned", "Cleaning and outlining",
             "embed (while cleaning):", "embed:", "themes:", "indicators:"]
    positions = [err.find(marker) for marker in order]
    assert -1 not in positions and positions == sorted(positions), err[-3000:]
    monkeypatch.setenv("PLANCOMPARE_CACHE_DIR", str(tmp_path / "serial"))
    serial = pc.build_corpus(files[:3], catalog=catalog, embed=True, progress=False, index=False, workers=1)
    for name in TABLES:  # vectors embedded in other batches differ in the last float32 digits only
        pd.testing.assert_frame_equal(getattr(corpus, name), getattr(serial, name), check_exact=False, rtol=1e-5)
    assert np.allclose(corpus.embeddings, serial.embeddings, atol=1e-6)


def test_early_embedding_takes_only_the_cores_the_pool_has_freed(monkeypatch):
    """A first build's early embedder gets one torch thread per core no document occupies (one at
    least): never a thread sharing a core with a pool worker."""
    import plancompare.corpus as corpus_mod

    class Early:
        def __init__(self):
            self.threads, self.texts = [], 0

        def submit(self, texts):
            self.texts += len(texts)

        def use_threads(self, n):
            self.threads.append(n)

    class Tables:
        passages = pd.DataFrame({"text": ["a", "b"]})

    monkeypatch.setattr(corpus_mod, "available_cores", lambda: 4)
    early = Early()
    submit = corpus_mod._early_embedding(early, 5)
    for _ in range(5):
        submit(Tables())
    assert early.threads == [1, 1, 2, 3, 4] and early.texts == 10


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_lower_priority_of_one_thread_leaves_the_process_as_it_was():
    import threading

    from plancompare._priority import lower_priority

    base, seen = os.getpriority(os.PRIO_PROCESS, 0), []

    def nicer():
        lower_priority(base + 3, thread=True)
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=nicer)
    thread.start()
    thread.join()
    assert seen == [base + 3] and os.getpriority(os.PRIO_PROCESS, 0) == base
