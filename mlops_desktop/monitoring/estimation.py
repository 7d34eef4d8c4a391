"""Performance before the labels arrive: ``PerformanceEstimator`` per model, estimates per chunk.

``PerformanceEstimator.fit(pipeline, holdout_X, holdout_y, task)`` learns, from the model's
holdout, what its outputs say about its accuracy: a calibrator for classifiers (CBPE,
``monitoring.cbpe``), error models for regressors (DLE, ``monitoring.dle``).
``estimate(frame, chunks=K | chunk_size=N, y=...)`` cuts ``frame`` into consecutive chunks and
gives each metric's estimate with its 95% band, and the realized value beside it when labels
are given. ``shift_correction=True`` re-weights the holdout to look like each chunk (a domain
classifier's odds, as in PAPE, arXiv 2401.08348) before calibrating.

The workspace side (stored estimators, a model version's holdout, the CLI's result) is
``monitoring.estimates``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError
from mlops_desktop.monitoring import cbpe, dle

#: Chunks smaller than this give no estimate (too few rows for a meaningful band).
MIN_CHUNK_ROWS = 20
DEFAULT_CHUNKS = 10
#: Clip of the importance weights used by the covariate-shift correction.
MAX_WEIGHT = 20.0


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def feature_matrix(pipeline: Any, frame: pd.DataFrame) -> np.ndarray:
    """The model's own preprocessed inputs (all pipeline steps but the last) as floats."""
    from sklearn.pipeline import Pipeline

    if isinstance(pipeline, Pipeline) and len(pipeline.steps) > 1:
        matrix = pipeline[:-1].transform(frame)
    else:
        matrix = frame.apply(pd.to_numeric, errors="coerce")
    if hasattr(matrix, "toarray"):
        matrix = matrix.toarray()
    return np.asarray(matrix, dtype=np.float64)


def chunk_bounds(rows: int, chunks: int | None, chunk_size: int | None) -> list[tuple[int, int]]:
    """Consecutive ``(start, end)`` row ranges: ``chunks`` equal parts or runs of
    ``chunk_size`` rows (the last may be shorter), by default ``DEFAULT_CHUNKS`` parts."""
    if chunks is not None and chunk_size is not None:
        raise InputError("Give either the number of chunks or the chunk size, not both.")
    if chunk_size is not None:
        if chunk_size < MIN_CHUNK_ROWS:
            raise InputError(f"A chunk needs at least {MIN_CHUNK_ROWS} rows; got {chunk_size}.")
        return [(s, min(s + chunk_size, rows)) for s in range(0, rows, chunk_size)]
    count = DEFAULT_CHUNKS if chunks is None else chunks
    if count < 1:
        raise InputError(f"The number of chunks must be at least 1; got {count}.")
    count = max(1, min(count, rows // MIN_CHUNK_ROWS))
    edges = np.linspace(0, rows, count + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


@dataclass
class PerformanceEstimator:
    """What a model's holdout says about its accuracy on rows without labels."""

    task: str
    inputs: list[str]
    classes: list = field(default_factory=list)
    positive: int = 1
    calibrator: cbpe.Calibrator | None = None
    errors: dle.ErrorModels | None = None
    holdout_rows: int = 0
    pipeline: Any = None  # not stored with the estimator: the model version's own artifact
    holdout: tuple | None = None  # (rows or their features, proba, class index): shift correction
    # How it was fitted: a stored estimator older than ``FITTING`` is fitted again on load.
    # 2: CBPE averages the calibration maps not clearly worse than the best (1 picked one).
    fitting: int = 1
    FITTING = 2

    def __getstate__(self) -> dict:
        return {**self.__dict__, "pipeline": None, "holdout": None}

    @property
    def method(self) -> str:
        return "DLE" if self.task == "regression" else "CBPE"

    @property
    def metrics(self) -> tuple[str, ...]:
        return dle.METRICS if self.task == "regression" else cbpe.METRICS

    @classmethod
    def fit(
        cls,
        pipeline: Any,
        holdout_X: pd.DataFrame,  # noqa: N803
        holdout_y: Any,
        task: str,
        positive: Any = None,
    ) -> PerformanceEstimator:
        """Fit on the model's holdout (rows it was not trained on) and their true outcomes."""
        y = np.asarray(holdout_y)
        if len(y) < MIN_CHUNK_ROWS:
            raise InputError(
                f"The holdout has {len(y)} rows; estimating performance needs at least "
                f"{MIN_CHUNK_ROWS} labelled rows the model was not trained on."
            )
        est = cls(task=task, inputs=list(holdout_X.columns), pipeline=pipeline)
        est.holdout_rows, est.fitting = len(y), cls.FITTING
        if task == "regression":
            truth = pd.to_numeric(pd.Series(y), errors="coerce").to_numpy(np.float64)
            predicted = np.asarray(pipeline.predict(holdout_X), dtype=np.float64)
            ok = np.isfinite(truth) & np.isfinite(predicted)
            features = est._error_features(holdout_X[ok], predicted[ok])
            est.errors = dle.ErrorModels.fit(features, truth[ok] - predicted[ok])
            return est
        est.classes = list(pipeline.classes_)
        texts = [_text(c) for c in est.classes]
        if positive is not None and _text(positive) in texts:
            est.positive = texts.index(_text(positive))
        est.attach(pipeline, holdout_X, y)
        _, proba, index = est.holdout
        est.calibrator = cbpe.Calibrator.fit(proba, index)
        return est

    def attach(self, pipeline: Any, holdout_X: pd.DataFrame, holdout_y: Any) -> None:  # noqa: N803
        """Attach the model (and, for a classifier, its holdout's features, probabilities and
        classes, which the shift correction re-weights) to a stored estimator."""
        self.pipeline = pipeline
        if self.task == "regression":
            return
        proba = np.asarray(pipeline.predict_proba(holdout_X), dtype=np.float64)
        index = self.class_index(np.asarray(holdout_y))
        known = index >= 0
        if known.sum() < MIN_CHUNK_ROWS:
            raise InputError(
                f"Only {int(known.sum())} holdout rows hold a class the model knows; estimating "
                f"needs at least {MIN_CHUNK_ROWS}."
            )
        self.holdout = (holdout_X[known], proba[known], index[known])  # features: on first use

    def class_index(self, labels: Any) -> np.ndarray:
        """Each label's class index (-1 for a label the model does not know), matched as text."""
        texts = {_text(c): i for i, c in enumerate(self.classes)}
        return np.array([texts.get(_text(v), -1) for v in np.asarray(labels)], dtype=np.int64)

    def _error_features(self, frame: pd.DataFrame, predicted: np.ndarray) -> np.ndarray:
        return np.column_stack([feature_matrix(self.pipeline, frame), predicted])

    def estimate(
        self,
        frame: pd.DataFrame,
        *,
        chunks: int | None = None,
        chunk_size: int | None = None,
        y: Any = None,
        shift_correction: bool = False,
    ) -> list[dict]:
        """Per chunk: ``{"chunk", "start", "end", "rows", "metrics": {metric: {"estimate",
        "low", "high", "realized"}}}`` (realized is None without ``y``)."""
        if self.pipeline is None:
            raise InputError("The estimator has no model attached; load it with its version.")
        missing = [c for c in self.inputs if c not in frame.columns]
        if missing:
            raise InputError(
                f"The data lacks the model's input column(s) {', '.join(missing[:6])}"
                + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
                + "."
            )
        if len(frame) == 0:
            raise InputError("The data has no rows, so there is nothing to estimate.")
        frame = frame[self.inputs].reset_index(drop=True)
        labels = None if y is None else np.asarray(y)
        out = []
        for i, (start, end) in enumerate(chunk_bounds(len(frame), chunks, chunk_size)):
            part = frame.iloc[start:end]
            truth = None if labels is None else labels[start:end]
            metrics = self._estimate_chunk(part, truth, shift_correction)
            out.append({"chunk": i, "start": start, "end": end, "rows": end - start, **metrics})
        return out

    def _estimate_chunk(self, part: pd.DataFrame, truth, shift_correction: bool) -> dict:
        if self.task == "regression":
            predicted = np.asarray(self.pipeline.predict(part), dtype=np.float64)
            bands = self.errors.estimate(self._error_features(part, predicted))
            realized = _realized_regression(predicted, truth)
            return {"metrics": _merge(bands, realized, self.metrics)}
        proba = np.asarray(self.pipeline.predict_proba(part), dtype=np.float64)
        calibrator = self.calibrator
        weighted = False
        if shift_correction:
            calibrator, weighted = self._shifted_calibrator(part)
        calibrated = calibrator(proba)
        predicted = proba.argmax(axis=1)
        point = cbpe.expected_metrics(proba, calibrated, predicted, self.positive)
        bands = cbpe.simulated_bands(proba, calibrated, predicted, self.positive)
        both = {m: (point[m], *bands[m]) for m in self.metrics}
        realized = self._realized_classes(proba, truth)
        return {"metrics": _merge(both, realized, self.metrics), "shift_corrected": weighted}

    def _shifted_calibrator(self, part: pd.DataFrame) -> tuple[cbpe.Calibrator, bool]:
        """The calibrator refitted on the holdout weighted to look like ``part`` (PAPE)."""
        if self.holdout is None:
            raise InputError(
                "Shift correction needs the model's holdout; load it from its version."
            )
        rows, proba, index = self.holdout
        if isinstance(rows, pd.DataFrame):  # the holdout's preprocessed features, once
            rows = feature_matrix(self.pipeline, rows)
            self.holdout = (rows, proba, index)
        matrix, current = rows, feature_matrix(self.pipeline, part)
        weights = importance_weights(matrix, current)
        return cbpe.Calibrator.fit(proba, index, weights), True

    def _realized_classes(self, proba: np.ndarray, truth) -> dict[str, float]:
        if truth is None:
            return {}
        index = self.class_index(truth)
        known = index >= 0
        if known.sum() < 2:
            return {}
        return realized_classification(proba[known], index[known], self.positive)


def importance_weights(reference: np.ndarray, current: np.ndarray) -> np.ndarray:
    """How much more like ``current`` each reference row is: a domain classifier's odds,
    scaled by the two sizes, clipped at ``MAX_WEIGHT`` and normalised to mean one."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import cross_val_predict

    both = np.vstack([reference, current])
    side = np.r_[np.zeros(len(reference)), np.ones(len(current))]
    domain = HistGradientBoostingClassifier(
        max_iter=50, min_samples_leaf=max(20, len(both) // 50), random_state=0
    )
    q = cross_val_predict(domain, both, side, cv=3, method="predict_proba")[: len(reference), 1]
    q = np.clip(q, 1e-3, 1 - 1e-3)
    weights = np.clip(q / (1 - q) * len(reference) / len(current), 1 / MAX_WEIGHT, MAX_WEIGHT)
    return weights / weights.mean()


def realized_classification(proba: np.ndarray, index: np.ndarray, positive: int) -> dict:
    """The realized value of each CBPE metric on labelled rows (class indices)."""
    from sklearn import metrics as skm

    predicted = proba.argmax(axis=1)
    binary = proba.shape[1] == 2
    out = {"accuracy": float(np.mean(predicted == index))}
    if binary:
        y, said = index == positive, predicted == positive
        scores = {"zero_division": np.nan}
        out["precision"] = float(skm.precision_score(y, said, **scores))
        out["recall"] = float(skm.recall_score(y, said, **scores))
        out["f1"] = float(skm.f1_score(y, said, zero_division=0))
        if 0 < y.sum() < len(y):
            out["roc_auc"] = float(skm.roc_auc_score(y, proba[:, positive]))
        return out
    labels = list(range(proba.shape[1]))
    for name, fn in (("precision", skm.precision_score), ("recall", skm.recall_score)):
        out[name] = float(fn(index, predicted, labels=labels, average="macro", zero_division=0))
    out["f1"] = float(
        skm.f1_score(index, predicted, labels=labels, average="macro", zero_division=0)
    )
    if len(np.unique(index)) == proba.shape[1]:
        out["roc_auc"] = float(skm.roc_auc_score(index, proba, multi_class="ovr", labels=labels))
    return out


def _realized_regression(predicted: np.ndarray, truth) -> dict[str, float]:
    if truth is None:
        return {}
    y = pd.to_numeric(pd.Series(truth), errors="coerce").to_numpy(np.float64)
    ok = np.isfinite(y) & np.isfinite(predicted)
    if ok.sum() < 2:
        return {}
    error = y[ok] - predicted[ok]
    return {"mae": float(np.mean(np.abs(error))), "rmse": float(np.sqrt(np.mean(error**2)))}


def _plain(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _merge(bands: dict, realized: dict, metrics: tuple[str, ...]) -> dict:
    return {
        m: {
            "estimate": _plain(bands[m][0]),
            "low": _plain(bands[m][1]),
            "high": _plain(bands[m][2]),
            "realized": _plain(realized.get(m)),
        }
        for m in metrics
    }
