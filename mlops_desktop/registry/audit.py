"""Tamper-evident audit trail: every state-changing action, chained by SHA-256.

Each event's hash covers its content and the previous event's hash, so editing or deleting a
past event breaks the chain from that point on, which ``verify`` reports.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from mlops_desktop.errors import ArtifactIntegrityError
from mlops_desktop.registry import clock
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import AuditEvent, from_row

GENESIS = "0" * 64


class AuditChainError(ArtifactIntegrityError):
    """An audit event a check relies on was edited (its hash or its link no longer fits)."""


def os_user() -> str:
    """The operating-system user acting, as recorded in the audit trail."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def _event_hash(
    prev_hash: str,
    ts: float,
    user: str,
    action: str,
    obj_type: str,
    obj_ref: str,
    details_json: str,
) -> str:
    payload = json.dumps(
        [prev_hash, repr(ts), user, action, obj_type, obj_ref, details_json],
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    first_bad_id: int | None = None
    problem: str = ""


def _like_prefix(text: str, sep: str) -> str:
    """A LIKE pattern for ``text`` followed by ``sep`` and anything (``%``/``_`` escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + sep + "%"


class AuditLog:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def record(
        self,
        action: str,
        object_type: str = "",
        object_ref: str = "",
        details: dict[str, Any] | None = None,
        user: str | None = None,
    ) -> AuditEvent:
        """Append one event to the chain (joins the caller's transaction if there is one)."""
        details_json = json.dumps(details or {}, sort_keys=True, default=str)
        user = user or os_user()
        with write(self.db):
            last = self.db.execute(
                "SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1"
            ).fetchone()
            prev = last[0] if last else GENESIS
            ts = clock.now()
            digest = _event_hash(prev, ts, user, action, object_type, object_ref, details_json)
            cursor = self.db.execute(
                "INSERT INTO audit_events (ts, os_user, action, object_type, object_ref,"
                " details_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [ts, user, action, object_type, object_ref, details_json, prev, digest],
            )
            event_id = cursor.lastrowid
        return self.get(event_id)

    def get(self, event_id: int) -> AuditEvent:
        row = next(self.db.query("SELECT * FROM audit_events WHERE id = ?", [event_id]))
        return from_row(AuditEvent, row)

    def recent(self, limit: int = 200, object_ref: str | None = None) -> list[AuditEvent]:
        sql, args = "SELECT * FROM audit_events", []
        if object_ref is not None:
            sql += " WHERE object_ref = ?"
            args.append(object_ref)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        return [from_row(AuditEvent, r) for r in self.db.query(sql, args)]

    def find(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        object_ref: str | None = None,
        user: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEvent]:
        """Events matching every given filter, newest first.

        ``object_ref`` matches the ref itself and its versions (``credit`` matches ``credit@2``);
        ``action`` matches the action and its sub-actions (``deploy`` matches ``deploy.live``).
        """
        where, args = [], []
        if since is not None:
            where.append("ts >= ?")
            args.append(since)
        if until is not None:
            where.append("ts < ?")
            args.append(until)
        if object_ref:
            where.append("(object_ref = ? OR object_ref LIKE ? ESCAPE '\\')")
            args += [object_ref, _like_prefix(object_ref, "@")]
        if user:
            where.append("os_user = ?")
            args.append(user)
        if action:
            where.append("(action = ? OR action LIKE ? ESCAPE '\\')")
            args += [action, _like_prefix(action, ".")]
        sql = "SELECT * FROM audit_events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [from_row(AuditEvent, r) for r in self.db.query(sql, args)]

    def every(self) -> Iterator[AuditEvent]:
        """Every event, oldest first (for exports)."""
        for row in self.db.query("SELECT * FROM audit_events ORDER BY id"):
            yield from_row(AuditEvent, row)

    def users_and_actions(self) -> tuple[list[str], list[str]]:
        """The distinct users and actions recorded (for filter menus)."""
        users = [r[0] for r in self.db.execute("SELECT DISTINCT os_user FROM audit_events")]
        actions = [r[0] for r in self.db.execute("SELECT DISTINCT action FROM audit_events")]
        return sorted(users), sorted(actions)

    def sealed(self, action: str, object_ref: str) -> AuditEvent | None:
        """The first ``action`` event on ``object_ref``, checked against the chain around it.

        Raises ``AuditChainError`` when that event was edited, or when its successor does not
        link to it (so rewriting the event together with its own hash is caught too).
        """
        rows = list(
            self.db.query(
                "SELECT * FROM audit_events WHERE action = ? AND object_ref = ? ORDER BY id LIMIT 1",
                [action, object_ref],
            )
        )
        if not rows:
            return None
        row = rows[0]
        fields = ("ts", "os_user", "action", "object_type", "object_ref", "details_json")
        expected = _event_hash(row["prev_hash"], *(row[f] for f in fields))
        after = self.db.execute(
            "SELECT prev_hash FROM audit_events WHERE id > ? ORDER BY id LIMIT 1", [row["id"]]
        ).fetchone()
        if expected != row["hash"] or (after is not None and after[0] != row["hash"]):
            raise AuditChainError(
                f"The audit event recording '{action}' of {object_ref} was edited after it was "
                "written; what it records cannot be trusted.",
                details=f"audit event id: {row['id']}",
            )
        return from_row(AuditEvent, row)

    def verify(self) -> ChainCheck:
        """Walk the whole chain and report the first event that does not fit."""
        prev = GENESIS
        count = 0
        for row in self.db.query("SELECT * FROM audit_events ORDER BY id"):
            count += 1
            if row["prev_hash"] != prev:
                return ChainCheck(False, count, row["id"], "an earlier event was removed or edited")
            expected = _event_hash(
                prev,
                row["ts"],
                row["os_user"],
                row["action"],
                row["object_type"],
                row["object_ref"],
                row["details_json"],
            )
            if expected != row["hash"]:
                return ChainCheck(
                    False, count, row["id"], "this event was edited after it was written"
                )
            prev = row["hash"]
        return ChainCheck(True, count)
