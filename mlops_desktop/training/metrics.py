"""Metrics per task, computed the same way for cross-validation, holdout and test reports."""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

from mlops_desktop.training.metric_names import (  # noqa: F401 - re-exported
    CLASSIFICATION_METRICS,
    HIGHER_IS_BETTER,
    PRIMARY,
    REGRESSION_METRICS,
)


def classification_metrics(
    y_true, proba: np.ndarray, classes: np.ndarray, positive=None
) -> dict[str, float]:
    """ROC AUC, PR AUC, accuracy, F1, log loss and Brier score from predicted probabilities.

    For a binary target ``positive`` names the class F1, PR AUC and Brier refer to
    (default: the second class).
    """
    y_true = np.asarray(y_true)
    classes = np.asarray(classes)
    predicted = classes[np.argmax(proba, axis=1)]
    out = {"accuracy": float(skm.accuracy_score(y_true, predicted))}
    present = np.isin(classes, y_true)
    if len(classes) == 2:
        index = 1 if positive is None else int(np.flatnonzero(classes == positive)[0])
        positive = classes[index]
        y_bin = (y_true == positive).astype(int)
        p = proba[:, index]
        out["f1"] = float(skm.f1_score(y_bin, (predicted == positive).astype(int), zero_division=0))
        out["brier"] = float(skm.brier_score_loss(y_bin, p))
        if 0 < y_bin.sum() < len(y_bin):
            out["roc_auc"] = float(skm.roc_auc_score(y_bin, p))
            out["pr_auc"] = float(skm.average_precision_score(y_bin, p))
    else:
        out["f1"] = float(skm.f1_score(y_true, predicted, average="macro", zero_division=0))
        onehot = (y_true[:, None] == classes[None, :]).astype(float)
        out["brier"] = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
        if present.sum() == len(classes):
            out["roc_auc"] = float(
                skm.roc_auc_score(y_true, proba, multi_class="ovr", labels=classes)
            )
            out["pr_auc"] = float(skm.average_precision_score(onehot, proba, average="macro"))
    out["log_loss"] = float(skm.log_loss(y_true, np.clip(proba, 1e-15, 1), labels=classes))
    return out


def regression_metrics(y_true, predicted) -> dict[str, float]:
    """MAE, RMSE, R² and MAPE (MAPE over rows whose true value is not zero)."""
    y_true = np.asarray(y_true, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    nonzero = y_true != 0
    mape = (
        float(np.mean(np.abs((y_true[nonzero] - predicted[nonzero]) / y_true[nonzero])))
        if nonzero.any()
        else float("nan")
    )
    return {
        "mae": float(skm.mean_absolute_error(y_true, predicted)),
        "rmse": float(np.sqrt(skm.mean_squared_error(y_true, predicted))),
        "r2": float(skm.r2_score(y_true, predicted)) if len(y_true) > 1 else float("nan"),
        "mape": mape,
    }


def score(estimator, X, y, task: str, positive=None) -> dict[str, float]:  # noqa: N803
    """All metrics of a fitted estimator (or pipeline) on ``X``/``y``."""
    if task == "regression":
        return regression_metrics(y, estimator.predict(X))
    return classification_metrics(y, estimator.predict_proba(X), estimator.classes_, positive)


def positive_class(y) -> str | None:
    """The class binary metrics refer to: the rarer one (e.g. 'bad' credit, '>50K' income)."""
    counts = y.value_counts()
    if len(counts) != 2:
        return None
    return str(counts.index[-1])
