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

MAX_ROWS = 2000  # rows of the test part used (a seeded sample beyond)
MAX_SCORINGS = 300  # columns × repeats scored at most
REPEATS = 5
CHUNK_ROWS = 50_000  # rows scored per call: many shuffled copies at once, not one call each


def _outputs(pipeline, task: str, features: pd.DataFrame) -> np.ndarray:
    if task == "regression":
        return np.asarray(pipeline.predict(features), dtype=float)
    return np.asarray(pipeline.predict_proba(features), dtype=float)


def _shuffled(features: pd.DataFrame, column: str, rng: np.random.Generator) -> pd.DataFrame:
    frame = features.copy(deep=False)
    frame[column] = features[column].iloc[rng.permutation(len(features))].set_axis(features.index)
    return frame


def _columns(features: pd.DataFrame, first: list[str]) -> tuple[list[str], int]:
    """The columns to shuffle (``first`` ones first) and the repeats each, within the budget."""
    ordered = [c for c in first if c in features.columns]
    ordered += [c for c in features.columns if c not in ordered]
    repeats = max(1, min(REPEATS, MAX_SCORINGS // max(len(ordered), 1)))
    return ordered[: MAX_SCORINGS // repeats], repeats


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
    if len(features) > MAX_ROWS:
        rows = np.sort(rng.choice(len(features), MAX_ROWS, replace=False))
        features, y = features.iloc[rows].reset_index(drop=True), y[rows]
    sign = 1.0 if HIGHER_IS_BETTER[metric] else -1.0

    ones = np.ones((1, len(y)))

    def metric_of(output: np.ndarray) -> float:  # the bootstrap's vectorised metric: fast
        return float(MetricSet(task, y, output, classes, positive, (metric,)).weighted(ones)[0, 0])

    base = metric_of(_outputs(pipeline, task, features))
    columns, repeats = _columns(features, list(first))
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
