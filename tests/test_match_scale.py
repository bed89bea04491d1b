"""Search and compare at scale: the shortcuts give the results of the full scans they replace.

* lexical scores come from posting lists, and the exact-segment bonus reads only the rows holding a
  segment's rarest n-gram: checked against the product with the whole TF-IDF matrix and a substring
  scan of every passage (bundled plans, gold queries);
* ``compare`` scores every district's candidates in one feature pass: checked against one pass per list;
* search takes the spread of ``dense_z`` from the centred rows' moments: checked against the pass over every passage;
* CSLS radii are computed once per distinct vector and cached: checked against their definition, and
  ``compare`` with a warm cache against one with an empty cache (slow: the embedded bundled corpus).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plancompare.match import PassageIndex
from plancompare.match.features import CSLS_NEIGHBOURS
from plancompare.match.ranking import top_rows

from .test_match import body_rows, load_gold

EXTRA_QUERIES = ("长者食堂 社区助餐点", "5G基站", "碳达峰，碳中和", "营商环境 一网通办", "elderly care", "智慧 城市")


@pytest.fixture(scope="module")
def plan_index(plans):
    """A lexical-only index over the bundled plans' body passages (no model needed)."""
    passages, _ = body_rows(plans)
    return PassageIndex().fit(passages, None)


def _queries() -> list[str]:
    return sorted(set(load_gold()["query"]) | set(EXTRA_QUERIES))


def _full_scan_lexical(index, text, segments, bonus):
    """The lexical score as it was computed before posting lists: every row, every text."""
    qv = index.vectorizer_.transform([text])
    if qv.nnz == 0:
        return None
    scores = np.asarray((index.lexical_matrix_ @ qv.T).todense()).ravel().astype(np.float32)
    if bonus and segments:
        texts = index.passages_["text"].tolist()
        hits = np.zeros(len(texts), dtype=np.float32)
        for alternatives in segments:
            hits += np.fromiter((any(a in t for a in alternatives) for t in texts), dtype=np.float32, count=len(texts))
        scores = scores + bonus * hits / len(segments)
    return scores


def test_posting_list_lexical_scores_equal_the_full_scan(plan_index):
    checked = 0
    for query in _queries():
        text, segments, bonus = plan_index.query_terms(query)
        if not text:
            continue
        fast = plan_index.lexical_scores(query)
        slow = _full_scan_lexical(plan_index, text, segments, bonus)
        assert (fast is None) == (slow is None)
        if fast is None:
            continue
        np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-6)  # float32 sums in another order
        for alternatives in segments:  # the bonus rows exactly
            expected = [i for i, t in enumerate(plan_index.passages_["text"]) if any(a in t for a in alternatives)]
            assert plan_index._rows_containing(alternatives).tolist() == expected
        checked += bool(segments)
    assert checked >= 20


def test_search_results_equal_those_of_the_full_scan(plan_index):
    class FullScan(PassageIndex):
        def _lexical(self, text, segments, bonus):
            return _full_scan_lexical(self, text, segments, bonus)

    slow = FullScan().fit(plan_index.passages_, None)
    for query in _queries():
        a = plan_index.search(query, k=10, min_verdict="none")
        b = slow.search(query, k=10, min_verdict="none")
        assert a["passage_id"].tolist() == b["passage_id"].tolist(), query
        assert a["verdict"].tolist() == b["verdict"].tolist(), query
        np.testing.assert_allclose(a["p_comparable"], b["p_comparable"], atol=1e-6)


def test_top_rows_partition_keeps_the_full_sort_order():
    rng = np.random.default_rng(3)
    for trial in range(200):
        n = int(rng.integers(1, 300))
        scores = rng.integers(0, 8, n).astype(np.float32) / 8  # many ties
        mask = rng.random(n) < 0.7
        k = int(rng.integers(1, 40))
        cand = np.flatnonzero(mask & (scores >= 0.25))
        expected = cand[np.lexsort((cand, -scores[cand]))][:k]
        assert top_rows(scores, mask, k, 0.25).tolist() == expected.tolist()


def test_one_feature_pass_over_several_districts_equals_one_pass_each(plan_index):
    index = plan_index
    district = index.passages_["district"].to_numpy()
    src = int(np.flatnonzero(district == index.districts_[0])[3])
    probe = index.featurizer_.passage_probe(src, None)
    lists = [np.flatnonzero(district == d)[:30] for d in index.districts_[1:]]
    groups = np.repeat(np.arange(len(lists)), [len(x) for x in lists])
    together = index.featurizer_.transform(probe, np.concatenate(lists), None, groups=groups)
    apart = np.vstack([index.featurizer_.transform(probe, rows, None) for rows in lists])
    np.testing.assert_allclose(together, apart, rtol=0, atol=1e-6)
    assert np.abs(apart[:, -12:]).sum() > 0  # the margins and sentence features are not all zero


# --- CSLS radii (slow: the embedded bundled corpus) ---------------------------------------------------


@pytest.fixture(scope="module")
def embedded(corpus):
    passages, mask = body_rows(corpus)
    return passages, corpus.embeddings[mask]


def _radius_by_definition(centered: np.ndarray, row: int) -> float:
    sims = np.delete(centered @ centered[row], row)
    return float(np.sort(sims)[-CSLS_NEIGHBOURS:].mean())


def test_radii_are_scanned_once_per_distinct_vector_and_follow_their_definition(monkeypatch):
    """Rows with the bitwise same vector (a paragraph repeated across plans) share one scan; every
    radius, repeated rows' included, is the mean of its ``CSLS_NEIGHBOURS`` nearest other rows."""
    from plancompare.match.features import PairFeaturizer

    rng = np.random.default_rng(0)
    centered = rng.normal(size=(600, 32)).astype(np.float32)
    centered[100:300] = centered[rng.integers(0, 100, 200)]  # 200 repeats of the first 100 rows
    centered /= np.linalg.norm(centered, axis=1, keepdims=True)
    featurizer = PairFeaturizer()
    featurizer.centered_, featurizer.radii_ = centered, None
    scanned = []
    exact = PairFeaturizer._exact_radii
    monkeypatch.setattr(PairFeaturizer, "_exact_radii", lambda self, rows: scanned.append(len(rows)) or exact(self, rows))
    rows = np.arange(0, 600, 3)
    got = featurizer.radii(rows)
    assert sum(scanned) == len(np.unique(featurizer._twins()[rows])) < len(rows)
    np.testing.assert_allclose(got, [_radius_by_definition(centered, r) for r in rows], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(featurizer.radii(rows), got)  # cached: no second scan
    assert sum(scanned) == len(np.unique(featurizer._twins()[rows]))


@pytest.mark.slow
def test_cached_radii_follow_their_definition_and_compare_is_unchanged(embedded):
    passages, embeddings = embedded
    index = PassageIndex().fit(passages, embeddings)
    f = index.featurizer_
    rows = np.arange(0, len(passages), 7)
    expected = [_radius_by_definition(f.centered_, r) for r in rows]
    np.testing.assert_allclose(f.radii(rows), expected, rtol=0, atol=1e-6)
    # a second compare reads the cache: the same frame
    pid = passages["passage_id"].iloc[40]
    first = index.compare(pid, k=3, min_verdict="none")
    pd.testing.assert_frame_equal(first, index.compare(pid, k=3, min_verdict="none"))
    fresh = PassageIndex().fit(passages, embeddings)  # an empty cache
    pd.testing.assert_frame_equal(first, fresh.compare(pid, k=3, min_verdict="none"))
    per_row = PassageIndex().fit(passages, embeddings)  # one scan per row, as before repeated vectors shared one
    per_row.featurizer_.twin_ = np.arange(len(passages))
    before = per_row.compare(pid, k=3, min_verdict="none")
    pd.testing.assert_frame_equal(first.drop(columns="p_comparable"), before.drop(columns="p_comparable"))
    np.testing.assert_allclose(first["p_comparable"], before["p_comparable"], rtol=0, atol=1e-6)


@pytest.mark.slow
def test_query_spread_from_moments_equals_the_full_scan(embedded):
    """Search takes the mean and spread of ``dense_z`` from the centred rows' moments and the centred
    cosines of the candidates only: the same features as the pass over every passage."""
    from plancompare.embed import embed_texts

    passages, embeddings = embedded
    index = PassageIndex().fit(passages, embeddings)
    f = index.featurizer_
    queries = _queries()
    vectors = embed_texts(queries, prompt="query")
    rows = np.arange(0, len(passages), 5)
    for query, vector in zip(queries, vectors):
        probe = f.query_probe(query, vector, [])
        every = f.centered_ @ probe.centered
        assert probe.every_mean == pytest.approx(float(every.mean()), abs=1e-6)
        assert probe.every_std == pytest.approx(float(every.std()), abs=1e-6)
        fast = f.transform(probe, rows, index.embeddings_)
        probe.every, probe.every_mean, probe.every_std = every, every.mean(), max(float(every.std()), 1e-6)
        np.testing.assert_allclose(fast, f.transform(probe, rows, index.embeddings_), rtol=0, atol=1e-5)
