"""Result columns and the deterministic top-k selection shared by search, compare and the index."""

from __future__ import annotations

import numpy as np

RESULT_COLUMNS = [
    "passage_id", "doc_id", "district", "score", "text", "section_path", "line_start", "line_end",
    "rank", "verdict", "p_comparable", "fused_score", "dense_score", "lexical_score", "matched_terms",
    "matched_variants",
]
"""Columns of :meth:`PassageIndex.search` and :meth:`PassageIndex.compare` results (compare adds
``source_passage_id``)."""

REQUIRED_COLUMNS = ("passage_id", "doc_id", "district", "text", "section_path", "line_start", "line_end")


def top_rows(scores: np.ndarray, mask: np.ndarray, k: int, min_score: float) -> np.ndarray:
    """Indices of the ``k`` best masked scores, ties broken by row order (deterministic)."""
    cand = np.flatnonzero(mask & (scores >= min_score))
    if cand.size == 0:
        return cand
    if 0 < k < cand.size:  # only the k best and their ties need sorting (the whole corpus at scale)
        values = scores[cand]
        kth = np.partition(values, cand.size - k)[cand.size - k]
        if not np.isnan(kth):
            cand = cand[values >= kth]
    order = np.lexsort((cand, -scores[cand]))
    return cand[order[:k]]

