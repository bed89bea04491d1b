"""Scratch experiment of issue 11, round 5: leave-the-match-out hard negatives, a gradient-boosted pair model
and district-list / cross-district features for the verdict, on the cached candidate lists.

``python benchmarks/match_verdict5.py --scratch DIR --configs JSON``

Builds (once, cached in ``DIR``) the candidate lists ``bench_match.py`` builds (``match_examples.build_cases``,
same corpus, same probes) for every development gold: the training gold (topics.csv + match_pairs.csv), fresh v1,
fresh2 and fresh3 (fresh3 was scored once blind on 2026-12-02 and is development data from this round on). For
each list it also keeps the column maxima of the probe's *global* candidates (the fused top
``GLOBAL_CANDIDATES`` over every district but the source's), for the cross-district columns below.

Cross-validation: 5-fold GroupKFold by topic over all development topics, thresholds from inner folds
(``match_cv.out_of_fold``, the shipping rule: keep >= 0.92 of the training topics' true matches); figures pooled and
on the topics written by people who did not write the matcher (fresh, fresh2, fresh3).

A config is ``[label, kind, model, hard_negatives, added columns]``:
``model``          ``"lr"`` the shipped standardised logistic regression (C = 0.1) + sigmoid calibration;
                   ``"hgb"`` HistGradientBoostingClassifier (depth 3, 150 iterations, learning rate 0.05, L2 1.0,
                   monotone increasing in every similarity column) in the same topic-fold sigmoid calibration;
                   ``"avg"`` the mean of the two calibrated probabilities;
``hard_negatives`` ``"none"``; ``"all"``: every list with a true match is added to the *training* folds a second
                   time without its comparable passages (and their same-text duplicates), labelled as a
                   nothing-comparable list, list-relative columns recomputed; ``"top3"``: only the reduced list's
                   three best fused candidates; evaluation is always on the real lists;
added columns      any of :data:`EXTRA`:
  ``gap_<f>``      the candidate's value of feature ``f`` minus the best *other* candidate's in the same district
                   list (how far it stands above the runner-up; negative below the list's best);
  ``glob_<f>``     the candidate's value minus the best value among the probe's global candidates (every district
                   but the source's): a district whose best is far below what other districts offer.
An optional sixth item holds options: ``{"min_kept": 0.90}`` (the threshold rule's kept share, default the
shipped 0.92), ``{"hgb": {...}}`` (HistGradientBoostingClassifier parameters replacing the defaults).
Label ``paired`` runs the first config of the list against the second on the same folds with a bootstrap over
topics of the per-list differences (``[["paired", A, B]]`` with A, B configs as above).
Nothing here ships unless a config clears the bar of ``benchmarks/results/match_verdict5.md``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

GLOBAL_CANDIDATES = 30
GAP_BASES = ("dense_centered", "char_tfidf", "bm25", "sentence_char", "term_share", "sentence_term_share",
             "focus_dense_centered", "focus_term_share", "focus_sentence_share")
GLOB_BASES = GAP_BASES
EXTRA = tuple(f"gap_{b}" for b in GAP_BASES) + tuple(f"glob_{b}" for b in GLOB_BASES)
SETS = ("train", "fresh", "fresh2", "fresh3")
# every column where more similarity can only mean "more comparable" (HGB monotone constraint)
NOT_MONOTONE = ("length_ratio", "theme_same", "numbers_shared")


def _global_maxima(index, probe, fused, source_district, district_col) -> np.ndarray:
    """Column maxima (FEATURE_NAMES) of the probe's fused top GLOBAL_CANDIDATES outside the source district."""
    from plancompare.match.ranking import top_rows

    mask = district_col != source_district
    rows = top_rows(fused, mask, GLOBAL_CANDIDATES, -np.inf)
    return index.featurizer_.transform(probe, rows, index.embeddings_).max(axis=0)


def build(index, topics, qemb: dict, embed) -> list:
    """``match_examples.build_cases`` for ``topics``, each case with ``global_max`` (see the docstring) and
    ``dup`` (rows whose text equals a comparable target's: dropped with it from a leave-out list)."""
    from match_examples import _focus_probe, _pair_probe, build_cases
    from match_gold import row_of
    from plancompare.match.compare import _probe

    cases = build_cases(index, topics, qemb, row_of, embed=embed)
    passages = index.passages_
    district_col = passages["district"].to_numpy()
    texts = index.featurizer_.texts_
    by_topic = {t.topic: t for t in topics}
    memo = {}
    for c in cases:
        t = by_topic[c.topic]
        key = (c.topic, c.kind)
        if key not in memo:
            src_row = row_of(passages, t.source) if t.source else None
            if c.kind == "query":
                text, segments, _ = index.query_terms(t.query)
                emb = qemb.get(t.query)
                dense = index.dense_scores(emb)
                fused = index._fuse(dense, index.lexical_scores(t.query))
                probe = index.featurizer_.query_probe(text, None if dense is None else emb, segments)
                source = None  # search ranks every district
            else:
                mask = np.ones(len(passages), bool)
                probe, fused = (_pair_probe(index, src_row, mask) if c.kind == "pair"
                                else _focus_probe(index, src_row, mask, t.query, embed, _probe))
                source = district_col[src_row]
            memo[key] = _global_maxima(index, probe, fused, source, district_col)
        c.global_max = memo[key]
        target_texts = {texts[r] for r, y in zip(c.rows, c.labels) if y == 1}
        c.dup = np.array([texts[r] in target_texts for r in c.rows])
    return cases


def index_and_cases(scratch: Path):
    """(hybrid index, {set name: cases}), the cases cached in ``scratch/verdict5_cases.pkl``."""
    from bench_match import evaluation_index
    from match_gold import FRESH, FRESH2, FRESH3, load_topics
    from plancompare.embed import embed_texts

    index = evaluation_index(scratch)
    cached = scratch / "verdict5_cases.pkl"
    if cached.exists():
        return index, pickle.loads(cached.read_bytes())
    sets = {"train": load_topics(), "fresh": load_topics(None, FRESH), "fresh2": load_topics(None, FRESH2),
            "fresh3": load_topics(None, FRESH3)}
    queries = sorted({t.query for ts in sets.values() for t in ts if t.query})
    qemb = dict(zip(queries, embed_texts(queries, prompt="query")))

    def embed(texts):
        return embed_texts(list(texts), prompt="query")

    cases = {name: build(index, ts, qemb, embed) for name, ts in sets.items()}
    cached.write_bytes(pickle.dumps(cases))
    return index, cases


def list_columns(features: np.ndarray, global_max: np.ndarray) -> np.ndarray:
    """The margins of FEATURE_NAMES recomputed over this list, and the :data:`EXTRA` columns appended."""
    from plancompare.match.features import FEATURE_NAMES, MARGIN_OF

    x = np.array(features[:, :len(FEATURE_NAMES)], dtype=np.float32)
    col = {n: i for i, n in enumerate(FEATURE_NAMES)}
    for margin, base in MARGIN_OF.items():
        x[:, col[margin]] = x[:, col[base]] - np.median(x[:, col[base]])
    extra = []
    for b in GAP_BASES:
        v = x[:, col[b]]
        order = np.argsort(-v, kind="stable")
        best, second = v[order[0]], (v[order[1]] if len(v) > 1 else v[order[0]])
        other_best = np.where(np.arange(len(v)) == order[0], second, best)
        extra.append(v - other_best)
    for b in GLOB_BASES:
        extra.append(x[:, col[b]] - global_max[col[b]])
    return np.hstack([x, np.column_stack(extra).astype(np.float32)])


def augment(cases: dict) -> None:
    for group in cases.values():
        for c in group:
            c.features = list_columns(c.features, c.global_max)


def leave_out(c, top: int | None):
    """The nothing-comparable list a match list becomes without its comparable passages (and duplicates)."""
    keep = np.flatnonzero((c.labels == 0) & ~c.dup)
    if top is not None:
        keep = keep[np.argsort(-c.fused[keep], kind="stable")[:top]]
    if len(keep) < 2:
        return None
    full = list_columns(c.features[keep], c.global_max) if top is None else None
    if top is not None:  # list-relative columns over the whole reduced list, then the top rows kept
        every = np.flatnonzero((c.labels == 0) & ~c.dup)
        feats = list_columns(c.features[every], c.global_max)
        full = feats[[int(np.flatnonzero(every == k)[0]) for k in keep]]
    return replace(c, rows=c.rows[keep], fused=c.fused[keep], features=full, labels=np.zeros(len(keep), int),
                   has_match=False)


class HGBVerdict:
    """A calibrated gradient-boosted pair model with the ``predict_proba(full feature matrix)`` interface."""

    def __init__(self, model, cols):
        self.model, self.cols = model, cols

    def predict_proba(self, features):
        return self.model.predict_proba(np.asarray(features, np.float64)[:, self.cols])[:, 1]


def fit_hgb(x, y, groups, features, names, n_splits=5, params=None):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GroupKFold

    cols = [names.index(f) for f in features]
    xs = np.asarray(x, np.float64)[:, cols]
    mono = [0 if f in NOT_MONOTONE else 1 for f in features]
    p = {"max_depth": 3, "max_iter": 150, "learning_rate": 0.05, "l2_regularization": 1.0, "min_samples_leaf": 40}
    p.update(params or {})
    base = HistGradientBoostingClassifier(monotonic_cst=mono, class_weight="balanced", random_state=0,
                                          early_stopping=False, **p)
    splits = list(GroupKFold(n_splits=min(n_splits, len(set(groups)))).split(xs, y, groups))
    model = CalibratedClassifierCV(base, method="sigmoid", cv=splits, ensemble=False).fit(xs, y)
    return HGBVerdict(model, cols)


def make_fit(model: str, hard: str, added, params=None):
    """A drop-in for ``match_examples.fit_kind`` with the config's model, training lists and columns."""
    import match_examples
    from plancompare.match.features import FEATURE_NAMES
    from plancompare.match.verdict import fit_linear_verdict

    names = tuple(FEATURE_NAMES) + EXTRA

    def fit(cases, kind, hybrid, n_splits=5):
        mine = [c for c in cases if c.kind == kind]
        if hard != "none":
            top = None if hard == "all" else int(hard.removeprefix("top"))
            mine = mine + [n for c in mine if c.has_match and (n := leave_out(c, top)) is not None]
        x = np.vstack([c.features for c in mine])
        y = np.concatenate([c.labels for c in mine])
        groups = np.concatenate([[c.topic] * len(c.rows) for c in mine])
        features = tuple(match_examples.HYBRID_FEATURES[kind]) + tuple(added)
        linear = fit_linear_verdict(x, y, groups, features, n_splits=n_splits, C=match_examples.VERDICT_C)
        if model == "lr":
            return linear
        boosted = fit_hgb(x, y, groups, features, names, n_splits, params)
        return boosted if model == "hgb" else MeanVerdict((linear, boosted))
    return fit


class MeanVerdict:
    """The mean of several calibrated models' probabilities (model ``"avg"``: logistic regression + HGB)."""

    def __init__(self, models):
        self.models = models

    def predict_proba(self, features):
        return np.mean([m.predict_proba(features) for m in self.models], axis=0)


def oof(cases: dict, kind: str, cfg) -> tuple[list, dict, dict]:
    import match_cv
    import plancompare.match.verdict as verdict
    from plancompare.match.features import FEATURE_NAMES

    from functools import partial

    from match_examples import choose_thresholds

    _, _, model, hard, added, *rest = cfg
    options = rest[0] if rest else {}
    verdict.FEATURE_NAMES = tuple(FEATURE_NAMES) + EXTRA  # the extra columns, for this process only
    match_cv.fit_kind = make_fit(model, hard, added, options.get("hgb"))
    match_cv.choose_thresholds = partial(choose_thresholds, min_kept=options.get("min_kept", 0.92))
    every = [c for s in SETS for c in cases[s] if c.kind == kind]
    p, t = match_cv.out_of_fold(every, kind, True)
    return every, p, t


def run(cases: dict, cfg) -> dict:
    from match_cv import evaluate

    label, kind = cfg[0], cfg[1]
    every, p, t = oof(cases, kind, cfg)
    fresh = {c.topic for s in SETS[1:] for c in cases[s]}
    f3 = {c.topic for c in cases["fresh3"]}
    result = {"pooled": evaluate(every, kind, p, t),
              "fresh_folds": evaluate([c for c in every if c.topic in fresh], kind, p, t),
              "fresh3_folds": evaluate([c for c in every if c.topic in f3], kind, p, t)}
    for name, m in result.items():
        r = m["recall"]["learned"]
        print(f"| {label} | {kind} | {name} ({m['n_with_match']} / {m['n_nothing_comparable']}) | {r['@1']:.3f} | "
              f"{r['@3']:.3f} | {m['verdict_auc']:.3f} | {m['true_matches_kept']:.3f} | "
              f"{m['none_cases_called_none']:.3f} |", flush=True)
    return {"p": p, "t": t, "every": every, "result": result}


def outcomes(every, p, t) -> list:
    """Per list: (topic, has_match, kept-or-called-none outcome, top-1 hit, top-3 hit)."""
    out = []
    for c in every:
        q = p[id(c)]
        best = q[c.labels == 1].max() if c.has_match else q.max()
        order = np.lexsort((-c.fused, -q))
        out.append((c.topic, c.has_match, bool(best >= t[id(c)]["related"]), bool(c.labels[order[0]]),
                    bool(c.labels[order[:3]].any())))
    return out


def paired(cases: dict, a, b, n_boot: int = 2000, seed: int = 0) -> dict:
    """Config ``b`` minus config ``a`` on the same folds: none-called-none, kept, recall@1, recall@3 differences,
    pooled and on the fresh topics, with 95% bootstrap intervals over topics."""
    ra, rb = run(cases, a), run(cases, b)
    oa, ob = outcomes(ra["every"], ra["p"], ra["t"]), outcomes(rb["every"], rb["p"], rb["t"])
    fresh = {c.topic for s in SETS[1:] for c in cases[s]}
    rng = np.random.default_rng(seed)
    result = {}
    for scope, keep in (("pooled", lambda t: True), ("fresh", lambda t: t in fresh)):
        topics = sorted({o[0] for o in oa if keep(o[0])})
        by = [{t: [o for o in outs if o[0] == t] for t in topics} for outs in (oa, ob)]

        def rates(pick, by=by, topics=topics):
            vals = []
            for d in by:
                rows = [o for i in pick for o in d[topics[i]]]
                none = [not o[2] for o in rows if not o[1]]
                match = [o for o in rows if o[1]]
                vals.append(np.array([np.mean(none or [0]), np.mean([o[2] for o in match] or [0]),
                                      np.mean([o[3] for o in match] or [0]), np.mean([o[4] for o in match] or [0])]))
            return vals[1] - vals[0]

        point = rates(range(len(topics)))
        boot = np.array([rates(rng.integers(0, len(topics), len(topics))) for _ in range(n_boot)])
        low, high = np.percentile(boot, [2.5, 97.5], axis=0)
        result[scope] = {m: (round(float(point[i]), 3), round(float(low[i]), 3), round(float(high[i]), 3))
                         for i, m in enumerate(("none_called_none", "kept", "recall@1", "recall@3"))}
        print(f"paired {a[0]} -> {b[0]} ({a[1]}, {scope}): {result[scope]}", flush=True)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch", type=Path, required=True)
    parser.add_argument("--configs", default="[]", help="JSON list of configs (see the module docstring)")
    parser.add_argument("--out", type=Path, help="append the printed figures as JSON lines to this file")
    args = parser.parse_args(argv)
    _, cases = index_and_cases(args.scratch)
    augment(cases)
    for cfg in json.loads(args.configs):
        if cfg[0] == "paired":
            res = paired(cases, cfg[1], cfg[2])
        else:
            res = run(cases, cfg)["result"]
            res = {k: {m: v[m] for m in ("n_with_match", "n_nothing_comparable", "recall", "verdict_auc",
                                         "true_matches_kept", "none_cases_called_none")} for k, v in res.items()}
        if args.out:
            with args.out.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"config": cfg, "result": res}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
