"""Meeting mode's health board: one card per deployed model, with a traffic light.

Traffic light rules (the first that applies):

- **red**: an open critical alert, or the quality figure fails the gate (realized metric on at
  least ``MIN_REALIZED`` labelled rows, else the live version's test report verdict);
- **amber**: an open warning alert, any feature drifted in the latest window (dataset drift or
  not), no test report for the live version, or no scoring service running;
- **green**: otherwise. Info alerts never change the colour.

Open alerts are counted as the Monitor page counts them: an acknowledged alert is someone's
work in hand, listed beside the open count but no longer a reason. Each reason is listed on the
card, so the colour is never unexplained, and a card never says "no drift" beside a drifted
feature.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from mlops_desktop.monitoring.monitor_job import monitored_models
from mlops_desktop.training.metric_names import HIGHER_IS_BETTER, PRIMARY

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

MIN_REALIZED = 50


@dataclass
class BoardCard:
    """The key numbers of one deployed model."""

    model: str
    light: str  # "green", "amber", "red"
    reasons: list[str] = field(default_factory=list)
    live_version: str | None = None
    candidate: str | None = None
    mode: str | None = None
    canary_percent: float = 0.0
    rollback_to: str | None = None  # the version a rollback would make live, if any
    quality: dict = field(default_factory=dict)
    drift: dict = field(default_factory=dict)
    requests_today: int = 0
    alerts: dict = field(default_factory=dict)  # severity -> open (unacknowledged) count
    acknowledged: int = 0  # active alerts someone has acknowledged (listed, not a reason)
    alert_ids: list[int] = field(default_factory=list)  # the active alerts, newest first
    open_alert_ids: list[int] = field(default_factory=list)  # the open ones, newest first
    newest_alert: dict = field(default_factory=dict)  # severity, message of open_alert_ids[0]
    versus_live: str = ""  # when the candidate tests worse than live: that, in one sentence

    def to_dict(self) -> dict:
        return asdict(self)


def _midnight(now: float) -> float:
    local = datetime.fromtimestamp(now).astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _quality(ws: Workspace, name: str, version) -> dict:
    from mlops_desktop.monitoring.realized import gate_rules, recent_metrics

    report = ws.reports.latest(version.id)
    summary = report.summary if report else {}
    task = (version.signature.get("output") or {}).get("task")
    gates = gate_rules(ws, name)
    metric = next(iter(gates)) if gates else summary.get("primary_metric") or PRIMARY.get(task)
    recent = recent_metrics(ws, name)
    rule = gates.get(metric)
    out: dict = {"metric": metric, "tested": report is not None}
    if recent["n"] >= MIN_REALIZED and metric in recent["metrics"]:
        out.update(
            source="realized", value=recent["metrics"][metric], n=recent["n"], since=recent["since"]
        )
    elif report is not None:
        out.update(
            source="test report",
            value=((summary.get("metrics") or {}).get(metric) or {}).get("value"),
            passed=None if report.passed is None else bool(report.passed),
            n=summary.get("rows"),
            dataset=(summary.get("dataset") or {}).get("ref"),
        )
    if rule is not None:
        out.update(op=rule["op"], threshold=rule["threshold"])
        if out.get("value") is not None:
            higher = HIGHER_IS_BETTER.get(metric, True)
            value, limit = out["value"], rule["threshold"]
            out["passes"] = value >= limit if higher else value <= limit
    if "passes" not in out and out.get("source") == "test report":
        out["passes"] = out.get("passed")
    if out.get("source") != "realized":
        out["estimate"] = _latest_estimate(ws, name, version.id, metric)
    return out


def _latest_estimate(ws: Workspace, name: str, version_id: int, metric: str | None) -> dict | None:
    """The latest window's estimate of ``metric`` (CBPE/DLE) for the live version, or None."""
    from mlops_desktop.monitoring.settings import get_settings

    kind = get_settings(ws, name).kind
    for window in ws.drift_windows.latest(name, kind, 1, version_id=version_id):
        estimate = (window.results or {}).get("estimate") or {}
        values = (estimate.get("metrics") or {}).get(metric) or {}
        if values.get("estimate") is not None:
            return {
                "value": values["estimate"],
                "low": values.get("low"),
                "high": values.get("high"),
                "method": estimate.get("method"),
                "at": window.window_end,
            }
    return None


def _drift(ws: Workspace, name: str) -> dict:
    from mlops_desktop.monitoring.settings import get_settings

    kind = get_settings(ws, name).kind
    latest = ws.drift_windows.latest(name, kind, 1)
    if not latest:
        return {"windows": 0, "status": "no windows yet"}
    window = latest[0]
    columns = window.results.get("drifted_columns") or []
    if window.dataset_drift:
        status = "drift"
    else:
        status = "some features drifted" if columns else "stable"
    return {
        "windows": ws.drift_windows.count(name, kind),
        "window_end": window.window_end,
        "drift_share": window.drift_share,
        "dataset_drift": bool(window.dataset_drift),
        "drifted_columns": columns,
        "status": status,
    }


def board(ws: Workspace, now: float | None = None, service: object = ...) -> list[BoardCard]:
    """One card per model with a live version, by name.

    ``service`` is the running service (or None) when the caller has found it already.
    """
    from mlops_desktop.serving.process import find_service

    now = time.time() if now is None else now
    if service is ...:
        service = find_service(ws)
    return [_card(ws, name, now, service is not None) for name in monitored_models(ws)]


def _reasons(card: BoardCard, active: list, serving: bool) -> tuple[list[str], list[str]]:
    """(red, amber) reasons of ``card``: open alerts, quality, drift, report and service."""
    red, amber = [], []
    named: set[str] = set()  # features an open alert's line names already
    opened = [a for a in active if a.state == "open"]
    for alert in opened:
        if alert.severity == "critical":
            red.append(alert.message.split(". ")[0])
        elif alert.severity == "warning":
            amber.append(alert.message.split(". ")[0])
        if alert.severity in ("critical", "warning") and alert.signal == "feature_drift":
            named.update(((alert.details or {}).get("columns") or [])[:5])  # as its text
    q, d = card.quality, card.drift
    if q.get("passes") is False:
        red.append(f"{q['metric']} {q['value']:.3f} fails the gate ({q['source']})")
    columns = [c for c in d.get("drifted_columns") or [] if c not in named]
    if d.get("dataset_drift"):
        amber.append(f"dataset drift in the latest window ({d['drift_share']:.0%})")
    elif columns:  # one line per feature: the others are in their alert's line
        shown = ", ".join(columns[:3]) + (" …" if len(columns) > 3 else "")
        amber.append(f"{shown} drifted in the latest window")
    if not q.get("tested"):
        amber.append(f"{card.live_version} has no test report")
    if not serving:
        amber.append("the scoring service is not running")
    return red, amber


def _card(ws: Workspace, name: str, now: float, serving: bool) -> BoardCard:
    """The card of ``name`` (which has a live version)."""
    from mlops_desktop.evaluation.promotion import worse_than_live
    from mlops_desktop.monitoring.alerts import list_alerts
    from mlops_desktop.serving.deployments import live_at, rollback_target

    version = ws.models.get(f"{name}@live")
    where = live_at(ws, name)
    card = BoardCard(
        model=name,
        light="green",
        live_version=version.ref,
        candidate=where.candidate,
        mode=where.mode,
        canary_percent=where.canary_percent,
        rollback_to=rollback_target(ws, name),
    )
    if where.candidate:
        card.versus_live = worse_than_live(ws, where.candidate, version.ref)
    card.quality = _quality(ws, name, version)
    card.drift = _drift(ws, name)
    card.requests_today = ws.predictions.served_since(name, _midnight(now))
    active = list_alerts(ws, name, states=("open", "acknowledged"))
    card.alerts = {
        s: sum(a.severity == s and a.state == "open" for a in active)
        for s in ("critical", "warning", "info")
    }
    card.acknowledged = sum(a.state == "acknowledged" for a in active)
    card.alert_ids = [a.id for a in active]
    opened = [a for a in active if a.state == "open"]
    card.open_alert_ids = [a.id for a in opened]
    if opened:
        card.newest_alert = {"severity": opened[0].severity, "message": opened[0].message}
    red, amber = _reasons(card, active, serving)
    card.reasons = red + amber
    card.light = "red" if red else "amber" if amber else "green"
    return card
