"""One monitoring pass for a model: compute the windows that are due, then evaluate the alerts.

``run_once`` is what a background timer (the desktop app) or cron (``mlops-desktop monitor NAME
--once``) calls; ``monitor_model`` is the same as a job function with progress.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlops_desktop.formatting import counted
from mlops_desktop.jobs.context import JobContext
from mlops_desktop.monitoring.alerts import (
    WINDOW_SIGNALS,
    ensure_default_rules,
    evaluate,
    list_alerts,
)
from mlops_desktop.monitoring.batch_windows import compute_batch_windows
from mlops_desktop.monitoring.engine import compute_windows
from mlops_desktop.monitoring.windowing import more_due
from mlops_desktop.registry.entities import Alert, DriftWindow

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace


@dataclass
class MonitorResult:
    """What one pass did, and the alerts active afterwards."""

    model: str
    windows: list[DriftWindow] = field(default_factory=list)
    opened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    active: list[Alert] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def open_alerts(self) -> list[Alert]:
        """Active alerts nobody has acknowledged yet."""
        return [a for a in self.active if a.state == "open"]

    def to_dict(self) -> dict:
        def alert(a: Alert) -> dict:
            return {
                "id": a.id,
                "signal": a.signal,
                "severity": a.severity,
                "state": a.state,
                "message": a.message,
                "opened_at": a.opened_at,
            }

        return {
            "model": self.model,
            "windows": [
                {
                    "id": w.id,
                    "kind": w.window_kind,
                    "start": w.window_start,
                    "end": w.window_end,
                    "rows": w.n_rows,
                    "drift_share": w.drift_share,
                    "dataset_drift": bool(w.dataset_drift),
                    "drifted_columns": (w.results or {}).get("drifted_columns", []),
                    "estimate": (w.results or {}).get("estimate"),
                }
                for w in self.windows
            ],
            "opened": [alert(a) for a in self.opened],
            "resolved": [alert(a) for a in self.resolved],
            "active": [alert(a) for a in self.active],
            "checks": self.checks,
            "seconds": self.seconds,
        }


def run_once(
    ws: Workspace,
    name: str,
    *,
    now: float | None = None,
    max_windows: int = 200,
    on_progress: Callable[[float, str], None] | None = None,
) -> MonitorResult:
    """Create the default rules on first use, compute due windows, evaluate the rules.

    While more than ``max_windows`` windows are due, the drift rules wait: judging the oldest
    windows of a backlog would resolve (or open) alerts about what is happening now.
    """
    started = time.perf_counter()
    report = on_progress or (lambda _f, _m: None)
    ensure_default_rules(ws, name)
    report(0.0, f"Computing the due windows of {name}")
    windows = compute_windows(
        ws, name, now=now, max_windows=max_windows, on_progress=lambda f, m: report(0.8 * f, m)
    )
    backlog = len(windows) >= max_windows and more_due(ws, name, now)
    windows += compute_batch_windows(ws, name, on_progress=lambda f, m: report(0.8 + 0.1 * f, m))
    report(0.9, "Evaluating the alert rules")
    evaluation = evaluate(ws, name, now, skip=WINDOW_SIGNALS if backlog else ())
    result = MonitorResult(
        model=name,
        windows=windows,
        opened=evaluation.opened,
        resolved=evaluation.resolved,
        active=list_alerts(ws, name, states=("open", "acknowledged")),
        checks=[c.to_dict() for c in evaluation.checks],
        seconds=time.perf_counter() - started,
    )
    report(
        1.0, f"{counted(len(windows), 'window')}, {counted(len(evaluation.opened), 'alert')} opened"
    )
    return result


def monitored_models(ws: Workspace) -> list[str]:
    """Models with a live version now."""
    return list(ws.models.holders("live"))


def monitor_model(ctx: JobContext, name: str, max_windows: int = 200) -> dict:
    """Job function: one monitoring pass of ``name``."""
    ws = ctx.workspace()
    return run_once(ws, name, max_windows=max_windows, on_progress=ctx.report).to_dict()
