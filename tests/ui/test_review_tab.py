"""The Govern page's Reviews tab: the queue with its filters, Accept and Override with a reason
by real clicks, the stop switch, and the rail's badge counting the decisions waiting."""

from __future__ import annotations

import json
import time
from pathlib import Path

from PySide6.QtCore import Qt

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.governance.review_tab import ReasonDialog, ReviewTab
from tests.serving.conftest import credit_frame, register_versions, trained  # noqa: F401

TIMEOUT_MS = 10_000


def _queue(path: Path, trained) -> list[int]:  # noqa: F811 - the fixture's value
    with Workspace.open(path) as ws:
        register_versions(ws, trained)
        now = time.time()
        ws.reviews.queue(
            [
                ("req-a", 0, "credit", 1, "band", 0.52, json.dumps("good"), now),
                ("req-b", 0, "credit", 1, "share", 0.91, json.dumps("good"), now + 1),
            ]
        )
        return [r.id for r in ws.reviews.reviews("pending")]


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _review(path: Path, review_id: int):
    with Workspace.open(path, create=False) as ws:
        return ws.reviews.get(review_id)


def _paused(path: Path) -> bool:
    with Workspace.open(path, create=False) as ws:
        pause = ws.pauses.get("credit")
        return bool(pause and pause.paused)


def test_decide_from_the_queue_and_pause_the_model(qtbot, make_window, tmp_path, trained):  # noqa: F811
    path = tmp_path / "ws"
    first, second = sorted(_queue(path, trained))
    window = make_window(path)
    window.show_page("govern")
    page = window.page("govern")
    tab = page.show_tab(ReviewTab)
    assert isinstance(tab, ReviewTab) and page.tabs.tabText(page.tabs.indexOf(tab)) == "Reviews"
    qtbot.waitUntil(lambda: tab.table.model().rowCount() == 2, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.badge("govern") == 2, timeout=TIMEOUT_MS)
    assert not tab.accept_button.isEnabled()

    assert tab.select(first)
    assert tab.override_button.isEnabled() and "req-a" in tab.detail.text()
    _click(qtbot, tab.override_button)
    dialog = tab.dialog
    assert isinstance(dialog, ReasonDialog) and dialog.isVisible()
    assert not dialog.ok_button.isEnabled()  # no reason yet
    assert dialog.outcome.currentText() == "bad"
    qtbot.keyClicks(dialog.reason_edit, "income verified by phone")
    _click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: _review(path, first).status == "overridden", timeout=TIMEOUT_MS)
    decided = _review(path, first)
    assert (decided.suggestion, decided.outcome) == ("good", "bad")
    assert decided.reason == "income verified by phone"
    qtbot.waitUntil(lambda: window.badge("govern") == 1, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: tab.table.model().rowCount() == 1, timeout=TIMEOUT_MS)  # pending only

    tab.status_filter.setCurrentText("All")
    qtbot.waitUntil(lambda: tab.table.model().rowCount() == 2, timeout=TIMEOUT_MS)
    assert tab.select(second)
    _click(qtbot, tab.accept_button)
    qtbot.keyClicks(tab.dialog.reason_edit, "looks right")
    _click(qtbot, tab.dialog.ok_button)
    qtbot.waitUntil(lambda: _review(path, second).status == "accepted", timeout=TIMEOUT_MS)
    assert _review(path, second).outcome == "good"
    qtbot.waitUntil(lambda: window.badge("govern") == 0, timeout=TIMEOUT_MS)

    tab.model_filter.setCurrentText("credit")
    tab.table.clearSelection()
    qtbot.waitUntil(lambda: tab.pause_button.text() == "&Pause credit…", timeout=TIMEOUT_MS)
    _click(qtbot, tab.pause_button)
    qtbot.keyClicks(tab.dialog.reason_edit, "complaint under investigation")
    _click(qtbot, tab.dialog.ok_button)
    qtbot.waitUntil(lambda: _paused(path), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: tab.pause_button.text() == "&Resume credit…", timeout=TIMEOUT_MS)
    assert "complaint under investigation" in tab.rules_label.text()
    _click(qtbot, tab.pause_button)
    assert tab.dialog.ok_button.isEnabled()  # resuming needs no reason
    _click(qtbot, tab.dialog.ok_button)
    qtbot.waitUntil(lambda: not _paused(path), timeout=TIMEOUT_MS)


def test_an_empty_queue_says_how_decisions_arrive(qtbot, make_window, tmp_path, trained):  # noqa: F811
    path = tmp_path / "ws"
    with Workspace.open(path) as ws:
        register_versions(ws, trained)
    window = make_window(path)
    window.show_page("govern")
    tab = window.page("govern").show_tab(ReviewTab)
    qtbot.waitUntil(lambda: tab.view is not None, timeout=TIMEOUT_MS)
    assert tab.stack.currentWidget() is tab.empty
    assert "contests a decision" in tab.empty.text.text()
    assert (
        tab.empty.command.command() == "mlops-desktop review rules NAME --band 0.4:0.6 --share 0.05"
    )
    assert window.badge("govern") == 0
