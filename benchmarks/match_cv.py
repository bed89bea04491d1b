"""Topic-wise cross-validation of the verdict model and the fused baseline (used by bench_match.py).

Every figure here is held out: the model scoring a topic's candidates was fitted on other topics only
(GroupKFold by topic), and the verdict thresholds applied to a fold were chosen on the training
topics' own out-of-fold probabilities.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

from match_examples import Case, choose_thresholds, fit_kind


# One topic in FINAL_TEST_MODULUS is set aside as the final test: chosen by a hash of the topic id (not
# by looking at the topic), never used to choose features, models or thresholds.
FINAL_TEST_MODULUS = 4


def is_final_test_topic(topic: str, modulus: int = FINAL_TEST_MODULUS) -> bool:
    """True for the ~1/``modulus`` of topics set aside as the final test (SHA-1 of the topic id)."""
    return int(hashlib.sha1(topic.encode("utf-8")).hexdigest(), 16) % int(modulus) == 0


def split_final_test(cases: list[Case]) -> tuple[list[Case], list[Case]]:
    """(development cases, final-test cases), split by topic with :func:`is_final_test_topic`."""
    final = [c for c in cases if is_final_test_topic(c.topic)]
    return [c for c in cases if not is_final_test_topic(c.topic)], final


def final_test(dev: list[Case], final: list[Case], kind: str, hybrid: bool) -> tuple[dict, dict]:
    """p_comparable and thresholds for every final-test case of ``kind``, by the shipping procedure
    applied to the development topics only: the model fitted on all of them, the thresholds chosen on
    their out-of-fold probabilities (what ``bench_match.py --train`` does with every topic)."""
    model = fit_kind(dev, kind, hybrid)
    p_dev, _ = out_of_fold(dev, kind, hybrid)
    thresholds = choose_thresholds([c for c in dev if c.kind == kind], p_dev)
    mine = [c for c in final if c.kind == kind]
    return ({id(c): model.predict_proba(c.features) for c in mine}, {id(c): thresholds for c in mine})


def out_of_fold(cases: list[Case], kind: str, hybrid: bool, n_splits: int = 5) -> tuple[dict, dict]:
    """p_comparable of every case of ``kind`` from a model that never saw its topic, and the
    thresholds each fold chose on its training topics (by case id)."""
    mine = [c for c in cases if c.kind == kind]
    topics = np.array([c.topic for c in mine])
    p_of, thresholds_of = {}, {}
    for train, test in GroupKFold(n_splits=n_splits).split(mine, groups=topics):
        train_cases = [mine[i] for i in train]
        model = fit_kind(train_cases, kind, hybrid)
        inner = _inner_oof(train_cases, kind, hybrid)
        thresholds = choose_thresholds(train_cases, inner)
        for i in test:
            p_of[id(mine[i])] = model.predict_proba(mine[i].features)
            thresholds_of[id(mine[i])] = thresholds
    return p_of, thresholds_of


def _inner_oof(cases: list[Case], kind: str, hybrid: bool, n_splits: int = 3) -> dict:
    topics = np.array([c.topic for c in cases])
    p_of = {}
    for train, test in GroupKFold(n_splits=n_splits).split(cases, groups=topics):
        model = fit_kind([cases[i] for i in train], kind, hybrid, n_splits=3)
        for i in test:
            p_of[id(cases[i])] = model.predict_proba(cases[i].features)
    return p_of


def evaluate(cases: list[Case], kind: str, p_of: dict, thresholds_of: dict) -> dict:
    """Held-out quality of one probe kind: recall@1/@3 of the learned ranking and of the fused
    baseline, verdict ROC AUC (districts' true matches vs the best candidate of nothing-comparable
    districts), kept / called-none rates, and precision/recall of ``comparable`` per district pair."""
    mine = [c for c in cases if c.kind == kind]
    recall = {"learned": defaultdict(list), "fused": defaultdict(list)}
    true_p, none_p, kept, called_none = [], [], [], []
    per_pair = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    for c in mine:
        p, t = p_of[id(c)], thresholds_of[id(c)]
        learned = np.lexsort((-c.fused, -p))
        fused = np.argsort(-c.fused, kind="stable")
        if c.has_match:
            for name, order in (("learned", learned), ("fused", fused)):
                for k in (1, 3):
                    recall[name][k].append(bool(c.labels[order[:k]].any()))
            best = float(p[c.labels == 1].max())
            true_p.append(best)
            kept.append(best >= t["related"])
        else:
            best = float(p.max())
            none_p.append(best)
            called_none.append(best < t["related"])
        pair = f"{'query' if kind.startswith('query') else c.source_district} → {c.district}"
        for i in learned[:3]:
            predicted, actual = p[i] >= t["comparable"], c.labels[i] == 1
            per_pair[pair]["tp"] += int(predicted and actual)
            per_pair[pair]["fp"] += int(predicted and not actual)
        per_pair[pair]["fn"] += int(c.has_match and not (p[learned[:3]][c.labels[learned[:3]] == 1]
                                                          >= t["comparable"]).any())
    y = [1] * len(true_p) + [0] * len(none_p)
    auc = float(roc_auc_score(y, true_p + none_p)) if true_p and none_p else float("nan")
    return {
        "n_lists": len(mine), "n_with_match": len(true_p), "n_nothing_comparable": len(none_p),
        "recall": {name: {f"@{k}": round(float(np.mean(v)), 4) for k, v in r.items()} for name, r in recall.items()},
        "verdict_auc": round(auc, 4),
        "true_matches_kept": round(float(np.mean(kept)), 4) if kept else None,
        "none_cases_called_none": round(float(np.mean(called_none)), 4) if called_none else None,
        "comparable_by_district_pair": {
            pair: {**v, "precision": round(v["tp"] / max(v["tp"] + v["fp"], 1), 3),
                   "recall": round(v["tp"] / max(v["tp"] + v["fn"], 1), 3)}
            for pair, v in sorted(per_pair.items())},
    }


def baseline_auc(cases: list[Case], kind: str, feature: int = 0) -> float:
    """The same AUC for a raw similarity (column ``feature`` of the features, default the raw dense
    cosine, which is what the fused ranking showed before verdicts): a district's true matches against
    the baseline's top candidate of each nothing-comparable district."""
    mine = [c for c in cases if c.kind == kind]
    pos = [float(c.features[c.labels == 1, feature].max()) for c in mine if c.has_match]
    neg = [float(c.features[int(np.argmax(c.fused)), feature]) for c in mine if not c.has_match]
    if not pos or not neg:
        return float("nan")
    return round(float(roc_auc_score([1] * len(pos) + [0] * len(neg), pos + neg)), 4)
