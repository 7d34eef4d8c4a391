"""Vectorised bootstrap: 95% confidence intervals for every metric in one pass over the data.

A resample is a vector of row counts (how often each row was drawn). Every metric is computed
as a count-weighted metric, so a chunk of resamples is one matrix ``W`` of shape
``(resamples, rows)`` and each metric is a few matrix operations on it. ROC AUC and PR AUC come
from tie groups of the sorted scores (a weighted Mann-Whitney statistic and the weighted
average precision), which equal scikit-learn's values on the resampled rows exactly.

Point estimates are scikit-learn's own metrics (``mlops_desktop.training.metrics``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from mlops_desktop.training.metrics import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    classification_metrics,
    regression_metrics,
)

Progress = Callable[[float, str], None]
MAX_CELLS = 4_000_000  # resamples x rows held in memory at once (32 MB of float64)


@dataclass(frozen=True)
class BootstrapPlan:
    """``n_boot`` resamples with replacement of ``n`` rows, reproducible from ``seed``.

    Resamples are drawn chunk by chunk (all indices of a chunk at once) so memory stays bounded
    whatever the number of rows; the same ``(n, n_boot, seed)`` always gives the same resamples.
    """

    n: int
    n_boot: int = 1000
    seed: int = 0
    max_cells: int = MAX_CELLS

    @property
    def chunk(self) -> int:
        return max(1, min(self.n_boot, self.max_cells // max(self.n, 1)))

    def index_chunks(self) -> Iterator[np.ndarray]:
        """Row indices of each chunk of resamples, shape ``(chunk, n)``."""
        for number, start in enumerate(range(0, self.n_boot, self.chunk)):
            size = min(self.chunk, self.n_boot - start)
            rng = np.random.default_rng(np.random.SeedSequence([self.seed, number]))
            yield rng.integers(0, self.n, size=(size, self.n))

    def count_chunks(self) -> Iterator[np.ndarray]:
        """Row counts of each chunk of resamples, float64 of shape ``(chunk, n)``."""
        for idx in self.index_chunks():
            size = idx.shape[0]
            offsets = (np.arange(size) * self.n)[:, None]
            counts = np.bincount((idx + offsets).ravel(), minlength=size * self.n)
            yield counts.reshape(size, self.n).astype(np.float64)


def run_bootstrap(
    plan: BootstrapPlan,
    tasks: dict[str, Callable[[np.ndarray], np.ndarray]],
    progress: Progress | None = None,
) -> dict[str, np.ndarray]:
    """Apply every task to every chunk of resample counts; stack each task's results.

    ``progress`` is called after each chunk (it may raise to cancel).
    """
    results: dict[str, list[np.ndarray]] = {key: [] for key in tasks}
    done = 0
    for counts in plan.count_chunks():
        for key, task in tasks.items():
            results[key].append(task(counts))
        done += counts.shape[0]
        if progress is not None:
            progress(done / plan.n_boot, f"Bootstrap: {done} of {plan.n_boot} resamples")
    return {key: np.concatenate(parts, axis=0) for key, parts in results.items()}


def interval(values: np.ndarray, level: float = 0.95) -> tuple[float | None, float | None]:
    """Percentile interval of bootstrap values; None when most resamples left it undefined."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if len(finite) < max(10, len(values) // 2):
        return None, None
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(finite, [tail, 100 - tail])
    return float(lo), float(hi)


# -- weighted metrics ------------------------------------------------------------------------


def _tie_groups(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(score, kind="mergesort")
    ordered = score[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return order, starts


def _auc_ap(
    weights: np.ndarray,
    positive_sorted: np.ndarray,
    order: np.ndarray,
    starts: np.ndarray,
    want_ap: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Weighted ROC AUC and average precision for each row of ``weights``.

    ``order`` lists the columns of ``weights`` by ascending score, ``positive_sorted`` is 1 for
    positive rows in that order and ``starts`` marks where each group of tied scores begins.
    """
    ordered = weights[:, order]
    pos = np.add.reduceat(ordered * positive_sorted, starts, axis=1)
    neg = np.add.reduceat(ordered, starts, axis=1) - pos
    n_pos, n_neg = pos.sum(axis=1), neg.sum(axis=1)
    ap = None
    with np.errstate(divide="ignore", invalid="ignore"):
        below = np.cumsum(neg, axis=1) - 0.5 * neg
        auc = (pos * below).sum(axis=1) / (n_pos * n_neg)
        if want_ap:
            pos_d, neg_d = pos[:, ::-1], neg[:, ::-1]
            tp, fp = np.cumsum(pos_d, axis=1), np.cumsum(neg_d, axis=1)
            precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) > 0)
            ap = (pos_d * precision).sum(axis=1) / n_pos
            ap[n_pos == 0] = np.nan
    auc[(n_pos == 0) | (n_neg == 0)] = np.nan
    return auc, ap


def _ranked(positive: np.ndarray, score: np.ndarray) -> tuple:
    order, starts = _tie_groups(score)
    return positive[order], order, starts


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)


class MetricSet:
    """One model's (or baseline's) predictions on labelled rows, ready for weighted metrics.

    ``output`` is the probability matrix (columns in ``classes`` order) for classification and
    the predicted values for regression.
    """

    def __init__(
        self,
        task: str,
        y_true,
        output,
        classes=None,
        positive=None,
        names: tuple[str, ...] | None = None,
    ) -> None:
        self.task = task
        self.y = np.asarray(y_true)
        self.output = np.asarray(output, dtype=float)
        self.classes = None if classes is None else np.asarray(classes)
        self.positive = positive
        default = REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS
        self.names = tuple(names or default)
        if task == "regression":
            self._prepare_regression()
        else:
            self._prepare_classification()

    def __len__(self) -> int:
        return len(self.y)

    def take(self, rows: np.ndarray, names: tuple[str, ...] | None = None) -> MetricSet:
        """The same metrics on a subset of rows (a slice)."""
        return MetricSet(
            self.task,
            self.y[rows],
            self.output[rows],
            self.classes,
            self.positive,
            names or self.names,
        )

    def point(self) -> dict[str, float]:
        """scikit-learn's values of the metrics on all rows (NaN where undefined)."""
        if len(self.y) == 0:
            return {name: float("nan") for name in self.names}
        if self.task == "regression":
            values = regression_metrics(self.y, self.output)
        else:
            values = classification_metrics(self.y, self.output, self.classes, self.positive)
        return {name: float(values.get(name, float("nan"))) for name in self.names}

    def weighted(self, weights: np.ndarray) -> np.ndarray:
        """Metric values for each row of ``weights`` (resample counts), shape (b, len(names))."""
        weights = np.atleast_2d(weights)
        total = weights.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.task == "regression":
                values = self._weighted_regression(weights, total)
            else:
                values = self._weighted_classification(weights, total)
        columns = [values.get(name, np.full(len(total), np.nan)) for name in self.names]
        return np.column_stack(columns) if columns else np.empty((len(total), 0))

    # -- regression --------------------------------------------------------------------------

    def _prepare_regression(self) -> None:
        y = self.y.astype(float)
        error = self.output - y
        self._abs = np.abs(error)
        self._sq = error**2
        self._centre = float(np.mean(y)) if len(y) else 0.0
        self._yc = y - self._centre
        self._nonzero = (y != 0).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            self._ape = np.where(y != 0, np.abs(error / np.where(y != 0, y, 1)), 0.0)

    def _weighted_regression(self, w: np.ndarray, total: np.ndarray) -> dict[str, np.ndarray]:
        mean_yc = (w @ self._yc) / total
        sst = w @ (self._yc**2) - total * mean_yc**2
        sse = w @ self._sq
        r2 = 1 - sse / sst
        r2[total <= 1] = np.nan
        return {
            "mae": (w @ self._abs) / total,
            "rmse": np.sqrt(sse / total),
            "r2": r2,
            "mape": (w @ self._ape) / (w @ self._nonzero),
        }

    # -- classification ----------------------------------------------------------------------

    def _prepare_classification(self) -> None:
        classes, proba, y = self.classes, self.output, self.y
        self._onehot = (y[:, None] == classes[None, :]).astype(float)
        predicted = np.argmax(proba, axis=1) if len(proba) else np.zeros(0, dtype=int)
        self._correct = (classes[predicted] == y).astype(float)
        eps = np.finfo(np.float64).eps
        p_true = (proba * self._onehot).sum(axis=1)
        self._logloss = -np.log(np.clip(np.clip(p_true, 1e-15, 1), eps, 1 - eps))
        self._binary = len(classes) == 2
        if self._binary:
            index = 1 if self.positive is None else int(np.flatnonzero(classes == self.positive)[0])
            pos_true = self._onehot[:, index]
            pos_pred = (predicted == index).astype(float)
            self._tp = pos_true * pos_pred
            self._fp = (1 - pos_true) * pos_pred
            self._fn = pos_true * (1 - pos_pred)
            self._brier = (proba[:, index] - pos_true) ** 2
            self._ranks = [_ranked(pos_true, proba[:, index])]
        else:
            pred_onehot = (predicted[:, None] == np.arange(len(classes))[None, :]).astype(float)
            self._tp_k = self._onehot * pred_onehot
            self._fp_k = (1 - self._onehot) * pred_onehot
            self._fn_k = self._onehot * (1 - pred_onehot)
            self._brier = ((proba - self._onehot) ** 2).sum(axis=1)
            self._ranks = [_ranked(self._onehot[:, k], proba[:, k]) for k in range(len(classes))]

    def _weighted_classification(self, w: np.ndarray, total: np.ndarray) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        wanted = set(self.names)
        if "accuracy" in wanted:
            out["accuracy"] = (w @ self._correct) / total
        if "brier" in wanted:
            out["brier"] = (w @ self._brier) / total
        if "log_loss" in wanted:
            out["log_loss"] = (w @ self._logloss) / total
        if "f1" in wanted:
            if self._binary:
                out["f1"] = _f1(w @ self._tp, w @ self._fp, w @ self._fn)
            else:
                tp, fp, fn = w @ self._tp_k, w @ self._fp_k, w @ self._fn_k
                present = (tp + fp + fn) > 0
                f1 = np.where(present, _f1(tp, fp, fn), 0.0)
                out["f1"] = f1.sum(axis=1) / np.maximum(present.sum(axis=1), 1)
        if wanted & {"roc_auc", "pr_auc"}:
            out.update(self._ranked_metrics(w, None))
        return out

    def _ranked_metrics(self, w: np.ndarray, columns: np.ndarray | None) -> dict[str, np.ndarray]:
        want_ap = "pr_auc" in self.names
        pairs = [
            _auc_ap(w, positive, order if columns is None else columns[order], starts, want_ap)
            for positive, order, starts in self._ranks
        ]
        # macro average; a resample missing a class leaves it undefined (as sklearn does)
        out = {"roc_auc": np.column_stack([a for a, _ in pairs]).mean(axis=1)}
        if want_ap:
            out["pr_auc"] = np.column_stack([p for _, p in pairs]).mean(axis=1)
        return out

    def weighted_columns(self, weights: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """``weighted(weights[:, columns])``, gathering the columns once (slices use this)."""
        if self.task != "regression" and set(self.names) <= {"roc_auc", "pr_auc"}:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = self._ranked_metrics(np.atleast_2d(weights), columns)
            return np.column_stack([values[name] for name in self.names])
        return self.weighted(weights[:, columns])
