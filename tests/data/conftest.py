"""Fixtures for the data engine tests: the real datasets and a fresh workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_desktop.registry.workspace import Workspace

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"The shared datasets are missing: expected them in {SHARED_DATA}.")
    return SHARED_DATA


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
