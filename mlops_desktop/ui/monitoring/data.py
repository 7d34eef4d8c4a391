"""What the Monitor page shows, gathered off the GUI thread (Qt-free, plain functions).

``SnapshotReader.read`` runs on a pool thread with its own workspace connection: it computes the
few windows that are due (a bounded number per call, so a poll stays short), evaluates the alert
rules, and reads the per-window series, realized performance and alerts that the charts and the
alert table draw. Realized performance joins outcomes with predictions, so it is re-read only
when a window was added or every ``REALIZED_EVERY_S`` seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlops_desktop.errors import MlopsError
from mlops_desktop.monitoring.alerts import list_alerts, list_rules
from mlops_desktop.monitoring.engine import load_detail
from mlops_desktop.monitoring.monitor_job import monitored_models, run_once
from mlops_desktop.monitoring.realized import RealizedSeries, realized_series
from mlops_desktop.monitoring.series import WindowSeries, window_series
from mlops_desktop.monitoring.settings import MonitorSettings, get_settings
from mlops_desktop.registry.entities import Alert, DriftWindow
from mlops_desktop.serving.deployments import LiveAt, live_at

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

#: Windows one poll computes at most (a longer backlog goes to a ``monitor_model`` job).
POLL_WINDOWS = 3
#: Alerts the table lists at most (newest first).
ALERT_LIMIT = 300
REALIZED_EVERY_S = 5.0


@dataclass
class MonitorSnapshot:
    """One poll's view of a model: its live state, series, realized metrics and the alerts."""

    models: list[str]
    model: str | None
    live: LiveAt | None = None
    settings: MonitorSettings | None = None
    series: WindowSeries | None = None
    realized: RealizedSeries | None = None
    alerts: list[Alert] = field(default_factory=list)
    opened: list[Alert] = field(default_factory=list)
    rules: dict[str, dict] = field(default_factory=dict)
    computed: int = 0
    backlog: bool = False
    compute_error: str = ""
    seconds: float = 0.0
    at: float = field(default_factory=time.time)

    @property
    def n_windows(self) -> int:
        return self.series.n_windows if self.series is not None else 0

    @property
    def pending_requests(self) -> int:
        return int((self.series.pending or {}).get("requests", 0)) if self.series else 0

    @property
    def has_traffic(self) -> bool:
        return self.n_windows > 0 or self.pending_requests > 0


class SnapshotReader:
    """Reads snapshots for one workspace; keeps the last realized series between polls."""

    def __init__(self) -> None:
        self._realized: dict[str, tuple[tuple, float, RealizedSeries]] = {}

    def read(self, ws: Workspace, model: str | None, compute: bool = True) -> MonitorSnapshot:
        """The snapshot of ``model`` (the first monitored model when it is not live)."""
        started = time.perf_counter()
        models = monitored_models(ws)
        name = model if model in models else (models[0] if models else None)
        snap = MonitorSnapshot(models=models, model=name)
        if name is not None:
            if compute:
                try:
                    result = run_once(ws, name, max_windows=POLL_WINDOWS)
                    snap.computed, snap.opened = len(result.windows), list(result.opened)
                except MlopsError as exc:
                    snap.compute_error = exc.message
            snap.live = live_at(ws, name)
            snap.settings = get_settings(ws, name)
            snap.series = window_series(ws, name)
            snap.backlog = snap.computed >= POLL_WINDOWS and _more_due(snap)
            snap.realized = self._realized_of(ws, name, snap.series)
            snap.rules = {r.signal: dict(r.params) for r in list_rules(ws, name, True)}
        snap.alerts = list_alerts(ws, limit=ALERT_LIMIT)
        snap.seconds = time.perf_counter() - started
        return snap

    def _realized_of(self, ws: Workspace, name: str, series: WindowSeries) -> RealizedSeries:
        key = (series.n_windows, int(series.ids[-1]) if series.n_windows else 0)
        known = self._realized.get(name)
        now = time.monotonic()
        if known is not None and known[0] == key and now - known[1] < REALIZED_EVERY_S:
            return known[2]
        realized = realized_series(ws, name)
        self._realized[name] = (key, now, realized)
        return realized


BACKGROUND_WINDOWS = 3  # per pass, so a long backlog never holds a pool thread for long


def _more_due(snap: MonitorSnapshot) -> bool:
    """Whether traffic enough for another window waits (after a poll computed its maximum)."""
    settings, pending = snap.settings, snap.series.pending or {}
    if settings.kind == "time":
        return True
    return int(pending.get("rows", 0)) >= int(settings.size)


def background_pass(ws: Workspace, max_windows: int = BACKGROUND_WINDOWS) -> list[Alert]:
    """One monitoring pass for every live model (while the Monitor page is hidden): compute a
    few due windows and evaluate the alert rules. Returns the alerts it opened."""
    opened: list[Alert] = []
    for name in monitored_models(ws):
        opened += run_once(ws, name, max_windows=max_windows).opened
    return opened


def open_alerts(ws: Workspace) -> list[Alert]:
    """Alerts nobody has acknowledged yet (newest first), for notifications."""
    return list_alerts(ws, states=("open",), limit=50)


def get_window(ws: Workspace, window_id: int) -> DriftWindow:
    """One stored drift window by id."""
    return ws.drift_windows.get(window_id)


def window_detail(ws: Workspace, window_id: int) -> dict:
    """A window and its full stored report: ``{"window", "report", "prediction"}``."""
    window = get_window(ws, window_id)
    detail = load_detail(ws, window)
    return {"window": window, **detail}


def column_detail(detail: dict, feature: str) -> dict | None:
    """The stored comparison of one feature in a window's report (None when absent)."""
    for column in (detail.get("report") or {}).get("columns", []):
        if column.get("column") == feature:
            return column
    return None


def histogram_shares(summary: dict) -> tuple[list[float], list[float]]:
    """A numeric summary's bin edges and the share of values in each bin."""
    edges = [float(e) for e in summary.get("edges") or []]
    counts = [float(c) for c in summary.get("counts") or []]
    total = sum(counts)
    return edges, [c / total if total else 0.0 for c in counts]
