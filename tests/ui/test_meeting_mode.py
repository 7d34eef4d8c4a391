"""Meeting mode on a real workspace and a real scoring service on 127.0.0.1.

credit@1 (logistic regression, tested) and risk@1 (logistic regression, untested) are live.
The simulator test starts the service from the meeting window and always stops it afterwards.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mlops_desktop.jobs.inline import run_inline
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.deployments import deploy
from mlops_desktop.serving.process import find_service
from mlops_desktop.training.jobs import train_model
from mlops_desktop.ui.monitoring.meeting.board import MeetingWindow
from mlops_desktop.ui.monitoring.meeting.data import cadence_text, parse_progress, quality_text
from mlops_desktop.ui.serving.model import stop_local_service
from tests.monitoring.conftest import free_port, template_ws  # noqa: F401 - a fixture

TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def two_models(template_ws: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """The monitoring template (credit@1 tested and live) plus risk@1, live but untested."""
    path = tmp_path_factory.mktemp("meeting") / "ws"
    shutil.copytree(template_ws, path)
    with Workspace.open(path, create=False) as ws:
        run_inline(
            ws,
            train_model,
            {"dataset": "credit@1", "model": "logreg", "cv_folds": 2, "register": "risk"},
        )
        deploy(ws, "risk@1", force=True, reason="meeting mode tests")
    return path


@pytest.fixture
def ws_path(two_models: Path, tmp_path: Path) -> Path:
    path = tmp_path / "meeting-ws"
    shutil.copytree(two_models, path)
    return path


@pytest.fixture
def meeting(qtbot, ws_path: Path):
    """A meeting window on a private copy; closed, idle and its service stopped afterwards."""
    window = MeetingWindow(ws_path)
    window.simulator.service_port = free_port()
    qtbot.addWidget(window)
    window.showFullScreen()
    qtbot.waitExposed(window)
    yield window
    window.close()
    window.wait_idle(TIMEOUT_MS)
    with Workspace.open(ws_path, create=False) as ws:
        stop_local_service(ws)
        assert find_service(ws) is None


def predictions(path: Path, model: str = "credit") -> int:
    with Workspace.open(path, create=False) as ws:
        return ws.db.execute(
            "SELECT COUNT(*) FROM predictions WHERE model_name = ?", [model]
        ).fetchone()[0]


def requests_shown(window: MeetingWindow, model: str = "credit") -> int:
    return int(window.board.cards[model].requests.text().replace(",", ""))


def test_the_board_shows_one_card_per_deployed_model(qtbot, meeting):
    qtbot.waitUntil(lambda: meeting.last is not None, timeout=TIMEOUT_MS)
    assert not meeting.showing_empty_state()
    assert list(meeting.board.cards) == ["credit", "risk"]
    credit, risk = meeting.board.cards["credit"], meeting.board.cards["risk"]
    assert credit.live.text() == "Live: credit@1" and risk.live.text() == "Live: risk@1"
    # No service runs yet: both amber, and the card says why in words.
    assert credit.card.light == "amber" and credit.verdict.text() == "Needs a look"
    assert "the scoring service is not running" in credit.reasons.text()
    assert risk.card.light == "amber" and "risk@1 has no test report" in risk.reasons.text()
    assert credit.quality.text() == quality_text(credit.card)
    assert credit.quality.text().startswith("ROC AUC 0.")
    # What the figure was measured on: the test report's held-out rows, with their count.
    assert credit.quality_note.text().startswith(
        "measured on 200 held-out test rows of dataset credit@1"
    )
    assert credit.drift.text() == "No drift windows yet"
    assert credit.requests.text() == "0" and credit.alerts.text() == "No open alerts"
    # The simulator says the service is not running and offers to start it.
    bar = meeting.simulator
    assert bar.start_service_button.isVisible() and not bar.start_button.isEnabled()
    assert "not running" in bar.service_label.text()
    assert bar.model.currentText() == "credit" and bar.dataset.currentText() == "credit@1"
    assert not bar.progress_bar.isVisible()  # no run yet: no empty bar
    assert meeting.board.base_point_size() >= 9
    # Nothing was live before credit@1 and nothing is on trial: nothing to roll back to (as on
    # the Deploy page), while the report can be opened.
    actions = meeting.actions_bar
    qtbot.waitUntil(lambda: actions.card is not None, timeout=TIMEOUT_MS)
    assert actions.card.rollback_to is None
    assert not actions.rollback_button.isEnabled() and actions.report_button.isEnabled()


@pytest.mark.slow
def test_the_board_fits_a_1280_wide_screen(qtbot, meeting):
    """A 1280 x 800 projector shows the whole board: nothing forces it wider than the screen."""
    qtbot.waitUntil(lambda: meeting.last is not None, timeout=TIMEOUT_MS)
    assert meeting.minimumSizeHint().width() <= 1280


def test_the_simulator_sends_traffic_to_the_real_service_and_stops(qtbot, meeting, ws_path):
    bar = meeting.simulator
    qtbot.waitUntil(lambda: bar.start_service_button.isVisible(), timeout=TIMEOUT_MS)
    qtbot.mouseClick(bar.start_service_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar.start_button.isEnabled(), timeout=TIMEOUT_MS)
    assert bar.service is not None and bar.service.url.startswith("http://127.0.0.1:")
    # With the service up and nothing wrong, the tested model turns green.
    qtbot.waitUntil(lambda: meeting.board.cards["credit"].card.light == "green", timeout=10_000)
    assert meeting.board.cards["risk"].card.light == "amber"

    bar.model.setCurrentText("credit")
    assert bar.dataset.currentText() == "credit@1"
    bar.rate.setValue(20)
    bar.duration.setValue(120)
    bar.drift_column.setCurrentIndex(bar.drift_column.findData("credit_amount"))
    assert bar.shift.isEnabled() and bar.drift() == {"credit_amount": 3.0}
    qtbot.mouseClick(bar.start_button, Qt.MouseButton.LeftButton)
    assert bar.progress_bar.isVisible()
    assert bar.runner.running() and bar.stop_button.isEnabled()
    assert not bar.model.isEnabled()

    qtbot.waitUntil(lambda: predictions(ws_path) >= 20, timeout=TIMEOUT_MS)
    # The replay is of rows credit@1 never trained on: its training data's test split.
    assert "the 200 held-out test rows of credit@1" in bar.status.toolTip()
    qtbot.waitUntil(lambda: requests_shown(meeting) >= 20, timeout=10_000)
    qtbot.waitUntil(lambda: bar.sent >= 20, timeout=10_000)
    chart = meeting.board.cards["credit"].chart
    qtbot.waitUntil(lambda: chart.history.pending >= 20, timeout=10_000)
    assert chart.history.size == 500 and "next: " in chart.describe() + cadence_text(chart.history)
    assert "requests sent" in bar.status.text() and "elapsed" in bar.status.text()

    qtbot.mouseClick(bar.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: not bar.runner.running() and bar.last_result is not None, timeout=10_000
    )
    result = bar.last_result
    assert bar.last_error is None and result.failed == 0
    assert 20 <= result.requests < 20 * 120 and result.drift == {"credit_amount": 3.0}
    assert bar.status.text().startswith("Done:") and bar.start_button.isEnabled()
    # Stopped means stopped: the log holds exactly what was sent, and stays there.
    qtbot.waitUntil(lambda: predictions(ws_path) == result.requests, timeout=10_000)
    qtbot.wait(600)
    assert predictions(ws_path) == result.requests
    qtbot.waitUntil(lambda: requests_shown(meeting) == result.requests, timeout=10_000)

    # Closing the window stops a running simulation too.
    qtbot.mouseClick(bar.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: predictions(ws_path) > result.requests + 5, timeout=TIMEOUT_MS)
    meeting.close()
    assert not bar.runner.running() and not bar.runner.thread.is_alive()


def test_nothing_deployed_shows_the_empty_state(qtbot, tmp_path):
    Workspace.open(tmp_path / "empty").close()
    window = MeetingWindow(tmp_path / "empty")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last is not None, timeout=TIMEOUT_MS)
    assert window.showing_empty_state() and not window.board.cards
    assert "Deploy a model on the Deploy page, then come back" in window.empty.text.text()
    assert window.empty.action.isVisible() and not window.simulator.isVisible()
    with qtbot.waitSignal(window.navigate_requested) as asked:
        qtbot.mouseClick(window.empty.action, Qt.MouseButton.LeftButton)
    assert asked.args == ["deploy"] and not window.isVisible()
    window.wait_idle(TIMEOUT_MS)


def test_the_menu_action_opens_meeting_mode_and_esc_leaves_it(qtbot, make_window):
    window = make_window()
    action = window.actions_by_name["meeting"]
    assert action.shortcut().toString() == "Ctrl+Shift+M"
    assert action in window.menuBar().actions()[1].menu().actions()  # View
    action.trigger()
    meeting = window.meeting_window
    qtbot.waitExposed(meeting)
    assert meeting.isVisible() and meeting.isFullScreen()
    assert meeting.path == window.model.path
    qtbot.waitUntil(lambda: meeting.showing_empty_state() and meeting.last, timeout=TIMEOUT_MS)
    qtbot.keyClick(meeting, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not meeting.isVisible(), timeout=5_000)
    action.trigger()  # opens again on the same workspace
    assert window.meeting_window is meeting and meeting.isVisible()
    qtbot.keyClick(meeting, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: not meeting.isVisible(), timeout=5_000)
    meeting.wait_idle(TIMEOUT_MS)


def test_progress_messages_parse():
    assert parse_progress("1,234 requests sent, 5 failed") == (1234, 5)
    assert parse_progress("Done: 3 requests in 1 s") is None
