"""The main window: pages in loop order, navigation, empty states, badges, menus, settings."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from mlops_desktop.registry.migrations import LATEST_VERSION
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.kit.settings import AppSettings

LOOP = ["data", "train", "test", "deploy", "monitor", "govern"]


def add_dataset_and_alert(path: Path) -> None:
    """Put one dataset version and one open alert in the registry, as later features will."""
    with Workspace.open(path) as ws:
        now = time.time()
        ws.db.execute(
            "INSERT INTO dataset_versions (name, number, content_hash, artifact_hash, rows, columns,"
            " created_at, created_by) VALUES ('credit', 1, 'c', 'a', 1000, 21, ?, 'tester')",
            [now],
        )
        ws.db.execute(
            "INSERT INTO alerts (model_name, signal, severity, message, state, opened_at)"
            " VALUES ('credit', 'drift', 'warning', 'drift in age', 'open', ?)",
            [now],
        )


def test_window_shows_the_loop_in_order_with_workspace_in_title_and_status(make_window, tmp_path):
    window = make_window()
    assert list(window.rail.buttons) == LOOP
    assert [window.rail.buttons[n].text() for n in LOOP] == [
        "Data",
        "Train",
        "Test",
        "Deploy",
        "Monitor",
        "Govern",
    ]
    assert [window.stack.widget(i).name for i in range(window.stack.count())] == LOOP
    assert window.windowTitle() == "ws — MLOps Desktop"
    assert window.status.path_label.full_text() == str((tmp_path / "ws").resolve())
    assert window.status.schema_label.text() == f"Schema {LATEST_VERSION}"
    assert window.status.counts_label.full_text().startswith("0 datasets · 0 runs")
    assert window.status.service.label.text() == "Scoring service: not running"
    assert not window.windowIcon().isNull()


def test_rail_click_switches_page_and_view_menu(make_window, qtbot):
    window = make_window()
    for name in LOOP:
        qtbot.mouseClick(window.rail.buttons[name], Qt.MouseButton.LeftButton)
        assert window.current_page_name() == name
        assert window.stack.currentWidget().isVisible()
        assert window.actions_by_name[f"page:{name}"].isChecked()
        assert window.rail.current() == name


def test_ctrl_1_to_6_switch_pages(make_window, qtbot):
    window = make_window()
    with qtbot.waitActive(window):
        window.activateWindow()
    for number, name in reversed(list(enumerate(LOOP, start=1))):
        action = window.actions_by_name[f"page:{name}"]
        assert action.shortcut() == QKeySequence(f"Ctrl+{number}")
        qtbot.keyClick(
            window, getattr(Qt.Key, f"Key_{number}"), Qt.KeyboardModifier.ControlModifier
        )
        assert window.current_page_name() == name
        assert window.rail.current() == name


def test_the_rail_outlines_only_keyboard_focus_and_never_a_second_page(make_window, qtbot):
    window = make_window()
    with qtbot.waitActive(window):
        window.activateWindow()
    buttons = window.rail.buttons
    assert not any(b.focus_outlined() for b in buttons.values())  # on launch: no outline
    buttons["data"].clearFocus()
    buttons["data"].setFocus(Qt.FocusReason.TabFocusReason)  # reached with Tab: outlined
    assert buttons["data"].focus_outlined()
    window.show_page("monitor")  # from the menu or Ctrl+6: the focus follows, unoutlined
    assert not buttons["data"].hasFocus()
    assert buttons["monitor"].hasFocus() and not buttons["monitor"].focus_outlined()
    assert not any(b.focus_outlined() for b in buttons.values())
    qtbot.mouseClick(buttons["train"], Qt.MouseButton.LeftButton)  # a click: no outline
    assert window.current_page_name() == "train"
    assert not any(b.focus_outlined() for b in buttons.values())
    assert buttons["train"].focusPolicy() == Qt.FocusPolicy.TabFocus
    qtbot.keyClick(buttons["train"], Qt.Key.Key_Down)  # arrows move along the rail, outlined
    focused = QApplication.focusWidget()
    assert focused in buttons.values() and focused.focus_outlined()


def test_empty_workspace_shows_every_empty_state_with_a_cli_command(make_window):
    window = make_window()
    for name in LOOP:
        window.show_page(name)
        page = window.page(name)
        assert page.showing_empty_state(), name
        assert page.empty_state.isVisible()
        assert page.title_label.text() == page.title
        assert page.explanation_label.text()
        assert page.empty_state.heading.text()
    data = window.page("data").empty_state
    assert data.heading.text() == "No datasets yet"
    assert "CSV, Excel or Parquet" in data.text.text()
    assert data.command.command().startswith("mlops-desktop ")
    assert data.command.label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse


def test_empty_state_action_leads_to_the_missing_step(make_window, qtbot):
    window = make_window()
    window.show_page("train")
    empty = window.page("train").empty_state
    assert empty.action.isVisible() and "Data" in empty.action.text()
    qtbot.mouseClick(empty.action, Qt.MouseButton.LeftButton)
    assert window.current_page_name() == "data"


def test_copy_button_puts_the_command_on_the_clipboard(make_window, qtbot):
    from PySide6.QtGui import QGuiApplication

    window = make_window()
    command = window.page("data").empty_state.command
    qtbot.mouseClick(command.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == command.command()


def test_summary_change_fills_pages_and_sets_monitor_badge(make_window, tmp_path):
    window = make_window()
    assert window.badge("monitor") == 0
    add_dataset_and_alert(tmp_path / "ws")
    window.model.refresh_summary()  # what the 2-second timer does
    assert not window.page("data").showing_empty_state()
    assert window.page("data").versions.refs() == ["credit@1"]
    assert window.page("train").showing_empty_state()
    assert "Choose a dataset version" in window.page("train").empty_state.text.text()
    assert window.badge("monitor") == 1
    assert "1 open alert" in window.status.counts_label.full_text()
    assert "1 dataset ·" in window.status.counts_label.full_text()


def test_summary_timer_picks_up_changes_made_elsewhere(qtbot, tmp_path):
    from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

    model = WorkspaceModel(pool_options={"warm_workers": 0, "preload": ()}, summary_interval_ms=50)
    model.open(tmp_path / "ws")
    try:
        with qtbot.waitSignal(model.summary_changed, timeout=3000) as blocker:
            add_dataset_and_alert(tmp_path / "ws")
        assert blocker.args[0].open_alerts == 1
        assert model.last_summary_ms < 100
    finally:
        model.close()


def test_set_badge_and_service_state(make_window):
    window = make_window()
    window.set_badge("test", 3)
    assert window.rail.buttons["test"].badge == 3
    assert "3 need attention" in window.rail.buttons["test"].toolTip()
    window.set_badge("test", 0)
    assert window.rail.buttons["test"].badge == 0
    window.set_service_state("Scoring service: running on 127.0.0.1:8765", True)
    assert window.status.service.label.text().endswith("8765")
    assert window.status.service.ok is True


def test_jobs_panel_toggles_with_ctrl_j(make_window, qtbot):
    window = make_window()
    with qtbot.waitActive(window):
        window.activateWindow()
    action = window.actions_by_name["jobs"]
    assert action.shortcut() == QKeySequence("Ctrl+J")
    was_visible = window.jobs_dock.isVisible()
    action.trigger()
    assert window.jobs_dock.isVisible() is not was_visible
    qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert window.jobs_dock.isVisible() is was_visible


def test_menus_have_the_usual_shortcuts(make_window):
    window = make_window()
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert list(menus) == ["File", "View", "Help"]
    file_items = [a.text().replace("&", "") for a in menus["File"].actions() if a.text()]
    assert file_items == [
        "New Workspace…",
        "Open Workspace…",
        "Open Recent",
        "Open Demo Workspace",
        "Cluster Settings…",
        "Quit",
    ]
    actions = window.actions_by_name
    assert actions["new"].shortcut() == QKeySequence("Ctrl+N")
    assert actions["open"].shortcut() == QKeySequence("Ctrl+O")
    assert actions["quit"].shortcut() == QKeySequence("Ctrl+Q")
    assert actions["fullscreen"].shortcut() == QKeySequence("F11")
    help_items = [a.text().replace("&", "") for a in menus["Help"].actions()]
    assert help_items == ["About MLOps Desktop", "About Qt"]


def test_full_screen_toggles(make_window):
    window = make_window()
    window.actions_by_name["fullscreen"].trigger()
    assert window.isFullScreen()
    window.actions_by_name["fullscreen"].trigger()
    assert not window.isFullScreen()


def test_about_box_names_version_and_credits_datasets(make_window):
    from mlops_desktop import __version__

    window = make_window()
    window.actions_by_name["about"].trigger()
    box = window.about_dialog
    assert box.isVisible()
    text = box.text()
    assert f"MLOps Desktop {__version__}" in text
    assert "Hofmann, H. (1994). Statlog (German Credit Data)" in text
    assert "Becker, B. &amp; Kohavi, R. (1996). Adult" in text
    assert "Fanaee-T, H. &amp; Gama, J. (2013). Bike Sharing" in text
    assert text.count("CC BY 4.0") == 3
    box.close()


def test_window_geometry_page_and_recent_are_remembered(make_window, tmp_path):
    window = make_window()
    window.resize(760, 580)  # the offscreen screen is 800 x 600
    saved = (window.width(), window.height())
    window.show_page("deploy")
    assert window.flow.open_path(tmp_path / "ws", create=False)
    window.close()
    settings = AppSettings()
    assert settings.last_page() == "deploy"
    assert settings.window_geometry() is not None
    assert settings.last_workspace() == (tmp_path / "ws").resolve()

    again = make_window()
    assert again.current_page_name() == "deploy"
    assert (again.width(), again.height()) == saved == (760, 580)


def test_empty_state_column_does_not_squeeze_text(make_window):
    window = make_window()
    window.show_page("train")
    text = window.page("train").empty_state.text
    assert text.width() >= 400
