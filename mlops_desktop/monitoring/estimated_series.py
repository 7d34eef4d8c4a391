"""What the Monitor page's Estimated tab and the meeting board draw: per stored window, each
metric's estimate and 95% band (CBPE or DLE, stored with the window), the realized value once
outcomes landed (``realized.realized_series``), the test report's value and the gate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mlops_desktop.monitoring.estimates import CAVEAT
from mlops_desktop.monitoring.settings import get_settings

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace


@dataclass
class EstimatedSeries:
    """Per-window arrays, oldest first (NaN where a window has no estimate or no labels)."""

    model: str
    method: str | None = None  # "CBPE", "DLE", or None when no window has an estimate
    metrics: list[str] = field(default_factory=list)
    primary_metric: str | None = None
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0))
    estimate: dict[str, np.ndarray] = field(default_factory=dict)
    low: dict[str, np.ndarray] = field(default_factory=dict)
    high: dict[str, np.ndarray] = field(default_factory=dict)
    realized: dict[str, np.ndarray] = field(default_factory=dict)
    error: dict[str, np.ndarray] = field(default_factory=dict)  # estimate - realized
    reference: dict[str, dict] = field(default_factory=dict)  # test report: value, ci_low, ...
    gate: dict[str, dict] = field(default_factory=dict)
    problem: str | None = None  # why the latest window has no estimate, when it has none
    caveat: str = CAVEAT

    @property
    def n_windows(self) -> int:
        return len(self.ids)

    def latest(self, metric: str) -> tuple[float, float, float] | None:
        """``(estimate, low, high)`` of the newest window with an estimate of ``metric``."""
        values = self.estimate.get(metric)
        if values is None or not np.isfinite(values).any():
            return None
        i = int(np.flatnonzero(np.isfinite(values))[-1])
        return float(values[i]), float(self.low[metric][i]), float(self.high[metric][i])


def _column(records: list[dict], metric: str, key: str) -> np.ndarray:
    out = []
    for r in records:
        value = (((r["results"] or {}).get("estimate") or {}).get("metrics") or {}).get(metric)
        out.append(np.nan if not value or value.get(key) is None else float(value[key]))
    return np.array(out, dtype=float)


def estimated_series(ws: Workspace, name: str, realized=None) -> EstimatedSeries:
    """Estimates per stored window of ``name``, beside the realized values and the test report
    (``realized``: the model's ``realized_series``, when the caller has it already)."""
    from mlops_desktop.monitoring.realized import realized_series
    from mlops_desktop.monitoring.series import _records

    records = _records(ws, name, get_settings(ws, name).kind)
    realized = realized if realized is not None else realized_series(ws, name)
    out = EstimatedSeries(
        model=name,
        primary_metric=realized.primary_metric,
        reference=realized.reference,
        gate=realized.gate,
    )
    estimates = [(r["results"] or {}).get("estimate") or {} for r in records]
    found = [e for e in estimates if e.get("metrics")]
    if estimates and estimates[-1].get("error"):
        out.problem = estimates[-1]["error"]
    if not records:
        return out
    out.ids = np.array([r["id"] for r in records], np.int64)
    out.start = np.array([r["start"] for r in records], float)
    out.end = np.array([r["end"] for r in records], float)
    if not found:
        return out
    out.method = found[-1].get("method")
    out.metrics = list(found[-1]["metrics"])
    by_id = {int(i): j for j, i in enumerate(realized.ids)}
    for metric in out.metrics:
        out.estimate[metric] = _column(records, metric, "estimate")
        out.low[metric] = _column(records, metric, "low")
        out.high[metric] = _column(records, metric, "high")
        values = realized.values.get(metric)
        seen = np.full(len(records), np.nan)
        if values is not None:
            for j, window_id in enumerate(out.ids):
                if int(window_id) in by_id:
                    seen[j] = values[by_id[int(window_id)]]
        out.realized[metric] = seen
        out.error[metric] = out.estimate[metric] - seen
    return out
