"""Permutation importance on the test part: how much the primary metric worsens when one input
column's values are shuffled (so the model can no longer use it).

A column whose shuffling hardly moves the metric adds little to the model; the personal-data
inventory uses that for its data-minimisation hint. Values are in the primary metric's units,
positive = the column helps; ``std`` is over the repeats.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from mlops_desktop.evaluation.bootstrap import MetricSet
from mlops_desktop.training.metrics import HIGHER_IS_BETTER

MAX_ROWS, MIN_ROWS = 2000, 200  # rows of the test part used (a seeded sample beyond)
MAX_COLUMNS = 300  # columns shuffled at most (the personal-data ones first)
SCORED_ROWS = 40_000  # rows scored in all (columns × repeats × rows), whatever the data's size
CHUNK_ROWS = 50_000  # rows scored per call: many shuffled copies at once, not one call each


def _outputs(pipeline, task: str, features: pd.DataFrame) -> np.ndarray:
    if task == "regression":
        return np.asarray(pipeline.predict(features), dtype=float)
    return np.asarray(pipeline.predict_proba(features), dtype=float)


def _shuffled(features: pd.DataFrame, column: str, rng: np.random.Generator) -> pd.DataFrame:
    frame = features.copy(deep=False)
    frame[column] = features[column].iloc[rng.permutation(len(features))].set_axis(features.index)
    return frame


def _plan(features: pd.DataFrame, first: list[str]) -> tuple[list[str], int, int]:
    """The columns to shuffle (``first`` ones first), the repeats each and the rows used, so
    that about ``SCORED_ROWS`` rows are scored in all."""
    ordered = [c for c in first if c in features.columns]
    ordered += [c for c in features.columns if c not in ordered]
    ordered = ordered[:MAX_COLUMNS]
    repeats = 5 if len(ordered) <= 60 else 3 if len(ordered) <= 150 else 1
    rows = SCORED_ROWS // max(len(ordered) * repeats, 1)
    return ordered, repeats, min(len(features), max(MIN_ROWS, min(MAX_ROWS, rows)))


def permutation_importance(
    pipeline,
    task: str,
    features: pd.DataFrame,
    y: np.ndarray,
    metric: str,
    *,
    classes=None,
    positive=None,
    first: list[str] = (),
    seed: int = 0,
    progress: Callable[[float, str], None] = lambda _f, _m: None,
) -> dict:
    """``{"metric", "base", "rows", "repeats", "columns": {name: {"mean", "std"}}}``."""
    rng = np.random.default_rng(seed)
    features = features.reset_index(drop=True)
    y = np.asarray(y)
    columns, repeats, n_rows = _plan(features, list(first))
    if len(features) > n_rows:
        rows = np.sort(rng.choice(len(features), n_rows, replace=False))
        features, y = features.iloc[rows].reset_index(drop=True), y[rows]
    sign = 1.0 if HIGHER_IS_BETTER[metric] else -1.0

    ones = np.ones((1, len(y)))

    def metric_of(output: np.ndarray) -> float:  # the bootstrap's vectorised metric: fast
        return float(MetricSet(task, y, output, classes, positive, (metric,)).weighted(ones)[0, 0])

    base = metric_of(_outputs(pipeline, task, features))
    jobs = [(c, r) for c in columns for r in range(repeats)]
    per_call = max(1, CHUNK_ROWS // max(len(features), 1))
    drops: dict[str, list[float]] = {c: [] for c in columns}
    for start in range(0, len(jobs), per_call):
        progress(start / max(len(jobs), 1), "Permutation importance")
        chunk = jobs[start : start + per_call]
        frames = [_shuffled(features, column, rng) for column, _ in chunk]
        output = _outputs(pipeline, task, pd.concat(frames, ignore_index=True))
        for k, (column, _) in enumerate(chunk):
            part = output[k * len(features) : (k + 1) * len(features)]
            drops[column].append(sign * (base - metric_of(part)))
    return {
        "metric": metric,
        "base": base,
        "rows": len(features),
        "repeats": repeats,
        "columns": {
            c: {"mean": float(np.nanmean(d)), "std": float(np.nanstd(d))} for c, d in drops.items()
        },
    }
