"""What the Monitor page draws: compact per-window aggregates, never raw prediction rows.

``window_series`` reads the stored ``drift_windows`` rows (each parsed once per process and kept,
since a stored window never changes) plus a bounded summary of the traffic after the last
window (``pending``), so a refresh every second costs two small queries however many millions
of predictions the log holds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mlops_desktop.monitoring.settings import get_settings, step_seconds

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

#: Requests summarised at most for the open (not yet stored) window.
PENDING_CAP = 20_000

_cache: dict[tuple[str, str, str], list[dict]] = {}
_lock = threading.Lock()


@dataclass
class WindowSeries:
    """Per-window arrays, oldest window first (length ``n_windows``; NaN where not available).

    ``feature_*`` arrays are ``(features, windows)``: ``feature_score`` is the drift score
    relative to the column's threshold (1 = at the threshold, above 1 = drifted; capped at 10;
    the heat map), ``feature_statistic`` / ``feature_threshold`` the raw statistic of the method
    in ``feature_method`` (p-values for tests, distances otherwise) for per-feature charts with
    their threshold line. ``prediction_counts`` is ``(windows, bins)`` on ``prediction_edges``
    (probabilities and regression outputs) or ``(windows, classes)`` shares on
    ``prediction_classes`` (labels). ``pending`` summarises traffic not yet in a window.
    """

    model: str
    kind: str
    features: list[str] = field(default_factory=list)
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0))
    n_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    version: list[str] = field(default_factory=list)
    partial: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    drift_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dataset_drift: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    share_threshold: float = 0.5
    multivariate_auc: np.ndarray = field(default_factory=lambda: np.zeros(0))
    auc_threshold: float = 0.65
    feature_score: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    feature_statistic: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    feature_threshold: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    feature_drifted: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))
    feature_method: dict[str, str] = field(default_factory=dict)
    prediction_kind: str | None = None
    prediction_score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    prediction_statistic: np.ndarray = field(default_factory=lambda: np.zeros(0))
    prediction_drifted: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    prediction_mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    positive_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    prediction_edges: list[float] = field(default_factory=list)
    prediction_classes: list[str] = field(default_factory=list)
    prediction_counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    requests: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    errors: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    error_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    latency_p50: np.ndarray = field(default_factory=lambda: np.zeros(0))
    latency_p95: np.ndarray = field(default_factory=lambda: np.zeros(0))
    latency_p99: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pending: dict = field(default_factory=dict)

    @property
    def n_windows(self) -> int:
        return int(self.ids.shape[0])

    def to_dict(self) -> dict:
        """JSON-safe copy (NaN -> None)."""
        out = {}
        for key, value in self.__dict__.items():
            if isinstance(value, np.ndarray):
                value = np.where(np.isnan(value), None, value) if value.dtype.kind == "f" else value
                value = value.tolist()
            out[key] = value
        return out


def _records(ws: Workspace, name: str, kind: str) -> list[dict]:
    """Every stored window of ``name`` and ``kind`` (new ones parsed, old ones cached)."""
    key = (str(ws.path), name, kind)
    with _lock:
        known = list(_cache.get(key, []))
    last = max((r["id"] for r in known), default=0)
    windows = ws.drift_windows.after(name, kind, last)
    if windows:
        for w in windows:
            known.append(
                {
                    "id": w.id,
                    "start": w.window_start,
                    "end": w.window_end,
                    "n_rows": w.n_rows,
                    "drift_share": w.drift_share,
                    "dataset_drift": w.dataset_drift,
                    "prediction_drift": w.prediction_drift,
                    "auc": w.multivariate_auc,
                    "results": w.results,
                }
            )
        # Count windows follow the log's order (ids); time windows their calendar start.
        known.sort(key=lambda r: r["id"] if kind == "count" else (r["start"], r["id"]))
        with _lock:
            _cache[key] = known
    return known


def _earlier(ws: Workspace, name: str, kind: str, records: list[dict]) -> list[dict]:
    """The windows of the other kind that cover traffic before the first of ``records``."""
    other = _records(ws, name, "time" if kind == "count" else "count")
    if not other or not records:
        return other if not records else []
    first_id = records[0]["results"].get("first_id")
    first_start = records[0]["start"]

    def before(r: dict) -> bool:
        last_id = r["results"].get("last_id")
        if first_id is not None and last_id is not None:
            return last_id < first_id
        return r["end"] <= first_start

    return [r for r in other if before(r)]


def _num(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def window_series(
    ws: Workspace, name: str, since: float | None = None, kind: str | None = None
) -> WindowSeries:
    """Per-window aggregates of ``name`` (windows starting at or after ``since``).

    Without ``kind``: the windows of the model's window kind, after the windows of the other
    kind that came before them (a model switched from time to count windows keeps its history
    on the charts; the engine never cuts the same traffic twice).
    """
    settings = get_settings(ws, name)
    records = _records(ws, name, kind or settings.kind)
    if kind is None:
        records = _earlier(ws, name, settings.kind, records) + records
        kind = settings.kind
    records = [r for r in records if since is None or r["start"] >= since]
    out = WindowSeries(model=name, kind=kind, share_threshold=settings.drift_share)
    out.pending = _pending(ws, name, kind, settings, records)
    if not records:
        return out
    res = [r["results"] for r in records]
    features: list[str] = []
    for r in res:
        features += [f for f in r.get("features", []) if f not in features]
    index = {f: i for i, f in enumerate(features)}
    shape = (len(features), len(records))
    score, stat, thr = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    drifted = np.zeros(shape, bool)
    for j, r in enumerate(res):
        for k, f in enumerate(r.get("features", [])):
            i = index[f]
            score[i, j] = r["score"][k]
            # The value the threshold applies to: a test's p-value, else the distance.
            p_values = r.get("p_value") or []
            value = p_values[k] if k < len(p_values) and p_values[k] is not None else None
            value = r["statistic"][k] if value is None else value
            stat[i, j] = np.nan if value is None else value
            thr[i, j] = r["threshold"][k]
            drifted[i, j] = r["drifted"][k]
            out.feature_method[f] = r["method"][k]
    out.features = features
    out.feature_score, out.feature_statistic, out.feature_threshold = score, stat, thr
    out.feature_drifted = drifted
    out.ids = np.array([r["id"] for r in records], np.int64)
    out.start = _num(r["start"] for r in records)
    out.end = _num(r["end"] for r in records)
    out.n_rows = np.array([r["n_rows"] for r in records], np.int64)
    out.version = [r.get("version", "") for r in res]
    out.partial = np.array([bool(r.get("partial")) for r in res])
    out.drift_share = _num(r["drift_share"] for r in records)
    out.dataset_drift = np.array([bool(r["dataset_drift"]) for r in records])
    out.multivariate_auc = _num(r["auc"] for r in records)
    _predictions(out, [r.get("prediction") or {} for r in res])
    ok = np.array([r.get("ok_requests", 0) for r in res], np.int64)
    out.errors = np.array([r.get("errors", 0) for r in res], np.int64)
    out.requests = ok + out.errors
    out.error_rate = np.where(out.requests > 0, out.errors / np.maximum(out.requests, 1), np.nan)
    for q in ("p50", "p95", "p99"):
        setattr(out, f"latency_{q}", _num((r.get("latency_ms") or {}).get(q) for r in res))
    return out


def _predictions(out: WindowSeries, preds: list[dict]) -> None:
    kinds = [p.get("kind") for p in preds if p.get("kind")]
    out.prediction_kind = kinds[-1] if kinds else None
    out.prediction_score = _num(p.get("score") for p in preds)
    out.prediction_statistic = _num(p.get("statistic") for p in preds)
    out.prediction_drifted = np.array([bool(p.get("drifted")) for p in preds])
    out.prediction_mean = _num(p.get("mean") for p in preds)
    out.positive_rate = _num(p.get("positive_rate") for p in preds)
    if out.prediction_kind in ("probability", "numeric"):
        edges = next((p["edges"] for p in reversed(preds) if p.get("edges")), [])
        out.prediction_edges = edges
        counts = np.full((len(preds), max(len(edges) - 1, 0)), np.nan)
        for j, p in enumerate(preds):
            if p.get("edges") == edges and p.get("counts"):
                counts[j] = p["counts"]
        out.prediction_counts = counts
    elif out.prediction_kind == "label":
        classes: list[str] = []
        for p in preds:
            classes += [c for c in p.get("classes", []) if c not in classes]
        shares = np.zeros((len(preds), len(classes)))
        for j, p in enumerate(preds):
            for c, s in zip(p.get("classes", []), p.get("shares", []), strict=False):
                shares[j, classes.index(c)] = s
        out.prediction_classes, out.prediction_counts = classes, shares


def _pending(ws: Workspace, name: str, kind: str, settings, records: list[dict]) -> dict:
    """Requests, rows, errors and latency of the traffic no stored window covers yet."""
    if kind == "count":
        after = records[-1]["results"].get("last_id", 0) if records else 0
        rows = ws.predictions.live_tail_after(after, name, PENDING_CAP)
    else:
        step = step_seconds(settings.freq)
        start = records[-1]["end"] if records else None
        if start is None:
            last = ws.predictions.last_ts(name)
            start = (last // step) * step if last is not None else 0.0
        rows = ws.predictions.live_tail_since(name, start, PENDING_CAP)
    if not rows:
        return {"requests": 0, "rows": 0, "errors": 0, "start": None, "end": None}
    data = np.array([[r[0], r[1], np.nan if r[2] is None else r[2], r[3] or 0] for r in rows])
    ok = data[:, 1] == 200
    latency = data[ok, 2]
    latency = latency[np.isfinite(latency)]
    pct = np.percentile(latency, [50, 95, 99]) if latency.size else [None] * 3
    return {
        "requests": int(len(rows)),
        "rows": int(data[ok, 3].sum()),
        "errors": int((~ok).sum()),
        "start": float(data[:, 0].min()),
        "end": float(data[:, 0].max()),
        "latency_p50": None if pct[0] is None else float(pct[0]),
        "latency_p95": None if pct[1] is None else float(pct[1]),
        "latency_p99": None if pct[2] is None else float(pct[2]),
        "capped": len(rows) >= PENDING_CAP,
    }
