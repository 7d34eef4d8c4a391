"""Performance estimators per model version: which artifact holds the fitted CBPE or DLE."""

from __future__ import annotations

import sqlite_utils

from mlops_desktop.registry import clock
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import StoredEstimator, from_row


class EstimatorStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def get(self, model_version_id: int) -> StoredEstimator | None:
        """The stored estimator of a model version, or None when none was fitted yet."""
        rows = list(
            self.db.query(
                "SELECT * FROM performance_estimators WHERE model_version_id = ?",
                [model_version_id],
            )
        )
        return from_row(StoredEstimator, rows[0]) if rows else None

    def put(
        self,
        model_version_id: int,
        method: str,
        artifact_hash: str,
        dataset_version_id: int,
        holdout_rows: int,
        calibrated: bool,
    ) -> StoredEstimator:
        """Record (or replace) the estimator of a model version."""
        with write(self.db):
            self.db.execute(
                "INSERT OR REPLACE INTO performance_estimators (model_version_id, method,"
                " artifact_hash, dataset_version_id, holdout_rows, calibrated, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    model_version_id,
                    method,
                    artifact_hash,
                    dataset_version_id,
                    holdout_rows,
                    int(calibrated),
                    clock.now(),
                ],
            )
        stored = self.get(model_version_id)
        assert stored is not None
        return stored
