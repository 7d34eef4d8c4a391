"""Behavioural tests stored as data next to a model name; changes go to the audit trail.

Specs are validated by ``mlops_desktop.evaluation.behavioural.parse_spec`` before they get here.
"""

from __future__ import annotations

import sqlite_utils

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.registry import clock
from mlops_desktop.registry.audit import AuditLog, os_user
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import BehaviouralTest, from_row, to_row
from mlops_desktop.registry.refs import check_name

KINDS = ("minimum", "invariance", "directional")


class BehaviouralStore:
    def __init__(self, db: sqlite_utils.Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    def add(self, model_name: str, kind: str, name: str, spec: dict) -> BehaviouralTest:
        check_name(model_name, "model name")
        if kind not in KINDS:
            raise InputError(f"'{kind}' is not a behavioural test kind ({', '.join(KINDS)}).")
        if not name.strip():
            raise InputError("Give the behavioural test a name people can read in a report.")
        row = to_row(
            {
                "model_name": model_name,
                "kind": kind,
                "name": name.strip(),
                "spec": spec,
                "enabled": 1,
                "created_at": clock.now(),
                "created_by": os_user(),
            },
            ("spec",),
        )
        with write(self.db):
            cursor = self.db.execute(
                f"INSERT INTO behavioural_tests ({', '.join(row)})"
                f" VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            test = self.get(cursor.lastrowid)
            self.audit.record(
                "behavioural.add",
                "model",
                model_name,
                {"id": test.id, "kind": kind, "name": test.name, "spec": spec},
            )
        return test

    def set_enabled(self, test_id: int, enabled: bool, reason: str = "") -> BehaviouralTest:
        test = self.get(test_id)
        with write(self.db):
            self.db.execute(
                "UPDATE behavioural_tests SET enabled = ? WHERE id = ?", [int(enabled), test_id]
            )
            self.audit.record(
                "behavioural.enable" if enabled else "behavioural.disable",
                "model",
                test.model_name,
                {"id": test_id, "name": test.name, "reason": reason},
            )
        return self.get(test_id)

    def get(self, test_id: int) -> BehaviouralTest:
        rows = list(self.db.query("SELECT * FROM behavioural_tests WHERE id = ?", [test_id]))
        if not rows:
            raise NotFoundError(f"No behavioural test with id {test_id}.")
        return from_row(BehaviouralTest, rows[0])

    def list(self, model_name: str, enabled_only: bool = False) -> list[BehaviouralTest]:
        sql = "SELECT * FROM behavioural_tests WHERE model_name = ?"
        if enabled_only:
            sql += " AND enabled = 1"
        return [
            from_row(BehaviouralTest, r) for r in self.db.query(sql + " ORDER BY id", [model_name])
        ]
