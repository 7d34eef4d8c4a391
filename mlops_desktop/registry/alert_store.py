"""Alert rules per model and the alerts they open (open → acknowledged → resolved).

What a rule checks, when an alert opens or resolves and what the audit trail says is decided in
``monitoring.alerts``; this store keeps the rows.
"""

from __future__ import annotations

import json
import time

import sqlite_utils

from mlops_desktop.errors import NotFoundError
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import Alert, AlertRule, from_row


class AlertStore:
    """Reads and writes the ``alert_rules`` and ``alerts`` tables."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -- rules -------------------------------------------------------------------------------

    def rule(self, rule_id: int) -> AlertRule:
        rows = list(self.db.query("SELECT * FROM alert_rules WHERE id = ?", [rule_id]))
        if not rows:
            raise NotFoundError(f"No alert rule with id {rule_id}.")
        return from_row(AlertRule, rows[0])

    def rules(self, name: str, enabled_only: bool = False) -> list[AlertRule]:
        """The rules of model ``name`` in the order they were added."""
        sql = "SELECT * FROM alert_rules WHERE model_name = ?" + (
            " AND enabled = 1" if enabled_only else ""
        )
        return [from_row(AlertRule, r) for r in self.db.query(sql + " ORDER BY id", [name])]

    def add_rule(self, name: str, signal: str, params: dict, user: str) -> AlertRule:
        """Store an enabled rule with ``params`` (already validated)."""
        with write(self.db):
            cursor = self.db.execute(
                "INSERT INTO alert_rules (model_name, signal, params_json, enabled, created_at,"
                " created_by) VALUES (?, ?, ?, 1, ?, ?)",
                [name, signal, json.dumps(params, sort_keys=True), time.time(), user],
            )
            return self.rule(cursor.lastrowid)

    def update_rule(self, rule_id: int, params: dict, enabled: bool) -> AlertRule:
        with write(self.db):
            self.db.execute(
                "UPDATE alert_rules SET params_json = ?, enabled = ? WHERE id = ?",
                [json.dumps(params, sort_keys=True), int(enabled), rule_id],
            )
        return self.rule(rule_id)

    # -- alerts ------------------------------------------------------------------------------

    def get(self, alert_id: int) -> Alert:
        rows = list(self.db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))
        if not rows:
            raise NotFoundError(f"No alert with id {alert_id}.").hinted(
                "'mlops-desktop alerts list --state all' lists them."
            )
        return from_row(Alert, rows[0])

    def list(
        self, name: str | None = None, states: tuple[str, ...] | None = None, limit: int = 500
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
        return [from_row(Alert, r) for r in self.db.query(sql, [*args, limit])]

    def active_ids(self, rule_id: int) -> list[int]:
        """The ids of the rule's open or acknowledged alerts (at most one, by dedup)."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM alerts WHERE rule_id = ? AND state IN ('open', 'acknowledged')",
                [rule_id],
            )
        ]

    def open(self, rule: AlertRule, severity: str, message: str, details: dict) -> Alert:
        """Store a new open alert of ``rule``."""
        with write(self.db):
            cursor = self.db.execute(
                "INSERT INTO alerts (model_name, rule_id, signal, severity, message, details_json,"
                " state, opened_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?)",
                [
                    rule.model_name,
                    rule.id,
                    rule.signal,
                    severity,
                    message,
                    json.dumps(details, default=str),
                    time.time(),
                ],
            )
            return self.get(cursor.lastrowid)

    def acknowledge(self, alert_id: int, user: str, note: str) -> Alert:
        """Mark the alert acknowledged by ``user`` (a non-empty ``note`` replaces the note)."""
        with write(self.db):
            self.db.execute(
                "UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?,"
                " note = CASE WHEN ? = '' THEN note ELSE ? END WHERE id = ?",
                [time.time(), user, note, note, alert_id],
            )
        return self.get(alert_id)

    def resolve(self, alert_id: int, user: str, note: str) -> Alert:
        """Mark the alert resolved by ``user`` (a non-empty ``note`` replaces the note)."""
        with write(self.db):
            self.db.execute(
                "UPDATE alerts SET state = 'resolved', resolved_at = ?, resolved_by = ?,"
                " note = CASE WHEN ? = '' THEN note ELSE ? END WHERE id = ?",
                [time.time(), user, note, note, alert_id],
            )
        return self.get(alert_id)
