"""Numbered schema migrations, recorded in the database itself.

Each migration runs in its own write transaction together with its row in
``schema_migrations``, so a crash mid-migration leaves the previous schema intact.
Never edit a migration that has shipped: add a new one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils

from mlops_desktop.errors import WorkspaceError
from mlops_desktop.registry.db import write
from mlops_desktop.registry.schema_initial import INITIAL_SCHEMA


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


# Prediction log rows that could not be written (a lone surrogate, a value JSON cannot encode, a
# constraint): kept with the reason, ASCII-escaped, so one bad row never stops the log.
_QUARANTINE = """
CREATE TABLE prediction_quarantine (
    id INTEGER PRIMARY KEY,
    ts REAL,
    quarantined_at REAL NOT NULL,
    request_id TEXT NOT NULL DEFAULT '',
    model_name TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    row_json TEXT NOT NULL
);
CREATE INDEX prediction_quarantine_time ON prediction_quarantine(quarantined_at)
"""

# Human oversight (issue 14): review rules per model, the review queue (request ids, the AI's
# suggestion and the final outcome; no copy of the inputs, which stay in the prediction log) and
# the stop switch that pauses a model's answers.
_REVIEW = """
CREATE TABLE review_rules (
    model_name TEXT PRIMARY KEY,
    band_lo REAL,
    band_hi REAL,
    share REAL NOT NULL DEFAULT 0,
    slice_column TEXT,
    slice_value TEXT,
    updated_at REAL NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    row_index INTEGER NOT NULL DEFAULT 0,
    model_name TEXT NOT NULL,
    model_version INTEGER,
    trigger TEXT NOT NULL,
    score REAL,
    suggestion_json TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'overridden')),
    outcome_json TEXT,
    reviewer TEXT,
    reason TEXT,
    contest_reason TEXT,
    created_at REAL NOT NULL,
    decided_at REAL,
    contested_at REAL,
    UNIQUE (request_id, row_index, model_name)
);
CREATE INDEX reviews_status ON reviews(status, model_name);
CREATE TABLE model_pauses (
    model_name TEXT PRIMARY KEY,
    paused INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    changed_by TEXT NOT NULL,
    changed_at REAL NOT NULL
);
"""

# Erasure (GDPR Art. 17): each request, the dataset versions it rewrote (old -> new) and the
# model versions trained on erased data. The value is never stored, only a salted SHA-256.
_ERASURE = """
CREATE TABLE erasures (
    id INTEGER PRIMARY KEY,
    key_column TEXT NOT NULL,
    value_hash TEXT NOT NULL,
    reason TEXT NOT NULL,
    counts_json TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE superseded_datasets (
    dataset_version_id INTEGER PRIMARY KEY REFERENCES dataset_versions(id),
    superseded_by_id INTEGER REFERENCES dataset_versions(id),
    erasure_id INTEGER NOT NULL REFERENCES erasures(id),
    rows_removed INTEGER NOT NULL,
    old_artifact_hash TEXT NOT NULL
);
CREATE TABLE erased_training (
    model_version_id INTEGER NOT NULL REFERENCES model_versions(id),
    erasure_id INTEGER NOT NULL REFERENCES erasures(id),
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions(id),
    PRIMARY KEY (model_version_id, erasure_id)
);
CREATE TABLE erasure_leftovers (
    digest TEXT PRIMARY KEY,
    erasure_id INTEGER NOT NULL REFERENCES erasures(id)
)
"""

# Personal data (issue 14): each dataset name's purpose and GDPR Art. 6 legal basis, versioned
# (a new row per change, never an update), and per dataset version the decisions on its columns
# (personal or not, Art. 9 category), append-only: the latest row per column holds.
_PERSONAL_DATA = """
CREATE TABLE dataset_purposes (
    id INTEGER PRIMARY KEY,
    dataset_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    legal_basis TEXT NOT NULL CHECK (legal_basis IN ('consent', 'contract', 'legal_obligation',
        'vital_interests', 'public_task', 'legitimate_interests')),
    reason TEXT NOT NULL,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (dataset_name, version)
);
CREATE TABLE personal_columns (
    id INTEGER PRIMARY KEY,
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions(id),
    column_name TEXT NOT NULL,
    personal INTEGER NOT NULL CHECK (personal IN (0, 1)),
    special_category TEXT,
    suggestion_json TEXT NOT NULL DEFAULT '{}',
    reason TEXT NOT NULL,
    decided_at REAL NOT NULL,
    decided_by TEXT NOT NULL
);
CREATE INDEX personal_columns_version ON personal_columns(dataset_version_id, column_name, id)
"""

# Performance estimation (issue 16): per model version the estimator fitted on its holdout
# (CBPE's calibrator or DLE's error models), kept as an artifact beside the model's, with the
# dataset version whose holdout it learned from (a newer version after an erasure refits it).
_ESTIMATORS = """
CREATE TABLE performance_estimators (
    model_version_id INTEGER PRIMARY KEY REFERENCES model_versions(id),
    method TEXT NOT NULL CHECK (method IN ('CBPE', 'DLE')),
    artifact_hash TEXT NOT NULL,
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions(id),
    holdout_rows INTEGER NOT NULL,
    calibrated INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
)
"""

# Batch scoring runs monitored as their own arm (issue 16): one drift window of kind 'batch' per
# published run. SQLite cannot change a CHECK constraint in place, so the table is rebuilt.
_BATCH_WINDOWS = """
CREATE TABLE drift_windows_new (
    id INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    model_version_id INTEGER REFERENCES model_versions(id),
    window_kind TEXT NOT NULL CHECK (window_kind IN ('time', 'count', 'batch')),
    window_start REAL NOT NULL,
    window_end REAL NOT NULL,
    n_rows INTEGER NOT NULL,
    drift_share REAL,
    dataset_drift INTEGER,
    prediction_drift REAL,
    multivariate_auc REAL,
    results_json TEXT NOT NULL DEFAULT '{}',
    computed_at REAL NOT NULL,
    UNIQUE (model_name, window_kind, window_start)
);
INSERT INTO drift_windows_new SELECT id, model_name, model_version_id, window_kind, window_start,
    window_end, n_rows, drift_share, dataset_drift, prediction_drift, multivariate_auc,
    results_json, computed_at FROM drift_windows;
DROP TABLE drift_windows;
ALTER TABLE drift_windows_new RENAME TO drift_windows
"""

# A stop request through the registry (issue 17): a service sees it within a second and stops
# gracefully, on every platform (Windows has no SIGTERM to send).
_STOP_REQUEST = """
ALTER TABLE service_instances ADD COLUMN stop_requested_at REAL
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema for the whole loop", INITIAL_SCHEMA),
    Migration(2, "prediction log quarantine", _QUARANTINE),
    Migration(3, "human review: rules, queue, model pauses", _REVIEW),
    Migration(4, "personal data: dataset purposes and confirmed personal columns", _PERSONAL_DATA),
    Migration(
        5, "erasure records, superseded dataset versions, models trained on erased data", _ERASURE
    ),
    Migration(6, "performance estimators fitted on each model version's holdout", _ESTIMATORS),
    Migration(7, "drift windows of kind 'batch': one per batch scoring run", _BATCH_WINDOWS),
    Migration(8, "stop requests to a running service through the registry", _STOP_REQUEST),
)

LATEST_VERSION = MIGRATIONS[-1].number


def _ensure_table(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
    )


def current_version(db: sqlite_utils.Database) -> int:
    """The highest migration number recorded, 0 for a new database."""
    if "schema_migrations" not in db.table_names():
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(
    db: sqlite_utils.Database,
    target: int | None = None,
    migrations: tuple[Migration, ...] | None = None,
) -> list[int]:
    """Apply every migration above the current version up to ``target`` (default: the last of
    ``migrations``, default: ``MIGRATIONS``, read when called); return those applied.

    Raises WorkspaceError when the database was made by a newer app (a higher version).
    """
    migrations = MIGRATIONS if migrations is None else migrations
    known = max((m.number for m in migrations), default=0)
    target = known if target is None else target
    version = current_version(db)
    if version > known:
        raise WorkspaceError(
            f"This workspace was created by a newer version of MLOps Desktop "
            f"(schema {version}; this version understands up to {known}). "
            "Upgrade the app to open it.",
            reason="newer_schema",
        )
    applied = []
    for migration in migrations:
        if version < migration.number <= target:
            with write(db):
                _ensure_table(db)
                # A second process may have migrated while we waited for the write lock.
                if current_version(db) >= migration.number:
                    continue
                for statement in _split(migration.sql):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [migration.number, migration.name, time.time()],
                )
            applied.append(migration.number)
    return applied


def _split(sql: str) -> list[str]:
    """Split a migration script into statements (no statement here contains a semicolon)."""
    return [s.strip() for s in sql.split(";") if s.strip()]
