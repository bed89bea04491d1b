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
