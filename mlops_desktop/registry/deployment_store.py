"""Deployment rows: which version of a model is live and how traffic splits, one open row each.

Opening a row closes the model's previous one, so "how was traffic split at time T" always has
an answer. The operations that decide what to open (deploy, rollback, canary, ...) live in
``serving.deployments``.
"""

from __future__ import annotations

import sqlite_utils

from mlops_desktop.registry import clock
from mlops_desktop.registry.audit import os_user
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import Deployment, from_row


class DeploymentStore:
    """Reads and writes the ``deployments`` table (one open row per model)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def current(self, name: str) -> Deployment | None:
        rows = list(
            self.db.query(
                "SELECT * FROM deployments WHERE model_name = ? AND ended_at IS NULL", [name]
            )
        )
        return from_row(Deployment, rows[0]) if rows else None

    def at(self, name: str, ts: float) -> Deployment | None:
        rows = list(
            self.db.query(
                "SELECT * FROM deployments WHERE model_name = ? AND started_at <= ?"
                " AND (ended_at IS NULL OR ended_at > ?) ORDER BY started_at DESC, id DESC LIMIT 1",
                [name, ts, ts],
            )
        )
        return from_row(Deployment, rows[0]) if rows else None

    def list(self, name: str | None = None) -> list[Deployment]:
        sql, args = "SELECT * FROM deployments", []
        if name is not None:
            sql += " WHERE model_name = ?"
            args.append(name)
        return [
            from_row(Deployment, r) for r in self.db.query(sql + " ORDER BY started_at, id", args)
        ]

    def open_splits(self) -> dict[str, tuple[str, int | None, float | None]]:
        """Every model's open row as ``{name: (mode, candidate_version_id, canary_percent)}``."""
        return {
            r[0]: (r[1], r[2], r[3])
            for r in self.db.execute(
                "SELECT model_name, mode, candidate_version_id, canary_percent FROM deployments"
                " WHERE ended_at IS NULL"
            )
        }

    def open(
        self,
        name: str,
        mode: str,
        live_id: int | None,
        candidate_id: int | None = None,
        percent: float = 0.0,
        reason: str = "",
    ) -> Deployment:
        """Close the model's open row and open a new one."""
        now = clock.now()
        with write(self.db):
            self.db.execute(
                "UPDATE deployments SET ended_at = ? WHERE model_name = ? AND ended_at IS NULL",
                [now, name],
            )
            cursor = self.db.execute(
                "INSERT INTO deployments (model_name, live_version_id, candidate_version_id, mode,"
                " canary_percent, started_at, set_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [name, live_id, candidate_id, mode, percent, now, os_user(), reason],
            )
            row = next(self.db.query("SELECT * FROM deployments WHERE id = ?", [cursor.lastrowid]))
        return from_row(Deployment, row)
