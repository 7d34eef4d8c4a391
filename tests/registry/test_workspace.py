"""Opening workspaces: created when new, clear errors for folders that cannot be used."""

from __future__ import annotations

import os

import pytest

from mlops_desktop.errors import WorkspaceError
from mlops_desktop.registry.workspace import Workspace, is_workspace


def test_new_folder_becomes_a_workspace(tmp_path):
    with Workspace.open(tmp_path / "new" / "ws") as ws:
        assert (ws.path / "registry.db").is_file()
        assert (ws.path / "artifacts").is_dir()
        summary = ws.summary()
    assert is_workspace(tmp_path / "new" / "ws")
    assert (summary.datasets, summary.runs, summary.jobs) == (0, 0, 0)


def test_folder_with_other_files_is_not_a_workspace(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(WorkspaceError, match="not an MLOps Desktop workspace") as raised:
        Workspace.open(tmp_path)
    assert raised.value.reason == "not_workspace"
    assert not (tmp_path / "registry.db").exists()


def test_file_instead_of_folder(tmp_path):
    target = tmp_path / "file.csv"
    target.write_text("a,b\n")
    with pytest.raises(WorkspaceError, match="is a file, not a folder"):
        Workspace.open(target)


def test_missing_workspace_without_create(tmp_path):
    with pytest.raises(WorkspaceError, match="has no registry.db"):
        Workspace.open(tmp_path / "nowhere", create=False)


def test_read_only_workspace_gives_a_clear_message(tmp_path):
    path = tmp_path / "ws"
    Workspace.open(path).close()
    os.chmod(path, 0o555)
    try:
        with pytest.raises(WorkspaceError, match="read-only") as raised:
            Workspace.open(path)
        assert raised.value.reason == "read_only"
    finally:
        os.chmod(path, 0o755)


def test_damaged_registry_gives_a_clear_message(tmp_path):
    path = tmp_path / "ws"
    path.mkdir()
    (path / "registry.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(WorkspaceError, match="cannot be read"):
        Workspace.open(path)


def test_settings_round_trip(workspace):
    assert workspace.get_setting("service.port", 5005) == 5005
    workspace.set_setting("service.port", 8123)
    workspace.set_setting("service.port", 8124)
    assert workspace.get_setting("service.port") == 8124
