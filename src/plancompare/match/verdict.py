"""The learned verdict: is a candidate passage *comparable* to the probe, *related*, or is there *none*?

A calibrated logistic regression over :data:`~plancompare.match.features.FEATURE_NAMES` gives
``p_comparable``. One variant ships per probe kind (``query`` for search, ``query_dense`` for a query
with no lexical form, ``pair`` for compare and align, ``focus`` for compare focused on one goal, which
also weighs the focus phrase) and index kind (``hybrid`` with embeddings, ``lexical`` without). Their parameters live in
``plancompare/data/verdict_model.json`` (plain numbers, no pickle), written by
``benchmarks/bench_match.py --train`` from the labelled pairs in ``tests/gold/``; nothing is trained
at run time.

Verdict at the shipped thresholds: ``comparable`` when ``p_comparable >= comparable_threshold``,
``related`` when ``p_comparable >= related_threshold``, ``none`` otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Mapping, Sequence

import numpy as np

from ..errors import MatchInputError
from .features import FEATURE_NAMES

VERDICTS = ("comparable", "related", "none")


@dataclass(frozen=True)
class LinearVerdict:
    """Standardise -> logistic regression -> sigmoid calibration, as plain arrays.

    ``features``: the names of the columns used (a subset of FEATURE_NAMES); ``mean``/``scale``: the
    standardiser; ``coef``/``intercept``: the regression's decision function; ``calibration_a``/
    ``calibration_b``: Platt scaling as scikit-learn's ``_SigmoidCalibration`` writes it,
    ``p = 1 / (1 + exp(a * decision + b))``.
    """

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    calibration_a: float
    calibration_b: float

    def decision(self, features: np.ndarray) -> np.ndarray:
        """Decision function for a full feature matrix (columns = FEATURE_NAMES)."""
        cols = [FEATURE_NAMES.index(f) for f in self.features]
        x = (np.asarray(features, dtype=np.float64)[:, cols] - self.mean) / self.scale
        return x @ self.coef + self.intercept

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Calibrated P(comparable) for each row of a full feature matrix."""
        z = self.calibration_a * self.decision(features) + self.calibration_b
        return 1.0 / (1.0 + np.exp(np.clip(z, -50, 50)))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": float(self.intercept),
                "calibration_a": float(self.calibration_a), "calibration_b": float(self.calibration_b)}

    @classmethod
    def from_dict(cls, d: Mapping) -> "LinearVerdict":
        unknown = [f for f in d["features"] if f not in FEATURE_NAMES]
        if unknown:
            raise MatchInputError(f"verdict model uses unknown feature(s): {', '.join(unknown)}")
        return cls(tuple(d["features"]), np.asarray(d["mean"], float), np.asarray(d["scale"], float),
                   np.asarray(d["coef"], float), float(d["intercept"]), float(d["calibration_a"]),
                   float(d["calibration_b"]))


@dataclass(frozen=True)
class VerdictModel:
    """The shipped variants plus thresholds. ``variants`` maps ``"query/hybrid"``, ``"query/lexical"``,
    ``"pair/hybrid"``, ``"pair/lexical"`` to :class:`LinearVerdict`; ``thresholds`` maps the probe kind
    (``query``/``pair``) to ``{"comparable": t1, "related": t2}``."""

    variants: Mapping[str, LinearVerdict]
    thresholds: Mapping[str, Mapping[str, float]]
    provenance: str = ""

    def variant(self, probe_kind: str, hybrid: bool) -> LinearVerdict:
        key = f"{probe_kind}/{'hybrid' if hybrid else 'lexical'}"
        if key not in self.variants:
            raise MatchInputError(f"verdict model has no {key!r} variant")
        return self.variants[key]

    def p_comparable(self, features: np.ndarray, probe_kind: str, hybrid: bool) -> np.ndarray:
        """Calibrated probabilities for a full feature matrix."""
        if len(features) == 0:
            return np.zeros(0)
        return self.variant(probe_kind, hybrid).predict_proba(features)

    def verdicts(self, p: np.ndarray, probe_kind: str) -> list[str]:
        """``comparable``/``related``/``none`` for each probability at the shipped thresholds."""
        t = self.thresholds[probe_kind]
        return [VERDICTS[0] if x >= t["comparable"] else VERDICTS[1] if x >= t["related"] else VERDICTS[2]
                for x in np.asarray(p, float)]

    def to_json(self) -> str:
        return json.dumps({"provenance": self.provenance, "thresholds": self.thresholds,
                           "variants": {k: v.to_dict() for k, v in self.variants.items()}},
                          ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str, source: str = "verdict model") -> "VerdictModel":
        try:
            raw = json.loads(text)
            return cls({k: LinearVerdict.from_dict(v) for k, v in raw["variants"].items()},
                       {k: {"comparable": float(v["comparable"]), "related": float(v["related"])}
                        for k, v in raw["thresholds"].items()}, str(raw.get("provenance", "")))
        except (ValueError, KeyError, TypeError) as exc:
            raise MatchInputError(f"{source}: not a valid verdict model ({exc})") from exc


@lru_cache(maxsize=1)
def default_verdict_model() -> VerdictModel:
    """The bundled ``plancompare/data/verdict_model.json`` (read once)."""
    path = resources.files("plancompare").joinpath("data/verdict_model.json")
    return VerdictModel.from_json(path.read_text(encoding="utf-8"), str(path))


def fit_linear_verdict(x: np.ndarray, y: np.ndarray, groups: Sequence, features: Sequence[str],
                       n_splits: int = 5, C: float = 1.0) -> LinearVerdict:
    """Fit a :class:`LinearVerdict` on a full feature matrix ``x`` (columns FEATURE_NAMES), binary
    labels ``y`` (1 = comparable) and ``groups`` (topics): a standardised logistic regression inside
    ``CalibratedClassifierCV(method="sigmoid", ensemble=False)`` whose calibration folds are
    ``GroupKFold`` by topic, so the calibrator never sees a topic the regression was fitted on."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    cols = [FEATURE_NAMES.index(f) for f in features]
    xs = np.asarray(x, dtype=np.float64)[:, cols]
    y = np.asarray(y, dtype=int)
    splits = list(GroupKFold(n_splits=min(n_splits, len(set(groups)))).split(xs, y, groups))
    base = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000, class_weight="balanced"))
    model = CalibratedClassifierCV(base, method="sigmoid", cv=splits, ensemble=False).fit(xs, y)
    fitted = model.calibrated_classifiers_[0]
    scaler, regression = fitted.estimator.steps[0][1], fitted.estimator.steps[1][1]
    calibrator = fitted.calibrators[0]
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    return LinearVerdict(tuple(features), scaler.mean_.copy(), scale, regression.coef_.ravel().copy(),
                         float(regression.intercept_[0]), float(calibrator.a_), float(calibrator.b_))
