"""Fixtures for the data engine tests: a fresh workspace (the datasets: tests/conftest.py)."""

from __future__ import annotations

import pytest

from mlops_desktop.registry.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "ws")
    yield workspace
    workspace.close()


def workspace_state(ws: Workspace) -> tuple[int, int, int]:
    """(dataset versions, artifact files, audit events): what an import may change."""
    versions = ws.db.execute("SELECT COUNT(*) FROM dataset_versions").fetchone()[0]
    events = ws.db.execute("SELECT COUNT(*) FROM audit_events").fetchone()[0]
    files = sum(1 for p in (ws.path / "artifacts").rglob("*") if p.is_file())
    return versions, files, events
