"""The SQL of erasure (GDPR Art. 17): finding a person's rows, removing them, and the records.

Tables (migration 5): ``erasures`` (one per request: key column, salted hash of the value, reason,
counts), ``superseded_datasets`` (old dataset version -> the version rewritten without the rows),
``erased_training`` (model versions trained on a version that lost rows). Finders match text
with ``instr`` (exact, case-sensitive); the caller decides in Python what really matches.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from mlops_desktop.registry.db import write

_CHUNK = 500
#: Tables the text sweep never rewrites: the audit chain (rewriting it would break it) and the
#: erasure records themselves (they hold no value, only its salted hash).
SWEEP_SKIPS = frozenset(
    {
        "audit_events",
        "erasures",
        "superseded_datasets",
        "erased_training",
        "erasure_leftovers",
        "schema_migrations",
    }
)
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Superseded:
    dataset_version_id: int
    superseded_by_id: int | None
    erasure_id: int
    rows_removed: int
    old_artifact_hash: str


@dataclass(frozen=True)
class ErasedTraining:
    """A model version trained on a dataset version that later lost rows to an erasure."""

    model_version_id: int
    model_ref: str
    dataset_version_id: int
    erasure_id: int
    erased_at: float


def _instr(column: str, texts: Sequence[str]) -> tuple[str, list[str]]:
    return "(" + " OR ".join(f"instr({column}, ?) > 0" for _ in texts) + ")", list(texts)


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


class ErasureStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -- the prediction log, quarantine and outcomes -------------------------------------------

    def predictions_with(self, texts: Sequence[str], entity_key: str) -> list[Row]:
        """``(id, request_id, entity_key, inputs_json, outputs_json, error)`` of the rows whose
        entity key is ``entity_key`` or whose inputs, outputs or error hold one of ``texts``."""
        parts = [_instr(c, texts) for c in ("inputs_json", "outputs_json", "error")]
        where = " OR ".join(p[0] for p in parts)
        args = [a for p in parts for a in p[1]]
        return self.db.execute(
            "SELECT id, request_id, entity_key, inputs_json, outputs_json, error FROM predictions"
            f" WHERE entity_key = ? OR {where}",
            [entity_key, *args],
        ).fetchall()

    def delete_predictions(self, ids: Sequence[int]) -> int:
        return self._delete("predictions", "id", ids)

    def rewrite_predictions(self, rows: Iterable[tuple[str | None, str | None, str | None, int]]):
        """Set ``(inputs_json, outputs_json, error)`` of row ``id``."""
        self.db.conn.executemany(
            "UPDATE predictions SET inputs_json = ?, outputs_json = ?, error = ? WHERE id = ?",
            list(rows),
        )

    def quarantine_with(self, texts: Sequence[str]) -> list[int]:
        where, args = _instr("row_json", texts)
        where2, args2 = _instr("request_id", texts)
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT id FROM prediction_quarantine WHERE {where} OR {where2}", args + args2
            )
        ]

    def delete_quarantine(self, ids: Sequence[int]) -> int:
        return self._delete("prediction_quarantine", "id", ids)

    def outcomes_of(self, request_ids: Sequence[str], entity_key: str) -> list[int]:
        """Ids of the outcomes naming one of ``request_ids`` or the entity key."""
        found = {
            r[0]
            for r in self.db.execute("SELECT id FROM outcomes WHERE entity_key = ?", [entity_key])
        }
        for i in range(0, len(request_ids), _CHUNK):
            part = list(request_ids[i : i + _CHUNK])
            found.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT id FROM outcomes WHERE request_id IN ({_marks(part)})", part
                )
            )
        return sorted(found)

    def outcome_labels(self, request_ids: Sequence[str]) -> list[tuple[int, str, str]]:
        """``(id, request_id, label_json)`` of the outcomes of ``request_ids``."""
        found: list[tuple[int, str, str]] = []
        for i in range(0, len(request_ids), _CHUNK):
            part = list(request_ids[i : i + _CHUNK])
            found += self.db.execute(
                "SELECT id, request_id, label_json FROM outcomes"
                f" WHERE request_id IN ({_marks(part)})",
                part,
            ).fetchall()
        return found

    def set_outcome_labels(self, rows: Sequence[tuple[str, int]]) -> None:
        self.db.conn.executemany("UPDATE outcomes SET label_json = ? WHERE id = ?", list(rows))

    def delete_outcomes(self, ids: Sequence[int]) -> int:
        return self._delete("outcomes", "id", ids)

    def batch_files(self) -> list[tuple[int, str]]:
        """``(prediction id, outputs_json)`` of the batch scoring records."""
        return self.db.execute(
            "SELECT id, outputs_json FROM predictions WHERE arm = 'batch' AND outputs_json"
            " IS NOT NULL AND protocol != 'batch-rows'"
        ).fetchall()

    def drift_reports(self) -> list[tuple[int, str]]:
        """``(window id, results_json)`` of the drift windows with a stored detail report."""
        return self.db.execute(
            "SELECT id, results_json FROM drift_windows"
            " WHERE json_extract(results_json, '$.report') IS NOT NULL"
        ).fetchall()

    def model_files(self) -> list[tuple[int, str, str]]:
        """``(model version id, name@N, artifact hash)`` of every model version."""
        return self.db.execute(
            "SELECT id, name || '@' || number, artifact_hash FROM model_versions ORDER BY id"
        ).fetchall()

    def _delete(self, table: str, column: str, ids: Sequence[Any]) -> int:
        deleted = 0
        for i in range(0, len(ids), _CHUNK):
            part = list(ids[i : i + _CHUNK])
            deleted += self.db.execute(
                f"DELETE FROM {table} WHERE {column} IN ({_marks(part)})", part
            ).rowcount
        return deleted

    # -- every other text in the registry ------------------------------------------------------

    def text_columns(self) -> list[tuple[str, str]]:
        """``(table, column)`` of every TEXT column outside ``SWEEP_SKIPS``."""
        out = []
        for table in self.db.table_names():
            if table in SWEEP_SKIPS or table.startswith("sqlite_"):
                continue
            for column in self.db.execute(f"PRAGMA table_info({table})").fetchall():
                if (column[2] or "").upper() == "TEXT":
                    out.append((table, column[1]))
        return out

    def texts_with(self, table: str, column: str, texts: Sequence[str]) -> list[tuple[int, str]]:
        """``(rowid, text)`` of the rows of ``table`` whose ``column`` holds one of ``texts``."""
        where, args = _instr(column, texts)
        return self.db.execute(
            f"SELECT rowid, {column} FROM {table} WHERE {where}", args
        ).fetchall()

    def set_texts(self, table: str, column: str, rows: Sequence[tuple[str, int]]) -> None:
        self.db.conn.executemany(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", list(rows))

    def audit_events_with(self, texts: Sequence[str]) -> list[int]:
        """Ids of audit events holding one of ``texts`` (they cannot be rewritten)."""
        parts = [_instr(c, texts) for c in ("details_json", "object_ref")]
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT id FROM audit_events WHERE {parts[0][0]} OR {parts[1][0]}",
                parts[0][1] + parts[1][1],
            )
        ]

    # -- the records ---------------------------------------------------------------------------

    def add(self, key_column: str, value_hash: str, reason: str, counts: dict, user: str) -> int:
        cursor = self.db.execute(
            "INSERT INTO erasures (key_column, value_hash, reason, counts_json, created_at,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?)",
            [key_column, value_hash, reason, json.dumps(counts, sort_keys=True), time.time(), user],
        )
        return int(cursor.lastrowid)

    def set_counts(self, erasure_id: int, counts: dict) -> None:
        self.db.execute(
            "UPDATE erasures SET counts_json = ? WHERE id = ?",
            [json.dumps(counts, sort_keys=True), erasure_id],
        )

    def supersede(
        self, old_id: int, new_id: int | None, erasure_id: int, removed: int, old_hash: str
    ):
        self.db.execute(
            "INSERT INTO superseded_datasets (dataset_version_id, superseded_by_id, erasure_id,"
            " rows_removed, old_artifact_hash) VALUES (?, ?, ?, ?, ?)",
            [old_id, new_id, erasure_id, removed, old_hash],
        )

    def flag_models(self, dataset_version_ids: Sequence[int], erasure_id: int) -> list[int]:
        """Flag the model versions trained on ``dataset_version_ids``; return their ids."""
        if not dataset_version_ids:
            return []
        marks = _marks(dataset_version_ids)
        rows = self.db.execute(
            "SELECT m.id, r.dataset_version_id FROM model_versions m JOIN runs r ON r.id = m.run_id"
            f" WHERE r.dataset_version_id IN ({marks})",
            list(dataset_version_ids),
        ).fetchall()
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO erased_training (model_version_id, erasure_id,"
            " dataset_version_id) VALUES (?, ?, ?)",
            [(m, erasure_id, d) for m, d in rows],
        )
        return [m for m, _ in rows]

    def superseded(self) -> dict[int, Superseded]:
        """Every superseded dataset version by id."""
        return {
            r["dataset_version_id"]: Superseded(**r)
            for r in self.db.query("SELECT * FROM superseded_datasets")
        }

    def superseded_artifacts(self) -> set[str]:
        """Artifacts of superseded versions that no live version still uses."""
        return {
            r[0]
            for r in self.db.execute(
                "SELECT old_artifact_hash FROM superseded_datasets WHERE old_artifact_hash NOT IN"
                " (SELECT artifact_hash FROM dataset_versions WHERE id NOT IN"
                " (SELECT dataset_version_id FROM superseded_datasets))"
            )
        }

    def add_leftovers(self, erasure_id: int, digests: Iterable[str]) -> None:
        """Artifacts to delete once the erasure's transaction committed (kept until deleted,
        so a crash in between is finished by the next erasure)."""
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO erasure_leftovers (digest, erasure_id) VALUES (?, ?)",
            [(d, erasure_id) for d in digests],
        )

    def leftovers(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT digest FROM erasure_leftovers")]

    def clear_leftovers(self, digests: Sequence[str]) -> None:
        with write(self.db):
            self._delete("erasure_leftovers", "digest", digests)

    def erased_training(self) -> list[ErasedTraining]:
        """Model versions trained on erased data, oldest flag first."""
        rows = self.db.execute(
            "SELECT e.model_version_id, m.name || '@' || m.number, e.dataset_version_id,"
            " e.erasure_id, x.created_at FROM erased_training e"
            " JOIN model_versions m ON m.id = e.model_version_id"
            " JOIN erasures x ON x.id = e.erasure_id ORDER BY e.erasure_id, m.id"
        ).fetchall()
        return [ErasedTraining(*r) for r in rows]

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM erasures").fetchone()[0])

    def checkpoint(self) -> None:
        """Fold the WAL into the database file and empty it (erased pages leave the WAL)."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def secure_delete(self, on: bool) -> None:
        """Zero deleted content in the database file (``PRAGMA secure_delete``)."""
        self.db.execute(f"PRAGMA secure_delete = {'ON' if on else 'OFF'}")

    def transaction(self):
        return write(self.db)
