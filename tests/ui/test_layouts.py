"""Primary actions stay in view at 1024 x 768 with the Jobs panel docked and listing jobs:
Deploy's button after a gate failure, Export HTML/PDF on the Test page, alert rows on Monitor."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.shell.main_window import MainWindow
from tests.credit import build_credit_workspace

STRICT = {"metrics": {"roc_auc": {">=": 0.97}}}
SIZE = (1024, 768)


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """credit@1 tested against a gate it fails (its jobs are in the registry)."""
    path = tmp_path_factory.mktemp("layouts") / "ws"
    build_credit_workspace(path, gate=STRICT, test_resamples=100)
    return path


def small_window(qtbot, make_window, path: Path) -> MainWindow:
    window = make_window(path)
    window.resize(*SIZE)
    window.jobs_dock.set_show_earlier(True)  # the panel lists jobs (three rows here)
    qtbot.waitUntil(lambda: window.jobs_dock.view.isVisible(), timeout=5_000)
    # As tall as it used to open (a user may drag it so): 200 px of the 768.
    window.resizeDocks([window.jobs_dock], [200], Qt.Orientation.Vertical)
    qtbot.waitUntil(lambda: window.jobs_dock.height() >= 190, timeout=5_000)
    return window


def fully_in_view(widget: QWidget, window: MainWindow) -> bool:
    """Shown, not clipped by any scroll area or splitter, and inside the window."""
    if not widget.isVisible() or widget.visibleRegion().boundingRect() != widget.rect():
        return False
    top_left = widget.mapTo(window, QPoint(0, 0))
    rect = QRect(top_left, widget.size())
    if not window.rect().contains(rect):
        return False
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            viewport = parent.viewport()
            port = QRect(viewport.mapTo(window, QPoint(0, 0)), viewport.size())
            if not port.contains(rect):
                return False
        parent = parent.parentWidget()
    return True


def test_deploy_button_stays_in_view_after_a_gate_failure(qtbot, make_window, failing, tmp_path):
    window = small_window(qtbot, make_window, shutil.copytree(failing, tmp_path / "ws"))
    window.show_page("deploy")
    deploy = window.page("deploy")
    assert deploy.selected().verdict == "failed"
    assert "failed gate" in deploy.versions.gate_note.text()
    button = deploy.deploy_button
    assert fully_in_view(button, window)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: deploy.dialog is not None and deploy.dialog.isVisible(), timeout=10_000)
    deploy.dialog.close()  # the refusal: the gate failed
    qtbot.waitUntil(lambda: not deploy.busy, timeout=10_000)
    assert fully_in_view(button, window)
    assert fully_in_view(deploy.rollback_button, window)


def test_export_buttons_stay_in_view_on_the_test_page(qtbot, make_window, failing, tmp_path):
    window = small_window(qtbot, make_window, shutil.copytree(failing, tmp_path / "ws"))
    window.show_page("test")
    test = window.page("test")
    test.show_tab(test.report_tab)
    assert test.report is not None
    for button in (
        test.report_tab.open_button,
        test.report_tab.html_button,
        test.report_tab.pdf_button,
        test.run_button,
    ):
        assert fully_in_view(button, window), button.text()


def test_three_alert_rows_stay_in_view_on_the_monitor_page(qtbot, make_window, failing, tmp_path):
    path = shutil.copytree(failing, tmp_path / "ws")
    with Workspace.open(path, create=False) as ws:
        rule = ws.alerts.add_rule("credit", "feature_drift", {}, user="tests")
        for n in range(5):
            ws.alerts.open(rule, "warning", f"Feature drift number {n}", {})
    window = small_window(qtbot, make_window, path)
    window.show_page("monitor")
    monitor = window.page("monitor")
    view = monitor.alerts_panel.view
    qtbot.waitUntil(lambda: view.model().rowCount() == 5, timeout=15_000)
    visible = [
        row
        for row in range(view.model().rowCount())
        if view.viewport().rect().contains(view.visualRect(view.model().index(row, 0)))
    ]
    assert len(visible) >= 3, visible
    assert fully_in_view(view, window)
    for button in (monitor.alerts_panel.ack_button, monitor.alerts_panel.retrain_button):
        assert fully_in_view(button, window)
