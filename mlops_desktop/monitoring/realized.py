"""Realized performance: logged predictions joined with the outcomes that came in later.

``labelled_rows`` joins in SQL (request ids through the ``predictions_request`` index, entity
keys through ``predictions_entity``: the latest prediction for that entity made at or before
the outcome was observed), then decodes only the matched predictions' outputs. ``realized_series``
assigns each labelled row to its drift window and computes the same metrics as the test report
(``training.metrics``), next to the test report's value and CI band and the gate's threshold.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mlops_desktop.monitoring.logs import decode_outputs
from mlops_desktop.monitoring.series import _records
from mlops_desktop.monitoring.settings import get_settings
from mlops_desktop.serving.stats import positive_index

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

#: Windows with fewer labelled rows show their count but no metrics.
MIN_LABELS = 20

_cache: dict[tuple, pd.DataFrame] = {}
_lock = threading.Lock()


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def labelled_rows(ws: Workspace, name: str, arms: tuple[str, ...] = ("live",)) -> pd.DataFrame:
    """One row per scored row that has an outcome.

    Columns: ``prediction_id, ts, version_id, arm, row, label, prediction`` and, for
    classifiers, ``proba`` (the row's probabilities, in ``classes`` order) and ``classes``.
    Multi-row requests need a list label of the same length; others are left out.
    """
    key = (str(ws.path), name, arms, *ws.outcomes.join_state(name))
    with _lock:
        if key in _cache:
            return _cache[key]
    rows = ws.outcomes.labelled_by_request(name, arms)
    by_entity = ws.outcomes.labelled_by_entity(name, arms)
    if by_entity:  # keep the latest prediction per outcome
        latest: dict[int, tuple] = {}
        for r in by_entity:
            if r[0] not in latest or r[4] > latest[r[0]][4]:
                latest[r[0]] = r
        rows += list(latest.values())
    # The outcome received last counts for each prediction.
    best: dict[int, tuple] = {}
    for r in rows:
        if r[3] not in best or (r[2], r[0]) > (best[r[3]][2], best[r[3]][0]):
            best[r[3]] = r
    rows = sorted(best.values(), key=lambda r: r[3])
    out = _expand(rows)
    with _lock:
        _cache.clear()
        _cache[key] = out
    return out


def _expand(rows: list[tuple]) -> pd.DataFrame:
    columns = ["prediction_id", "ts", "version_id", "arm", "row", "label", "prediction"]
    if not rows:
        return pd.DataFrame({c: [] for c in columns})
    outputs = decode_outputs([r[7] for r in rows])
    counts = np.bincount(outputs.request_index, minlength=len(rows))
    labels = [json.loads(r[1]) for r in rows]
    keep_req, label_rows = [], []
    for i, (label, n) in enumerate(zip(labels, counts, strict=True)):
        if isinstance(label, list):
            if len(label) == n:
                keep_req.append(i)
                label_rows.extend(label)
        elif n == 1:
            keep_req.append(i)
            label_rows.append(label)
    keep = np.isin(outputs.request_index, keep_req)
    index = outputs.request_index[keep]
    frame = pd.DataFrame(
        {
            "prediction_id": [rows[i][3] for i in index],
            "ts": [rows[i][4] for i in index],
            "version_id": [rows[i][5] for i in index],
            "arm": [rows[i][6] for i in index],
            "row": np.concatenate([np.arange(counts[i]) for i in keep_req]).astype(int)
            if keep_req
            else [],
            "label": label_rows,
            "prediction": outputs.predictions[keep],
        }
    )
    if outputs.probabilities is not None:
        frame["proba"] = list(outputs.probabilities[keep])
        frame.attrs["classes"] = outputs.classes
    return frame


def metrics_of(frame: pd.DataFrame, task: str | None, positive=None) -> dict[str, float]:
    """The test report's metrics on labelled rows (labels matched to classes as text)."""
    from mlops_desktop.training.metrics import classification_metrics, regression_metrics

    if frame.empty:
        return {}
    if task == "regression":
        y = pd.to_numeric(frame["label"], errors="coerce").to_numpy(float)
        pred = pd.to_numeric(frame["prediction"], errors="coerce").to_numpy(float)
        ok = np.isfinite(y) & np.isfinite(pred)
        return regression_metrics(y[ok], pred[ok]) if ok.sum() >= 2 else {}
    classes = [_text(c) for c in frame.attrs.get("classes", [])]
    if "proba" not in frame or not classes:
        return {}
    y = np.array([_text(v) for v in frame["label"]], dtype=object)
    known = np.isin(y, classes)
    if known.sum() < 2:
        return {}
    proba = np.vstack(frame["proba"].to_numpy()[known])
    pos = _text(positive) if positive is not None else None
    return classification_metrics(y[known], proba, np.array(classes, dtype=object), pos)


@dataclass
class RealizedSeries:
    """Realized metrics per drift window, aligned with ``window_series`` (same ``ids``)."""

    model: str
    task: str | None
    primary_metric: str | None
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0))
    n_labelled: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    values: dict[str, np.ndarray] = field(default_factory=dict)
    reference: dict[str, dict] = field(default_factory=dict)  # test report: value, ci_low, ci_high
    gap: dict[str, np.ndarray] = field(default_factory=dict)  # realized - test report value
    gate: dict[str, dict] = field(default_factory=dict)  # metric -> {"op", "threshold", "ci"}
    total_labelled: int = 0
    unmatched: int = 0
    unmatched_examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        def plain(v):
            if isinstance(v, np.ndarray):
                return [None if isinstance(x, float) and np.isnan(x) else x for x in v.tolist()]
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            return v

        return {k: plain(v) for k, v in self.__dict__.items()}


def gate_rules(ws: Workspace, name: str) -> dict[str, dict]:
    """The gate's metric rules of ``name``: ``{metric: {"op", "threshold", "ci"}}``."""
    from mlops_desktop.evaluation.gates import parse_gate

    gate = ws.gates.current(name)
    if gate is None:
        return {}
    spec = parse_gate(gate.spec)
    return {r.metric: {"op": r.op, "threshold": r.threshold, "ci": r.ci} for r in spec.metrics}


def _live_context(ws: Workspace, name: str) -> tuple[int | None, dict, dict]:
    holding = ws.models.current_alias(name, "live")
    if holding is None:
        return None, {}, {}
    version = ws.models.by_id(holding.model_version_id)
    report = ws.reports.latest(version.id)
    return version.id, version.signature or {}, (report.summary if report else {})


def realized_series(ws: Workspace, name: str, since: float | None = None) -> RealizedSeries:
    """Realized metrics per stored window of ``name`` (live arm), with the test report's band."""
    from mlops_desktop.serving.outcomes import unmatched_outcomes
    from mlops_desktop.training.metric_names import PRIMARY

    version_id, signature, summary = _live_context(ws, name)
    output = signature.get("output") or {}
    task = output.get("task")
    out = RealizedSeries(
        model=name, task=task, primary_metric=summary.get("primary_metric") or PRIMARY.get(task)
    )
    out.reference = dict(summary.get("metrics") or {})
    out.gate = gate_rules(ws, name)
    out.unmatched, out.unmatched_examples = unmatched_outcomes(ws, name)
    kind = get_settings(ws, name).kind
    records = [r for r in _records(ws, name, kind) if since is None or r["start"] >= since]
    labelled = labelled_rows(ws, name)
    out.total_labelled = int(len(labelled))
    if not records:
        return out
    out.ids = np.array([r["id"] for r in records], np.int64)
    out.start = np.array([r["start"] for r in records], float)
    out.end = np.array([r["end"] for r in records], float)
    if kind == "count":
        lows = np.array([r["results"].get("first_id", 0) for r in records])
        highs = np.array([r["results"].get("last_id", 0) for r in records])
        keys = labelled["prediction_id"].to_numpy(dtype=float)
    else:
        lows, highs = out.start, out.end - 1e-9
        keys = labelled["ts"].to_numpy(dtype=float)
    order = np.argsort(lows, kind="stable")
    pos = np.searchsorted(lows[order], keys, side="right") - 1
    window = np.where(pos >= 0, order[np.clip(pos, 0, None)], -1)
    inside = (window >= 0) & (keys <= highs[np.clip(window, 0, None)])
    window = np.where(inside, window, -1)
    out.n_labelled = np.bincount(window[window >= 0], minlength=len(records)).astype(np.int64)
    positive = output.get("positive_class") if positive_index(signature) is not None else None
    per_window = [
        metrics_of(labelled[window == j], task, positive) if out.n_labelled[j] >= MIN_LABELS else {}
        for j in range(len(records))
    ]
    names = sorted({m for d in per_window for m in d})
    for metric in names:
        values = np.array([d.get(metric, np.nan) for d in per_window], float)
        out.values[metric] = values
        if metric in out.reference and out.reference[metric].get("value") is not None:
            out.gap[metric] = values - float(out.reference[metric]["value"])
    del version_id
    return out


def recent_metrics(ws: Workspace, name: str, sample: int = 500) -> dict:
    """Realized metrics over the latest ``sample`` labelled rows of the live version."""
    version_id, signature, _ = _live_context(ws, name)
    labelled = labelled_rows(ws, name)
    if version_id is not None and len(labelled):
        labelled = labelled[labelled["version_id"] == version_id]
    part = labelled.tail(sample)
    output = signature.get("output") or {}
    positive = output.get("positive_class") if positive_index(signature) is not None else None
    return {
        "n": int(len(part)),
        "metrics": metrics_of(part, output.get("task"), positive),
        "since": float(part["ts"].min()) if len(part) else None,
    }
