"""Quality gates per model name, versioned: every change is a new version with who and why."""

from __future__ import annotations

import sqlite_utils

from mlops_desktop.errors import NotFoundError
from mlops_desktop.registry import clock
from mlops_desktop.registry.audit import AuditLog, os_user
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import QualityGate, from_row, to_row
from mlops_desktop.registry.refs import check_name


class GateStore:
    def __init__(self, db: sqlite_utils.Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    def set(self, model_name: str, spec: dict, reason: str = "") -> QualityGate:
        """Store ``spec`` (already validated) as the next version of the model's gate."""
        check_name(model_name, "model name")
        previous = self.current(model_name)
        with write(self.db):
            row = self.db.execute(
                "SELECT MAX(version) FROM quality_gates WHERE model_name = ?", [model_name]
            ).fetchone()
            version = int(row[0] or 0) + 1
            cursor = self.db.execute(
                "INSERT INTO quality_gates (model_name, version, spec_json, reason, created_at,"
                " created_by) VALUES (?, ?, ?, ?, ?, ?)",
                list(
                    to_row(
                        {
                            "model_name": model_name,
                            "version": version,
                            "spec": spec,
                            "reason": reason,
                            "created_at": clock.now(),
                            "created_by": os_user(),
                        },
                        ("spec",),
                    ).values()
                ),
            )
            gate = self.by_id(cursor.lastrowid)
            self.audit.record(
                "gate.set",
                "model",
                model_name,
                {
                    "version": version,
                    "reason": reason,
                    "spec": spec,
                    "previous_spec": previous.spec if previous else None,
                },
            )
        return gate

    def by_id(self, gate_id: int) -> QualityGate:
        rows = list(self.db.query("SELECT * FROM quality_gates WHERE id = ?", [gate_id]))
        if not rows:
            raise NotFoundError(f"No quality gate with id {gate_id}.")
        return from_row(QualityGate, rows[0])

    def current(self, model_name: str) -> QualityGate | None:
        """The latest version of the model's gate, or None when none was ever set."""
        rows = list(
            self.db.query(
                "SELECT * FROM quality_gates WHERE model_name = ? ORDER BY version DESC LIMIT 1",
                [model_name],
            )
        )
        return from_row(QualityGate, rows[0]) if rows else None

    def get(self, model_name: str, version: int) -> QualityGate:
        rows = list(
            self.db.query(
                "SELECT * FROM quality_gates WHERE model_name = ? AND version = ?",
                [model_name, version],
            )
        )
        if not rows:
            raise NotFoundError(f"Model '{model_name}' has no gate version {version}.")
        return from_row(QualityGate, rows[0])

    def history(self, model_name: str) -> list[QualityGate]:
        return [
            from_row(QualityGate, r)
            for r in self.db.query(
                "SELECT * FROM quality_gates WHERE model_name = ? ORDER BY version", [model_name]
            )
        ]
