"""Cross-validation through scikit-learn's ``cross_validate``, one task per candidate and fold,
dispatched by joblib: in this process by default, on a Dask cluster's workers when one is given
(joblib's dask backend, the training data scattered to the workers once).

Each task is seeded as a local run is, and results are put back in candidate and fold order, so
the same seed gives the same metrics locally and on a cluster. Progress is reported as tasks
finish; a cancelled job stops dispatching and the cluster's pending tasks are cancelled.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import pandas as pd
from joblib import Parallel, delayed, parallel_config
from sklearn.model_selection import cross_validate

from mlops_desktop.training.metrics import score

Split = tuple[Any, Any]


@dataclass(frozen=True)
class MetricsScorer:
    """A picklable multimetric scorer for ``cross_validate``: every metric of ``score``."""

    task: str
    positive: str | None

    def __call__(self, estimator, X, y) -> dict[str, float]:  # noqa: N803
        return score(estimator, X, y, self.task, self.positive)


def fold_metrics(
    pipeline: Any,
    X: pd.DataFrame,  # noqa: N803
    y: pd.Series,
    split: Split,
    scorer: MetricsScorer,
) -> dict[str, float]:
    """The metrics of ``pipeline`` fitted on ``split[0]`` and scored on ``split[1]``."""
    result = cross_validate(pipeline, X, y, cv=[split], scoring=scorer, error_score="raise")
    return {
        key.removeprefix("test_"): float(values[0])
        for key, values in result.items()
        if key.startswith("test_")
    }


def _task(candidate: int, fold: int, pipeline, X, y, split, scorer) -> tuple[int, int, dict]:  # noqa: N803
    return candidate, fold, fold_metrics(pipeline, X, y, split, scorer)


def _backend(cluster: Any, X: pd.DataFrame, y: pd.Series):  # noqa: N803
    """joblib's dask backend on ``cluster``'s client (data scattered once), else the default."""
    if cluster is None:
        return nullcontext()
    return parallel_config(backend="dask", scatter=[X, y])


def run_folds(
    pipelines: list[Any],
    folds: list[Split],
    X: pd.DataFrame,  # noqa: N803
    y: pd.Series,
    scorer: MetricsScorer,
    progress: Callable[[int, str], None],
    cluster: Any = None,
) -> list[list[dict[str, float]]]:
    """``scores[candidate][fold]`` for every pipeline on every fold; ``progress(done, text)``
    after each finished task (it may raise to cancel the rest)."""
    tasks = [(c, f) for c in range(len(pipelines)) for f in range(len(folds))]
    where = "" if cluster is None else f" on {len(cluster.scheduler_info()['workers'])} workers"
    progress(0, f"Cross-validating {len(tasks)} fold fit(s){where}")
    found: dict[tuple[int, int], dict[str, float]] = {}
    with _backend(cluster, X, y):
        parallel = Parallel(n_jobs=1 if cluster is None else -1, return_as="generator_unordered")
        results = parallel(
            delayed(_task)(c, f, pipelines[c], X, y, folds[f], scorer) for c, f in tasks
        )
        try:
            for candidate, fold, metrics in results:
                found[(candidate, fold)] = metrics
                which = (
                    f"candidate {candidate + 1}/{len(pipelines)}, " if len(pipelines) > 1 else ""
                )
                progress(
                    len(found),
                    f"Cross-validated {which}fold {fold + 1}/{len(folds)} "
                    f"({len(found)}/{len(tasks)} fits{where})",
                )
        finally:
            with warnings.catch_warnings():  # joblib says how many running tasks it cancelled
                warnings.simplefilter("ignore", UserWarning)
                results.close()  # cancelled or failed: the pending tasks are not run
    return [[found[(c, f)] for f in range(len(folds))] for c in range(len(pipelines))]
