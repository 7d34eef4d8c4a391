"""The prediction log: one ``predictions`` row per request (or batch run, or batch chunk), written
in batches.

The scoring service appends rows in ``INSERT`` order from its own writer thread and connection
(``serving.predlog``); monitoring reads them back in bulk. Bulk reads return plain tuples in the
column order their docstring names: windows read tens of thousands of rows, and a dataclass per
row would cost more than the figures computed from them.

Rows of the live arm that the drift windows read: ``(id, ts, model_version_id, inputs_json,
outputs_json, latency_ms)``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from mlops_desktop.registry.db import connect, write
from mlops_desktop.registry.entities import Prediction, from_row
from mlops_desktop.registry.prediction_text import (
    QUARANTINE_TEXT_CAP,
    Row,
    ascii_text,
    payload_json,
    row_text,
)

#: The log's row format: a tuple of these twelve values, inputs and outputs as JSON text.
INSERT = (
    "INSERT INTO predictions (request_id, ts, model_name, model_version_id, arm, protocol,"
    " entity_key, inputs_json, outputs_json, latency_ms, status, error)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_WINDOW_COLUMNS = (
    "SELECT id, ts, model_version_id, inputs_json, outputs_json, latency_ms FROM predictions"
)
_CHUNK = 500
_DELETE_CHUNK = 5000
_OLD = {
    "predictions": "SELECT {} FROM predictions WHERE ts < ?",
    "prediction_quarantine": "SELECT {} FROM prediction_quarantine WHERE quarantined_at < ?",
}
_OLDEST = " ORDER BY id LIMIT ?"
# What one row's values can cause (text SQLite cannot encode, a value it cannot bind, a
# constraint); a locked or full database (OperationalError) is not the row's fault.
_ROW_FAULTS = (
    ValueError,  # UnicodeEncodeError of a lone surrogate is one
    TypeError,
    OverflowError,
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
)


class PredictionStore:
    """Writes and reads the ``predictions`` table."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    @classmethod
    def connect(cls, path: Path | str) -> PredictionStore:
        """A store on its own connection (a writer thread's); ``close`` it when done."""
        return cls(connect(path))

    def close(self) -> None:
        self.db.close()

    # -- writing -----------------------------------------------------------------------------

    def insert_many(self, rows: Sequence[Row]) -> None:
        """Insert rows in ``INSERT`` order (inputs and outputs already JSON) in one write."""
        with write(self.db):
            self.db.conn.executemany(INSERT, rows)

    def insert_each(self, rows: Sequence[Row]) -> tuple[list[tuple[Row, str]], int]:
        """Insert rows one by one: ``(rows that could not be written with the reason, rows
        tried)``. Rows tried stop short of ``len(rows)`` when the database itself failed
        (locked, disk full): the rest are not at fault and are for a later try."""
        refused: list[tuple[Row, str]] = []
        for tried, row in enumerate(rows):
            try:
                with write(self.db):
                    self.db.conn.execute(INSERT, row)
            except sqlite3.OperationalError:
                return refused, tried
            except _ROW_FAULTS as exc:
                refused.append((row, f"{type(exc).__name__}: {exc}"))
        return refused, len(rows)

    def quarantine(self, rows: Sequence[tuple[Row, str]]) -> None:
        """Keep rows that could not be logged, ASCII-escaped, with the reason each failed."""
        now = time.time()
        records = [
            (
                row[1] if isinstance(row[1], (int, float)) else None,
                now,
                ascii_text(row[0]),
                ascii_text(row[2]),
                ascii_text(reason)[:QUARANTINE_TEXT_CAP],
                row_text(row),
            )
            for row, reason in rows
        ]
        with write(self.db):
            self.db.conn.executemany(
                "INSERT INTO prediction_quarantine (ts, quarantined_at, request_id, model_name,"
                " reason, row_json) VALUES (?, ?, ?, ?, ?, ?)",
                records,
            )

    def quarantined(self, limit: int = 100) -> list[Row]:
        """The latest quarantined rows, newest first: ``(request_id, model_name, reason,
        row_json)``."""
        return self.db.execute(
            "SELECT request_id, model_name, reason, row_json FROM prediction_quarantine"
            " ORDER BY id DESC LIMIT ?",
            [limit],
        ).fetchall()

    # -- retention ---------------------------------------------------------------------------

    def count_before(self, ts: float, table: str = "predictions") -> int:
        """Rows of ``table`` (``predictions`` or ``prediction_quarantine``) older than ``ts``."""
        return int(self.db.execute(_OLD[table].format("COUNT(*)"), [ts]).fetchone()[0])

    def delete_before(self, ts: float, table: str = "predictions", limit: int | None = None) -> int:
        """Delete rows of ``table`` older than ``ts`` (at most ``limit``, the oldest first), in
        short writes so the log's writer is never held up for long; return how many."""
        deleted = 0
        while limit is None or deleted < limit:
            chunk = _DELETE_CHUNK if limit is None else min(_DELETE_CHUNK, limit - deleted)
            ids = [r[0] for r in self.db.execute(_OLD[table].format("id") + _OLDEST, [ts, chunk])]
            if not ids:
                break
            with write(self.db):
                self.db.execute(
                    f"DELETE FROM {table} WHERE id IN ({','.join('?' * len(ids))})", ids
                )
            deleted += len(ids)
        return deleted

    def total(self) -> int:
        """Rows in the log."""
        return int(self.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0])

    def add(
        self,
        request_id: str,
        ts: float,
        model_name: str,
        version_id: int | None,
        arm: str,
        protocol: str,
        inputs: Any,
        outputs: Any,
        latency_ms: float | None,
        status: int,
        error: str | None = None,
        entity_key: str | None = None,
    ) -> None:
        """Insert one row, encoding ``inputs`` and ``outputs``."""
        self.insert_many(
            [
                (
                    request_id,
                    ts,
                    model_name,
                    version_id,
                    arm,
                    protocol,
                    entity_key,
                    payload_json(inputs),
                    payload_json(outputs),
                    latency_ms,
                    status,
                    error,
                )
            ]
        )

    # -- counts ------------------------------------------------------------------------------

    def count(self, name: str) -> int:
        """Rows logged for ``name`` (every arm and status)."""
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM predictions WHERE model_name = ?", [name]
            ).fetchone()[0]
        )

    def served_since(self, name: str, since: float) -> int:
        """Requests the live and canary arms answered (or refused) since ``since``."""
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM predictions WHERE model_name = ? AND ts >= ?"
                " AND arm IN ('live', 'canary')",
                [name, since],
            ).fetchone()[0]
        )

    def last_ts(self, name: str) -> float | None:
        return self.db.execute(
            "SELECT MAX(ts) FROM predictions WHERE model_name = ?", [name]
        ).fetchone()[0]

    def first_live_ts(self, name: str, after_id: int = 0) -> float | None:
        """When the first live request of ``name`` after id ``after_id`` arrived."""
        return self.db.execute(
            "SELECT MIN(ts) FROM predictions WHERE model_name = ? AND arm = 'live' AND id > ?",
            [name, after_id],
        ).fetchone()[0]

    # -- the Deploy page and the alert signals ----------------------------------------------

    def arm_rows(self, name: str, since: float, limit: int) -> list[Row]:
        """The latest ``limit`` rows since ``since``, newest first:
        ``(arm, model_version_id, status, latency_ms, outputs_json)``."""
        return self.db.execute(
            "SELECT arm, model_version_id, status, latency_ms, outputs_json FROM predictions"
            " WHERE model_name = ? AND ts >= ? AND protocol != 'batch-rows'"
            " ORDER BY ts DESC LIMIT ?",
            [name, since, limit],
        ).fetchall()

    def shadow_pairs(self, name: str, since: float, limit: int) -> list[Row]:
        """Successful shadow answers with live's answer to the same request, newest first:
        ``(live outputs_json, shadow outputs_json, live version id, shadow version id)``."""
        return self.db.execute(
            "SELECT l.outputs_json, s.outputs_json, l.model_version_id, s.model_version_id"
            " FROM predictions s JOIN predictions l ON l.request_id = s.request_id"
            " AND l.model_name = s.model_name AND l.arm = 'live' AND l.status = 200"
            " WHERE s.model_name = ? AND s.arm = 'shadow' AND s.status = 200 AND s.ts >= ?"
            " ORDER BY s.ts DESC LIMIT ?",
            [name, since, limit],
        ).fetchall()

    def served_between(self, name: str, since: float, until: float) -> list[Row]:
        """``(status, latency_ms)`` of the live and canary requests in ``[since, until]``."""
        return self.db.execute(
            "SELECT status, latency_ms FROM predictions WHERE model_name = ? AND ts >= ?"
            " AND ts <= ? AND arm IN ('live', 'canary')",
            [name, since, until],
        ).fetchall()

    def latest_batch(self, name: str) -> Prediction | None:
        """The summary row of the latest batch scoring run of ``name`` (arm ``batch``; its
        scored rows' chunks are ``batch_row_store``'s)."""
        rows = list(
            self.db.query(
                "SELECT * FROM predictions WHERE model_name = ? AND arm = 'batch'"
                " AND protocol != 'batch-rows' ORDER BY ts DESC LIMIT 1",
                [name],
            )
        )
        return from_row(Prediction, rows[0]) if rows else None

    def by_request(self, request_id: str) -> list[Prediction]:
        """Every row logged for ``request_id`` (live, canary, shadow or batch), oldest first."""
        rows = self.db.query(
            "SELECT * FROM predictions WHERE request_id = ? ORDER BY id", [request_id]
        )
        return [from_row(Prediction, row) for row in rows]

    def recent_decisions(self, limit: int = 50, model_name: str | None = None) -> list[Row]:
        """The latest answered requests (of ``model_name`` when given), newest first:
        ``(request_id, ts, model_name, model_version_id, arm)``."""
        only = " AND model_name = ?" if model_name is not None else ""
        return self.db.execute(
            "SELECT request_id, ts, model_name, model_version_id, arm FROM predictions"
            f" WHERE status = 200 AND arm != 'batch' AND model_version_id IS NOT NULL{only}"
            " ORDER BY id DESC LIMIT ?",
            [*([model_name] if model_name is not None else []), limit],
        ).fetchall()

    def inputs_of(self, ids: Sequence[int]) -> dict[int, str]:
        """``{id: inputs_json}`` of the given rows."""
        return self._column_of(ids, "inputs_json")

    def entity_keys_of(self, ids: Sequence[int]) -> dict[int, str | None]:
        """``{id: entity_key}`` of the given rows (None where the request sent none)."""
        return self._column_of(ids, "entity_key")

    def _column_of(self, ids: Sequence[int], column: str) -> dict[int, Any]:
        values: dict[int, Any] = {}
        for i in range(0, len(ids), _CHUNK):
            part = list(ids[i : i + _CHUNK])
            values.update(
                self.db.execute(
                    f"SELECT id, {column} FROM predictions"
                    f" WHERE id IN ({','.join('?' * len(part))})",
                    part,
                ).fetchall()
            )
        return values

    def existing_keys(self, name: str, keys: Sequence[str], column: str) -> set[str]:
        """Which of ``keys`` some logged row of ``name`` carries in ``column``
        (``request_id`` or ``entity_key``)."""
        if column not in ("request_id", "entity_key"):
            raise ValueError(f"{column!r} is not a key column")
        found: set[str] = set()
        for i in range(0, len(keys), _CHUNK):
            part = list(keys[i : i + _CHUNK])
            marks = ",".join("?" * len(part))
            found.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT DISTINCT {column} FROM predictions WHERE {column} IN ({marks})"
                    " AND model_name = ?",
                    [*part, name],
                )
            )
        return found

    # -- drift windows -----------------------------------------------------------------------

    def live_ok_after(self, after_id: int, name: str, limit: int) -> list[Row]:
        """The next ``limit`` successful live rows after id ``after_id``, in id order.

        A rowid range scan: the unary + keeps SQLite off the model_name index, which would read
        and sort every row of the model.
        """
        return self.db.execute(
            _WINDOW_COLUMNS + " WHERE id > ? AND +model_name = ? AND arm = 'live' AND status = 200"
            " ORDER BY id LIMIT ?",
            [after_id, name, limit],
        ).fetchall()

    def live_ok_between(self, name: str, start: float, end: float) -> list[Row]:
        """Successful live rows with ``start <= ts < end``, in id order (the time index)."""
        return self.db.execute(
            _WINDOW_COLUMNS
            + " WHERE model_name = ? AND arm = 'live' AND status = 200 AND ts >= ? AND ts < ?"
            " ORDER BY id",
            [name, start, end],
        ).fetchall()

    def live_failures_by_id(self, name: str, first_id: int, last_id: int) -> tuple[int, int]:
        """Failed live requests with ids in ``[first_id, last_id]``: (all, status >= 500)."""
        return self._failures("id BETWEEN ? AND ? AND +model_name = ?", [first_id, last_id, name])

    def live_failures_between(self, name: str, start: float, end: float) -> tuple[int, int]:
        """Failed live requests with ``start <= ts < end``: (all, status >= 500)."""
        return self._failures("ts >= ? AND ts < ? AND model_name = ?", [start, end, name])

    def _failures(self, where: str, args: list) -> tuple[int, int]:
        row = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(status >= 500), 0) FROM predictions"
            f" WHERE {where} AND arm = 'live' AND status != 200",
            args,
        ).fetchone()
        return int(row[0]), int(row[1])

    def live_buckets(self, name: str, start: float, step: float, end: float) -> list[Row]:
        """``(bucket, requests)`` of the live arm per ``step`` seconds from ``start`` until
        ``end`` (buckets without requests left out), in order."""
        return self.db.execute(
            "SELECT CAST((ts - ?) / ? AS INTEGER) AS b, COUNT(*) FROM predictions"
            " WHERE model_name = ? AND arm = 'live' AND ts >= ? AND ts < ? GROUP BY b ORDER BY b",
            [start, step, name, start, end],
        ).fetchall()

    def live_ok_count_after(self, after_id: int, name: str) -> int:
        """Successful live requests after id ``after_id`` (not yet in a count window)."""
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM predictions WHERE id > ? AND +model_name = ? AND arm = 'live'"
                " AND status = 200",
                [after_id, name],
            ).fetchone()[0]
        )

    def live_tail_after(self, after_id: int, name: str, cap: int) -> list[Row]:
        """The latest ``cap`` live rows after id ``after_id``, newest first:
        ``(ts, status, latency_ms, rows in the request)``."""
        return self._tail("id > ? AND +model_name = ?", [after_id, name], cap)

    def live_tail_since(self, name: str, start: float, cap: int) -> list[Row]:
        """The latest ``cap`` live rows with ``ts >= start``, as :meth:`live_tail_after`."""
        return self._tail("model_name = ? AND ts >= ?", [name, start], cap)

    def _tail(self, where: str, args: list, cap: int) -> list[Row]:
        return self.db.execute(
            "SELECT ts, status, latency_ms, json_array_length(inputs_json, '$.data') FROM"
            f" predictions WHERE {where} AND arm = 'live' ORDER BY id DESC LIMIT {int(cap)}",
            args,
        ).fetchall()
