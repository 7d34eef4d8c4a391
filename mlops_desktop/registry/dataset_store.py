"""Dataset versions: immutable ``name@N`` records over Parquet artifacts.

Storage: the typed data is one Parquet artifact (content-addressed, verified on load) holding
every kept column plus ``__split__`` ('train' or 'test'), so the split travels with the data and
training reads exactly the rows the checks judged. The registry row holds the content hash of
the data (without ``__split__``), schema, roles, PII tags, split settings, profile and checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import sqlite_utils

import mlops_desktop.registry.refs as refs
from mlops_desktop.errors import ArtifactMissingError, InputError, NotFoundError
from mlops_desktop.registry import clock
from mlops_desktop.registry.artifacts import ArtifactStore
from mlops_desktop.registry.audit import AuditLog, os_user
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import DatasetVersion, from_row, to_row

SPLIT_COLUMN = "__split__"
JSON_FIELDS = ("schema", "roles", "pii", "split", "profile", "checks")


def check_name(name: str) -> str:
    """A dataset name: letters, digits, '_', '-', '.', starting with a letter or digit."""
    return refs.check_name(name, "dataset name")


def parse_ref(ref: str) -> tuple[str, int | None]:
    """'name@N' -> (name, N); 'name' -> (name, None) meaning the latest version."""
    parsed = refs.parse_ref(str(ref))
    if parsed.alias is not None:
        raise InputError(
            f"'{ref}' is not a dataset version: write name@N with N = 1, 2, … "
            "(e.g. credit@2), or just the name for the latest version."
        )
    return parsed.name, parsed.number


def _blocking_findings(checks: list[dict], override_reason: str | None) -> list[dict]:
    """The blocking findings of ``checks``; raises unless a written override reason is given."""
    blocking = [c for c in checks if c.get("severity") == "blocking"]
    if blocking and not (override_reason and override_reason.strip()):
        raise InputError(
            f"{len(blocking)} blocking finding(s) stop this dataset from being "
            "saved. Fix them, or override with a written reason."
        )
    return blocking


class WorkspaceParts(Protocol):
    """What the store uses of a workspace (a ``registry.workspace.Workspace``)."""

    @property
    def db(self) -> sqlite_utils.Database: ...

    @property
    def artifacts(self) -> ArtifactStore: ...

    @property
    def audit(self) -> AuditLog: ...


class DatasetStore:
    """Create, find and load dataset versions in a workspace."""

    def __init__(self, ws: WorkspaceParts) -> None:
        self.ws = ws
        self.db = ws.db

    # -- writing -----------------------------------------------------------------------------

    def write_filtered(self, version: DatasetVersion, keep: np.ndarray) -> tuple[str, pd.DataFrame]:
        """Store ``version``'s data with only the rows ``keep`` marks (split kept), Parquet to
        Parquet; return the new artifact's SHA-256 and the kept data without the split."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.ws.artifacts.verify(version.artifact_hash)
        table = pq.read_table(path).filter(pa.array(np.asarray(keep, dtype=bool)))
        with self.ws.artifacts.incoming(".parquet") as tmp:
            pq.write_table(table, tmp, compression="zstd")
            artifact = self.ws.artifacts.put_file(tmp)
        return artifact, table.drop_columns([SPLIT_COLUMN]).to_pandas()

    def add_rewrite(
        self, old: DatasetVersion, artifact: str, content_hash: str, rows: int, metadata: dict
    ) -> DatasetVersion:
        """Record the next version of ``old.name``: ``old`` without some rows (an erasure),
        stored as ``artifact``; ``metadata`` holds its profile and checks. Joins the caller's
        write; records no audit event (the erasure's own event names it)."""
        with write(self.db):
            _, number = self._next_number(old.name)
            values = {
                "name": old.name,
                "number": number,
                "content_hash": content_hash,
                "artifact_hash": artifact,
                "source": f"{old.ref} without erased rows",
                "rows": int(rows),
                "columns": old.columns,
                "schema": old.schema,
                "roles": old.roles,
                "pii": old.pii,
                "split": old.split,
                "profile": metadata["profile"],
                "checks": metadata["checks"],
                "override_reason": old.override_reason,
                "parent_id": old.id,
                "created_at": clock.now(),
                "created_by": os_user(),
            }
            return self.get_by_id(self._insert(values))

    def set_metadata(self, version_id: int, profile: dict, checks: list) -> None:
        """Replace a version's profile and checks (an erasure scrubbing the value from them)."""
        with write(self.db):
            self.db.execute(
                "UPDATE dataset_versions SET profile_json = ?, checks_json = ? WHERE id = ?",
                [
                    json.dumps(profile, sort_keys=True),
                    json.dumps(checks, sort_keys=True),
                    version_id,
                ],
            )

    def superseded_by(self, version_id: int) -> str | None:
        """``name@N`` of the version that replaced ``version_id`` after an erasure ("" when
        every row was erased), or None when it was never superseded."""
        row = self.db.execute(
            "SELECT d.name || '@' || d.number, s.dataset_version_id FROM superseded_datasets s"
            " LEFT JOIN dataset_versions d ON d.id = s.superseded_by_id"
            " WHERE s.dataset_version_id = ?",
            [version_id],
        ).fetchone()
        return None if row is None else (row[0] or "")

    def _write_parquet(self, df: pd.DataFrame, test_mask: np.ndarray) -> str:
        if SPLIT_COLUMN in df.columns:
            raise InputError(
                f"The data has a column named {SPLIT_COLUMN!r}, which MLOps Desktop "
                "uses to store the split. Rename that column and import again."
            )
        if len(test_mask) != len(df):
            raise ValueError("test_mask must have one entry per row")
        split = pd.Categorical.from_codes(
            np.asarray(test_mask, dtype=np.int8), categories=["train", "test"]
        )
        # concat, not assign: a frame of thousands of single columns would warn and copy slowly
        frame = pd.concat([df, pd.Series(split, index=df.index, name=SPLIT_COLUMN)], axis=1)
        with self.ws.artifacts.incoming(".parquet") as tmp:
            frame.to_parquet(tmp, engine="pyarrow", index=False, compression="zstd")
            return self.ws.artifacts.put_file(tmp)

    def create_version(
        self,
        name: str,
        df: pd.DataFrame,
        test_mask: np.ndarray,
        *,
        content_hash: str,
        schema: dict,
        roles: dict,
        pii: dict,
        split: dict,
        profile: dict,
        checks: list[dict],
        source: str = "",
        override_reason: str | None = None,
    ) -> DatasetVersion:
        """Store the data and record ``name@N`` (N = next number) with its audit events.

        ``override_reason`` must be given when ``checks`` hold blocking findings; it is stored
        on the version and recorded as a ``dataset.override_blocking`` audit event.
        """
        check_name(name)
        blocking = _blocking_findings(checks, override_reason)
        artifact = self._write_parquet(df, test_mask)
        user = os_user()
        with write(self.db):
            parent_id, number = self._next_number(name)
            values = {
                "name": name,
                "number": number,
                "content_hash": content_hash,
                "artifact_hash": artifact,
                "source": source,
                "rows": int(len(df)),
                "columns": int(df.shape[1]),
                "schema": schema,
                "roles": roles,
                "pii": pii,
                "split": split,
                "profile": profile,
                "checks": checks,
                "override_reason": override_reason if blocking else None,
                "parent_id": parent_id,
                "created_at": clock.now(),
                "created_by": user,
            }
            version_id = self._insert(values)
            ref = f"{name}@{number}"
            self._audit_create(ref, values, user)
            if blocking:
                self._audit_override(ref, override_reason, blocking, user)
        return self.get_by_id(version_id)

    def _next_number(self, name: str) -> tuple[int | None, int]:
        """``(parent id, number)`` of the next version of ``name`` (inside the write)."""
        row = self.db.execute(
            "SELECT id, number FROM dataset_versions WHERE name = ? ORDER BY number DESC LIMIT 1",
            [name],
        ).fetchone()
        return (row[0], row[1] + 1) if row else (None, 1)

    def _insert(self, values: dict[str, Any]) -> int:
        cursor = self.db.execute(
            "INSERT INTO dataset_versions ({}) VALUES ({})".format(
                ", ".join(to_row(values, JSON_FIELDS)), ", ".join("?" * len(values))
            ),
            list(to_row(values, JSON_FIELDS).values()),
        )
        return cursor.lastrowid

    def _audit_create(self, ref: str, values: dict[str, Any], user: str) -> None:
        split = values["split"]
        self.ws.audit.record(
            "dataset.create",
            "dataset_version",
            ref,
            {
                "content_hash": values["content_hash"],
                "artifact_hash": values["artifact_hash"],
                "rows": values["rows"],
                "columns": values["columns"],
                "source": values["source"],
                "target": values["roles"].get("target"),
                "split": {k: split.get(k) for k in ("method", "test_size", "seed")},
                "pii_columns": sorted(values["pii"]),
            },
            user=user,
        )

    def _audit_override(
        self, ref: str, override_reason: str, blocking: list[dict], user: str
    ) -> None:
        self.ws.audit.record(
            "dataset.override_blocking",
            "dataset_version",
            ref,
            {
                "reason": override_reason.strip(),
                "findings": [
                    {"check": c["check"], "title": c["title"], "columns": c.get("columns", [])}
                    for c in blocking
                ],
            },
            user=user,
        )

    # -- reading -----------------------------------------------------------------------------

    def _rows(self, sql: str, args: list[Any] | None = None) -> list[DatasetVersion]:
        return [from_row(DatasetVersion, r) for r in self.db.query(sql, args or [])]

    def get_by_id(self, version_id: int) -> DatasetVersion:
        rows = self._rows("SELECT * FROM dataset_versions WHERE id = ?", [version_id])
        if not rows:
            raise NotFoundError(f"No dataset version with id {version_id}.")
        return rows[0]

    def names(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT name FROM dataset_versions ORDER BY name"
            ).fetchall()
        ]

    def get(self, ref: str) -> DatasetVersion:
        """The version ``name@N``, or the latest version of ``name``."""
        name, number = parse_ref(ref)
        versions = self._rows(
            "SELECT * FROM dataset_versions WHERE name = ? ORDER BY number", [name]
        )
        if not versions:
            known = self.names()
            hint = (
                f" Datasets in this workspace: {', '.join(known[:10])}."
                if known
                else " This workspace has no datasets yet; import one first."
            )
            raise NotFoundError(f"No dataset named '{name}'.{hint}").hinted(
                "'mlops-desktop data list' lists them; 'mlops-desktop data import' adds one."
            )
        if number is None:
            return versions[-1]
        for version in versions:
            if version.number == number:
                return version
        raise NotFoundError(
            f"Dataset '{name}' has no version {number}; its versions are "
            f"{', '.join(str(v.number) for v in versions)}."
        )

    def list(self, name: str | None = None) -> list[DatasetVersion]:
        """Every version (of ``name`` if given), by name then number."""
        if name is None:
            return self._rows("SELECT * FROM dataset_versions ORDER BY name, number")
        return self._rows("SELECT * FROM dataset_versions WHERE name = ? ORDER BY number", [name])

    def find_by_content_hash(
        self, content_hash: str, name: str | None = None
    ) -> list[DatasetVersion]:
        """Versions holding exactly this data (of ``name`` if given), oldest first."""
        sql, args = "SELECT * FROM dataset_versions WHERE content_hash = ?", [content_hash]
        if name is not None:
            sql += " AND name = ?"
            args.append(name)
        return self._rows(sql + " ORDER BY id", args)

    def load_frame(self, version: DatasetVersion | str) -> tuple[pd.DataFrame, np.ndarray]:
        """The version's typed DataFrame and its boolean test mask, verified by SHA-256."""
        import pyarrow.parquet as pq

        if isinstance(version, str):
            version = self.get(version)
        try:
            path: Path = self.ws.artifacts.verify(version.artifact_hash)
        except ArtifactMissingError:
            replaced = self.superseded_by(version.id)
            if replaced is None:
                raise
            raise NotFoundError(
                f"{version.ref} was rewritten by an erasure"
                + (f" as {replaced}; use that version." if replaced else "; no row was left.")
            ) from None
        frame = pq.read_table(path).to_pandas()
        mask = (frame.pop(SPLIT_COLUMN) == "test").to_numpy(dtype=bool)
        return frame, mask
