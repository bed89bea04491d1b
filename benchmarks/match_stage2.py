"""Experiment (not shipped): a second stage on top of the verdict model, and other threshold rules.

``PLANCOMPARE_SHARED=../shared python benchmarks/match_stage2.py --scratch DIR [--kinds focus query pair]``

"Nothing comparable" is a property of a district's whole candidate list, so a second stage could read
the list rather than one pair. Two forms are compared with the shipped single-stage model, all on the
development topics only (the final-test topics of ``match_cv.is_final_test_topic`` are dropped), by
nested topic-wise CV: an outer 5-fold GroupKFold by topic; inside each training part, the stage-1
probabilities the second stage learns from are themselves out of fold (3-fold by topic, stacking), and
the thresholds are chosen on out-of-fold second-stage output of the training topics.

* ``district``: a logistic regression on features of the list (:func:`list_features`) predicts
  ``q`` = P(the district has a comparable passage); a candidate's probability becomes
  ``sigmoid(logit q - (logit p_best - logit p_i))`` (the best candidate gets ``q``, the order is kept).
* ``candidate``: a logistic regression per candidate on its stage-1 logit, its distance to the list's
  best logit, and some list features (optionally the cross-district feature: the list's best logit
  minus the best of the probe's other judged districts).
* threshold rules for ``related`` on the training topics: keep >= 0.92 of true matches (shipped),
  >= 0.90, >= 0.95, and Youden's J (max kept + none called none).

* ``--goal-by-goal``: whole-passage compare scored goal by goal: every sentence window of the source
  passage (a sentence plus the following ones up to 20 characters, as ``focus_sentence`` builds them) is
  embedded and scored against the pair list's candidates by the ``focus_sentence`` model (fitted on the
  training topics' focus lists); a candidate's probability is its best window's.

Results: benchmarks/results/match_stage2.md (and match_rejected_features.md, which records the verdict).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from match_cv import _inner_oof, evaluate, split_final_test  # noqa: E402
from match_examples import choose_thresholds, fit_kind  # noqa: E402

# the coverage and dense-z columns that say most about "the probe's own terms are here", per kind
COVERAGE = {"query": "term_coverage", "focus": "focus_coverage", "pair": "sentence_words"}
DENSE_Z = {"query": "dense_z", "focus": "focus_dense_z", "pair": "dense_z"}
LIST_SETS = {"best only": ["top1"], "list shape": ["top1", "gap", "bg_z", "top3", "n_likely"],
             "list shape + evidence": ["top1", "gap", "bg_z", "top3", "n_likely", "cov_max", "cov_n", "rare_max",
                                       "num_max", "dz_max", "dz_gap"]}
CANDIDATE_SETS = {"logit + distance to best": ([], False), "+ list shape": (["gap", "bg_z", "n_likely"], False),
                  "+ list shape + evidence": (["gap", "bg_z", "n_likely", "cov_max", "cov_n", "dz_max"], False),
                  "+ cross-district": ([], True), "+ list shape + cross-district": (["gap", "bg_z", "n_likely"], True)}
N_FUSED = 30  # the candidates the fused ranking picks; gold targets appended after them are not in a real list


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def list_features(p: np.ndarray, features: np.ndarray, kind: str) -> dict:
    """Features of one district's candidate list: ``p`` stage-1 probabilities, ``features`` the pair
    features (columns FEATURE_NAMES), both in fused order; only the fused top :data:`N_FUSED` count."""
    from plancompare.match.features import FEATURE_NAMES

    col = {n: i for i, n in enumerate(FEATURE_NAMES)}
    p, f = p[:N_FUSED], features[:N_FUSED]
    lp = np.sort(logit(p))[::-1]
    cov = f[:, col[COVERAGE[kind]]]
    dz = np.sort(f[:, col[DENSE_Z[kind]]])[::-1]
    second, dz2 = (lp[1], dz[1]) if len(lp) > 1 else (lp[0] - 5, 0.0)
    return {"top1": lp[0], "gap": lp[0] - second, "bg_z": (lp[0] - lp.mean()) / max(lp.std(), 1e-3),
            "top3": lp[:3].mean(), "n_likely": np.log1p((p >= 0.5).sum()), "cov_max": cov.max(),
            "cov_n": np.log1p((cov >= 0.99).sum()), "rare_max": f[:, col["rare_coverage"]].max(),
            "num_max": f[:, col["numbers_shared"]].max(), "dz_max": dz[0], "dz_gap": dz[0] - dz2}


def _logistic(x, y):
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, y)


def _cross(cases, p_of) -> dict:
    """The list's best logit minus the best logit of the same probe's other judged districts."""
    groups = defaultdict(list)
    for c in cases:
        groups[(c.topic, c.kind)].append(c)
    out = {}
    for group in groups.values():
        best = {id(c): float(logit(p_of[id(c)][:N_FUSED]).max()) for c in group}
        for c in group:
            others = [v for k, v in best.items() if k != id(c)]
            out[id(c)] = best[id(c)] - max(others) if others else 0.0
    return out


def _district_stage(train, test, inner, p_test, kind, names):
    """(p of the test cases, thresholds) for the district-level stage (see the module docstring)."""
    def x(cases, p_of):
        return np.array([[list_features(p_of[id(c)], c.features, kind)[n] for n in names] for c in cases])

    def spread(p, q):
        lp = logit(p)
        return 1 / (1 + np.exp(-(float(logit(q)) - (lp[:N_FUSED].max() - lp))))

    xtr, ytr = x(train, inner), np.array([c.has_match for c in train])
    q_train = np.zeros(len(train))
    for a, b in GroupKFold(3).split(xtr, groups=[c.topic for c in train]):
        q_train[b] = _logistic(xtr[a], ytr[a]).predict_proba(xtr[b])[:, 1]
    thresholds = choose_thresholds(train, {id(c): spread(inner[id(c)], q) for c, q in zip(train, q_train)})
    q_test = _logistic(xtr, ytr).predict_proba(x(test, p_test))[:, 1]
    return {id(c): spread(p_test[id(c)], q) for c, q in zip(test, q_test)}, thresholds


def _candidate_stage(train, test, inner, p_test, kind, names, cross):
    """(p of the test cases, thresholds) for the candidate-level stage with list context."""
    def x(cases, p_of):
        extra = _cross(cases, p_of) if cross else None
        blocks = []
        for c in cases:
            lp = logit(p_of[id(c)])
            lf = list_features(p_of[id(c)], c.features, kind)
            cols = [lp, lp - lp[:N_FUSED].max()] + [np.full(len(lp), lf[n]) for n in names]
            blocks.append(np.column_stack(cols + ([np.full(len(lp), extra[id(c)])] if cross else [])))
        return np.vstack(blocks)

    def unstack(cases, p):
        out, k = {}, 0
        for c in cases:
            out[id(c)], k = p[k:k + len(c.rows)], k + len(c.rows)
        return out

    xtr, ytr = x(train, inner), np.concatenate([c.labels for c in train])
    groups = np.concatenate([[c.topic] * len(c.rows) for c in train])
    oof = np.zeros(len(ytr))
    for a, b in GroupKFold(3).split(xtr, groups=groups):
        oof[b] = _logistic(xtr[a], ytr[a]).predict_proba(xtr[b])[:, 1]
    thresholds = choose_thresholds(train, unstack(train, oof))
    return unstack(test, _logistic(xtr, ytr).predict_proba(x(test, p_test))[:, 1]), thresholds


def _youden(cases, p_of) -> dict:
    t = np.array([p_of[id(c)][c.labels == 1].max() for c in cases if c.has_match])
    n = np.array([p_of[id(c)].max() for c in cases if not c.has_match])
    best = max((np.mean(t >= g) + np.mean(n < g), g) for g in np.unique(np.concatenate([t, n])))[1]
    shipped = choose_thresholds(cases, p_of)
    return {"comparable": max(shipped["comparable"], float(best)), "related": float(best)}


RULES = {"kept >= 0.92 (shipped)": lambda c, p: choose_thresholds(c, p, 0.92),
         "kept >= 0.90": lambda c, p: choose_thresholds(c, p, 0.90),
         "kept >= 0.95": lambda c, p: choose_thresholds(c, p, 0.95), "Youden's J": _youden}


def compare_stages(cases, kind: str) -> dict:
    """Held-out figures (match_cv.evaluate) of every variant for ``kind`` on ``cases`` (dev topics)."""
    mine = [c for c in cases if c.kind == kind]
    variants = ([f"single stage, {r}" for r in RULES] + [f"district stage: {n}" for n in LIST_SETS]
                + [f"candidate stage: {n}" for n in CANDIDATE_SETS])
    p_of, th_of = {v: {} for v in variants}, {v: {} for v in variants}
    for train_i, test_i in GroupKFold(5).split(mine, groups=[c.topic for c in mine]):
        train, test = [mine[i] for i in train_i], [mine[i] for i in test_i]
        model = fit_kind(train, kind, True)
        inner = _inner_oof(train, kind, True)
        p_test = {id(c): model.predict_proba(c.features) for c in test}
        results = {f"single stage, {r}": (p_test, rule(train, inner)) for r, rule in RULES.items()}
        for n, names in LIST_SETS.items():
            results[f"district stage: {n}"] = _district_stage(train, test, inner, p_test, kind, names)
        for n, (names, cross) in CANDIDATE_SETS.items():
            results[f"candidate stage: {n}"] = _candidate_stage(train, test, inner, p_test, kind, names, cross)
        for v, (p, th) in results.items():
            for c in test:
                p_of[v][id(c)], th_of[v][id(c)] = p[id(c)], th
    return {v: evaluate(cases, kind, p_of[v], th_of[v]) for v in variants}


def sentence_windows(text: str, min_chars: int = 20) -> list[str]:
    """Every sentence of ``text`` extended by the following ones until it holds ``min_chars`` characters."""
    from plancompare.text.sentences import split_sentences

    parts = [x for x in split_sentences(text) if x.strip()] or [text]
    out = []
    for i in range(len(parts)):
        j = i + 1
        while j < len(parts) and len("".join(parts[i:j])) < min_chars:
            j += 1
        out.append("".join(parts[i:j]))
    return list(dict.fromkeys(out))


def goal_by_goal(index, cases, topics, row_of, embed) -> dict:
    """Held-out figures of whole-passage compare scored goal by goal (module docstring), next to the
    shipped pair model on the same folds; also read for the whole passage (the any-goal audit)."""
    from dataclasses import replace

    from match_gold import load_other_goal_audit

    pair = [c for c in cases if c.kind == "pair"]
    focus = [replace(c, kind="focus_sentence") for c in cases if c.kind == "focus"]
    by_topic = {t.topic: t for t in topics}
    windows = {}
    for c in pair:
        src = row_of(index.passages_, by_topic[c.topic].source)
        texts = sentence_windows(index.passages_.at[src, "text"])
        windows[id(c)] = [index.featurizer_.transform(index.featurizer_.focus_probe(src, w, v, None), c.rows,
                                                      index.embeddings_) for w, v in zip(texts, embed(texts))]

    def best_window(model, c):
        return np.max([model.predict_proba(f) for f in windows[id(c)]], axis=0)

    p_of = {"goal by goal": {}, "whole passage (shipped)": {}}
    th_of = {k: {} for k in p_of}
    for train_i, test_i in GroupKFold(5).split(pair, groups=[c.topic for c in pair]):
        train = [pair[i] for i in train_i]
        seen = {c.topic for c in train}
        inner = {}
        for a, b in GroupKFold(3).split(train, groups=[c.topic for c in train]):
            inner_topics = {train[i].topic for i in a}
            model = fit_kind([c for c in focus if c.topic in inner_topics], "focus_sentence", True, n_splits=3)
            inner.update({id(train[i]): best_window(model, train[i]) for i in b})
        goal_model = fit_kind([c for c in focus if c.topic in seen], "focus_sentence", True)
        pair_model = fit_kind(train, "pair", True)
        th_goal = choose_thresholds(train, inner)
        th_pair = choose_thresholds(train, _inner_oof(train, "pair", True))
        for i in test_i:
            c = pair[i]
            p_of["goal by goal"][id(c)], th_of["goal by goal"][id(c)] = best_window(goal_model, c), th_goal
            p_of["whole passage (shipped)"][id(c)] = pair_model.predict_proba(c.features)
            th_of["whole passage (shipped)"][id(c)] = th_pair
    other_goal = load_other_goal_audit()
    any_goal = [c for c in pair if c.has_match or (c.topic, c.district) not in other_goal]
    return {f"{v}{suffix}": evaluate(lists, "pair", p_of[v], th_of[v]) for v in p_of
            for suffix, lists in (("", pair), (", none read for the whole passage", any_goal))}


def main(argv=None) -> int:
    import bench_match
    from match_examples import build_cases
    from match_gold import load_topics, row_of
    from plancompare.embed import embed_texts

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch", default="/tmp/plancompare-bench-match")
    parser.add_argument("--kinds", nargs="+", default=["focus", "query", "pair"])
    parser.add_argument("--goal-by-goal", action="store_true", help="also whole-passage compare goal by goal")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "match_stage2.md"))
    args = parser.parse_args(argv)
    scratch = Path(args.scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    index = bench_match.evaluation_index(scratch, bench_match._bootstrap_model(scratch / "bootstrap.json"))
    topics = load_topics()
    queries = sorted({t.query for t in topics if t.query})
    cases = build_cases(index, topics, dict(zip(queries, embed_texts(queries, prompt="query"))), row_of,
                        embed=lambda texts: embed_texts(list(texts), prompt="query"))
    dev, final = split_final_test(cases)
    lines = ["# Second stage and threshold rules (experiment, development topics only)", "",
             f"Command: `python benchmarks/match_stage2.py` · {len({c.topic for c in dev})} development topics "
             f"(the {len({c.topic for c in final})} final-test topics left out) · nested topic-wise CV "
             "(see the module docstring)", "",
             "| kind | variant | lists (match / none) | recall@1 | recall@3 | verdict AUC | kept | none called none |",
             "|---|---|---|---|---|---|---|---|"]
    runs = [(kind, compare_stages(dev, kind)) for kind in args.kinds]
    if args.goal_by_goal:
        embed = lambda texts: embed_texts(list(texts), prompt="query")  # noqa: E731
        runs.append(("pair", goal_by_goal(index, dev, topics, row_of, embed)))
    for kind, by_variant in runs:
        for variant, m in by_variant.items():
            r = m["recall"]["learned"]
            lines.append(f"| {kind} | {variant} | {m['n_with_match']} / {m['n_nothing_comparable']} | {r['@1']:.3f} "
                         f"| {r['@3']:.3f} | {m['verdict_auc']:.3f} | {m['true_matches_kept']:.3f} | "
                         f"{m['none_cases_called_none']:.3f} |")
            print(lines[-1], flush=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
