"""What ``build_corpus`` keeps alive while its corpus-level stages run.

The per-document tables and the near-duplicate check's shingles stayed referenced by the build
until it returned, through embedding, themes, indicators and the search index; releasing them
lowered the peak of a whole build of 1,000 documents from 4,509 to 4,380 MB
(``benchmarks/bench_memory.py --steps whole``). The search index's fit, where that peak was set,
holds fewer copies of the body vectors: checked bitwise against the formulas it replaced.
"""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd

import plancompare as pc
from plancompare.match import PassageIndex
from plancompare.pipeline import sources, stages


def _alive(kind) -> int:
    gc.collect()
    return sum(isinstance(o, kind) for o in gc.get_objects())


def test_per_document_tables_are_released_before_indicators_and_index(catalog, monkeypatch):
    counts = []
    extract = stages.extract_indicators

    def counting(*args, **kwargs):
        counts.append((_alive(sources.DocumentRun), _alive(stages.DocumentTables)))
        return extract(*args, **kwargs)

    monkeypatch.setattr(stages, "extract_indicators", counting)
    files = list(catalog["source_file"])[:3]
    corpus = pc.build_corpus(files, catalog=catalog, embed=False, use_cache=False, workers=1)
    assert len(corpus.documents) == 3 and len(corpus.indicators)  # the build itself is whole
    assert counts == [(0, 0)]


def test_document_pool_fork_server_is_stopped_after_the_documents(catalog, monkeypatch):
    """The pool's fork server (the pipeline's modules and tables, ≈ 0.3 GB at 1,000 documents)
    stayed resident through embedding, themes, indicators and the search index."""
    from multiprocessing import forkserver

    running = []
    extract = stages.extract_indicators

    def noting(*args, **kwargs):
        running.append(forkserver._forkserver._forkserver_pid is not None)
        return extract(*args, **kwargs)

    monkeypatch.setattr(stages, "extract_indicators", noting)
    files = list(catalog["source_file"])[:3]
    corpus = pc.build_corpus(files, catalog=catalog, embed=False, use_cache=False, workers=2, index=False)
    assert len(corpus.documents) == 3
    assert running == [False]
    # a later pool starts a server again
    again = pc.build_corpus(files[:2], catalog=catalog, embed=False, use_cache=False, workers=2, index=False)
    columns = ["passage_id", "text", "line_start", "line_end"]  # themes depend on the whole corpus
    assert again.passages[columns].equals(corpus.passages[columns].iloc[:len(again.passages)])


# --- the search index fit: fewer copies of the body vectors, the same bits ------------------------


def _one_shot_unit_rows(x):
    """The normalisation the index fit used before it was chunked and in place."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


def test_chunked_unit_rows_are_bitwise_the_one_shot_normalisation(corpus):
    from plancompare.vector_index import unit_rows

    # the bundled passages' real vectors, rows scaled off unit length, one zero row
    n = len(corpus.embeddings)
    x = corpus.embeddings * np.linspace(0.5, 3.0, n, dtype=np.float32)[:, None]
    x[7] = 0.0
    for dtype in (np.float32, np.float64):
        rows = x.astype(dtype)
        expected = _one_shot_unit_rows(rows)
        assert expected.dtype == dtype and not np.isnan(expected).any()
        for chunk in (1, 97, n, 16_384):
            assert np.array_equal(unit_rows(rows, chunk_rows=chunk), expected)
            own = rows.copy()
            assert unit_rows(own, out=own, chunk_rows=chunk) is own and np.array_equal(own, expected)


def test_index_fit_matrices_are_bitwise_those_of_the_one_shot_fit(corpus, monkeypatch):
    """``stages.build_index`` hands its body-row copy to the index (normalised in place) and the
    centred matrices are computed in place, in chunks: every matrix equals the former formula's,
    and the corpus's own vectors are left as they were."""
    from plancompare import vector_index

    monkeypatch.setattr(vector_index, "UNIT_ROWS_CHUNK", 97)  # several chunks on the bundled corpus
    mask = stages.body_mask(corpus.passages)
    body = corpus.passages[mask]
    before = corpus.embeddings.copy()
    unit = _one_shot_unit_rows(np.asarray(corpus.embeddings[mask], dtype=np.float32))
    mean = unit.mean(axis=0)
    centered = _one_shot_unit_rows(unit - mean).astype(np.float32)
    parent = body["section_path"].fillna("").astype(str).str.rsplit(" > ", n=1).str[0]
    groups = pd.Series(np.arange(len(body))).groupby([body["doc_id"].astype(str).to_numpy(),
                                                      parent.to_numpy()]).indices
    section = np.zeros_like(unit)
    for rows in groups.values():
        section[rows] = unit[rows].mean(axis=0)
    section_centered = _one_shot_unit_rows(section - mean).astype(np.float32)
    assert len(groups) > 20 and len(unit) > 3 * 97

    index = stages.build_index(corpus.passages, corpus.embeddings)
    assert np.array_equal(corpus.embeddings, before)
    f = index.featurizer_
    for got, expected in ((index.embeddings_, unit), (f.mean_, mean), (f.centered_, centered),
                          (f.section_centered_, section_centered)):
        assert got.dtype == np.float32 and np.array_equal(got, expected)
    # the public fit copies by default: the caller's array stays as given
    given = corpus.embeddings[mask] * 2.0
    kept = given.copy()
    copied = PassageIndex().fit(body, given)
    assert np.array_equal(given, kept) and np.array_equal(copied.embeddings_, _one_shot_unit_rows(kept))
