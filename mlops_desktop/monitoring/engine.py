"""Drift windows from the prediction log: compute the ones that are due, store them for good.

``compute_windows`` reads the live arm's successful requests that no stored window covers yet,
cuts them into windows (by scored rows or by fixed time intervals), compares each with the live
version's reference (``reference.py``) and stores one ``drift_windows`` row per window:

- the columns hold the headline figures (drift share, dataset drift, prediction drift statistic,
  domain-classifier AUC);
- ``results_json`` holds the compact per-window aggregates the charts draw (see
  ``series.window_series``): per-feature statistic, threshold, verdict and score, the prediction
  distribution, request and error counts, latency percentiles, and the prediction-id range;
- the full :class:`DriftReport` (with reference and current histograms per feature, for "click a
  window") is stored gzipped in the artifact store; its hash is ``results_json["report"]``.

Rules: a count window never mixes model versions (rows of a version that stopped being live
before its window filled form a last, ``partial`` window); a time window ``[start, start+step)``
is due once ``now`` is past its end by ``GRACE_S`` (the service flushes its log every 0.2 s) and
is compared with the reference of the version that scored most of its rows. Two monitors running
at once never store a window twice (the table's unique key; the second insert is ignored).
Switching a model between count and time windows keeps the stored windows and continues after
the traffic they cover, so its history is never cut again nor its alerts judged on old traffic.
"""

from __future__ import annotations

import gzip
import json
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.formatting import counted
from mlops_desktop.monitoring.estimates import window_estimate
from mlops_desktop.monitoring.logs import (
    LoggedInputs,
    decode_outputs,
    parse_inputs,
    reduce_outputs,
    to_frame,
)
from mlops_desktop.monitoring.reference import Reference, cast_like, reference_for
from mlops_desktop.monitoring.settings import (
    MonitorSettings,
    get_settings,
    step_seconds,
    with_overrides,
)
from mlops_desktop.monitoring.windowing import GRACE_S, cut_windows, time_start
from mlops_desktop.registry.entities import DriftWindow

if TYPE_CHECKING:
    import pandas as pd

    from mlops_desktop.drift.report import ColumnDrift, DriftReport
    from mlops_desktop.registry.workspace import Workspace

Progress = Callable[[float, str], None]

#: Scores are capped here (a score of 1 means "at the threshold").
MAX_SCORE = 10.0
#: Rows of the reference the domain classifier samples at most (keeps a window under a second).
MULTIVARIATE_REFERENCE_ROWS = 5000


def score(p_value: float | None, statistic: float, threshold: float) -> float:
    """A drift score comparable across methods: 1 at the threshold, above 1 = drifted.

    Distances: ``statistic / threshold``. Tests: ``log(p) / log(threshold)``.
    """
    if p_value is not None:
        if not math.isfinite(p_value) or p_value >= 1:
            return 0.0
        value = math.log(max(p_value, 1e-300)) / math.log(threshold)
    else:
        value = statistic / threshold if threshold > 0 and math.isfinite(statistic) else 0.0
    return float(min(MAX_SCORE, max(0.0, value)))


def _percentiles(values: np.ndarray) -> dict:
    values = values[np.isfinite(values)]
    if not values.size:
        return {"p50": None, "p95": None, "p99": None, "mean": None}
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"p50": float(p50), "p95": float(p95), "p99": float(p99), "mean": float(values.mean())}


def _prediction_summary(ref: Reference, values: np.ndarray) -> dict:
    out: dict = {"kind": ref.prediction_kind, "n": int(len(values))}
    if ref.prediction_kind in ("probability", "numeric"):
        finite = values[np.isfinite(values.astype(float))].astype(float)
        edges = np.asarray(ref.prediction_edges, dtype=float)
        clipped = np.clip(finite, edges[0], edges[-1])
        out["edges"] = ref.prediction_edges
        out["counts"] = [int(c) for c in np.histogram(clipped, bins=edges)[0]]
        out["mean"] = float(finite.mean()) if finite.size else None
        if ref.prediction_kind == "probability":
            out["positive_rate"] = float((finite >= 0.5).mean()) if finite.size else None
    else:
        labels, counts = np.unique(values.astype(str), return_counts=True)
        order = np.argsort(-counts, kind="stable")[:20]
        out["classes"] = [str(labels[i]) for i in order]
        out["shares"] = [float(counts[i] / counts.sum()) for i in order]
        if ref.positive_index is not None and ref.classes:
            positive = str(ref.classes[ref.positive_index])
            out["positive_rate"] = float(np.mean(values.astype(str) == positive))
    return out


def _evaluate(
    ws: Workspace,
    ref: Reference,
    rows: list[tuple],
    logged: LoggedInputs,
    settings: MonitorSettings,
) -> dict:
    """Drift of one window's requests; returns the columns and results of its row."""
    from mlops_desktop.drift import compare

    inputs = to_frame(logged, ref.columns, ref.types)
    current = cast_like(inputs.frame, ref.types)
    report = compare(
        ref.profile(),  # the reference prepared once per version, reused by every window
        current,
        columns=ref.columns,
        column_kinds=ref.kinds,
        settings=settings.drift_settings(),
        multivariate=False,
    )
    auc = _multivariate_auc(ref, current, settings)
    values, pred = _prediction_drift(ref, rows, settings)
    results = _window_results(ref, rows, report, auc, values, pred)
    results["estimate"] = window_estimate(
        ws, ref.version_id, inputs.frame, shift_correction=settings.shift_correction
    )
    detail = {"report": report.to_dict(), "prediction": pred.to_dict() if pred else None}
    results["report"] = ws.artifacts.put_bytes(gzip.compress(json.dumps(detail).encode(), 6))
    return {
        "n_rows": int(len(current)),
        "drift_share": report.drift_share,
        "dataset_drift": int(report.dataset_drift),
        "prediction_drift": _finite(pred.statistic) if pred else None,
        "multivariate_auc": auc,
        "results": results,
    }


def _multivariate_auc(
    ref: Reference, current: pd.DataFrame, settings: MonitorSettings
) -> float | None:
    """The domain classifier's AUC (reference vs window), None when it is off or too few rows."""
    if not settings.multivariate or len(current) < 2:
        return None
    from threadpoolctl import threadpool_limits

    from mlops_desktop.drift import domain_classifier_auc

    sample = ref.frame
    if len(sample) > MULTIVARIATE_REFERENCE_ROWS:
        sample = sample.sample(MULTIVARIATE_REFERENCE_ROWS, random_state=0)
    # One OpenMP thread: on a busy 2-core machine HistGradientBoosting's threads spin-wait
    # for each other and a 0.2 s fit took minutes.
    with threadpool_limits(limits=1, user_api="openmp"):
        return domain_classifier_auc(sample, current, ref.kinds, seed=0)


def _prediction_drift(
    ref: Reference, rows: list[tuple], settings: MonitorSettings
) -> tuple[np.ndarray, ColumnDrift | None]:
    """The window's reduced predictions and their drift from the reference's (None if none)."""
    from mlops_desktop.drift import prediction_drift

    outputs = decode_outputs([r[4] for r in rows], need_proba=ref.prediction_kind == "probability")
    values = reduce_outputs(outputs, ref.prediction_kind, ref.positive_index)
    pred = None
    if len(values) and ref.predictions is not None:
        kind = {"probability": "probability", "numeric": "numeric"}.get(
            ref.prediction_kind, "label"
        )
        pred = prediction_drift(ref.predictions, values, kind, settings=settings.drift_settings())
    return values, pred


def _window_results(
    ref: Reference,
    rows: list[tuple],
    report: DriftReport,
    auc: float | None,
    values: np.ndarray,
    pred: ColumnDrift | None,
) -> dict:
    """The compact per-window aggregates stored as ``results_json`` (without the report hash)."""
    cols = report.columns
    results = {
        "version": ref.version_ref,
        "reference": ref.dataset_ref,
        "first_id": int(rows[0][0]),
        "last_id": int(rows[-1][0]),
        "first_ts": float(rows[0][1]),
        "last_ts": float(rows[-1][1]),
        "ok_requests": len(rows),
        "features": [c.column for c in cols],
        "method": [c.method for c in cols],
        "statistic": [_finite(c.statistic) for c in cols],
        "p_value": [_finite(c.p_value) for c in cols],
        "threshold": [c.threshold for c in cols],
        "drifted": [bool(c.drifted) for c in cols],
        "score": [score(c.p_value, c.statistic, c.threshold) for c in cols],
        "psi": [_finite(c.stats.get("psi")) for c in cols],
        "drifted_columns": report.drifted_columns,
        "share_threshold": report.share_threshold,
        "multivariate_auc": auc,
        "multivariate_drift": None if auc is None else bool(auc > 0.65),
        "latency_ms": _percentiles(np.array([r[5] for r in rows], dtype=float)),
        "prediction": _prediction_summary(ref, values) if len(values) else {"n": 0},
    }
    if pred is not None:
        results["prediction"].update(
            method=pred.method,
            statistic=_finite(pred.statistic),
            p_value=_finite(pred.p_value),
            threshold=pred.threshold,
            drifted=bool(pred.drifted),
            score=score(pred.p_value, pred.statistic, pred.threshold),
            explanation=pred.explanation,
        )
    return results


def _finite(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _store(
    ws: Workspace, name: str, version_id: int, kind: str, start: float, end: float, values: dict
):
    """Insert one window; None when another monitor stored the same window first."""
    results = values["results"]
    text = json.dumps(results, separators=(",", ":"))
    for _ in range(100):
        window = ws.drift_windows.insert(
            name,
            version_id,
            kind,
            start,
            end,
            values["n_rows"],
            results_json=text,
            drift_share=values.get("drift_share"),
            dataset_drift=values.get("dataset_drift"),
            prediction_drift=values.get("prediction_drift"),
            multivariate_auc=values.get("multivariate_auc"),
        )
        if window is not None:
            return window
        if kind == "time":
            return None
        other = ws.drift_windows.count_window_at(name, start)
        if other is None or other.results.get("first_id") == results["first_id"]:
            return None
        # Another window starts at the very same timestamp (a clock step): keep both.
        start = math.nextafter(float(start), math.inf)
    return None


def compute_windows(
    ws: Workspace,
    name: str,
    *,
    kind: str | None = None,
    size: int | None = None,
    freq: str | None = None,
    now: float | None = None,
    multivariate: bool | None = None,
    max_windows: int = 200,
    on_progress: Progress | None = None,
) -> list[DriftWindow]:
    """Compute and store the windows of ``name`` that are due and not stored yet.

    Parameters override the model's saved settings (``settings.get_settings``) for this call.
    Returns the windows stored by this call, oldest first (at most ``max_windows``; call again
    for a longer backlog).
    """
    if name not in ws.models.names():
        known = ", ".join(ws.models.names()) or "none yet"
        raise NotFoundError(f"No model named '{name}'. Registered models: {known}.")
    settings = with_overrides(
        get_settings(ws, name), kind=kind, size=size, freq=freq, multivariate=multivariate
    )
    report = on_progress or (lambda _f, _m: None)
    if settings.kind == "count":
        return _count_windows(ws, name, settings, max_windows, report)
    return _time_windows(
        ws, name, settings, time.time() if now is None else now, max_windows, report
    )


def _count_windows(
    ws: Workspace, name: str, settings: MonitorSettings, max_windows: int, report: Progress
):
    size = int(settings.size)
    stored: list[DriftWindow] = []
    chunk = size * min(max(max_windows, 1), 20)
    previous = -1
    while len(stored) < max_windows:
        cursor = ws.drift_windows.last_count_id(name)
        if cursor == previous:
            break  # nothing was stored in the last round (another monitor is ahead)
        previous = cursor
        rows = ws.predictions.live_ok_after(cursor, name, chunk)
        if not rows:
            break
        logged = parse_inputs([r[3] for r in rows])
        versions = np.array([r[2] if r[2] is not None else -1 for r in rows])
        cuts = cut_windows(versions, logged.rows_per_request, size)
        if not cuts:
            break
        for lo, hi, partial in cuts:
            part = rows[lo:hi]
            version_id = part[0][2]
            values = _evaluate(
                ws, reference_for(ws, version_id), part, logged.slice(lo, hi), settings
            )
            errors, server_errors = ws.predictions.live_failures_by_id(
                name, part[0][0], part[-1][0]
            )
            values["results"].update(errors=errors, server_errors=server_errors, partial=partial)
            window = _store(ws, name, version_id, "count", part[0][1], part[-1][1], values)
            if window is not None:
                stored.append(window)
            report(
                len(stored) / max_windows, f"{counted(len(stored), 'window')} of {name} computed"
            )
            if len(stored) >= max_windows:
                break
    return stored


def _time_windows(
    ws: Workspace, name, settings: MonitorSettings, now: float, max_windows: int, report
):
    step = step_seconds(settings.freq)
    start = time_start(ws, name, step)
    if start is None:
        return []
    limit = math.floor((now - GRACE_S) / step) * step
    if limit <= start:
        return []
    buckets = ws.predictions.live_buckets(name, start, step, limit)
    stored: list[DriftWindow] = []
    for done, (bucket, _) in enumerate(buckets[:max_windows]):
        lo = start + bucket * step
        hi = lo + step
        rows = ws.predictions.live_ok_between(name, lo, hi)
        errors, server_errors = ws.predictions.live_failures_between(name, lo, hi)
        if rows:
            versions, counts = np.unique(
                [r[2] for r in rows if r[2] is not None], return_counts=True
            )
            if not len(versions):
                continue
            version_id = int(versions[np.argmax(counts)])
            logged = parse_inputs([r[3] for r in rows])
            values = _evaluate(ws, reference_for(ws, version_id), rows, logged, settings)
        else:
            version_id, values = None, {"n_rows": 0, "results": {"ok_requests": 0}}
        values["results"].update(errors=errors, server_errors=server_errors, partial=False)
        window = _store(ws, name, version_id, "time", lo, hi, values)
        if window is not None:
            stored.append(window)
        report((done + 1) / min(len(buckets), max_windows), f"Window {done + 1} of {name}")
    return stored


def load_detail(ws: Workspace, window: DriftWindow) -> dict:
    """The full stored report of a window: ``{"report": DriftReport dict, "prediction": ...}``."""
    digest = (window.results or {}).get("report")
    if not digest:
        raise InputError(f"Window {window.id} has no stored report (it held no scored rows).")
    return json.loads(gzip.decompress(ws.artifacts.read_bytes(digest)))
