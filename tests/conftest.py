"""Shared fixtures: a fresh workspace per test, and the real datasets kept in the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.datasets import unpack

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test away from the real per-user data folder."""
    monkeypatch.setenv("MLOPS_DESKTOP_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def workspace(tmp_path: Path):
    from mlops_desktop.registry.workspace import Workspace

    ws = Workspace.open(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the three real datasets as plain CSV files, unpacked once a session."""
    return unpack(tmp_path_factory.mktemp("datasets"))
