"""A private copy of the explained credit workspace (``explained_template`` in tests/conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_workspace


@pytest.fixture
def explained_ws(explained_template: Path, tmp_path: Path):
    from mlops_desktop.registry.workspace import Workspace

    with Workspace.open(copy_workspace(explained_template, tmp_path / "ws"), create=False) as ws:
        yield ws
