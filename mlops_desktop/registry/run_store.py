"""Training runs: what was trained, on which dataset version, how, and how well."""

from __future__ import annotations

import uuid
from typing import Any

import sqlite_utils

from mlops_desktop.errors import NotFoundError
from mlops_desktop.registry import clock
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import Run, from_row, to_row

RUN_JSON = ("config", "params", "metrics", "library_versions")


class RunStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def create(
        self,
        dataset_version_id: int,
        model_family: str,
        *,
        config: dict,
        seed: int | None,
        job_id: str | None = None,
        parent_model_version_id: int | None = None,
    ) -> Run:
        run_id = "run-" + uuid.uuid4().hex[:8]
        row = to_row(
            {
                "id": run_id,
                "dataset_version_id": dataset_version_id,
                "job_id": job_id,
                "model_family": model_family,
                "status": "running",
                "seed": seed,
                "config": config,
                "parent_model_version_id": parent_model_version_id,
                "created_at": clock.now(),
                "started_at": clock.now(),
            },
            RUN_JSON,
        )
        with write(self.db):
            self.db["runs"].insert(row)
        return self.get(run_id)

    def update(self, run_id: str, **fields: Any) -> Run:
        """Set fields on a run (JSON fields are encoded); return the updated run."""
        row = to_row(fields, RUN_JSON)
        if not row:
            return self.get(run_id)
        assignments = ", ".join(f"{key} = ?" for key in row)
        with write(self.db):
            self.db.execute(f"UPDATE runs SET {assignments} WHERE id = ?", [*row.values(), run_id])
        return self.get(run_id)

    def finish(self, run_id: str, status: str, **fields: Any) -> Run:
        now = clock.now()
        run = self.get(run_id)
        return self.update(
            run_id,
            status=status,
            finished_at=now,
            duration_s=now - (run.started_at or now),
            **fields,
        )

    def get(self, run_id: str) -> Run:
        rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        if not rows:
            raise NotFoundError(f"No run with id {run_id}.").hinted(
                "'mlops-desktop runs' lists the runs."
            )
        return from_row(Run, rows[0])

    def list(
        self, dataset_version_id: int | None = None, status: str | None = None, limit: int = 1000
    ) -> list[Run]:
        clauses, args = [], []
        if dataset_version_id is not None:
            clauses.append("dataset_version_id = ?")
            args.append(dataset_version_id)
        if status is not None:
            clauses.append("status = ?")
            args.append(status)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.query(
            f"SELECT * FROM runs{where} ORDER BY created_at DESC LIMIT ?", [*args, limit]
        )
        return [from_row(Run, r) for r in rows]
