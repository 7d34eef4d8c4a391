"""Migrations: from an empty file, from every earlier schema, and refusal of a newer one.

With one shipped migration, the upgrade path is exercised by a second one made up here (test
data put in front of the real ``migrate``): it must apply after the first, bump the version, run
as one transaction, and be applied when an older workspace is opened.
"""

from __future__ import annotations

import sqlite3

import pytest

from mlops_desktop.errors import WorkspaceError
from mlops_desktop.registry import migrations
from mlops_desktop.registry.db import connect
from mlops_desktop.registry.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    Migration,
    current_version,
    migrate,
)
from mlops_desktop.registry.workspace import Workspace

LOOP_TABLES = {
    "dataset_versions",
    "runs",
    "model_versions",
    "alias_history",
    "quality_gates",
    "test_reports",
    "deployments",
    "predictions",
    "outcomes",
    "drift_windows",
    "alerts",
    "audit_events",
    "jobs",
}


#: A second migration that needs the first: a column on ``jobs`` filled from existing rows.
JOB_NOTES = Migration(
    LATEST_VERSION + 1,
    "a note on every job",
    "ALTER TABLE jobs ADD COLUMN note TEXT NOT NULL DEFAULT '';\n"
    "UPDATE jobs SET note = 'was ' || status;\n"
    "CREATE INDEX jobs_note ON jobs(note)",
)
#: A second migration that fails after two of its statements succeeded.
BROKEN = Migration(
    LATEST_VERSION + 1,
    "half done",
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);\n"
    "ALTER TABLE jobs ADD COLUMN note TEXT;\n"
    "INSERT INTO no_such_table VALUES (1)",
)


@pytest.fixture
def with_job_notes(monkeypatch: pytest.MonkeyPatch) -> tuple[Migration, ...]:
    """The app's migrations followed by JOB_NOTES, as a release that adds one would ship."""
    two = (*MIGRATIONS, JOB_NOTES)
    monkeypatch.setattr(migrations, "MIGRATIONS", two)
    return two


def _schema(path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name != 'schema_migrations'"
    ).fetchall()
    conn.close()
    return dict(rows)


def test_empty_file_migrates_to_latest(tmp_path):
    path = tmp_path / "registry.db"
    path.touch()
    db = connect(path)
    assert current_version(db) == 0
    assert migrate(db) == [m.number for m in MIGRATIONS]
    assert current_version(db) == LATEST_VERSION
    assert LOOP_TABLES <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert migrate(db) == []  # idempotent


@pytest.mark.parametrize("start", [m.number for m in MIGRATIONS[:-1]] + [0])
def test_every_earlier_schema_upgrades_to_the_same_schema(tmp_path, start):
    fresh = tmp_path / "fresh.db"
    migrate(connect(fresh))
    old = tmp_path / "old.db"
    db = connect(old)
    migrate(db, target=start)
    assert current_version(db) == start
    migrate(db)
    assert current_version(db) == LATEST_VERSION
    db.close()
    assert _schema(old) == _schema(fresh)


def test_migrations_are_numbered_in_order():
    numbers = [m.number for m in MIGRATIONS]
    assert numbers == list(range(1, len(numbers) + 1))


def test_newer_schema_is_refused_with_a_clear_message(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    ws.db.execute(
        "INSERT INTO schema_migrations VALUES (?, 'from the future', 0)", [LATEST_VERSION + 5]
    )
    ws.close()
    with pytest.raises(WorkspaceError, match="newer version of MLOps Desktop"):
        Workspace.open(tmp_path / "ws")


def test_foreign_keys_are_enforced(workspace):
    with pytest.raises(sqlite3.IntegrityError):
        workspace.db.execute(
            "INSERT INTO model_versions (name, number, run_id, artifact_hash, created_at, created_by)"
            " VALUES ('m', 1, 'no-such-run', 'x', 0, 'me')"
        )


def test_only_one_current_holder_per_alias(workspace):
    db = workspace.db
    db.execute(
        "INSERT INTO dataset_versions (name, number, content_hash, artifact_hash, rows, columns,"
        " created_at, created_by) VALUES ('d', 1, 'h', 'a', 1, 1, 0, 'me')"
    )
    db.execute(
        "INSERT INTO runs (id, dataset_version_id, model_family, status, created_at)"
        " VALUES ('r1', 1, 'rf', 'succeeded', 0)"
    )
    for n in (1, 2):
        db.execute(
            "INSERT INTO model_versions (name, number, run_id, artifact_hash, created_at,"
            " created_by) VALUES ('m', ?, 'r1', 'x', 0, 'me')",
            [n],
        )
    db.execute(
        "INSERT INTO alias_history (model_name, alias, model_version_id, started_at, set_by)"
        " VALUES ('m', 'live', 1, 0, 'me')"
    )
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO alias_history (model_name, alias, model_version_id, started_at,"
            " set_by) VALUES ('m', 'live', 2, 1, 'me')"
        )


def _version_one_db_with_a_job(path):
    """A workspace folder whose registry has the shipped schema and one finished job."""
    path.mkdir()
    db = connect(path / "registry.db")
    migrate(db, migrations=MIGRATIONS)
    db.execute(
        "INSERT INTO jobs (id, kind, title, status, created_at) VALUES"
        " ('j1', 'train', 'Train', 'succeeded', 0)"
    )
    db.close()
    return path / "registry.db"


def test_a_second_migration_applies_after_the_first_and_bumps_the_version(tmp_path, with_job_notes):
    db = connect(tmp_path / "registry.db")
    assert migrate(db) == [
        *(m.number for m in MIGRATIONS),
        JOB_NOTES.number,
    ]  # from empty: all, in order
    assert current_version(db) == JOB_NOTES.number
    recorded = db.execute("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [tuple(r) for r in recorded] == [(m.number, m.name) for m in with_job_notes]
    assert "note" in {c.name for c in db["jobs"].columns}
    assert "jobs_note" in {i.name for i in db["jobs"].indexes}
    assert migrate(db) == []


def test_a_second_migration_upgrades_existing_rows(tmp_path, with_job_notes):
    db = connect(_version_one_db_with_a_job(tmp_path / "ws"))
    assert current_version(db) == LATEST_VERSION
    assert migrate(db) == [JOB_NOTES.number]
    assert current_version(db) == JOB_NOTES.number
    assert db.execute("SELECT id, status, note FROM jobs").fetchall() == [
        ("j1", "succeeded", "was succeeded")
    ]


@pytest.mark.parametrize("start", [0, LATEST_VERSION])
def test_every_earlier_schema_upgrades_to_the_same_schema_with_a_second_migration(
    tmp_path, with_job_notes, start
):
    fresh = tmp_path / "fresh.db"
    migrate(connect(fresh))
    old = tmp_path / "old.db"
    db = connect(old)
    migrate(db, target=start)
    assert current_version(db) == start
    migrate(db)
    assert current_version(db) == JOB_NOTES.number
    db.close()
    assert _schema(old) == _schema(fresh)
    assert "note" in _schema(old)["jobs"]


def test_a_failing_migration_leaves_the_previous_version_and_nothing_half_applied(tmp_path):
    path = _version_one_db_with_a_job(tmp_path / "ws")
    before = _schema(path)
    db = connect(path)
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        migrate(db, migrations=(*MIGRATIONS, BROKEN))
    assert current_version(db) == LATEST_VERSION
    assert not db.conn.in_transaction
    db.close()
    assert _schema(path) == before  # neither the new table nor the new column
    db = connect(path)
    assert migrate(db, migrations=(*MIGRATIONS, JOB_NOTES)) == [JOB_NOTES.number]  # fixed: runs
    assert db.execute("SELECT note FROM jobs").fetchall() == [("was succeeded",)]


def test_opening_an_older_workspace_applies_the_new_migration(tmp_path, with_job_notes):
    _version_one_db_with_a_job(tmp_path / "ws")
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.schema_version == JOB_NOTES.number
        assert ws.db.execute("SELECT note FROM jobs WHERE id = 'j1'").fetchone()[0] == (
            "was succeeded"
        )
        assert ws.jobs.get("j1").status == "succeeded"  # the stores still read the table


def test_opening_with_a_failing_migration_refuses_and_keeps_the_workspace(tmp_path, monkeypatch):
    path = _version_one_db_with_a_job(tmp_path / "ws")
    before = _schema(path)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, BROKEN))
    with pytest.raises(WorkspaceError, match="cannot be read"):
        Workspace.open(tmp_path / "ws")
    assert _schema(path) == before
    monkeypatch.setattr(migrations, "MIGRATIONS", MIGRATIONS)
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.schema_version == LATEST_VERSION and ws.jobs.get("j1").status == "succeeded"


def test_batch_windows_migration_keeps_every_stored_window(tmp_path):
    db = connect(tmp_path / "w.db")
    migrate(db, target=6)
    db.execute(
        "INSERT INTO drift_windows (model_name, window_kind, window_start, window_end, n_rows,"
        " results_json, computed_at) VALUES ('m', 'count', 1.0, 2.0, 500, '{\"a\": 1}', 3.0)"
    )
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO drift_windows (model_name, window_kind, window_start, window_end, n_rows,"
            " computed_at) VALUES ('m', 'batch', 5.0, 6.0, 10, 7.0)"
        )
    migrate(db)
    assert db.execute(
        "SELECT model_name, window_kind, n_rows, results_json FROM drift_windows"
    ).fetchall() == [("m", "count", 500, '{"a": 1}')]
    db.execute(
        "INSERT INTO drift_windows (model_name, window_kind, window_start, window_end, n_rows,"
        " computed_at) VALUES ('m', 'batch', 5.0, 6.0, 10, 7.0)"
    )
