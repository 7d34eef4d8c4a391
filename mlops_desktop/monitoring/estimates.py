"""Performance estimates of a workspace's model versions: ``estimate_performance`` and friends.

``estimator_for(ws, version)`` gives the version's ``PerformanceEstimator``: fitted once on the
holdout of the dataset version it was trained on (the version that replaced it after an
erasure), stored as an artifact beside the model (``ws.estimators``), verified by hash when
loaded again. ``estimate_performance(ws, "credit@1", frame)`` is the public engine the CLI's
``estimate`` and the monitor's windows use: per chunk, each metric's estimate, 95% band and,
when ``frame`` holds the target column, the realized value; with the test report's value and
the gate's threshold for the same metrics.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import pandas as pd

from mlops_desktop.errors import InputError
from mlops_desktop.monitoring.estimation import MIN_CHUNK_ROWS, PerformanceEstimator

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import ModelVersion
    from mlops_desktop.registry.workspace import Workspace

CAVEAT = (
    "Estimates assume the relation between inputs and outcome is unchanged since the holdout: "
    "they follow inputs that move, not concept drift. Realized values (once outcomes arrive) "
    "see both."
)

_cache: dict[tuple[str, int, str], PerformanceEstimator] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the estimators loaded in this process (tests; a workspace switch)."""
    with _lock:
        _cache.clear()


def _holdout(ws: Workspace, version: ModelVersion) -> tuple[Any, pd.DataFrame, pd.Series, dict]:
    """``(dataset version, holdout inputs, holdout outcomes, signature)`` of ``version``."""
    from mlops_desktop.training.decision_inputs import kept_dataset_version

    run = ws.runs.get(version.run_id)
    signature = version.signature or run.config.get("signature") or {}
    names = [spec["name"] for spec in signature.get("inputs") or []]
    output = signature.get("output") or {}
    target, task = output.get("name"), output.get("task")
    if not names or not target or task not in ("binary", "multiclass", "regression"):
        raise InputError(
            f"{version.ref} has no input and output signature, so its performance cannot be "
            "estimated. Retrain it with this version of MLOps Desktop."
        )
    dataset = kept_dataset_version(ws, ws.datasets.get_by_id(run.dataset_version_id))
    frame, test_mask = ws.datasets.load_frame(dataset)
    holdout = frame[test_mask]
    if holdout.empty or target not in holdout.columns:
        raise InputError(
            f"{dataset.ref} has no test part with the outcome '{target}', so the performance "
            f"of {version.ref} cannot be estimated."
        )
    return dataset, holdout[names], holdout[target], signature


def estimator_for(ws: Workspace, version: ModelVersion) -> PerformanceEstimator:
    """The fitted estimator of ``version`` with its model attached (fitted and stored once)."""
    dataset, features, outcomes, signature = _holdout(ws, version)
    stored = ws.estimators.get(version.id)
    if stored is not None and stored.dataset_version_id != dataset.id:
        stored = None  # learned from rows an erasure rewrote since: fit again
    key = (str(ws.path), version.id, stored.artifact_hash if stored else "")
    with _lock:
        if stored is not None and key in _cache:
            return _cache[key]
    pipeline = ws.artifacts.load_object(ws.models.bound_artifact(version))
    output = signature.get("output") or {}
    estimator = None if stored is None else ws.artifacts.load_object(stored.artifact_hash)
    if estimator is not None and estimator.fitting >= PerformanceEstimator.FITTING:
        estimator.attach(pipeline, features, outcomes)
    else:  # none yet, or fitted the way an earlier version of MLOps Desktop did: fit now
        estimator = PerformanceEstimator.fit(
            pipeline, features, outcomes, output["task"], output.get("positive_class")
        )
        digest = ws.artifacts.put_object(estimator)
        calibrated = bool(estimator.calibrator and estimator.calibrator.calibrates)
        stored = ws.estimators.put(
            version.id, estimator.method, digest, dataset.id, estimator.holdout_rows, calibrated
        )
        key = (str(ws.path), version.id, stored.artifact_hash)
    with _lock:
        _cache[key] = estimator
    return estimator


def _benchmarks(ws: Workspace, version: ModelVersion, metrics: tuple[str, ...]) -> dict:
    """The test report's value and the gate's rule for each estimated metric."""
    from mlops_desktop.monitoring.realized import gate_rules

    report = ws.reports.latest(version.id)
    tested = (report.summary.get("metrics") or {}) if report else {}
    gate = gate_rules(ws, version.name)
    return {
        m: {
            "test_report": (tested.get(m) or {}).get("value"),
            "gate": gate.get(m),
        }
        for m in metrics
    }


def estimate_performance(
    ws: Workspace,
    model_ref: str,
    frame: pd.DataFrame,
    *,
    chunks: int | None = None,
    chunk_size: int | None = None,
    shift_correction: bool = False,
) -> dict:
    """Estimated performance of ``model_ref`` on the rows of ``frame``, chunk by chunk.

    Returns ``{"model", "method", "calibration", "task", "metrics", "chunks": [...],
    "reference": {metric: {"test_report", "gate"}}, "caveat"}`` (``calibration``: the maps
    averaged, in words; None for a regressor); each chunk as ``PerformanceEstimator.estimate``
    gives it, with realized values when ``frame`` holds the model's target column.
    """
    version = ws.models.get(model_ref)
    estimator = estimator_for(ws, version)
    target = ((version.signature or {}).get("output") or {}).get("name")
    truth = frame[target] if target and target in frame.columns else None
    chunk_list = estimator.estimate(
        frame, chunks=chunks, chunk_size=chunk_size, y=truth, shift_correction=shift_correction
    )
    return {
        "model": version.ref,
        "method": estimator.method,
        "calibration": estimator.calibrator.describe() if estimator.calibrator else None,
        "task": estimator.task,
        "metrics": list(estimator.metrics),
        "rows": int(len(frame)),
        "labelled": truth is not None,
        "shift_correction": shift_correction,
        "chunks": chunk_list,
        "reference": _benchmarks(ws, version, estimator.metrics),
        "caveat": CAVEAT,
    }


def window_estimate(
    ws: Workspace, version_id: int, frame: pd.DataFrame, shift_correction: bool = False
) -> dict:
    """One monitoring window's estimate (the window as one chunk), compact for ``results_json``:
    ``{"method", "metrics": {metric: {"estimate", "low", "high"}}}``, or ``{"error": why}``
    when the version cannot be estimated (the drift figures are stored all the same)."""
    from mlops_desktop.errors import MlopsError

    try:
        estimator = estimator_for(ws, ws.models.by_id(version_id))
        if len(frame) < MIN_CHUNK_ROWS:
            return {"method": estimator.method, "metrics": {}, "rows": int(len(frame))}
        chunk = estimator.estimate(frame, chunks=1, shift_correction=shift_correction)[0]
    except (MlopsError, ValueError, TypeError) as exc:  # the drift figures still count
        return {"error": str(exc)}
    metrics = {
        m: {k: v[k] for k in ("estimate", "low", "high")} for m, v in chunk["metrics"].items()
    }
    out = {"method": estimator.method, "metrics": metrics, "rows": chunk["rows"]}
    if chunk.get("shift_corrected"):
        out["shift_corrected"] = True
    return out
