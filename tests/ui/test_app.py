"""Starting the app: which workspace opens, the theme, the icon, and run_gui end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from mlops_desktop.paths import default_workspace_dir, demo_workspace_dir
from mlops_desktop.registry.workspace import Workspace, is_workspace
from mlops_desktop.ui.kit.icons import app_icon
from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.kit.theme import THEME_ENV, ThemeManager, is_dark
from mlops_desktop.ui.shell.app import open_start_workspace, run_gui, start_workspace_path
from tests.ui.helpers import box_text


def test_start_workspace_explicit_then_demo_then_last_then_default(tmp_path):
    settings = AppSettings()
    explicit = tmp_path / "mine"
    assert start_workspace_path(explicit, True, settings) == explicit
    assert start_workspace_path(None, True, settings) == demo_workspace_dir()
    assert start_workspace_path(None, False, settings) == default_workspace_dir()
    last = tmp_path / "last-ws"
    settings.add_recent(last)
    assert start_workspace_path(None, False, settings) == default_workspace_dir()  # not one yet
    Workspace.open(last).close()
    assert start_workspace_path(None, False, settings) == last
    assert str(default_workspace_dir()).startswith(str(tmp_path))  # MLOPS_DESKTOP_HOME isolated


@pytest.fixture
def restore_palette(qapp):
    yield
    qapp.setPalette(QPalette())


@pytest.mark.parametrize("theme, dark", [("dark", True), ("light", False)])
def test_forced_theme_sets_a_matching_fusion_palette(
    qapp, monkeypatch, restore_palette, theme, dark
):
    monkeypatch.setenv(THEME_ENV, theme)
    manager = ThemeManager(qapp)
    seen = []
    manager.changed.connect(seen.append)
    assert manager.apply() is dark
    assert qapp.style().baseStyle().name().lower() == "fusion"  # Fusion, check boxes outlined
    assert is_dark(qapp.palette()) is dark
    assert seen == [dark]
    text = qapp.palette().color(QPalette.ColorRole.WindowText).lightness()
    window = qapp.palette().color(QPalette.ColorRole.Window).lightness()
    assert abs(text - window) > 120  # readable contrast either way


def test_app_icon_loads_from_packaged_resources():
    icon = app_icon()
    assert not icon.isNull()
    assert icon.pixmap(256, 256).width() == 256


def close_when_shown(answer_dialog: str | None = None, seen: list[str] | None = None) -> None:
    """Close the main window once it shows, or answer the first message box by button text."""

    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if answer_dialog and isinstance(modal, QMessageBox):
            if seen is not None:
                seen.append(box_text(modal))
            next(b for b in modal.buttons() if b.text() == answer_dialog).click()
            return
        windows = [
            w
            for w in QApplication.topLevelWidgets()
            if w.objectName() == "mainWindow" and w.isVisible()
        ]
        if windows:
            windows[0].close()
            return
        QTimer.singleShot(50, poll)

    QTimer.singleShot(50, poll)


def answer_then_close(answer: str, seen: list[str], then_close: bool = True) -> None:
    """Answer the first message box with the button ``answer``, then close the main window."""

    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, QMessageBox):
            seen.append(box_text(modal))
            next(b for b in modal.buttons() if b.text() == answer).click()
            if then_close:
                close_when_shown()
            return
        QTimer.singleShot(50, poll)

    QTimer.singleShot(50, poll)


def test_run_gui_asks_before_creating_a_folder_that_does_not_exist(qapp, tmp_path):
    target = tmp_path / "not-yet"
    seen: list[str] = []
    answer_then_close("Cancel", seen, then_close=False)
    assert run_gui(workspace=target) == 2
    assert not target.exists()
    assert f"Create a new workspace in {target}?" in seen[0]
    answer_then_close("&Create Workspace", seen)
    assert run_gui(workspace=target) == 0
    assert is_workspace(target)


def test_run_gui_opens_the_workspace_and_remembers_it(qapp, tmp_path):
    target = tmp_path / "first-ws"
    Workspace.open(target).close()
    close_when_shown()
    assert run_gui(workspace=target) == 0
    assert is_workspace(target)
    assert AppSettings().last_workspace() == target.resolve()
    assert qapp.applicationName() == "MLOps Desktop"
    assert qapp.organizationName() == "MLOps Desktop"


def test_start_with_demo_opens_the_demo_folder(make_window):
    """``mlops-desktop --demo``: the first workspace is the demo folder (its content builds as a
    job once it is open)."""
    window = make_window(open_workspace=False)
    assert open_start_workspace(window, demo_workspace_dir(), demo=True)
    assert window.model.path == demo_workspace_dir().resolve()
    assert window.settings.recent_workspaces()[0] == demo_workspace_dir().resolve()


def test_run_gui_explains_an_unusable_workspace_and_can_quit(qapp, tmp_path):
    folder = tmp_path / "not-ws"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    seen: list[str] = []
    close_when_shown(answer_dialog="&Quit", seen=seen)
    assert run_gui(workspace=folder) == 2
    assert "This folder is not a workspace" in seen[0]
    assert "Traceback" not in seen[0]
    assert not is_workspace(folder)


def test_open_demo_workspace_uses_the_demo_folder(make_window):
    window = make_window()
    window.actions_by_name["demo"].trigger()
    assert window.model.path == demo_workspace_dir().resolve()
    assert Path(window.status.path_label.full_text()) == demo_workspace_dir().resolve()
    assert window.settings.recent_workspaces()[0] == demo_workspace_dir().resolve()
