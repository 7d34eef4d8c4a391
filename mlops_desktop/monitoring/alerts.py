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
latency_p95       the p95 latency of the last ``minutes`` is above ``threshold_ms``
error_rate        the share of failed requests (any status but 200) of the last ``minutes`` is
                  above ``threshold``
batch_feed        the latest batch scoring job for the model failed, its reject share is above
                  ``max_reject_share``, or (when ``max_age_hours`` is set) no batch ran for that long
================  ============================================================================

Dedup: while an alert of a rule is open or acknowledged, the rule opens no other one.
Auto-resolve: when a rule's signal is evaluated with enough data and is fine again, its open or
acknowledged alert is resolved by the monitor (``resolved_by = "monitor"``, note "signal
recovered") — an alert then means "something is wrong now", and the audit trail keeps the
episode. A rule with ``auto_resolve: false`` waits for a person. Without enough data (no window
yet, too few requests) nothing changes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.registry.audit import os_user
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import Alert, AlertRule, from_row

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
    "latency_p95": {"threshold_ms": 500.0, "minutes": 5, "min_requests": 20, "severity": "warning"},
    "error_rate": {"threshold": 0.05, "minutes": 5, "min_requests": 20, "severity": "critical"},
    "batch_feed": {"max_reject_share": 0.1, "max_age_hours": None, "severity": "warning"},
}
ACTIVE = ("open", "acknowledged")


@dataclass
class Check:
    """One rule's verdict now: ``fire``, ``ok`` or ``unknown`` (not enough data)."""

    rule: AlertRule
    state: str
    message: str
    value: float | None = None
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "rule_id": self.rule.id,
            "signal": self.rule.signal,
            "state": self.state,
            "message": self.message,
            "value": self.value,
            "details": self.details,
        }


# -- rules ---------------------------------------------------------------------------------------


def _rule(ws, rule_id: int) -> AlertRule:
    rows = list(ws.db.query("SELECT * FROM alert_rules WHERE id = ?", [rule_id]))
    if not rows:
        raise NotFoundError(f"No alert rule with id {rule_id}.")
    return from_row(AlertRule, rows[0])


def list_rules(ws, name: str, enabled_only: bool = False) -> list[AlertRule]:
    sql = "SELECT * FROM alert_rules WHERE model_name = ?" + (
        " AND enabled = 1" if enabled_only else ""
    )
    return [from_row(AlertRule, r) for r in ws.db.query(sql + " ORDER BY id", [name])]


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


def add_rule(ws, name: str, signal: str, params: dict | None = None) -> AlertRule:
    """Add a rule for ``name`` (params merged over the signal's defaults)."""
    merged = _check_params(signal, dict(params or {}))
    with write(ws.db):
        cursor = ws.db.execute(
            "INSERT INTO alert_rules (model_name, signal, params_json, enabled, created_at,"
            " created_by) VALUES (?, ?, ?, 1, ?, ?)",
            [name, signal, json.dumps(merged, sort_keys=True), time.time(), os_user()],
        )
        rule = _rule(ws, cursor.lastrowid)
        ws.audit.record(
            "alert_rule.create",
            "model",
            name,
            {"rule_id": rule.id, "signal": signal, "params": merged},
        )
    return rule


def update_rule(
    ws, rule_id: int, params: dict | None = None, enabled: bool | None = None
) -> AlertRule:
    """Change a rule's settings or switch it on or off."""
    rule = _rule(ws, rule_id)
    merged = _check_params(rule.signal, {**rule.params, **(params or {})})
    with write(ws.db):
        ws.db.execute(
            "UPDATE alert_rules SET params_json = ?, enabled = ? WHERE id = ?",
            [
                json.dumps(merged, sort_keys=True),
                int(rule.enabled if enabled is None else enabled),
                rule_id,
            ],
        )
        ws.audit.record(
            "alert_rule.update",
            "model",
            rule.model_name,
            {"rule_id": rule_id, "params": merged, "previous": rule.params, "enabled": enabled},
        )
    return _rule(ws, rule_id)


def ensure_default_rules(ws, name: str) -> list[AlertRule]:
    """Create one rule per signal for a model that has none yet; return the model's rules."""
    if not list_rules(ws, name):
        with write(ws.db):
            for signal in SIGNALS:
                add_rule(ws, name, signal)
    return list_rules(ws, name)


# -- alerts --------------------------------------------------------------------------------------


def get_alert(ws, alert_id: int) -> Alert:
    rows = list(ws.db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))
    if not rows:
        raise NotFoundError(f"No alert with id {alert_id}. 'mlops-desktop alerts list' shows them.")
    return from_row(Alert, rows[0])


def list_alerts(
    ws, name: str | None = None, states: tuple[str, ...] | None = None, limit: int = 500
) -> list[Alert]:
    """Alerts, newest first (of ``name`` and in ``states`` when given)."""
    sql, args = "SELECT * FROM alerts WHERE 1 = 1", []
    if name is not None:
        sql += " AND model_name = ?"
        args.append(name)
    if states:
        sql += f" AND state IN ({','.join('?' * len(states))})"
        args += list(states)
    sql += " ORDER BY opened_at DESC, id DESC LIMIT ?"
    return [from_row(Alert, r) for r in ws.db.query(sql, [*args, limit])]


def _ref(alert: Alert) -> str:
    return f"{alert.model_name}#alert{alert.id}"


def _open(ws, rule: AlertRule, check: Check) -> Alert | None:
    with write(ws.db):
        active = ws.db.execute(
            "SELECT id FROM alerts WHERE rule_id = ? AND state IN ('open', 'acknowledged')",
            [rule.id],
        ).fetchone()
        if active is not None:
            return None
        cursor = ws.db.execute(
            "INSERT INTO alerts (model_name, rule_id, signal, severity, message, details_json,"
            " state, opened_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?)",
            [
                rule.model_name,
                rule.id,
                rule.signal,
                rule.params.get("severity", "warning"),
                check.message,
                json.dumps(check.details, default=str),
                time.time(),
            ],
        )
        alert = get_alert(ws, cursor.lastrowid)
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


def acknowledge(ws, alert_id: int, note: str = "", user: str | None = None) -> Alert:
    """Mark an open alert as seen by a person (it stays active: no duplicate opens)."""
    alert = get_alert(ws, alert_id)
    if alert.state != "open":
        raise InputError(
            f"Alert {alert_id} is {alert.state}; only open alerts can be acknowledged."
        )
    user = user or os_user()
    with write(ws.db):
        ws.db.execute(
            "UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?,"
            " note = CASE WHEN ? = '' THEN note ELSE ? END WHERE id = ?",
            [time.time(), user, note, note, alert_id],
        )
        ws.audit.record("alert.acknowledge", "alert", _ref(alert), {"note": note}, user=user)
    return get_alert(ws, alert_id)


def resolve(ws, alert_id: int, note: str = "", user: str | None = None) -> Alert:
    """Close an open or acknowledged alert."""
    alert = get_alert(ws, alert_id)
    if alert.state == "resolved":
        raise InputError(f"Alert {alert_id} is already resolved.")
    user = user or os_user()
    with write(ws.db):
        ws.db.execute(
            "UPDATE alerts SET state = 'resolved', resolved_at = ?, resolved_by = ?,"
            " note = CASE WHEN ? = '' THEN note ELSE ? END WHERE id = ?",
            [time.time(), user, note, note, alert_id],
        )
        action = "alert.auto_resolve" if user == "monitor" else "alert.resolve"
        ws.audit.record(action, "alert", _ref(alert), {"note": note}, user=user)
    return get_alert(ws, alert_id)


# -- evaluation ----------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """What one evaluation did."""

    opened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


def evaluate(ws, name: str, now: float | None = None) -> Evaluation:
    """Check every enabled rule of ``name``; open and auto-resolve alerts."""
    from mlops_desktop.monitoring.signals import check_rule

    now = time.time() if now is None else now
    result = Evaluation()
    for rule in list_rules(ws, name, enabled_only=True):
        check = check_rule(ws, rule, now)
        result.checks.append(check)
        if check.state == "fire":
            alert = _open(ws, rule, check)
            if alert is not None:
                result.opened.append(alert)
        elif check.state == "ok" and rule.params.get("auto_resolve", True):
            active = ws.db.execute(
                "SELECT id FROM alerts WHERE rule_id = ? AND state IN ('open', 'acknowledged')",
                [rule.id],
            ).fetchall()
            for (alert_id,) in active:
                result.resolved.append(
                    resolve(ws, alert_id, f"signal recovered: {check.message}", user="monitor")
                )
    return result


def evaluate_alerts(ws, name: str, now: float | None = None) -> list[Alert]:
    """Evaluate the rules of ``name``; return the alerts opened now (see :func:`evaluate`)."""
    return evaluate(ws, name, now).opened
