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


def train(
    frame: pd.DataFrame,
    test_mask: np.ndarray,
    schema: dict[str, str],
    roles: dict,
    config: TrainConfig,
    report: Report,
    log: Log = lambda _m: None,
) -> TrainResult:
    """Train ``config.family`` on the training part of ``frame`` and evaluate on its test part."""
    test_mask = np.asarray(test_mask, dtype=bool)
    train_part, test_part = frame[~test_mask], frame[test_mask]
    if len(train_part) < config.cv_folds * 2 or len(test_part) == 0:
        raise InputError(
            f"Too few rows to train ({len(train_part)} training, {len(test_part)} test)."
        )
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
    candidates = [{}]
    if config.search > 0 and fam.search_space:
        candidates = list(
            ParameterSampler(fam.search_space, n_iter=config.search, random_state=config.seed)
        )
    total_steps = len(candidates) * len(folds) + 2
    step = 0
    timings: dict[str, float] = {}
    started = time.perf_counter()
    results = []
    for index, params in enumerate(candidates):
        params = {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}
        fold_scores: list[dict[str, float]] = []
        for fold, (fit_idx, val_idx) in enumerate(folds):
            what = f"candidate {index + 1}/{len(candidates)}, " if len(candidates) > 1 else ""
            report(
                step / total_steps,
                f"Cross-validating {fam.label}: {what}fold {fold + 1}/{len(folds)}",
            )
            pipeline = build_pipeline(
                schema,
                roles,
                make_estimator(fam.key, config.task, config.seed, params),
                scale=fam.scale,
                one_hot=fam.one_hot,
            )
            pipeline.fit(X.iloc[fit_idx], y.iloc[fit_idx])
            fold_scores.append(
                score(pipeline, X.iloc[val_idx], y.iloc[val_idx], config.task, positive)
            )
            step += 1
        summary = _summarise(fold_scores)
        results.append({"params": params, "cv": summary})
        log(
            f"{fam.label} {params or 'defaults'}: CV {primary} = {summary[primary]['mean']:.4f}"
            f" ± {summary[primary]['std']:.4f}"
        )
    timings["cv_s"] = time.perf_counter() - started
    sign = 1 if HIGHER_IS_BETTER[primary] else -1
    best = max(
        results, key=lambda r: sign * np.nan_to_num(r["cv"][primary]["mean"], nan=-np.inf * sign)
    )
    report(step / total_steps, f"Fitting {fam.label} on the whole training part")
    started = time.perf_counter()
    pipeline = build_pipeline(
        schema,
        roles,
        make_estimator(fam.key, config.task, config.seed, best["params"]),
        scale=fam.scale,
        one_hot=fam.one_hot,
    )
    pipeline.fit(X, y)
    timings["fit_s"] = time.perf_counter() - started
    step += 1
    report(step / total_steps, "Evaluating on the holdout and against the dummy baseline")
    baseline = build_pipeline(
        schema, roles, make_estimator("dummy", config.task, config.seed), scale=False, one_hot=False
    ).fit(X, y)
    holdout = score(pipeline, X_test, y_test, config.task, positive)
    baseline_metrics = score(baseline, X_test, y_test, config.task, positive)
    predictions = (
        pipeline.predict(X_test) if config.task == "regression" else pipeline.predict_proba(X_test)
    )
    classes = list(pipeline.classes_) if config.task != "regression" else None
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
        signature=input_signature(train_part, schema, roles, classes),
        fingerprint=fingerprint(best["params"], predictions),
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
