"""What the Monitor page shows, gathered off the GUI thread (Qt-free, plain functions): the
snapshot of a model, the windows the charts draw, and the page's sentences (live state, status
line, alert counts, empty states, the outcome of a retrain).

``SnapshotReader.read`` runs on a pool thread with its own workspace connection: it computes the
few windows that are due (a bounded number per call, so a poll stays short), evaluates the alert
rules, and reads the per-window series, realized performance and alerts that the charts and the
alert table draw. Realized performance joins outcomes with predictions, so it is re-read only
when a window was added or every ``REALIZED_EVERY_S`` seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from mlops_desktop.errors import MlopsError
from mlops_desktop.formatting import counted, local_time
from mlops_desktop.monitoring.alerts import list_alerts, list_rules
from mlops_desktop.monitoring.batch_windows import BatchRun, batch_runs
from mlops_desktop.monitoring.engine import load_detail
from mlops_desktop.monitoring.estimated_series import EstimatedSeries, estimated_series
from mlops_desktop.monitoring.monitor_job import monitored_models, run_once
from mlops_desktop.monitoring.realized import RealizedSeries, realized_series
from mlops_desktop.monitoring.series import WindowSeries, window_series
from mlops_desktop.monitoring.settings import MonitorSettings, get_settings
from mlops_desktop.registry.entities import Alert, DriftWindow
from mlops_desktop.serving.deployments import LiveAt, live_at
from mlops_desktop.ui.kit.specs import EmptyStateSpec
from mlops_desktop.ui.serving.model import mode_text

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

#: Windows one poll computes at most (a longer backlog goes to a ``monitor_model`` job).
POLL_WINDOWS = 3
#: Alerts the table lists at most (newest first).
ALERT_LIMIT = 300
REALIZED_EVERY_S = 5.0
#: Windows drawn at most (the latest); older ones stay in the registry.
MAX_WINDOWS = 200
#: Features the drift chart draws when it shows the "top drifted".
TOP_FEATURES = 3
NO_TRAFFIC = "Send requests to the service or start the simulator:"
NO_LIVE = EmptyStateSpec(
    "No model is live",
    "Deploy a tested version; its traffic, drift, quality and alerts appear here.",
    "mlops-desktop deploy NAME@N",
    "Go to &Deploy",
    "deploy",
)
#: Shown until the first read of the workspace arrives (never "No model is live" meanwhile).
READING = EmptyStateSpec(
    "Reading the monitoring data…",
    "The live model's traffic, drift, quality and alerts appear here in a moment.",
)
SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
STATE_RANK = {"open": 0, "acknowledged": 1, "resolved": 2}
SIGNAL_TEXT = {
    "drift_share": "Dataset drift",
    "feature_drift": "Feature drift",
    "prediction_drift": "Prediction drift",
    "realized_metric": "Realized quality",
    "latency_p95": "Latency p95",
    "error_rate": "Error rate",
    "batch_feed": "Batch feed",
}


@dataclass
class MonitorSnapshot:
    """One poll's view of a model: its live state, series, realized metrics and the alerts."""

    models: list[str]
    model: str | None
    live: LiveAt | None = None
    settings: MonitorSettings | None = None
    series: WindowSeries | None = None
    realized: RealizedSeries | None = None
    estimated: EstimatedSeries | None = None  # per-window estimates (CBPE/DLE), no labels needed
    batch_runs: list[BatchRun] = field(default_factory=list)  # monitored batch runs, newest first
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
        return self.n_windows > 0 or self.pending_requests > 0 or bool(self.batch_runs)


class SnapshotReader:
    """Reads snapshots for one workspace; keeps the last realized series between polls."""

    def __init__(self) -> None:
        self._realized: dict[str, tuple[tuple, float, RealizedSeries, EstimatedSeries]] = {}

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
            snap.realized, snap.estimated = self._realized_of(ws, name, snap.series)
            snap.batch_runs = batch_runs(ws, name)
            snap.rules = {r.signal: dict(r.params) for r in list_rules(ws, name, True)}
        snap.alerts = list_alerts(ws, limit=ALERT_LIMIT)
        snap.seconds = time.perf_counter() - started
        return snap

    def _realized_of(
        self, ws: Workspace, name: str, series: WindowSeries
    ) -> tuple[RealizedSeries, EstimatedSeries]:
        """The realized and the estimated series, read again when a window or a label came."""
        key = (series.n_windows, int(series.ids[-1]) if series.n_windows else 0)
        known = self._realized.get(name)
        now = time.monotonic()
        if known is not None and known[0] == key and now - known[1] < REALIZED_EVERY_S:
            return known[2], known[3]
        realized = realized_series(ws, name)
        estimated = estimated_series(ws, name, realized)
        self._realized[name] = (key, now, realized, estimated)
        return realized, estimated


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


# -- the windows the charts draw -----------------------------------------------------------------


def tail(values: np.ndarray, count: int) -> np.ndarray:
    """The last ``count`` entries along the last axis."""
    return values[..., -count:] if count else values[..., :0]


def shown(series: WindowSeries) -> int:
    return min(series.n_windows, MAX_WINDOWS)


def top_features(series: WindowSeries, count: int = TOP_FEATURES) -> list[str]:
    """Features with the highest drift score over the latest windows (ties: engine order)."""
    if not series.features or series.n_windows == 0:
        return []
    recent = tail(series.feature_score, 5)
    peak = np.nan_to_num(np.nanmax(np.where(np.isnan(recent), -1, recent), axis=1), nan=-1)
    order = np.argsort(-peak, kind="stable")[:count]
    return [series.features[i] for i in order]


def window_at(
    series: WindowSeries, feature: str | None, index: int
) -> tuple[str | None, int] | None:
    """The feature and window id behind drawn window ``index`` (None: outside the drawing).

    ``feature`` None means the window's most drifted feature."""
    n = shown(series)
    if not 0 <= index < n:
        return None
    col = series.n_windows - n + index
    if feature is None and series.features:
        scores = series.feature_score[:, col]
        if np.isfinite(scores).any():
            feature = series.features[int(np.nanargmax(scores))]
    return feature, int(series.ids[col])


# -- the page's sentences ------------------------------------------------------------------------


def empty_spec(names: list[str] | None = None) -> EmptyStateSpec:
    """What the Monitor page says before anything is deployed.

    The command names the workspace's first model, or the placeholder NAME when it has none."""
    name = names[0] if names else "NAME"
    return EmptyStateSpec(
        heading="Nothing to monitor yet",
        text="Once a model is deployed, its traffic, drift and alerts appear here.",
        command=f"mlops-desktop monitor {name}",
        action_label="Go to De&ploy",
        action_page="deploy",
    )


def no_traffic_spec(name: str) -> EmptyStateSpec:
    """What the charts say while live model ``name`` has no traffic yet."""
    return EmptyStateSpec(
        f"No traffic for {name} yet",
        NO_TRAFFIC,
        f"mlops-desktop simulate {name} --data ... --rate 20",
        "Go to &Deploy",
        "deploy",
    )


def live_text(snap: MonitorSnapshot) -> str:
    """ "credit@2 live · credit@3 canary 20 %": what serves the shown model."""
    live = snap.live
    if live is None or live.live is None:
        return "Nothing is live" if not snap.models else ""
    text = f"{live.live} live"
    if live.candidate and live.mode:
        text += f" · {live.candidate} {mode_text(live.mode, live.canary_percent)}"
    return text


def status_text(snap: MonitorSnapshot, computing_backlog: bool) -> str:
    """The status line: windows and their size, the open window, backlog, errors, the time."""
    parts = []
    settings = snap.settings
    if settings is not None and snap.model is not None:
        size = f"{settings.size:,} rows" if settings.kind == "count" else settings.freq
        parts.append(f"{snap.n_windows:,} window{'s' * (snap.n_windows != 1)} of {size}")
        if snap.n_windows > MAX_WINDOWS:
            parts.append(f"the latest {MAX_WINDOWS} drawn")
        parts.append(f"{snap.pending_requests:,} requests in the open window")
        if snap.n_windows == 0 and snap.pending_requests and settings.kind == "count":
            parts.append(f"the first window closes at {size}")
        if snap.batch_runs:
            shown = len(snap.batch_runs)
            parts.append(f"{counted(shown, 'batch run')}{' (the latest)' * (shown >= 8)}")
    if computing_backlog:
        parts.append("computing the backlog in the Jobs panel")
    if snap.compute_error:
        parts.append(snap.compute_error)
    parts.append(f"updated {local_time(snap.at, now=time.time())}")
    return " · ".join(parts)


def alert_counts_text(alerts: list[Alert]) -> str:
    """ "2 open · 1 acknowledged · 5 in all"."""
    open_count = sum(a.state == "open" for a in alerts)
    acked = sum(a.state == "acknowledged" for a in alerts)
    return f"{open_count} open · {acked} acknowledged · {len(alerts)} in all"


def alert_sort_key(alert: Alert, column: int) -> Any:
    """What the alert table sorts column ``column`` by (severity and state by rank)."""
    return (
        SEVERITY_RANK.get(alert.severity, 3),
        alert.model_name,
        alert.signal,
        alert.message,
        alert.opened_at,
        STATE_RANK.get(alert.state, 3),
    )[column]


def alert_title(alert: Alert) -> str:
    """A notification's title: "New critical alert on credit: dataset drift"."""
    what = SIGNAL_TEXT.get(alert.signal, alert.signal).lower()
    return f"New {alert.severity} alert on {alert.model_name}: {what}"


def retrain_text(status: str, result: Any, error: str) -> str:
    """What became of "Retrain on recent data" (rich text, with a link to the Deploy page)."""
    if status == "succeeded" and isinstance(result, dict):
        r = result
        where = f"a {r['percent']:g} % canary" if r["mode"] == "canary" else "a shadow of the live"
        verdict = "passed" if (r.get("test") or {}).get("passed") else "did not pass"
        return (
            f"<b>{escape(r['candidate'])} is {where} version.</b> It was trained on "
            f"{escape(r['dataset'])} ({r['rows']:,} recent rows with outcomes) and "
            f"{verdict} its quality gate. <a href='deploy'>Promote or abort it on the Deploy "
            "page</a>."
        )
    verb = "was cancelled" if status == "cancelled" else "failed"
    return f"<b>Retraining {verb}.</b> {escape(error)}"
