"""Scoring-service instances: each start records its process, address and a heartbeat.

``serving.process`` decides from these rows whether a service runs (a live process with a fresh
heartbeat); the service itself writes its row (``serving.server``, ``serving.watcher``).
"""

from __future__ import annotations

import os
import time

import sqlite_utils

from mlops_desktop.errors import NotFoundError
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import ServiceInstance, from_row


class ServiceStore:
    """Reads and writes the ``service_instances`` table."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def get(self, instance_id: int) -> ServiceInstance:
        rows = list(self.db.query("SELECT * FROM service_instances WHERE id = ?", [instance_id]))
        if not rows:
            raise NotFoundError(f"No service instance with id {instance_id}.")
        return from_row(ServiceInstance, rows[0])

    def active(self) -> list[ServiceInstance]:
        """Instances recorded as starting or running, newest first (some may have died)."""
        return [
            from_row(ServiceInstance, r)
            for r in self.db.query(
                "SELECT * FROM service_instances WHERE status IN ('starting', 'running')"
                " ORDER BY id DESC"
            )
        ]

    def latest_of_pid(self, pid: int) -> ServiceInstance | None:
        """The newest instance the process ``pid`` recorded, or None (it has not yet)."""
        rows = list(
            self.db.query(
                "SELECT * FROM service_instances WHERE pid = ? ORDER BY id DESC LIMIT 1", [pid]
            )
        )
        return from_row(ServiceInstance, rows[0]) if rows else None

    def register(self, host: str, port: int, token_hash: str | None) -> int:
        """Record this process as a service that is starting; returns the instance id."""
        now = time.time()
        with write(self.db):
            cursor = self.db.execute(
                "INSERT INTO service_instances (pid, host, port, token_hash, status, started_at,"
                " heartbeat_at) VALUES (?, ?, ?, ?, 'starting', ?, ?)",
                [os.getpid(), host, port, token_hash, now, now],
            )
        return int(cursor.lastrowid)

    def set_status(self, instance_id: int, status: str, stopped_at: float | None) -> None:
        with write(self.db):
            self.db.execute(
                "UPDATE service_instances SET status = ?, heartbeat_at = ?, stopped_at = ?"
                " WHERE id = ?",
                [status, time.time(), stopped_at, instance_id],
            )

    def mark_crashed(self, instance_id: int) -> None:
        """Record an instance that is gone without stopping (unless it already ended)."""
        with write(self.db):
            self.db.execute(
                "UPDATE service_instances SET status = 'crashed', stopped_at = ? WHERE id = ?"
                " AND status IN ('starting', 'running')",
                [time.time(), instance_id],
            )

    def request_stop(self, instance_id: int) -> None:
        """Ask the running instance to stop (it polls the registry every second)."""
        with write(self.db):
            self.db.execute(
                "UPDATE service_instances SET stop_requested_at = ? WHERE id = ?",
                [time.time(), instance_id],
            )

    def stop_requested(self, instance_id: int) -> bool:
        """Whether someone asked this instance to stop."""
        row = self.db.execute(
            "SELECT stop_requested_at FROM service_instances WHERE id = ?", [instance_id]
        ).fetchone()
        return bool(row and row[0] is not None)

    def heartbeat(self, instance_id: int, now: float) -> None:
        with write(self.db):
            self.db.execute(
                "UPDATE service_instances SET heartbeat_at = ? WHERE id = ?", [now, instance_id]
            )
