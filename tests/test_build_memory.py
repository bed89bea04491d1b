"""What ``build_corpus`` keeps alive while its corpus-level stages run.

The per-document tables and the near-duplicate check's shingles stayed referenced by the build
until it returned, through embedding, themes, indicators and the search index; releasing them
lowered the peak of a whole build of 1,000 documents from 4,509 to 4,380 MB
(``benchmarks/bench_memory.py --steps whole``).
"""

from __future__ import annotations

import gc

import plancompare as pc
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
