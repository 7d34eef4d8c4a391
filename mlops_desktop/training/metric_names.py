"""Metric names and directions, importable without scikit-learn (gates and the CLI use them)."""

from mlops_desktop.formatting import METRIC_LABELS as LABELS

CLASSIFICATION_METRICS = ("roc_auc", "pr_auc", "accuracy", "f1", "log_loss", "brier")
REGRESSION_METRICS = ("mae", "rmse", "r2", "mape")
HIGHER_IS_BETTER = {
    "roc_auc": True,
    "pr_auc": True,
    "accuracy": True,
    "f1": True,
    "log_loss": False,
    "brier": False,
    "mae": False,
    "rmse": False,
    "r2": True,
    "mape": False,
}
PRIMARY = {"binary": "roc_auc", "multiclass": "roc_auc", "regression": "rmse"}
METRIC_LABELS = LABELS  # one table of what people read: mlops_desktop.formatting
