"""Fit a family's pipeline with cross-validation (and optional random search), then evaluate it
on the holdout beside a dummy baseline. Pure: no registry, no Qt; progress through a callback."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import ParameterSampler

from mlops_desktop.errors import InputError
from mlops_desktop.training.cross_validation import MetricsScorer, run_folds
from mlops_desktop.training.families import family, make_estimator
from mlops_desktop.training.folds import cv_splits
from mlops_desktop.training.metrics import HIGHER_IS_BETTER, PRIMARY, positive_class, score
from mlops_desktop.training.preprocessing import build_pipeline
from mlops_desktop.training.signature import input_signature

Report = Callable[[float, str], None]
Log = Callable[[str], None]


@dataclass(frozen=True)
class TrainConfig:
    """What a run trains: the family, the search budget, the folds and the seed."""

    family: str
    task: str
    split_method: str = "random"
    search: int = 0
    cv_folds: int = 5
    seed: int = 42

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class TrainResult:
    pipeline: Any
    baseline: Any
    params: dict[str, Any]
    cv_metrics: dict[str, dict[str, float]]
    holdout_metrics: dict[str, float]
    baseline_metrics: dict[str, float]
    signature: dict
    fingerprint: str
    positive_class: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    candidates: list[dict[str, Any]] = field(default_factory=list)


def _split_xy(frame: pd.DataFrame, roles: dict, task: str) -> tuple[pd.DataFrame, pd.Series]:
    target = roles.get("target")
    if not target or target not in frame.columns:
        raise InputError(f"The dataset has no target column '{target}'.")
    y = frame[target]
    if y.isna().any():
        raise InputError(f"The target '{target}' has {int(y.isna().sum())} missing values.")
    if task != "regression":
        y = y.astype(str)
    return frame, y


def fingerprint(params: dict, predictions: np.ndarray) -> str:
    """Identify a fitted model by its parameters and its holdout predictions."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    digest.update(np.round(np.asarray(predictions, dtype="float64"), 10).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class _Fitter:
    """Builds the family's unfitted pipeline for a set of hyperparameters."""

    schema: dict[str, str]
    roles: dict
    config: TrainConfig
    fam: Any

    def pipeline(self, params: dict[str, Any]):
        estimator = make_estimator(self.fam.key, self.config.task, self.config.seed, params)
        return build_pipeline(
            self.schema, self.roles, estimator, scale=self.fam.scale, one_hot=self.fam.one_hot
        )

    def baseline(self):
        estimator = make_estimator("dummy", self.config.task, self.config.seed)
        return build_pipeline(self.schema, self.roles, estimator, scale=False, one_hot=False)


def _candidates(fam: Any, config: TrainConfig) -> list[dict[str, Any]]:
    """The hyperparameter sets to cross-validate: the defaults, or a random search's draws."""
    if config.search > 0 and fam.search_space:
        return list(
            ParameterSampler(fam.search_space, n_iter=config.search, random_state=config.seed)
        )
    return [{}]


def _cross_validate(
    fitter: _Fitter,
    candidates: list[dict[str, Any]],
    folds: list,
    X: pd.DataFrame,  # noqa: N803
    y: pd.Series,
    positive: str | None,
    progress: Callable[[int, str], None],
    log: Log,
    cluster: Any = None,
) -> list[dict[str, Any]]:
    """``{"params", "cv"}`` per candidate: its metrics' mean and spread over the folds."""
    fam, task = fitter.fam, fitter.config.task
    primary = PRIMARY[task]
    candidates = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}
        for params in candidates
    ]
    pipelines = [fitter.pipeline(params) for params in candidates]
    scores = run_folds(
        pipelines,
        folds,
        X,
        y,
        MetricsScorer(task, positive),
        lambda done, text: progress(done, f"{fam.label}: {text}"),
        cluster,
    )
    results = []
    for params, fold_scores in zip(candidates, scores, strict=True):
        summary = _summarise(fold_scores)
        results.append({"params": params, "cv": summary})
        log(
            f"{fam.label} {params or 'defaults'}: CV {primary} = {summary[primary]['mean']:.4f}"
            f" ± {summary[primary]['std']:.4f}"
        )
    return results


def _best(results: list[dict[str, Any]], primary: str) -> dict[str, Any]:
    """The candidate with the best mean CV score on the primary metric (NaN ranks last)."""
    sign = 1 if HIGHER_IS_BETTER[primary] else -1
    return max(
        results, key=lambda r: sign * np.nan_to_num(r["cv"][primary]["mean"], nan=-np.inf * sign)
    )


def _parts(
    frame: pd.DataFrame, test_mask: np.ndarray, config: TrainConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training and test parts, refused when too small to cross-validate or to test."""
    test_mask = np.asarray(test_mask, dtype=bool)
    train_part, test_part = frame[~test_mask], frame[test_mask]
    if len(train_part) < config.cv_folds * 2 or len(test_part) == 0:
        raise InputError(
            f"Too few rows to train ({len(train_part)} training, {len(test_part)} test)."
        )
    return train_part, test_part


def _holdout_output(pipeline, X_test: pd.DataFrame, task: str) -> np.ndarray:  # noqa: N803
    """The fitted model's holdout predictions (probabilities for a classifier)."""
    return pipeline.predict(X_test) if task == "regression" else pipeline.predict_proba(X_test)


def _classes(pipeline, task: str) -> list | None:
    return list(pipeline.classes_) if task != "regression" else None


def train(
    frame: pd.DataFrame,
    test_mask: np.ndarray,
    schema: dict[str, str],
    roles: dict,
    config: TrainConfig,
    report: Report,
    log: Log = lambda _m: None,
    cluster: Any = None,
) -> TrainResult:
    """Train ``config.family`` on the training part of ``frame`` and evaluate on its test part.

    ``cluster`` (a ``distributed.Client``) runs the cross-validation's fits on its workers."""
    train_part, test_part = _parts(frame, test_mask, config)
    X, y = _split_xy(train_part, roles, config.task)  # noqa: N806
    X_test, y_test = _split_xy(test_part, roles, config.task)  # noqa: N806
    fam = family(config.family, config.task)
    positive = roles.get("positive_class") or (
        positive_class(y) if config.task == "binary" else None
    )
    primary = PRIMARY[config.task]
    folds = cv_splits(
        train_part, y, roles, config.split_method, config.task, config.cv_folds, config.seed
    )
    candidates = _candidates(fam, config)
    total_steps = len(candidates) * len(folds) + 2
    fitter = _Fitter(schema, roles, config, fam)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    results = _cross_validate(
        fitter,
        candidates,
        folds,
        X,
        y,
        positive,
        lambda s, m: report(s / total_steps, m),
        log,
        cluster,
    )
    timings["cv_s"] = time.perf_counter() - started
    best = _best(results, primary)
    step = len(candidates) * len(folds)
    report(step / total_steps, f"Fitting {fam.label} on the whole training part")
    started = time.perf_counter()
    pipeline = fitter.pipeline(best["params"])
    pipeline.fit(X, y)
    timings["fit_s"] = time.perf_counter() - started
    report((step + 1) / total_steps, "Evaluating on the holdout and against the dummy baseline")
    baseline = fitter.baseline().fit(X, y)
    holdout = score(pipeline, X_test, y_test, config.task, positive)
    baseline_metrics = score(baseline, X_test, y_test, config.task, positive)
    log(
        f"Holdout {primary}: {holdout.get(primary, float('nan')):.4f} "
        f"(dummy baseline {baseline_metrics.get(primary, float('nan')):.4f})"
    )
    report(1.0, "Evaluated")
    return TrainResult(
        pipeline=pipeline,
        baseline=baseline,
        params=best["params"],
        cv_metrics=best["cv"],
        holdout_metrics=holdout,
        baseline_metrics=baseline_metrics,
        signature=input_signature(train_part, schema, roles, _classes(pipeline, config.task)),
        fingerprint=fingerprint(best["params"], _holdout_output(pipeline, X_test, config.task)),
        positive_class=positive,
        timings=timings,
        candidates=results,
    )


def _summarise(fold_scores: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    keys = sorted({k for s in fold_scores for k in s})
    out = {}
    for key in keys:
        values = np.array([s.get(key, np.nan) for s in fold_scores], dtype=float)
        out[key] = {
            "mean": float(np.nanmean(values)) if np.isfinite(values).any() else float("nan"),
            "std": float(np.nanstd(values)) if np.isfinite(values).any() else float("nan"),
        }
    return out
