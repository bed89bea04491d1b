"""Labelled candidate lists for the verdict model: built once, then cross-validated or trained on.

For every gold topic and every judged district, the fused (baseline) ranking picks the index's
candidates in that district -- for the topic's query (``kind="query"``, what ``search`` scores), for
its source passage (``kind="pair"``, what ``compare`` scores) and for the source passage focused on
the topic (``kind="focus"``, what ``compare(..., focus=query)`` scores: the one sentence of the source
that states the topic's goal, picked by :func:`plancompare.match.compare.focus_sentence`; the model
sees that sentence and, as the user's focus phrase, the topic query (``focus_*`` features)) -- and
the gold targets are added when the baseline missed them. Each candidate gets the features of
:class:`plancompare.match.features.PairFeaturizer` and a label: 1 when it spans a comparable gold
target, else 0 (judged not comparable, or not named by the gold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plancompare.match.features import DENSE_FEATURES, FEATURE_NAMES, FOCUS_OF, QUERY_ONLY
from plancompare.match.ranking import top_rows
from plancompare.match.verdict import fit_linear_verdict

_PASSAGE_ONLY = ("theme_same", "length_ratio", "reverse_dense", "reverse_char", "sentence_char", "sentence_words",
                 "dense_csls", "sentence_margin")
_FOCUS_ONLY = tuple(FOCUS_OF)
HYBRID_FEATURES = {
    "query": tuple(f for f in FEATURE_NAMES if f not in _PASSAGE_ONLY + _FOCUS_ONLY),
    "pair": tuple(f for f in FEATURE_NAMES if f not in QUERY_ONLY + _FOCUS_ONLY),
    "focus": tuple(f for f in FEATURE_NAMES if f not in QUERY_ONLY),
    # an English query with no glossary term has no lexical form: dense evidence only
    "query_dense": tuple(f for f in DENSE_FEATURES if f not in _PASSAGE_ONLY + _FOCUS_ONLY),
    # the focus model before the focus-phrase features (evaluated side by side, not shipped)
    "focus_sentence": tuple(f for f in FEATURE_NAMES if f not in QUERY_ONLY + _FOCUS_ONLY),
}
LEXICAL_FEATURES = {kind: tuple(f for f in feats if f not in DENSE_FEATURES) for kind, feats in HYBRID_FEATURES.items()
                    if kind != "query_dense"}


def dense_only_cases(cases: list[Case]) -> list[Case]:
    """The query lists again as kind ``query_dense``: the verdict an English query with no glossary term
    gets, which has dense evidence only."""
    from dataclasses import replace

    return [replace(c, kind="query_dense") for c in cases if c.kind == "query"]


def focus_sentence_cases(cases: list[Case]) -> list[Case]:
    """The focus lists again as kind ``focus_sentence``, scored without the focus-phrase features:
    the previous focus model, cross-validated in the same run as the current one."""
    from dataclasses import replace

    return [replace(c, kind="focus_sentence") for c in cases if c.kind == "focus"]


@dataclass
class Case:
    """One (topic, district, kind) candidate list, in baseline (fused) order."""

    topic: str
    district: str
    source_district: str
    kind: str                    # "query" or "pair"
    rows: np.ndarray
    fused: np.ndarray
    features: np.ndarray
    labels: np.ndarray
    has_match: bool


def build_cases(index, topics, query_embeddings: dict, row_of, n_candidates: int = 30, embed=None) -> list[Case]:
    """Candidate lists for every topic x judged district x kind (see the module docstring); ``embed``
    (texts -> vectors, query prompt) embeds the focus sentences, None for a lexical-only index."""
    from plancompare.match.compare import _probe
    passages = index.passages_
    district_col = passages["district"].to_numpy()
    cases: list[Case] = []
    for t in topics:
        src_row = row_of(passages, t.source) if t.source else None
        src_district = district_col[src_row] if src_row is not None else ""
        for gold_district in t.districts():
            d = _indexed_district(gold_district, index.districts_)  # the gold writes 北京市, the corpus Beijing
            targets = t.comparable.get(gold_district, [])
            target_rows = {r for loc in targets if (r := row_of(passages, loc)) is not None}
            mask = district_col == d
            if not mask.any() or (targets and not target_rows):
                continue  # a district outside the corpus, or targets outside the indexed (body) rows
            probes = []
            if t.query:
                text, segments, _ = index.query_terms(t.query)
                emb = query_embeddings.get(t.query)
                dense = index.dense_scores(emb)
                fused = index._fuse(dense, index.lexical_scores(t.query))
                probes.append(("query", index.featurizer_.query_probe(text, None if dense is None else emb,
                                                                      segments), fused))
            if src_row is not None and src_district != d:
                probes.append(("pair", *_pair_probe(index, src_row, mask)))
                if t.query:
                    probes.append(("focus", *_focus_probe(index, src_row, mask, t.query, embed, _probe)))
            for kind, probe, fused in probes:
                rows = top_rows(fused, mask, n_candidates, -np.inf)
                rows = np.concatenate([rows, np.array(sorted(target_rows - set(rows.tolist())), dtype=int)])
                feats = index.featurizer_.transform(probe, rows, index.embeddings_)
                labels = np.array([int(r in target_rows) for r in rows])
                cases.append(Case(t.topic, d, src_district, kind, rows, fused[rows], feats, labels,
                                  bool(target_rows)))
    return cases


def _indexed_district(name: str, indexed: list[str]) -> str:
    """The index's spelling of a gold district name, or the name itself when the index lacks it."""
    from plancompare.districts import resolve_districts
    from plancompare.errors import PlancompareError

    try:
        return resolve_districts(name, indexed)[0]
    except PlancompareError:
        return name


def _pair_probe(index, src_row: int, mask: np.ndarray):
    emb = index.embeddings_
    dense = emb @ emb[src_row] if emb is not None else None
    lexical = np.asarray((index.lexical_matrix_ @ index.lexical_matrix_[src_row].T).todense()).ravel()
    fused = np.zeros(len(index.passages_), dtype=np.float32)
    rows_d = np.flatnonzero(mask)
    fused[rows_d] = index._fuse(None if dense is None else dense[rows_d], lexical[rows_d])
    probe = index.featurizer_.passage_probe(src_row, None if emb is None else emb[src_row])
    return probe, fused


def _focus_probe(index, src_row: int, mask: np.ndarray, focus: str, embed, probe_of):
    dense, lexical, probe, _, _ = probe_of(index, src_row, focus, embed)
    fused = np.zeros(len(index.passages_), dtype=np.float32)
    rows_d = np.flatnonzero(mask)
    fused[rows_d] = index._fuse(None if dense is None else dense[rows_d], lexical[rows_d])
    return probe, fused


# Inverse L2 strength of the verdict regression. 0.1 rather than scikit-learn's 1.0: ~30 correlated
# features on ~110 topics; on topic-wise CV the two are level, while on the fresh topics (a gold
# written after the model) the stronger penalty calls more nothing-comparable districts none
# (benchmarks/results/match_fresh_failures.md).
VERDICT_C = 0.1


def fit_kind(cases: list[Case], kind: str, hybrid: bool, n_splits: int = 5):
    """A :class:`~plancompare.match.verdict.LinearVerdict` for one probe kind on ``cases``."""
    mine = [c for c in cases if c.kind == kind]
    x = np.vstack([c.features for c in mine])
    y = np.concatenate([c.labels for c in mine])
    groups = np.concatenate([[c.topic] * len(c.rows) for c in mine])
    features = (HYBRID_FEATURES if hybrid else LEXICAL_FEATURES)[kind]
    return fit_linear_verdict(x, y, groups, features, n_splits=n_splits, C=VERDICT_C)


def choose_thresholds(cases: list[Case], p_of: dict, min_kept: float = 0.92) -> dict:
    """Thresholds from (out-of-fold) probabilities ``p_of[id(case)]``.

    ``related`` (the line below which a result is ``none``): the highest threshold that keeps at least
    ``min_kept`` of the districts' best true matches, the none-cases' best candidates counting against;
    ``comparable``: the threshold maximising F1 of "comparable" over the top-3 candidates of each list.
    """
    best_true = [p_of[id(c)][c.labels == 1].max() for c in cases if c.has_match]
    best_none = [p_of[id(c)].max() for c in cases if not c.has_match]
    grid = np.unique(np.round(np.concatenate([best_true, best_none, [0.5]]), 4))
    kept = [(np.mean(np.asarray(best_true) >= t), t) for t in grid]
    related = max([t for k, t in kept if k >= min_kept] or [float(grid.min())])
    scores, labels = [], []
    for c in cases:
        top = np.argsort(-p_of[id(c)], kind="stable")[:3]
        scores += list(p_of[id(c)][top])
        labels += list(c.labels[top])
    scores, labels = np.asarray(scores), np.asarray(labels)
    f1 = []
    for t in np.unique(np.round(scores, 4)):
        if t < related:
            continue
        tp = ((scores >= t) & (labels == 1)).sum()
        f1.append((2 * tp / max((scores >= t).sum() + labels.sum(), 1), t))
    comparable = max(f1)[1] if f1 else related
    return {"comparable": float(max(comparable, related)), "related": float(related)}
