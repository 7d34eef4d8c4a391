"""Migrations: from an empty file, from every earlier schema, and refusal of a newer one."""

from __future__ import annotations

import sqlite3

import pytest

from mlops_desktop.errors import WorkspaceError
from mlops_desktop.registry.db import connect
from mlops_desktop.registry.migrations import LATEST_VERSION, MIGRATIONS, current_version, migrate
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
