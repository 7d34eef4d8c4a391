"""Monitor › Requests, with real clicks: the picked model's logged decisions, one explained in
place; a workspace switch forgets the other workspace's decisions."""

from __future__ import annotations

from PySide6.QtCore import Qt

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.monitoring.page import REQUESTS_TAB
from tests.conftest import copy_workspace

TIMEOUT_MS = 30_000


def _requests_tab(window, qtbot):
    qtbot.mouseClick(window.rail.buttons["monitor"], Qt.MouseButton.LeftButton)
    page = window.page("monitor")
    qtbot.waitUntil(lambda: page.charts.currentWidget() is page.tabs, timeout=TIMEOUT_MS)
    index = REQUESTS_TAB
    assert page.tabs.tabText(index) == "Re&quests"
    page.tabs.tabBar().setCurrentIndex(index)
    return page, page.requests


def test_a_logged_decision_is_listed_and_explained_on_the_monitor_page(
    make_window, qtbot, demo_template, tmp_path
) -> None:
    path = copy_workspace(demo_template, tmp_path / "demo")
    window = make_window(path)
    page, tab = _requests_tab(window, qtbot)
    qtbot.waitUntil(lambda: len(tab.recent_table.row_texts()) > 0, timeout=TIMEOUT_MS)
    picked = page.picked_model()
    rows = tab.recent_table.row_texts()
    assert picked and all(row[1].split("@")[0] == picked for row in rows)
    from mlops_desktop.governance.explanations import recent_requests

    with Workspace.open(path, create=False) as ws:
        logged = {r.request_id for r in recent_requests(ws, 500)}
    assert {row[2] for row in rows} <= logged

    first = tab.recent_table.visualRect(tab.recent_table.model().index(0, 0))
    qtbot.mouseClick(tab.recent_table.viewport(), Qt.MouseButton.LeftButton, pos=first.center())
    assert tab.id_field.text() == rows[0][2]
    qtbot.mouseClick(tab.explain_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.result is not None, timeout=TIMEOUT_MS)
    assert tab.result.request_id == rows[0][2]
    assert tab.headline.text().startswith(tab.result.model)
    assert tab.reasons.text().startswith("Main reasons:\n1. ")
    assert len(tab.table.row_texts()) == len(tab.result.rows[0].contributions)

    other = tmp_path / "empty"
    Workspace.open(other, create=True).close()
    window.model.open(other)
    qtbot.waitUntil(lambda: tab.result is None, timeout=TIMEOUT_MS)
    assert tab.recent_table.row_texts() == [] and tab.table.row_texts() == []
    assert tab.id_field.text() == ""
