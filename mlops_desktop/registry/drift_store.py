"""Drift windows: one stored comparison per window of a model's live traffic, kept for good.

``monitoring.engine`` computes them; the table's unique key (model, kind, start) makes a second
monitor's insert of the same window a no-op. Count windows are ordered by id (they follow the
log), time windows by their start.
"""

from __future__ import annotations

import json
import time

import sqlite_utils

from mlops_desktop.errors import NotFoundError
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import DriftWindow, from_row


def _latest(columns: str, kind: str, version: bool) -> str:
    """The query for a model's latest windows with rows, newest first."""
    return (
        f"SELECT {columns} FROM drift_windows WHERE model_name = ? AND window_kind = ?"
        + (" AND model_version_id = ?" if version else "")
        + f" AND n_rows > 0 ORDER BY {'id' if kind == 'count' else 'window_start'} DESC LIMIT ?"
    )


class DriftWindowStore:
    """Writes and reads the ``drift_windows`` table."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def insert(
        self,
        name: str,
        version_id: int | None,
        kind: str,
        start: float,
        end: float,
        n_rows: int,
        *,
        results_json: str,
        drift_share: float | None = None,
        dataset_drift: int | None = None,
        prediction_drift: float | None = None,
        multivariate_auc: float | None = None,
    ) -> DriftWindow | None:
        """Store one window; None when a window of ``name`` and ``kind`` starting at ``start``
        is stored already."""
        with write(self.db):
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO drift_windows (model_name, model_version_id, window_kind,"
                " window_start, window_end, n_rows, drift_share, dataset_drift, prediction_drift,"
                " multivariate_auc, results_json, computed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    name,
                    version_id,
                    kind,
                    float(start),
                    float(end),
                    n_rows,
                    drift_share,
                    dataset_drift,
                    prediction_drift,
                    multivariate_auc,
                    results_json,
                    time.time(),
                ],
            )
        return self.get(cursor.lastrowid) if cursor.rowcount else None

    def get(self, window_id: int) -> DriftWindow:
        rows = list(self.db.query("SELECT * FROM drift_windows WHERE id = ?", [window_id]))
        if not rows:
            raise NotFoundError(f"No drift window with id {window_id}.")
        return from_row(DriftWindow, rows[0])

    def count_window_at(self, name: str, start: float) -> DriftWindow | None:
        """The count window of ``name`` that starts at ``start``, if one is stored."""
        rows = list(
            self.db.query(
                "SELECT * FROM drift_windows WHERE model_name = ? AND window_kind = 'count'"
                " AND window_start = ?",
                [name, float(start)],
            )
        )
        return from_row(DriftWindow, rows[0]) if rows else None

    def last_count_id(self, name: str) -> int:
        """The last prediction id a stored window covers: the next count window starts after it.

        Time windows count too, so switching a model between time and count windows continues
        after its history instead of cutting that traffic again (0 before any window).
        """
        row = self.db.execute(
            "SELECT json_extract(results_json, '$.last_id') FROM drift_windows"
            " WHERE model_name = ? AND window_kind = 'count' ORDER BY id DESC LIMIT 1",
            [name],
        ).fetchone()
        return max(int(row[0] or 0) if row else 0, self.last_id_of(name, "time"))

    def last_id_of(self, name: str, kind: str) -> int:
        """The largest prediction id the windows of ``name`` and ``kind`` cover (0 if none)."""
        row = self.db.execute(
            "SELECT MAX(json_extract(results_json, '$.last_id')) FROM drift_windows"
            " WHERE model_name = ? AND window_kind = ?",
            [name, kind],
        ).fetchone()
        return int(row[0] or 0) if row else 0

    def last_batch_end(self, name: str) -> float:
        """When the latest batch run with a window was published (0 when none has one)."""
        row = self.db.execute(
            "SELECT MAX(window_end) FROM drift_windows WHERE model_name = ? AND window_kind = 'batch'",
            [name],
        ).fetchone()
        return float(row[0] or 0.0)

    def last_time_end(self, name: str) -> float | None:
        """Where the latest stored time window of ``name`` ends (None before the first)."""
        return self.db.execute(
            "SELECT MAX(window_end) FROM drift_windows WHERE model_name = ? AND window_kind = 'time'",
            [name],
        ).fetchone()[0]

    def count(self, name: str, kind: str) -> int:
        """Stored windows of ``name`` and ``kind``, empty ones included."""
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM drift_windows WHERE model_name = ? AND window_kind = ?",
                [name, kind],
            ).fetchone()[0]
        )

    def latest(
        self, name: str, kind: str, limit: int, version_id: int | None = None
    ) -> list[DriftWindow]:
        """The latest ``limit`` windows with rows (of version ``version_id`` when given),
        newest first."""
        args: list = [name, kind] + ([version_id] if version_id is not None else []) + [limit]
        sql = _latest("*", kind, version_id is not None)
        return [from_row(DriftWindow, r) for r in self.db.query(sql, args)]

    def model_names(self) -> list[str]:
        """The models that have drift windows, by name."""
        sql = "SELECT DISTINCT model_name FROM drift_windows ORDER BY model_name"
        return [row[0] for row in self.db.execute(sql).fetchall()]

    def latest_shares(
        self, name: str, kind: str, limit: int
    ) -> list[tuple[float | None, int | None]]:
        """``(drift_share, dataset_drift)`` of the latest ``limit`` windows with rows, newest
        first (without reading their results)."""
        sql = _latest("drift_share, dataset_drift", kind, False)
        return self.db.execute(sql, [name, kind, limit]).fetchall()

    def latest_share_rows(
        self, name: str, kind: str, limit: int
    ) -> list[tuple[float | None, int | None, float, tuple[str, ...]]]:
        """``(drift_share, dataset_drift, window_end, drifted_columns)`` of the latest ``limit``
        windows with rows, newest first (the meeting board's chart, its time axis and the
        drifted feature it marks)."""
        columns = "drift_share, dataset_drift, window_end,"
        columns += " json_extract(results_json, '$.drifted_columns')"
        rows = self.db.execute(_latest(columns, kind, False), [name, kind, limit]).fetchall()
        return [(*row[:3], tuple(json.loads(row[3]) if row[3] else ())) for row in rows]

    def after(self, name: str, kind: str, after_id: int) -> list[DriftWindow]:
        """The windows of ``name`` and ``kind`` stored after id ``after_id``, in no order."""
        return [
            from_row(DriftWindow, r)
            for r in self.db.query(
                "SELECT * FROM drift_windows WHERE model_name = ? AND window_kind = ? AND id > ?",
                [name, kind, after_id],
            )
        ]
