"""Opening unusable folders explains why, offers another folder, and never shows a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLineEdit, QMessageBox

from mlops_desktop.errors import WorkspaceError
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.kit.dialogs import workspace_error_text
from tests.ui.helpers import box_text, visible_message_boxes


def not_a_workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"not really a photo")
    return folder


@pytest.fixture
def read_only_workspace(tmp_path: Path):
    folder = tmp_path / "ro-ws"
    Workspace.open(folder).close()
    os.chmod(folder, 0o555)
    yield folder
    os.chmod(folder, 0o755)


def newer_workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "future-ws"
    with Workspace.open(folder) as ws:
        ws.db.execute("INSERT INTO schema_migrations VALUES (999, 'x', 0)")
    return folder


def error_for(path: Path, create: bool = False) -> WorkspaceError:
    with pytest.raises(WorkspaceError) as info:
        Workspace.open(path, create=create)
    return info.value


def test_error_text_for_a_folder_that_is_not_a_workspace(tmp_path):
    folder = not_a_workspace(tmp_path)
    text = workspace_error_text(error_for(folder), folder)
    assert text.headline == "This folder is not a workspace"
    assert "registry.db" in text.message
    assert str(folder) in text.details
    assert "Traceback" not in text.message + text.details


def test_error_text_for_a_read_only_workspace(read_only_workspace):
    text = workspace_error_text(error_for(read_only_workspace), read_only_workspace)
    assert text.headline == "This workspace is read-only"
    assert "copy it to a folder you can write to" in text.message


def test_error_text_for_a_workspace_from_a_newer_app(tmp_path):
    folder = newer_workspace(tmp_path)
    text = workspace_error_text(error_for(folder), folder)
    assert text.headline == "This workspace needs a newer MLOps Desktop"
    assert "Upgrade the app" in text.message


@pytest.mark.parametrize("kind", ["not_workspace", "read_only", "newer"])
def test_opening_a_bad_folder_shows_a_dialog_and_keeps_the_current_workspace(
    make_window, tmp_path, request, kind
):
    folder = {
        "not_workspace": lambda: not_a_workspace(tmp_path),
        "read_only": lambda: request.getfixturevalue("read_only_workspace"),
        "newer": lambda: newer_workspace(tmp_path),
    }[kind]()
    window = make_window()
    current = window.model.path
    assert window.flow.open_path(folder, create=False) is False
    boxes = visible_message_boxes()
    assert len(boxes) == 1
    box = boxes[0]
    text = box_text(box)
    assert box.windowTitle() == "Cannot Open Workspace"
    assert box.icon() == QMessageBox.Icon.Warning
    assert "Traceback" not in text and 'File "' not in text
    assert str(folder) in box.informativeText() or str(folder) in box.detailedText()
    assert [b.text() for b in box.buttons() if "Choose" in b.text()] == ["&Choose Another Folder…"]
    assert window.model.path == current  # the open workspace stayed open
    assert window.windowTitle() == "ws — MLOps Desktop"
    box.close()


def test_choose_another_folder_opens_the_chosen_workspace(make_window, tmp_path, qtbot):
    good = tmp_path / "good-ws"
    Workspace.open(good).close()
    window = make_window()
    window.flow.open_path(not_a_workspace(tmp_path), create=False)
    box = visible_message_boxes()[0]
    choose = next(b for b in box.buttons() if "Choose" in b.text())
    choose.click()
    dialog = window.flow.dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.selectFile(str(good))
    dialog.accept()
    qtbot.waitUntil(lambda: window.model.path == good.resolve(), timeout=3000)
    assert window.windowTitle() == "good-ws — MLOps Desktop"


def test_new_workspace_creates_the_chosen_empty_folder(make_window, tmp_path, qtbot):
    window = make_window()
    target = tmp_path / "fresh"
    target.mkdir()
    window.actions_by_name["new"].trigger()
    dialog = window.flow.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.selectFile(str(target))
    dialog.accept()
    qtbot.waitUntil(lambda: window.model.path == target.resolve(), timeout=3000)
    assert (target / "registry.db").is_file()
    assert "Created a new workspace" in window.status.currentMessage()
    assert window.settings.recent_workspaces()[0] == target.resolve()


def _choose(qtbot, dialog: QFileDialog) -> None:
    """Press the folder dialog's Choose button as a user does."""
    box = dialog.findChild(QDialogButtonBox)
    ok = next(
        b for b in box.buttons() if box.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole
    )
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def test_new_workspace_accepts_a_typed_new_folder_name(make_window, tmp_path, qtbot):
    window = make_window()
    window.actions_by_name["new"].trigger()
    dialog = window.flow.dialog
    dialog.setDirectory(str(tmp_path))
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    qtbot.keyClicks(edit, "typed-ws")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    target = tmp_path / "typed-ws"
    qtbot.waitUntil(lambda: window.model.path == target.resolve(), timeout=3000)
    assert (target / "registry.db").is_file()
    assert not visible_message_boxes()  # no "Directory not found"
    assert "Created a new workspace" in window.status.currentMessage()


def test_opening_a_folder_that_does_not_exist_asks_to_create_it(make_window, tmp_path, qtbot):
    window = make_window()
    first = window.model.path
    missing = tmp_path / "missing-ws"
    window.actions_by_name["open"].trigger()
    dialog = window.flow.dialog
    dialog.setDirectory(str(tmp_path))
    dialog.findChild(QLineEdit, "fileNameEdit").setText("missing-ws")
    _choose(qtbot, dialog)
    box = window.flow.message_box
    qtbot.waitUntil(lambda: box.isVisible(), timeout=3000)
    assert f"Create a new workspace in {missing}?" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert not missing.exists() and window.model.path == first

    window.flow.open_path(missing, create=False)
    box = window.flow.message_box
    create = next(b for b in box.buttons() if b.text() == "&Create Workspace")
    qtbot.mouseClick(create, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.path == missing.resolve(), timeout=3000)
    assert (missing / "registry.db").is_file()


def test_open_recent_drops_a_vanished_folder_with_a_message(make_window, tmp_path):
    window = make_window()
    gone = tmp_path / "gone-ws"
    Workspace.open(gone).close()
    window.settings.add_recent(gone)
    window.settings.add_recent(window.model.path)
    os.rename(gone, tmp_path / "moved-ws")
    assert window.flow.open_recent(gone) is False
    assert gone not in window.settings.recent_workspaces()
    box = visible_message_boxes()[0]
    assert "no longer exists" in box.text()
    box.close()
    from mlops_desktop.ui.shell.menus import fill_recent_menu

    fill_recent_menu(window, window.recent_menu)
    entries = [a.data() for a in window.recent_menu.actions() if a.data()]
    assert entries == [str(window.model.path)]


def test_recent_list_is_capped_at_eight_most_recent_first(tmp_path):
    from mlops_desktop.ui.kit.settings import AppSettings

    settings = AppSettings()
    for i in range(10):
        settings.add_recent(tmp_path / f"ws{i}")
    settings.add_recent(tmp_path / "ws5")
    recent = settings.recent_workspaces()
    assert len(recent) == 8
    assert recent[0] == tmp_path / "ws5"
    assert recent[1] == tmp_path / "ws9"
    assert recent.count(tmp_path / "ws5") == 1


def test_show_details_starts_with_a_summary_not_a_traceback(qtbot):
    from mlops_desktop.ui.kit.dialogs import ErrorText, error_box

    try:
        {}["port"]
    except KeyError:
        import traceback

        details = traceback.format_exc()
    box = error_box(None, ErrorText("Deploy", "Something went wrong", "KeyError: 'port'", details))
    shown = box.detailedText()
    assert shown.splitlines()[0] == "What went wrong: KeyError: 'port'"
    assert not shown.startswith("Traceback") and "Traceback (most recent call last)" in shown
