"""A workspace is a folder: ``registry.db`` plus content-addressed ``artifacts/``.

``Workspace.open`` turns every way a folder can be unusable into a WorkspaceError that says
what is wrong and what to do, never a traceback.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from mlops_desktop.errors import WorkspaceError
from mlops_desktop.registry.alert_store import AlertStore
from mlops_desktop.registry.artifacts import ArtifactStore
from mlops_desktop.registry.audit import AuditLog
from mlops_desktop.registry.batch_row_store import BatchRowStore
from mlops_desktop.registry.behavioural_store import BehaviouralStore
from mlops_desktop.registry.db import connect, write
from mlops_desktop.registry.deployment_store import DeploymentStore
from mlops_desktop.registry.drift_store import DriftWindowStore
from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.registry.erasure_store import ErasureStore
from mlops_desktop.registry.estimator_store import EstimatorStore
from mlops_desktop.registry.gate_store import GateStore
from mlops_desktop.registry.job_store import JobStore
from mlops_desktop.registry.migrations import current_version, migrate
from mlops_desktop.registry.model_store import ModelStore
from mlops_desktop.registry.outcome_store import OutcomeStore
from mlops_desktop.registry.personal_data_store import PersonalDataStore
from mlops_desktop.registry.prediction_store import PredictionStore
from mlops_desktop.registry.report_store import ReportStore
from mlops_desktop.registry.review_store import PauseStore, ReviewStore
from mlops_desktop.registry.run_store import RunStore
from mlops_desktop.registry.service_store import ServiceStore

if TYPE_CHECKING:
    from mlops_desktop.registry.dataset_store import DatasetStore

DB_NAME = "registry.db"
ARTIFACTS_DIR = "artifacts"


def _writable(path: Path) -> bool:
    """Writable by permission and by mode bits (root ignores permissions, we do not)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def is_workspace(path: Path | str) -> bool:
    return (Path(path) / DB_NAME).is_file()


class Workspace:
    """An open workspace: the database connection, artifact store and stores over them."""

    def __init__(self, path: Path, db: sqlite_utils.Database) -> None:
        self.path = path
        self.db = db
        self.artifacts = ArtifactStore(path / ARTIFACTS_DIR)

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, create: bool = True) -> Workspace:
        """Open the workspace at ``path``, creating it when the folder is new or empty.

        Raises WorkspaceError when the folder is not a workspace, is read-only, holds a damaged
        registry, or was written by a newer version of the app.
        """
        path = Path(path).expanduser().resolve()
        if path.exists() and not path.is_dir():
            raise WorkspaceError(
                f"{path} is a file, not a folder. Choose a folder for the workspace.",
                reason="not_folder",
            )
        db_file = path / DB_NAME
        if not db_file.exists():
            if not create:
                raise WorkspaceError(
                    f"{path} is not an MLOps Desktop workspace (it has no {DB_NAME}).",
                    reason="not_workspace",
                )
            if path.exists() and any(
                p.name not in (ARTIFACTS_DIR,) and not p.name.startswith(".")
                for p in path.iterdir()
            ):
                raise WorkspaceError(
                    f"{path} is not an MLOps Desktop workspace: it holds other files but no "
                    f"{DB_NAME}. Choose an empty folder to create a new workspace, or a folder "
                    "created by MLOps Desktop.",
                    reason="not_workspace",
                )
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise WorkspaceError(
                    f"Cannot create the workspace folder {path}: {exc.strerror}.",
                    reason="cannot_create",
                ) from exc
        if not _writable(path) or (db_file.exists() and not _writable(db_file)):
            raise WorkspaceError(
                f"The workspace {path} is read-only. MLOps Desktop needs to write to it; "
                "copy it to a folder you can write to, or change its permissions.",
                reason="read_only",
            )
        try:
            db = connect(db_file)
            migrate(db)
        except WorkspaceError:
            raise
        except sqlite3.DatabaseError as exc:
            raise WorkspaceError(
                f"The registry in {path} cannot be read ({exc}). The file may be damaged "
                "or not an MLOps Desktop registry.",
                details=repr(exc),
                reason="damaged",
            ) from exc
        (path / ARTIFACTS_DIR).mkdir(exist_ok=True)
        return cls(path, db)

    def close(self) -> None:
        self.db.close()

    def change_stamp(self) -> tuple[int, int]:
        """A value that changes whenever the registry changed: commits by other connections
        (workers, the CLI, the service) move SQLite's ``data_version``, this connection's own
        writes move ``total_changes``. Two cheap reads, no table touched."""
        data_version = int(self.db.execute("PRAGMA data_version").fetchone()[0])
        return data_version, int(self.db.conn.total_changes)

    def clean_leftovers(self) -> tuple[list, list[Path]]:
        """What crashed or killed processes left: their jobs and runs are marked interrupted,
        their half-written ``artifacts/.incoming-*`` files removed. Run at every start.

        Returns (the jobs marked interrupted, the files removed).
        """
        from mlops_desktop.registry.processes import this_process_started_at

        jobs = self.jobs.mark_interrupted()
        return jobs, self.artifacts.remove_stale_incoming(this_process_started_at())

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- stores ------------------------------------------------------------------------------

    @cached_property
    def jobs(self) -> JobStore:
        return JobStore(self.db)

    @cached_property
    def audit(self) -> AuditLog:
        return AuditLog(self.db)

    @cached_property
    def datasets(self) -> DatasetStore:
        from mlops_desktop.registry.dataset_store import (
            DatasetStore,  # loads pandas: only when used
        )

        return DatasetStore(self)

    @cached_property
    def gates(self) -> GateStore:
        return GateStore(self.db, self.audit)

    @cached_property
    def reports(self) -> ReportStore:
        return ReportStore(self.db)

    @cached_property
    def behavioural(self) -> BehaviouralStore:
        return BehaviouralStore(self.db, self.audit)

    @cached_property
    def runs(self) -> RunStore:
        return RunStore(self.db)

    @cached_property
    def models(self) -> ModelStore:
        return ModelStore(self.db, self.audit)

    @cached_property
    def deployments(self) -> DeploymentStore:
        return DeploymentStore(self.db)

    @cached_property
    def services(self) -> ServiceStore:
        return ServiceStore(self.db)

    @cached_property
    def predictions(self) -> PredictionStore:
        return PredictionStore(self.db)

    @cached_property
    def batch_rows(self) -> BatchRowStore:
        return BatchRowStore(self.db)

    @cached_property
    def outcomes(self) -> OutcomeStore:
        return OutcomeStore(self.db)

    @cached_property
    def drift_windows(self) -> DriftWindowStore:
        return DriftWindowStore(self.db)

    @cached_property
    def alerts(self) -> AlertStore:
        return AlertStore(self.db)

    @cached_property
    def reviews(self) -> ReviewStore:
        return ReviewStore(self.db, self.audit)

    @cached_property
    def pauses(self) -> PauseStore:
        return PauseStore(self.db, self.audit)

    @cached_property
    def erasures(self) -> ErasureStore:
        return ErasureStore(self.db)

    @cached_property
    def estimators(self) -> EstimatorStore:
        return EstimatorStore(self.db)

    @cached_property
    def personal_data(self) -> PersonalDataStore:
        return PersonalDataStore(self.db, self.audit)

    # -- settings ----------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.db.execute(
            "SELECT value_json FROM workspace_settings WHERE key = ?", [key]
        ).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with write(self.db):
            self.db["workspace_settings"].upsert(
                {"key": key, "value_json": json.dumps(value)}, pk="key"
            )

    # -- summary -----------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return current_version(self.db)

    def summary(self) -> WorkspaceSummary:
        def count(sql: str) -> int:
            return int(self.db.execute(sql).fetchone()[0])

        return WorkspaceSummary(
            path=str(self.path),
            schema_version=self.schema_version,
            datasets=count("SELECT COUNT(DISTINCT name) FROM dataset_versions"),
            dataset_versions=count("SELECT COUNT(*) FROM dataset_versions"),
            runs=count("SELECT COUNT(*) FROM runs"),
            model_versions=count("SELECT COUNT(*) FROM model_versions"),
            deployments=count("SELECT COUNT(*) FROM deployments"),
            jobs=count("SELECT COUNT(*) FROM jobs"),
            open_alerts=count("SELECT COUNT(*) FROM alerts WHERE state = 'open'"),
            reviews_pending=count("SELECT COUNT(*) FROM reviews WHERE status = 'pending'"),
        )
