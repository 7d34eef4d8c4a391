"""Chart data for reports, aggregated and downsampled so a report stays small at any data size.

Every curve has at most ``MAX_POINTS`` points; scatter plots show a seeded sample of rows.
The results are JSON-safe and stored in the report summary; ``charts`` draws them.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

MAX_POINTS = 500
CALIBRATION_BINS = 10
MAX_CURVE_CLASSES = 5


def downsample(xs: np.ndarray, ys: np.ndarray, limit: int = MAX_POINTS) -> tuple[list, list]:
    """At most ``limit`` points spread evenly along the curve, first and last kept."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if len(xs) > limit:
        keep = np.unique(np.round(np.linspace(0, len(xs) - 1, limit)).astype(int))
        xs, ys = xs[keep], ys[keep]
    return [round(float(x), 5) for x in xs], [round(float(y), 5) for y in ys]


def _curves_for(y_bin: np.ndarray, score: np.ndarray, limit: int) -> dict | None:
    if y_bin.min() == y_bin.max():
        return None
    fpr, tpr, _ = skm.roc_curve(y_bin, score)
    precision, recall, _ = skm.precision_recall_curve(y_bin, score)
    roc_x, roc_y = downsample(fpr, tpr, limit)
    pr_x, pr_y = downsample(recall[::-1], precision[::-1], limit)
    return {"roc": {"x": roc_x, "y": roc_y}, "pr": {"x": pr_x, "y": pr_y}}


def classification_charts(
    y_true: np.ndarray,
    proba: np.ndarray,
    classes: list,
    positive=None,
) -> dict:
    """ROC and PR curves, a calibration table and the confusion matrix."""
    y_true = np.asarray(y_true).astype(str)
    classes = [str(c) for c in classes]
    predicted = np.asarray(classes, dtype=object)[np.argmax(proba, axis=1)]
    matrix = skm.confusion_matrix(y_true, predicted.astype(str), labels=classes)
    out: dict = {
        "kind": "classification",
        "confusion": {"labels": classes, "matrix": matrix.tolist()},
        "curves": {},
    }
    if len(classes) == 2:
        index = classes.index(str(positive)) if positive is not None else 1
        targets = [index]
        out["positive_class"] = classes[index]
    else:
        targets = list(range(min(len(classes), MAX_CURVE_CLASSES)))
    limit = MAX_POINTS if len(targets) == 1 else MAX_POINTS // len(targets)
    for k in targets:
        curves = _curves_for((y_true == classes[k]).astype(int), proba[:, k], limit)
        if curves is not None:
            curves["prevalence"] = float(np.mean(y_true == classes[k]))
            out["curves"][classes[k]] = curves
    if len(classes) == 2:
        y_bin = (y_true == classes[targets[0]]).astype(float)
        score = proba[:, targets[0]]
        edges = np.linspace(0, 1, CALIBRATION_BINS + 1)
        bins = np.clip(np.digitize(score, edges[1:-1]), 0, CALIBRATION_BINS - 1)
        table = []
        for b in range(CALIBRATION_BINS):
            rows = bins == b
            if rows.any():
                table.append(
                    {
                        "predicted": float(score[rows].mean()),
                        "observed": float(y_bin[rows].mean()),
                        "rows": int(rows.sum()),
                    }
                )
        out["calibration"] = table
    return out


def regression_charts(y_true: np.ndarray, predicted: np.ndarray, seed: int = 0) -> dict:
    """A sample of (actual, predicted) pairs for the scatter and residual plots."""
    y_true = np.asarray(y_true, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    rows = np.arange(len(y_true))
    if len(rows) > MAX_POINTS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_POINTS, replace=False))
    residual = y_true - predicted
    return {
        "kind": "regression",
        "sampled": int(len(rows)),
        "total": int(len(y_true)),
        "actual": [round(float(v), 6) for v in y_true[rows]],
        "predicted": [round(float(v), 6) for v in predicted[rows]],
        "residual_quantiles": [
            round(float(q), 6) for q in np.quantile(residual, [0.05, 0.25, 0.5, 0.75, 0.95])
        ]
        if len(residual)
        else [],
    }
