"""Personal data records: each dataset's purpose and legal basis, and column decisions.

Both are append-only. A dataset name's purpose is versioned (1, 2, …: a new row per change, with
who, when and why); a column decision on a dataset version is a new row each time (the latest
per column holds, the earlier ones are its history). Every write is an audit event in the same
transaction.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import sqlite_utils

from mlops_desktop.errors import InputError
from mlops_desktop.registry.audit import AuditLog, os_user
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import from_row

#: GDPR Art. 6(1) legal bases: key → the article's point and words.
LEGAL_BASES: dict[str, str] = {
    "consent": "Art. 6(1)(a) consent",
    "contract": "Art. 6(1)(b) performance of a contract",
    "legal_obligation": "Art. 6(1)(c) legal obligation",
    "vital_interests": "Art. 6(1)(d) vital interests",
    "public_task": "Art. 6(1)(e) public task",
    "legitimate_interests": "Art. 6(1)(f) legitimate interests",
}


@dataclass(frozen=True)
class DatasetPurpose:
    id: int
    dataset_name: str
    version: int
    purpose: str
    legal_basis: str
    reason: str
    created_at: float
    created_by: str


@dataclass(frozen=True)
class ColumnDecision:
    id: int
    dataset_version_id: int
    column_name: str
    personal: int
    reason: str
    decided_at: float
    decided_by: str
    special_category: str | None = None
    suggestion: dict = field(default_factory=dict)


def check_legal_basis(text: str) -> str:
    key = (text or "").strip().lower().replace("-", "_").replace(" ", "_")
    if key not in LEGAL_BASES:
        raise InputError(
            f"'{text}' is not a GDPR Art. 6 legal basis. Use one of: {', '.join(LEGAL_BASES)}."
        )
    return key


def _reason(text: str) -> str:
    if not (text or "").strip():
        raise InputError("Give a reason: it is kept with the record and in the audit trail.")
    return text.strip()


class PersonalDataStore:
    def __init__(self, db: sqlite_utils.Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    # -- purposes ----------------------------------------------------------------------------

    def set_purpose(
        self, dataset_name: str, purpose: str, legal_basis: str, reason: str
    ) -> DatasetPurpose:
        """Record a new version of ``dataset_name``'s purpose and legal basis."""
        basis, why = check_legal_basis(legal_basis), _reason(reason)
        if not (purpose or "").strip():
            raise InputError("Describe the purpose: what the data is processed for.")
        user = os_user()
        with write(self.db):
            previous = self.current_purpose(dataset_name)
            number = previous.version + 1 if previous else 1
            cursor = self.db.execute(
                "INSERT INTO dataset_purposes (dataset_name, version, purpose, legal_basis,"
                " reason, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [dataset_name, number, purpose.strip(), basis, why, time.time(), user],
            )
            details = {"version": number, "purpose": purpose.strip(), "legal_basis": basis}
            if previous is not None:
                details["previous"] = {
                    "purpose": previous.purpose,
                    "legal_basis": previous.legal_basis,
                }
            self.audit.record(
                "pii.purpose", "dataset", dataset_name, details | {"reason": why}, user=user
            )
            row = next(
                self.db.query("SELECT * FROM dataset_purposes WHERE id = ?", [cursor.lastrowid])
            )
        return from_row(DatasetPurpose, row)

    def purposes(self, dataset_name: str) -> list[DatasetPurpose]:
        """Every version of the purpose, oldest first."""
        rows = self.db.query(
            "SELECT * FROM dataset_purposes WHERE dataset_name = ? ORDER BY version",
            [dataset_name],
        )
        return [from_row(DatasetPurpose, r) for r in rows]

    def current_purpose(self, dataset_name: str) -> DatasetPurpose | None:
        rows = list(
            self.db.query(
                "SELECT * FROM dataset_purposes WHERE dataset_name = ?"
                " ORDER BY version DESC LIMIT 1",
                [dataset_name],
            )
        )
        return from_row(DatasetPurpose, rows[0]) if rows else None

    def current_purposes(self) -> dict[str, DatasetPurpose]:
        """The latest purpose of every dataset name that has one."""
        rows = self.db.query(
            "SELECT p.* FROM dataset_purposes p JOIN (SELECT dataset_name, MAX(version) AS v"
            " FROM dataset_purposes GROUP BY dataset_name) m"
            " ON p.dataset_name = m.dataset_name AND p.version = m.v ORDER BY p.dataset_name"
        )
        return {r["dataset_name"]: from_row(DatasetPurpose, r) for r in rows}

    # -- column decisions --------------------------------------------------------------------

    def decide_column(
        self,
        dataset_version_id: int,
        dataset_ref: str,
        column: str,
        *,
        personal: bool,
        special_category: str | None,
        reason: str,
        suggestion: dict,
    ) -> ColumnDecision:
        """Record that ``column`` of a dataset version is (not) personal, with a reason."""
        why, user, now = _reason(reason), os_user(), time.time()
        with write(self.db):
            cursor = self.db.execute(
                "INSERT INTO personal_columns (dataset_version_id, column_name, personal,"
                " special_category, suggestion_json, reason, decided_at, decided_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    dataset_version_id,
                    column,
                    int(bool(personal)),
                    special_category if personal else None,
                    json.dumps(suggestion, sort_keys=True),
                    why,
                    now,
                    user,
                ],
            )
            self.audit.record(
                "pii.column",
                "dataset_version",
                dataset_ref,
                {
                    "column": column,
                    "personal": bool(personal),
                    "special_category": special_category if personal else None,
                    "suggested": suggestion,
                    "reason": why,
                },
                user=user,
            )
            row = next(
                self.db.query("SELECT * FROM personal_columns WHERE id = ?", [cursor.lastrowid])
            )
        return from_row(ColumnDecision, row)

    def decisions(self, dataset_version_id: int) -> list[ColumnDecision]:
        """Every decision on the version's columns, oldest first."""
        rows = self.db.query(
            "SELECT * FROM personal_columns WHERE dataset_version_id = ? ORDER BY id",
            [dataset_version_id],
        )
        return [from_row(ColumnDecision, r) for r in rows]

    def latest_decisions(self, dataset_version_id: int) -> dict[str, ColumnDecision]:
        """The decision that holds for each decided column: ``{column: decision}``."""
        latest: dict[str, ColumnDecision] = {}
        for decision in self.decisions(dataset_version_id):
            latest[decision.column_name] = decision
        return latest
