"""Alert rules per signal, their evaluation, and the alert life cycle (open → acknowledged →
resolved), every change in the audit trail.

Signals (``params`` defaults in ``SIGNALS``; each rule may also set ``severity``):

================  ============================================================================
drift_share       the last ``windows`` windows of the live version all had dataset drift
                  (share of drifted features >= the model's drift-share setting, or
                  ``threshold`` when given)
feature_drift     one feature (``column``, or any one when None) drifted in each of the last
                  ``windows`` windows (3 by default: one window of 20 features at p < 0.05 flags
                  a column by chance most of the time; three in a row rarely)
prediction_drift  the prediction distribution drifted in the last ``windows`` windows
realized_metric   the realized ``metric`` (default: the gate's first metric, else the primary
                  metric) over the latest ``sample`` labelled rows is worse than the gate's
                  threshold (or ``threshold``; without a gate: below the test report's CI band),
                  once at least ``min_labels`` labelled rows exist
estimated_metric  the estimated ``metric`` (CBPE or DLE, from the model's outputs, no labels
                  needed; default: the gate's first estimated metric) of each of the last
                  ``windows`` windows is worse than the gate's threshold (or ``threshold``)
latency_p95       the p95 latency of the last ``minutes`` is above ``threshold_ms``
error_rate        the share of failed requests (any status but 200) of the last ``minutes`` is
                  above ``threshold``
batch_feed        the latest batch scoring job for the model failed, its reject share is above
                  ``max_reject_share``, or (when ``max_age_hours`` is set) no batch ran for that long
================  ============================================================================

Dedup: while an alert of a rule is open or acknowledged, the rule opens no other one; but a
feature_drift rule over every column keeps one alert per set of columns, so a feature that starts
drifting while an older drift alert is active gets an alert naming it (``_per_column``).
Auto-resolve: when a rule's signal is evaluated with enough data and is fine again, its open or
acknowledged alert is resolved by the monitor (``resolved_by = "monitor"``, note "signal
recovered") — an alert then means "something is wrong now", and the audit trail keeps the
episode. A rule with ``auto_resolve: false`` waits for a person. Without enough data (no window
yet, too few requests) nothing changes.
Another version: a drift or quality alert judged one version (``details["ref"]``); when another
is live (promoted, rolled back), the monitor resolves it ("credit@1 no longer serves credit"),
whatever ``auto_resolve`` says, so the board never explains today's model by yesterday's.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlops_desktop.errors import InputError
from mlops_desktop.registry.audit import os_user
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import Alert, AlertRule

if TYPE_CHECKING:
    from mlops_desktop.monitoring.signals import Check
    from mlops_desktop.registry.workspace import Workspace

SEVERITIES = ("info", "warning", "critical")
SIGNALS: dict[str, dict] = {
    "drift_share": {"windows": 1, "threshold": None, "severity": "warning"},
    "feature_drift": {"column": None, "windows": 3, "severity": "warning"},
    "prediction_drift": {"windows": 2, "severity": "warning"},
    "realized_metric": {
        "metric": None,
        "threshold": None,
        "min_labels": 50,
        "sample": 500,
        "severity": "critical",
    },
    "estimated_metric": {"metric": None, "threshold": None, "windows": 2, "severity": "warning"},
    "latency_p95": {"threshold_ms": 500.0, "minutes": 5, "min_requests": 20, "severity": "warning"},
    "error_rate": {"threshold": 0.05, "minutes": 5, "min_requests": 20, "severity": "critical"},
    "batch_feed": {"max_reject_share": 0.1, "max_age_hours": None, "severity": "warning"},
}
ACTIVE = ("open", "acknowledged")
#: Signals that judge the live version (its inputs' drift, its answers, its quality), not the
#: service: their alerts retire when another version goes live.
VERSION_SIGNALS = (
    "drift_share",
    "feature_drift",
    "prediction_drift",
    "realized_metric",
    "estimated_metric",
)
_ABOUT = re.compile(r"^(?:[A-Z][a-z ]+ on ([\w.-]+@\d+):|Realized \S+ of ([\w.-]+@\d+) is )")


# -- rules ---------------------------------------------------------------------------------------


def list_rules(ws: Workspace, name: str, enabled_only: bool = False) -> list[AlertRule]:
    return ws.alerts.rules(name, enabled_only)


def _check_params(signal: str, params: dict) -> dict:
    if signal not in SIGNALS:
        raise InputError(f"Unknown alert signal {signal!r}; choose from {', '.join(SIGNALS)}.")
    unknown = sorted(set(params) - set(SIGNALS[signal]) - {"auto_resolve"})
    if unknown:
        raise InputError(
            f"Unknown setting(s) {', '.join(unknown)} for a {signal} rule; it takes "
            f"{', '.join(SIGNALS[signal])}."
        )
    merged = {**SIGNALS[signal], **params}
    if merged["severity"] not in SEVERITIES:
        raise InputError(f"Severity must be one of {', '.join(SEVERITIES)}.")
    if "windows" in merged and int(merged["windows"]) < 1:
        raise InputError("A rule must look at 1 window or more.")
    return merged


def add_rule(ws: Workspace, name: str, signal: str, params: dict | None = None) -> AlertRule:
    """Add a rule for ``name`` (params merged over the signal's defaults)."""
    merged = _check_params(signal, dict(params or {}))
    with write(ws.db):
        rule = ws.alerts.add_rule(name, signal, merged, os_user())
        ws.audit.record(
            "alert_rule.create",
            "model",
            name,
            {"rule_id": rule.id, "signal": signal, "params": merged},
        )
    return rule


def update_rule(
    ws: Workspace, rule_id: int, params: dict | None = None, enabled: bool | None = None
) -> AlertRule:
    """Change a rule's settings or switch it on or off."""
    rule = ws.alerts.rule(rule_id)
    merged = _check_params(rule.signal, {**rule.params, **(params or {})})
    with write(ws.db):
        updated = ws.alerts.update_rule(
            rule_id, merged, bool(rule.enabled if enabled is None else enabled)
        )
        ws.audit.record(
            "alert_rule.update",
            "model",
            rule.model_name,
            {"rule_id": rule_id, "params": merged, "previous": rule.params, "enabled": enabled},
        )
    return updated


def ensure_default_rules(ws: Workspace, name: str) -> list[AlertRule]:
    """Create one rule per signal for a model that has none yet; return the model's rules."""
    if not list_rules(ws, name):
        with write(ws.db):
            for signal in SIGNALS:
                add_rule(ws, name, signal)
    return list_rules(ws, name)


# -- alerts --------------------------------------------------------------------------------------


def get_alert(ws: Workspace, alert_id: int) -> Alert:
    return ws.alerts.get(alert_id)


def list_alerts(
    ws: Workspace, name: str | None = None, states: tuple[str, ...] | None = None, limit: int = 500
) -> list[Alert]:
    """Alerts, newest first (of ``name`` and in ``states`` when given)."""
    return ws.alerts.list(name, states, limit)


def _ref(alert: Alert) -> str:
    return f"{alert.model_name}#alert{alert.id}"


def _open(ws: Workspace, rule: AlertRule, check: Check, dedup: bool = True) -> Alert | None:
    with write(ws.db):
        if dedup and ws.alerts.active_ids(rule.id):
            return None
        alert = ws.alerts.open(
            rule, rule.params.get("severity", "warning"), check.message, check.details
        )
        ws.audit.record(
            "alert.open",
            "alert",
            _ref(alert),
            {
                "signal": rule.signal,
                "severity": alert.severity,
                "message": alert.message,
                "value": check.value,
            },
        )
    return alert


def acknowledge(ws: Workspace, alert_id: int, note: str = "", user: str | None = None) -> Alert:
    """Mark an open alert as seen by a person (it stays active: no duplicate opens)."""
    alert = get_alert(ws, alert_id)
    if alert.state != "open":
        raise InputError(
            f"Alert {alert_id} is {alert.state}; only open alerts can be acknowledged."
        )
    user = user or os_user()
    with write(ws.db):
        acknowledged = ws.alerts.acknowledge(alert_id, user, note)
        ws.audit.record("alert.acknowledge", "alert", _ref(alert), {"note": note}, user=user)
    return acknowledged


def resolve(ws: Workspace, alert_id: int, note: str = "", user: str | None = None) -> Alert:
    """Close an open or acknowledged alert."""
    alert = get_alert(ws, alert_id)
    if alert.state == "resolved":
        raise InputError(f"Alert {alert_id} is already resolved.")
    user = user or os_user()
    with write(ws.db):
        resolved = ws.alerts.resolve(alert_id, user, note)
        action = "alert.auto_resolve" if user == "monitor" else "alert.resolve"
        ws.audit.record(action, "alert", _ref(alert), {"note": note}, user=user)
    return resolved


# -- evaluation ----------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """What one evaluation did."""

    opened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


WINDOW_SIGNALS = ("drift_share", "feature_drift", "prediction_drift")


def evaluate(
    ws: Workspace, name: str, now: float | None = None, skip: tuple[str, ...] = ()
) -> Evaluation:
    """Check every enabled rule of ``name`` (but those of the signals in ``skip``); open and
    auto-resolve alerts."""
    from mlops_desktop.monitoring.signals import check_rule

    now = time.time() if now is None else now
    result = Evaluation()
    result.resolved += retire_other_versions(ws, name)
    for rule in list_rules(ws, name, enabled_only=True):
        if rule.signal in skip:
            continue
        check = check_rule(ws, rule, now)
        result.checks.append(check)
        if rule.signal == "feature_drift" and rule.params.get("column") is None:
            _per_column(ws, rule, check, result)
        elif check.state == "fire":
            alert = _open(ws, rule, check)
            if alert is not None:
                result.opened.append(alert)
        elif check.state == "ok" and rule.params.get("auto_resolve", True):
            for alert_id in ws.alerts.active_ids(rule.id):
                result.resolved.append(
                    resolve(ws, alert_id, f"signal recovered: {check.message}", user="monitor")
                )
    return result


def alert_version(alert: Alert) -> str | None:
    """The model version a drift or quality alert judged (None: the model's service)."""
    if alert.signal not in VERSION_SIGNALS:
        return None
    ref = (alert.details or {}).get("ref")
    if ref:
        return str(ref)
    found = _ABOUT.search(alert.message)  # alerts stored before they named their version
    return (found.group(1) or found.group(2)) if found else None


def retire_other_versions(ws: Workspace, name: str, user: str = "monitor") -> list[Alert]:
    """Resolve the active drift and quality alerts of ``name`` about a version that no longer
    serves (after a promote or a rollback): they judged a model that is not answering."""
    holding = ws.models.current_alias(name, "live")
    live = ws.models.by_id(holding.model_version_id).ref if holding else None
    retired = []
    for alert in list_alerts(ws, name, states=("open", "acknowledged")):
        about = alert_version(alert)
        if about is not None and about != live:
            now = f"{live} is live" if live else "no version is live"
            note = f"{about} no longer serves {name} ({now})"
            retired.append(resolve(ws, alert.id, note, user=user))
    return retired


def _per_column(ws: Workspace, rule: AlertRule, check: Check, result: Evaluation) -> None:
    """A feature_drift rule over every column keeps one alert per episode of columns: a column
    that starts drifting while an alert about others is active opens its own alert (naming it);
    an alert resolves when none of the columns it names drifts any more."""
    from dataclasses import replace

    from mlops_desktop.monitoring.signals import feature_drift_message

    if check.state not in ("fire", "ok"):
        return
    drifting = set(check.details.get("columns") or []) if check.state == "fire" else set()
    covered: set[str] = set()
    for alert_id in ws.alerts.active_ids(rule.id):
        named = set(get_alert(ws, alert_id).details.get("columns") or [])
        if named & drifting or not rule.params.get("auto_resolve", True):
            covered |= named
        else:
            note = f"signal recovered: {', '.join(sorted(named)) or 'no feature'} no longer drifted"
            result.resolved.append(resolve(ws, alert_id, note, user="monitor"))
    new = [c for c in check.details.get("columns") or [] if c in drifting - covered]
    if not new:
        return
    figures = check.details.get("figures") or {}
    windows = len(check.details.get("windows") or [])
    message = feature_drift_message(check.details.get("ref", rule.model_name), new,
                                    figures.get(new[0], "drifted"), windows)  # fmt: skip
    details = {**check.details, "columns": new}
    alert = _open(ws, rule, replace(check, message=message, details=details), dedup=False)
    if alert is not None:
        result.opened.append(alert)


def evaluate_alerts(ws: Workspace, name: str, now: float | None = None) -> list[Alert]:
    """Evaluate the rules of ``name``; return the alerts opened now (see :func:`evaluate`)."""
    return evaluate(ws, name, now).opened
