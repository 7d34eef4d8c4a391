"""Job records: the registry's view of background work (queued → running → an end state)."""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import sqlite_utils

from mlops_desktop.errors import NotFoundError
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import Job, from_row
from mlops_desktop.registry.processes import owner_alive, pid_alive

__all__ = ["END_STATES", "JobStore", "new_job_id", "pid_alive"]

END_STATES = ("succeeded", "failed", "cancelled", "interrupted")


def new_job_id() -> str:
    return uuid.uuid4().hex[:12]


class JobStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def create(
        self,
        kind: str,
        title: str,
        params: dict[str, Any] | None = None,
        owner_pid: int | None = None,
        job_id: str | None = None,
    ) -> Job:
        job_id = job_id or new_job_id()
        with write(self.db):
            self.db["jobs"].insert(
                {
                    "id": job_id,
                    "kind": kind,
                    "title": title,
                    "status": "queued",
                    "params_json": json.dumps(params or {}, default=str),
                    "owner_pid": owner_pid or os.getpid(),
                    "created_at": time.time(),
                }
            )
        return self.get(job_id)

    def get(self, job_id: str) -> Job:
        rows = list(self.db.query("SELECT * FROM jobs WHERE id = ?", [job_id]))
        if not rows:
            raise NotFoundError(f"No job with id {job_id}.")
        return from_row(Job, rows[0])

    def list(
        self, limit: int = 200, statuses: tuple[str, ...] | None = None, kind: str | None = None
    ) -> list[Job]:
        """Jobs, newest first (in ``statuses`` and of ``kind`` when given)."""
        where, args = [], []
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if statuses:
            where.append(f"status IN ({','.join('?' * len(statuses))})")
            args.extend(statuses)
        sql = "SELECT * FROM jobs" + (f" WHERE {' AND '.join(where)}" if where else "")
        sql += " ORDER BY created_at DESC LIMIT ?"
        args.append(limit)
        return [from_row(Job, r) for r in self.db.query(sql, args)]

    def mark_running(self, job_id: str, worker_pid: int) -> None:
        with write(self.db):
            self.db.execute(
                "UPDATE jobs SET status = 'running', worker_pid = ?, started_at = ?"
                " WHERE id = ? AND status = 'queued'",
                [worker_pid, time.time(), job_id],
            )

    def update_progress(
        self, job_id: str, progress: float, message: str, log_lines: list[str] | None = None
    ) -> None:
        """Record progress and append any new log lines in one write."""
        appended = "".join(f"{line}\n" for line in log_lines or [])
        with write(self.db):
            self.db.execute(
                "UPDATE jobs SET progress = ?, message = ?, log = log || ?"
                " WHERE id = ? AND status = 'running'",
                [progress, message, appended, job_id],
            )

    def request_cancel(self, job_id: str) -> None:
        with write(self.db):
            self.db.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", [job_id])

    def finish(
        self,
        job_id: str,
        status: str,
        *,
        result: Any = None,
        error: str | None = None,
        error_details: str | None = None,
        message: str | None = None,
    ) -> Job:
        if status not in END_STATES:
            raise ValueError(f"{status!r} is not an end state")
        now = time.time()
        with write(self.db):
            self.db.execute(
                "UPDATE jobs SET status = ?, result_json = ?, error = ?, error_details = ?,"
                " finished_at = ?,"
                " progress = CASE WHEN ? = 'succeeded' THEN 1.0 ELSE progress END,"
                " message = COALESCE(?, message) WHERE id = ?",
                [
                    status,
                    json.dumps(result, default=str) if result is not None else None,
                    error,
                    error_details,
                    now,
                    status,
                    message,
                    job_id,
                ],
            )
            if status != "succeeded":
                # A run whose job ended without finishing it (worker killed, app crashed) ends too.
                self.db.execute(
                    "UPDATE runs SET status = ?, error = COALESCE(error, ?), finished_at = ?"
                    " WHERE job_id = ? AND status IN ('queued', 'running')",
                    [status, error or message, now, job_id],
                )
        return self.get(job_id)

    def mark_interrupted(self) -> list[Job]:
        """Jobs whose owning process is gone (the app or a command crashed or was killed, or
        its process id now belongs to a later process): mark them, and their runs, interrupted."""
        stale = [
            job
            for job in self.list(limit=10_000, statuses=("queued", "running"))
            if not owner_alive(job.owner_pid, job.created_at)
        ]
        for job in stale:
            self.finish(
                job.id,
                "interrupted",
                error=(
                    "The app or command that ran it was killed or crashed: it stopped "
                    "while this job was running."
                ),
                message="Interrupted",
            )
        return stale
