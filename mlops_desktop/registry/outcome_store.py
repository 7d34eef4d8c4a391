"""Outcomes: the real labels that arrive after the predictions, and their join with the log.

An outcome names its prediction by request id, or by entity key (then it belongs to the latest
prediction for that entity made at or before the outcome was observed). The joins return plain
tuples, ``(outcome id, label_json, received_at, prediction id, ts, model_version_id, arm,
outputs_json)``: realized performance reads every labelled row of a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils

from mlops_desktop.registry.db import write

_INSERT = (
    "INSERT INTO outcomes (model_name, request_id, entity_key, label_json, observed_at,"
    " received_at, source) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_BY_REQUEST = (
    "SELECT o.id, o.label_json, o.received_at, p.id, p.ts, p.model_version_id, p.arm,"
    " p.outputs_json FROM outcomes o JOIN predictions p ON p.request_id = o.request_id"
    " WHERE o.model_name = ? AND o.request_id IS NOT NULL AND p.model_name = o.model_name"
    " AND p.status = 200 AND p.arm IN ({arms})"
)
_BY_ENTITY = (
    "SELECT o.id, o.label_json, o.received_at, p.id, p.ts, p.model_version_id, p.arm,"
    " p.outputs_json FROM outcomes o JOIN predictions p ON p.entity_key = o.entity_key"
    " WHERE o.model_name = ? AND o.request_id IS NULL AND p.model_name = o.model_name"
    " AND p.status = 200 AND p.arm IN ({arms})"
    " AND p.ts <= COALESCE(o.observed_at, o.received_at)"
)
_UNMATCHED = (
    "SELECT COALESCE(o.request_id, o.entity_key) FROM outcomes o WHERE o.model_name = ?"
    " AND NOT EXISTS (SELECT 1 FROM predictions p WHERE"
    " (o.request_id IS NOT NULL AND p.request_id = o.request_id AND p.model_name = ?)"
    " OR (o.request_id IS NULL AND p.entity_key = o.entity_key AND p.model_name = ?))"
)

Row = tuple[Any, ...]


class OutcomeStore:
    """Writes the ``outcomes`` table and joins it with ``predictions``."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def insert_many(self, rows: Sequence[Row]) -> None:
        """Store outcomes given as ``(model_name, request_id, entity_key, label_json,
        observed_at, received_at, source)`` in one write."""
        with write(self.db):
            self.db.conn.executemany(_INSERT, rows)

    def count_before(self, ts: float) -> int:
        """Outcomes received before ``ts``."""
        return int(
            self.db.execute("SELECT COUNT(*) FROM outcomes WHERE received_at < ?", [ts]).fetchone()[
                0
            ]
        )

    def delete_before(self, ts: float) -> int:
        """Delete the outcomes received before ``ts``; return how many."""
        with write(self.db):
            return self.db.execute("DELETE FROM outcomes WHERE received_at < ?", [ts]).rowcount

    def join_state(self, name: str) -> tuple[int | None, int | None]:
        """The newest outcome id of ``name`` and the newest prediction id: the join's result
        changes only when one of them does."""
        row = self.db.execute(
            "SELECT (SELECT MAX(id) FROM outcomes WHERE model_name = ?),"
            " (SELECT MAX(id) FROM predictions)",
            [name],
        ).fetchone()
        return row[0], row[1]

    def labelled_by_request(self, name: str, arms: Sequence[str]) -> list[Row]:
        """Outcomes joined with the successful predictions of ``arms`` with their request id."""
        marks = ",".join("?" * len(arms))
        return self.db.execute(_BY_REQUEST.format(arms=marks), [name, *arms]).fetchall()

    def labelled_by_entity(self, name: str, arms: Sequence[str]) -> list[Row]:
        """Outcomes joined with every earlier successful prediction of their entity key (the
        caller keeps the latest per outcome)."""
        marks = ",".join("?" * len(arms))
        return self.db.execute(_BY_ENTITY.format(arms=marks), [name, *arms]).fetchall()

    def unmatched(self, name: str, limit: int) -> tuple[int, list[str]]:
        """How many outcomes of ``name`` match no logged prediction, and up to ``limit`` of
        their keys."""
        count = self.db.execute(f"SELECT COUNT(*) FROM ({_UNMATCHED})", [name] * 3).fetchone()[0]
        examples = [r[0] for r in self.db.execute(_UNMATCHED + f" LIMIT {int(limit)}", [name] * 3)]
        return int(count), examples
