"""Model versions (``name@N``) and aliases with full history (``live``, ``candidate``).

An alias is held by one version at a time; every change closes the previous holding and opens a
new one, so "which version was live at time T" always has an answer.
"""

from __future__ import annotations

import sqlite_utils

from mlops_desktop.errors import ArtifactIntegrityError, NotFoundError
from mlops_desktop.registry import clock
from mlops_desktop.registry.audit import AuditLog, os_user
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import AliasAssignment, ModelVersion, from_row, to_row
from mlops_desktop.registry.refs import check_name, parse_ref


class ModelStore:
    def __init__(self, db: sqlite_utils.Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    # -- versions ----------------------------------------------------------------------------

    def register(
        self,
        name: str,
        run_id: str,
        artifact_hash: str,
        *,
        signature: dict,
        parent_id: int | None = None,
        description: str = "",
        origin: dict | None = None,
    ) -> ModelVersion:
        """Register a run's pipeline as the next version of ``name``.

        ``origin`` (a model fitted elsewhere: its file, format and SHA-256) joins the audit event.
        """
        check_name(name, "model name")
        with write(self.db):
            number = self._next_number(name)
            cursor = self.db.execute(
                "INSERT INTO model_versions (name, number, run_id, artifact_hash, signature_json,"
                " parent_id, description, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?)",
                list(
                    to_row(
                        {
                            "name": name,
                            "number": number,
                            "run_id": run_id,
                            "artifact_hash": artifact_hash,
                            "signature": signature,
                            "parent_id": parent_id,
                            "description": description,
                            "created_at": clock.now(),
                            "created_by": os_user(),
                        },
                        ("signature",),
                    ).values()
                ),
            )
            version = self.by_id(cursor.lastrowid)
            details = {"run_id": run_id, "artifact": artifact_hash, "parent_id": parent_id}
            if origin is not None:
                details.update(origin=origin, reason=description)
            self.audit.record("model.register", "model_version", version.ref, details)
        return version

    def bound_artifact(self, version: ModelVersion) -> str:
        """The artifact hash recorded when ``version`` was registered, checked against its row.

        The ``model.register`` audit event holds the hash; a row pointed at another artifact
        afterwards (or an edited event) raises ``ArtifactIntegrityError`` before anything loads.
        """
        event = self.audit.sealed("model.register", version.ref)
        recorded = (event.details or {}).get("artifact") if event is not None else None
        if recorded is None:
            raise ArtifactIntegrityError(
                f"{version.ref} has no registration in the audit trail recording its artifact, "
                "so its artifact cannot be checked. It was not loaded."
            )
        if recorded != version.artifact_hash:
            raise ArtifactIntegrityError(
                f"{version.ref} points at artifact {version.artifact_hash[:12]}…, but it was "
                f"registered with artifact {recorded[:12]}… (audit event {event.id}). The "
                "registry was changed outside the app; the version was not loaded.",
                details=f"registered: {recorded}\nrow now:    {version.artifact_hash}",
            )
        return recorded

    def _next_number(self, name: str) -> int:
        row = self.db.execute(
            "SELECT MAX(number) FROM model_versions WHERE name = ?", [name]
        ).fetchone()
        return int(row[0] or 0) + 1

    def by_id(self, version_id: int) -> ModelVersion:
        rows = list(self.db.query("SELECT * FROM model_versions WHERE id = ?", [version_id]))
        if not rows:
            raise NotFoundError(f"No model version with id {version_id}.")
        return from_row(ModelVersion, rows[0])

    def get(self, ref: str) -> ModelVersion:
        """Resolve ``name@N``, ``name@alias`` or ``name`` (the latest version)."""
        parsed = parse_ref(ref)
        if parsed.alias is not None:
            holding = self.current_alias(parsed.name, parsed.alias)
            if holding is None:
                raise NotFoundError(f"No version of model '{parsed.name}' is {parsed.alias} now.")
            return self.by_id(holding.model_version_id)
        sql = "SELECT * FROM model_versions WHERE name = ?"
        args: list = [parsed.name]
        if parsed.number is not None:
            sql += " AND number = ?"
            args.append(parsed.number)
        rows = list(self.db.query(sql + " ORDER BY number DESC LIMIT 1", args))
        if not rows:
            known = ", ".join(self.names()) or "none yet"
            raise NotFoundError(f"No model version {ref}. Registered models: {known}.")
        return from_row(ModelVersion, rows[0])

    def list(self, name: str | None = None) -> list[ModelVersion]:
        sql, args = "SELECT * FROM model_versions", []
        if name is not None:
            sql += " WHERE name = ?"
            args.append(name)
        return [
            from_row(ModelVersion, r) for r in self.db.query(sql + " ORDER BY name, number", args)
        ]

    def names(self) -> list[str]:
        return [
            r[0] for r in self.db.execute("SELECT DISTINCT name FROM model_versions ORDER BY name")
        ]

    def lineage(self, version: ModelVersion) -> list[ModelVersion]:
        """The version and its ancestors (parent, grandparent, …) through retraining."""
        chain = [version]
        while chain[-1].parent_id is not None:
            chain.append(self.by_id(chain[-1].parent_id))
        return chain

    # -- aliases -----------------------------------------------------------------------------

    def set_alias(
        self, name: str, alias: str, version_id: int, reason: str = ""
    ) -> AliasAssignment:
        """Give ``alias`` to a version, closing the previous holder's period."""
        version = self.by_id(version_id)
        if version.name != name:
            raise NotFoundError(f"{version.ref} is not a version of model '{name}'.")
        now = clock.now()
        with write(self.db):
            self.db.execute(
                "UPDATE alias_history SET ended_at = ? WHERE model_name = ? AND alias = ?"
                " AND ended_at IS NULL",
                [now, name, alias],
            )
            cursor = self.db.execute(
                "INSERT INTO alias_history (model_name, alias, model_version_id, started_at,"
                " set_by, reason) VALUES (?, ?, ?, ?, ?, ?)",
                [name, alias, version_id, now, os_user(), reason],
            )
            self.audit.record(
                "alias.set", "model_version", version.ref, {"alias": alias, "reason": reason}
            )
            row = next(
                self.db.query("SELECT * FROM alias_history WHERE id = ?", [cursor.lastrowid])
            )
        return from_row(AliasAssignment, row)

    def clear_alias(self, name: str, alias: str, reason: str = "") -> None:
        with write(self.db):
            self.db.execute(
                "UPDATE alias_history SET ended_at = ? WHERE model_name = ? AND alias = ?"
                " AND ended_at IS NULL",
                [clock.now(), name, alias],
            )
            self.audit.record("alias.clear", "model", name, {"alias": alias, "reason": reason})

    def current_alias(self, name: str, alias: str) -> AliasAssignment | None:
        return self.alias_at(name, alias, None)

    def alias_at(self, name: str, alias: str, ts: float | None) -> AliasAssignment | None:
        """Who held ``alias`` at time ``ts`` (seconds since the epoch), or now when None."""
        if ts is None:
            sql = (
                "SELECT * FROM alias_history WHERE model_name = ? AND alias = ?"
                " AND ended_at IS NULL"
            )
            args: list = [name, alias]
        else:
            sql = (
                "SELECT * FROM alias_history WHERE model_name = ? AND alias = ? AND started_at <= ?"
                " AND (ended_at IS NULL OR ended_at > ?) ORDER BY started_at DESC LIMIT 1"
            )
            args = [name, alias, ts, ts]
        rows = list(self.db.query(sql, args))
        return from_row(AliasAssignment, rows[0]) if rows else None

    def holders(self, alias: str) -> dict[str, int]:
        """Every model that gives ``alias`` to a version now: ``{name: version id}``, by name."""
        return {
            r[0]: r[1]
            for r in self.db.execute(
                "SELECT model_name, model_version_id FROM alias_history"
                " WHERE alias = ? AND ended_at IS NULL ORDER BY model_name",
                [alias],
            )
        }

    def alias_history(self, name: str, alias: str | None = None) -> list[AliasAssignment]:
        sql, args = "SELECT * FROM alias_history WHERE model_name = ?", [name]
        if alias is not None:
            sql += " AND alias = ?"
            args.append(alias)
        return [
            from_row(AliasAssignment, r)
            for r in self.db.query(sql + " ORDER BY started_at, id", args)
        ]

    def aliases_of(self, version_id: int) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT alias FROM alias_history WHERE model_version_id = ? AND ended_at IS NULL"
                " ORDER BY alias",
                [version_id],
            )
        ]
