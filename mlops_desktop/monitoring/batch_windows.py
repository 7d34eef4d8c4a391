"""Batch scoring runs monitored as their own arm: one drift window (kind ``batch``) per run.

A published run's logged chunks (its scored rows: model inputs only, see ``serving.batch_log``)
are compared with the reference of the version that scored them, exactly as a window of service
traffic is: drift per feature, prediction drift and the performance estimate. So a nightly batch
gets drift and an estimate the morning after, before any outcome is known. A run's window is
computed once, by the next monitoring pass after it was published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_desktop.formatting import counted
from mlops_desktop.monitoring.engine import Progress, _evaluate, _store
from mlops_desktop.monitoring.logs import parse_inputs
from mlops_desktop.monitoring.reference import reference_for
from mlops_desktop.monitoring.settings import get_settings

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import DriftWindow
    from mlops_desktop.registry.workspace import Workspace


def compute_batch_windows(
    ws: Workspace, name: str, *, max_windows: int = 50, on_progress: Progress | None = None
) -> list[DriftWindow]:
    """Store one ``batch`` window per run of ``name`` published since the last one; return them."""
    settings = get_settings(ws, name)
    report = on_progress or (lambda _f, _m: None)
    runs = ws.batch_rows.published_runs(name, ws.drift_windows.last_batch_end(name))
    stored: list[DriftWindow] = []
    for done, (batch_id, published) in enumerate(runs[:max_windows]):
        rows = ws.batch_rows.chunk_rows(batch_id)
        if rows:  # a run whose rows were all erased has nothing left to compare
            version_id = rows[0][2]
            logged = parse_inputs([r[3] for r in rows])
            values = _evaluate(ws, reference_for(ws, version_id), rows, logged, settings)
            values["results"].update(batch_id=batch_id, errors=0, server_errors=0, partial=False)
            window = _store(ws, name, version_id, "batch", rows[0][1], published, values)
            if window is not None:
                stored.append(window)
        report((done + 1) / len(runs), f"{counted(done + 1, 'batch run')} of {name} compared")
    return stored


#: The metric a batch run's estimate is shown by, first found: classifiers, then regressors.
SHOWN_METRICS = ("roc_auc", "accuracy", "mae", "rmse")


@dataclass(frozen=True)
class BatchRun:
    """One monitored batch run: when it was published, its rows, drift and estimate."""

    batch_id: str
    version_id: int | None
    published: float
    rows: int
    drift_share: float | None
    dataset_drift: bool
    method: str | None  # CBPE, DLE, or None when the run has no estimate
    metric: str | None
    estimate: float | None
    low: float | None
    high: float | None


def batch_runs(ws: Workspace, name: str, limit: int = 8) -> list[BatchRun]:
    """The latest monitored batch runs of ``name``, newest first."""
    runs = []
    for window in ws.drift_windows.latest(name, "batch", limit):
        results = window.results or {}
        estimate = results.get("estimate") or {}
        metrics = estimate.get("metrics") or {}
        metric = next((m for m in SHOWN_METRICS if m in metrics), None)
        values = metrics.get(metric) or {}
        runs.append(
            BatchRun(
                batch_id=str(results.get("batch_id", "")),
                version_id=window.model_version_id,
                published=window.window_end,
                rows=window.n_rows,
                drift_share=window.drift_share,
                dataset_drift=bool(window.dataset_drift),
                method=estimate.get("method") if metric else None,
                metric=metric,
                estimate=values.get("estimate"),
                low=values.get("low"),
                high=values.get("high"),
            )
        )
    return runs
