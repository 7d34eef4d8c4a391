"""Every page shows only its own workspace: a version deployed and served in a second workspace
leaves no trace on the first one's Deploy page, status bar or meeting board when the user comes
back to it, and each workspace keeps its own service port.

Two private copies of German credit (credit@1 tested, a lenient gate agreed); a real service
runs for the second on 127.0.0.1 and is stopped afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.process import find_service
from mlops_desktop.ui.serving.model import stop_local_service
from tests.conftest import copy_workspace
from tests.serving.conftest import free_port

TIMEOUT_MS = 60_000
LENIENT = {"metrics": {"roc_auc": {">=": 0.6}}}


def _copy(template: Path, to: Path) -> Path:
    copy_workspace(template, to)
    with Workspace.open(to, create=False) as ws:
        ws.gates.set("credit", LENIENT, reason="tests")
    return to


def aliases_of(page, ref: str) -> str:
    for r in range(page.table.proxy.rowCount()):
        if page.table.proxy.index(r, 0).data() == ref:
            return page.table.proxy.index(r, 1).data() or ""
    raise AssertionError(ref)


@pytest.mark.slow
def test_coming_back_to_a_workspace_shows_none_of_the_other_ones_service(
    qtbot, make_window, tested_credit, tmp_path
):
    first = _copy(tested_credit, tmp_path / "first")
    second = _copy(tested_credit, tmp_path / "second")
    window = make_window(first)
    window.show_page("deploy")
    page = window.page("deploy")
    first_port, second_port = free_port(), free_port()
    page.service_card.port.setValue(first_port)
    try:
        # In the second workspace: deploy credit@1, which starts its service.
        assert window.flow.open_path(second, create=False)
        assert page.service_card.port.value() == first_port  # a new workspace: the last choice
        page.service_card.port.setValue(second_port)
        qtbot.waitUntil(lambda: page.table.select_ref("credit@1"), timeout=TIMEOUT_MS)
        qtbot.mouseClick(page.deploy_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not page.busy, timeout=TIMEOUT_MS)
        assert page.last_error is None, page.last_error
        served = f"http://127.0.0.1:{second_port}"
        assert page.message.text() == f"credit@1 is live; the service at {served} serves it."
        qtbot.waitUntil(lambda: page.service is not None, timeout=TIMEOUT_MS)
        assert served in window.status.service.label.text()
        window.open_meeting()
        qtbot.waitUntil(lambda: window.meeting_window.last is not None, timeout=TIMEOUT_MS)
        assert window.meeting_window.last.service.url == served

        # Back in the first workspace: nothing of the second one's deployment or service, and
        # no question of the second one left on screen to act on the first (Stop service?).
        page.stop_service()
        assert page.dialog.isVisible() and served in page.dialog.text()
        assert window.flow.open_path(first, create=False)
        assert not page.dialog.isVisible()
        assert window.meeting_window is None or not window.meeting_window.isVisible()
        for text in (
            page.message.text(),
            page.service_card.state.text(),
            page.service_card.detail.text(),
            window.status.service.label.text(),
            page.examples.curl.text.toPlainText(),
        ):
            assert served not in text and "credit@1 is live" not in text, text
        assert page.service is None and not window.status.service.ok
        assert page.service_card.port.value() == first_port  # each workspace its own port
        qtbot.waitUntil(lambda: page.table.select_ref("credit@1"), timeout=TIMEOUT_MS)
        assert "live" not in aliases_of(page, "credit@1")  # not live here
        polls = page.monitor.polls
        qtbot.waitUntil(lambda: page.monitor.polls > polls, timeout=TIMEOUT_MS)
        assert page.service is None
        assert page.service_card.state.text() == "Scoring service: not running"
        assert window.status.service.label.text() == "Scoring service: not running"
        meeting = window.open_meeting()
        qtbot.waitUntil(lambda: meeting.last is not None, timeout=TIMEOUT_MS)
        assert meeting.path == first and meeting.last.service is None
        assert meeting.showing_empty_state()  # nothing is deployed here

        # Opening the second workspace again finds its service again (it was not stopped).
        assert window.flow.open_path(second, create=False)
        assert window.flow.open_path(second, create=False)
        qtbot.waitUntil(lambda: page.service is not None, timeout=TIMEOUT_MS)
        assert page.service.url == served and page.service_card.port.value() == second_port
        assert page.service_card.state.text() == f"Running at {served}"
    finally:
        page.tasks.wait(TIMEOUT_MS)
        if window.meeting_window is not None:
            window.meeting_window.close()
            window.meeting_window.wait_idle(TIMEOUT_MS)
        with Workspace.open(second, create=False) as ws:
            stop_local_service(ws)
            assert find_service(ws) is None
