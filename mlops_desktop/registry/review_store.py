"""Human review: the rules that pick decisions for a person, and the queue of those decisions.

A rule set per model (a score band, a random share, a slice ``COLUMN=VALUE``) is read by the
scoring service, which queues the decisions it matches. A queued review names its request id
(and row within the request), the model version, the AI's suggestion and, once a person has
decided, the final outcome, who decided and why. It holds no copy of the inputs: the personal
data stays in the prediction log, reached by the request id. Every change to the rules, every
decision and every contest is in the audit trail, which names the review by its id only: the
request id and the reasons and contest texts (which may speak of the person) live in the review
row, so erasing a person's requests (``erase_requests``) leaves nothing of them in the trail.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.registry.audit import AuditLog, os_user
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import from_row

PENDING, ACCEPTED, OVERRIDDEN = "pending", "accepted", "overridden"
STATUSES = (PENDING, ACCEPTED, OVERRIDDEN)

#: What the scoring service queues: ``(request_id, row_index, model_name, model_version,
#: trigger, score, suggestion_json, created_at)``.
QUEUE_INSERT = (
    "INSERT OR IGNORE INTO reviews (request_id, row_index, model_name, model_version, trigger,"
    " score, suggestion_json, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)"
)


@dataclass(frozen=True)
class ReviewRule:
    """Which decisions of ``model_name`` go to a person (see ``serving.review_rules``)."""

    model_name: str
    band_lo: float | None = None
    band_hi: float | None = None
    share: float = 0.0
    slice_column: str | None = None
    slice_value: str | None = None
    updated_at: float = 0.0
    updated_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_name,
            "band": None if self.band_lo is None else [self.band_lo, self.band_hi],
            "share": self.share,
            "slice": None if self.slice_column is None else [self.slice_column, self.slice_value],
        }


@dataclass(frozen=True)
class Review:
    """One decision queued for a person, and what they decided."""

    id: int
    request_id: str
    model_name: str
    trigger: str  # band, share, slice or contest
    status: str
    created_at: float
    row_index: int = 0
    model_version: int | None = None
    score: float | None = None
    suggestion: Any = None
    outcome: Any = None
    reviewer: str | None = None
    reason: str | None = None
    contest_reason: str | None = None
    decided_at: float | None = None
    contested_at: float | None = None

    @property
    def ref(self) -> str:
        return f"{self.model_name}@{self.model_version}" if self.model_version else self.model_name

    def to_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__} | {"ref": self.ref}


class ReviewStore:
    """Reads and writes ``review_rules`` and ``reviews``."""

    def __init__(self, db: sqlite_utils.Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    # -- rules -------------------------------------------------------------------------------

    def rules(self) -> dict[str, ReviewRule]:
        """Every model's rules, by model name (one small query: the service reads it often)."""
        return {
            r["model_name"]: from_row(ReviewRule, r)
            for r in self.db.query("SELECT * FROM review_rules")
        }

    def rule(self, model_name: str) -> ReviewRule | None:
        rows = list(self.db.query("SELECT * FROM review_rules WHERE model_name = ?", [model_name]))
        return from_row(ReviewRule, rows[0]) if rows else None

    def set_rule(self, rule: ReviewRule, user: str | None = None) -> ReviewRule:
        """Replace ``rule.model_name``'s rules (audited ``review.rules``)."""
        user = user or os_user()
        before = self.rule(rule.model_name)
        row = {
            "model_name": rule.model_name,
            "band_lo": rule.band_lo,
            "band_hi": rule.band_hi,
            "share": rule.share,
            "slice_column": rule.slice_column,
            "slice_value": rule.slice_value,
            "updated_at": time.time(),
            "updated_by": user,
        }
        with write(self.db):
            self.db["review_rules"].upsert(row, pk="model_name")
            self.audit.record(
                "review.rules",
                "model",
                rule.model_name,
                {"rules": rule.to_dict(), "previous": before.to_dict() if before else None},
                user=user,
            )
        return from_row(ReviewRule, row)

    def clear_rule(self, model_name: str, user: str | None = None) -> bool:
        """Remove ``model_name``'s rules (audited); False when it had none."""
        before = self.rule(model_name)
        if before is None:
            return False
        with write(self.db):
            self.db.execute("DELETE FROM review_rules WHERE model_name = ?", [model_name])
            self.audit.record(
                "review.rules_cleared", "model", model_name, {"previous": before.to_dict()}, user
            )
        return True

    # -- the queue ---------------------------------------------------------------------------

    def queue(self, rows: Sequence[tuple]) -> None:
        """Insert ``QUEUE_INSERT`` rows in one write (a decision already queued is kept)."""
        with write(self.db):
            self.db.conn.executemany(QUEUE_INSERT, rows)

    def get(self, review_id: int) -> Review:
        rows = list(self.db.query("SELECT * FROM reviews WHERE id = ?", [review_id]))
        if not rows:
            raise NotFoundError(f"No review with id {review_id}.").hinted(
                "Run 'mlops-desktop review list' to see the reviews."
            )
        return from_row(Review, rows[0])

    def of_request(self, request_id: str) -> list[Review]:
        return [
            from_row(Review, r)
            for r in self.db.query(
                "SELECT * FROM reviews WHERE request_id = ? ORDER BY row_index, id", [request_id]
            )
        ]

    def reviews(
        self, status: str | None = None, model_name: str | None = None, limit: int = 500
    ) -> list[Review]:
        """Reviews, pending first then newest first, filtered by status and model."""
        where, args = [], []
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if model_name is not None:
            where.append("model_name = ?")
            args.append(model_name)
        sql = "SELECT * FROM reviews" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY status != 'pending', COALESCE(contested_at, created_at) DESC LIMIT ?"
        return [from_row(Review, r) for r in self.db.query(sql, [*args, limit])]

    def decision_of(self, request_id: str) -> tuple[str, int | None, Any] | None:
        """``(model_name, model_version_id, outputs)`` of the answer the request was sent (the
        live or canary arm, status 200), from the prediction log; None when it is not logged."""
        row = self.db.execute(
            "SELECT model_name, model_version_id, outputs_json FROM predictions"
            " WHERE request_id = ? AND status = 200 AND arm IN ('live', 'canary')"
            " ORDER BY id DESC LIMIT 1",
            [request_id],
        ).fetchone()
        if row is None:
            return None
        return row[0], row[1], json.loads(row[2]) if row[2] else None

    def count_requests(self, request_ids: Sequence[str]) -> int:
        """How many reviews point to these request ids (an erasure's dry run)."""
        return sum(self._chunked("SELECT COUNT(*) FROM reviews", request_ids))

    def erase_requests(self, request_ids: Sequence[str]) -> int:
        """Delete the reviews of these request ids (a person's erasure); how many were deleted."""
        with write(self.db):
            return sum(self._chunked("DELETE FROM reviews", request_ids, counted=True))

    def count_rows(self, keys: Sequence[tuple[str, int | None]]) -> int:
        """How many reviews point to these ``(request id, row index)`` pairs (None: any row)."""
        return sum(
            self.db.execute(f"SELECT COUNT(*) {_ROW_MATCH}", k).fetchone()[0]
            for k in [(rid, row, row) for rid, row in keys]
        )

    def erase_rows(self, keys: Sequence[tuple[str, int | None]]) -> int:
        """Delete the reviews of these ``(request id, row index)`` pairs; how many were."""
        with write(self.db):
            return sum(
                self.db.execute(f"DELETE {_ROW_MATCH}", (rid, row, row)).rowcount
                for rid, row in keys
            )

    def _chunked(self, head: str, ids: Sequence[str], counted: bool = False) -> list[int]:
        out = []
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            cursor = self.db.execute(
                f"{head} WHERE request_id IN ({','.join('?' * len(part))})", part
            )
            out.append(cursor.rowcount if counted else cursor.fetchone()[0])
        return out

    def pending_count(self) -> int:
        return int(
            self.db.execute("SELECT COUNT(*) FROM reviews WHERE status = 'pending'").fetchone()[0]
        )

    def decide(
        self, review_id: int, status: str, outcome: Any, reason: str, user: str | None = None
    ) -> Review:
        """Record a person's decision (``accepted`` or ``overridden``), audited ``review.decide``."""
        if status not in (ACCEPTED, OVERRIDDEN):
            raise InputError(f"A decision is '{ACCEPTED}' or '{OVERRIDDEN}', not '{status}'.")
        user = user or os_user()
        review = self.get(review_id)
        with write(self.db):
            self.db.execute(
                "UPDATE reviews SET status = ?, outcome_json = ?, reviewer = ?, reason = ?,"
                " decided_at = ? WHERE id = ?",
                [status, json.dumps(outcome, default=str), user, reason, time.time(), review_id],
            )
            self.audit.record(
                "review.decide",
                "review",
                str(review_id),
                {
                    "model": review.ref,
                    "status": status,
                    "suggestion": review.suggestion,
                    "outcome": outcome,
                },
                user=user,
            )
        return self.get(review_id)

    def contest(
        self,
        request_id: str,
        reason: str,
        opened: tuple | None = None,
        row_index: int = 0,
        user: str | None = None,
    ) -> Review:
        """Reopen the review of ``request_id`` (row ``row_index``) with the person's reason, or
        open one from ``opened`` (a ``QUEUE_INSERT`` row) when there is none; audited
        ``review.contest``."""
        user = user or os_user()
        now = time.time()
        found = [r for r in self.of_request(request_id) if r.row_index == row_index]
        with write(self.db):
            if found:
                review_id = found[0].id
                self.db.execute(
                    "UPDATE reviews SET status = 'pending', contest_reason = ?, contested_at = ?"
                    " WHERE id = ?",
                    [reason, now, review_id],
                )
            else:
                if opened is None:
                    raise NotFoundError(f"No decision with request id '{request_id}' is logged.")
                review_id = int(self.db.execute(QUEUE_INSERT, opened).lastrowid)
                self.db.execute(
                    "UPDATE reviews SET contest_reason = ?, contested_at = ? WHERE id = ?",
                    [reason, now, review_id],
                )
            self.audit.record(
                "review.contest",
                "review",
                str(review_id),
                {"row": row_index, "reopened": bool(found)},
                user=user,
            )
        return self.get(review_id)


@dataclass(frozen=True)
class ModelPause:
    """The stop switch of one model: paused or not, why, by whom and when."""

    model_name: str
    paused: bool
    reason: str
    changed_by: str
    changed_at: float


class PauseStore:
    """Reads and writes ``model_pauses`` (every change audited ``model.pause`` / ``model.resume``)."""

    def __init__(self, db: sqlite_utils.Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    def paused(self) -> dict[str, ModelPause]:
        """The models paused now, by name (one small query: the service reads it often)."""
        return {
            r["model_name"]: _pause(r)
            for r in self.db.query("SELECT * FROM model_pauses WHERE paused = 1")
        }

    def get(self, model_name: str) -> ModelPause | None:
        rows = list(self.db.query("SELECT * FROM model_pauses WHERE model_name = ?", [model_name]))
        return _pause(rows[0]) if rows else None

    def set(
        self, model_name: str, paused: bool, reason: str, user: str | None = None
    ) -> ModelPause:
        user = user or os_user()
        row = {
            "model_name": model_name,
            "paused": int(paused),
            "reason": reason,
            "changed_by": user,
            "changed_at": time.time(),
        }
        with write(self.db):
            self.db["model_pauses"].upsert(row, pk="model_name")
            action = "model.pause" if paused else "model.resume"
            self.audit.record(action, "model", model_name, {"reason": reason}, user=user)
        return _pause(row)


def _pause(row: dict) -> ModelPause:
    return ModelPause(
        row["model_name"], bool(row["paused"]), row["reason"], row["changed_by"], row["changed_at"]
    )


_ROW_MATCH = "FROM reviews WHERE request_id = ? AND (? IS NULL OR row_index = ?)"
