"""The meeting board tells one truth: its cards, chart, "Why" and banner agree with each other
and with the Monitor page, and its actions say what happened.

credit@1 (logistic regression, tested) is live in a real workspace with 150-row windows; the
traffic is logged as the service logs it, the windows and alerts come from real monitoring
passes. No service runs (the board says so), which these tests do not need.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mlops_desktop.monitoring.alerts import acknowledge, list_alerts
from mlops_desktop.monitoring.monitor_job import run_once
from mlops_desktop.monitoring.settings import MonitorSettings, save_settings
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.monitoring.meeting.board import MeetingWindow
from mlops_desktop.ui.monitoring.model import alert_counts_text
from tests.monitoring.conftest import credit, log_requests, shifted, template_ws  # noqa: F401

TIMEOUT_MS = 60_000
WINDOW = 150


@pytest.fixture
def ws_path(template_ws: Path, tmp_path: Path) -> Path:  # noqa: F811
    from mlops_desktop.monitoring.reference import clear_cache

    clear_cache()
    path = tmp_path / "ws"
    shutil.copytree(template_ws, path)
    with Workspace.open(path, create=False) as ws:
        save_settings(ws, "credit", MonitorSettings(size=WINDOW, multivariate=False))
    return path


@pytest.fixture
def open_meeting(qtbot):
    """Open a meeting window on a path; closed and idle afterwards."""
    windows: list[MeetingWindow] = []

    def make(path: Path) -> MeetingWindow:
        window = MeetingWindow(path)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.last is not None, timeout=TIMEOUT_MS)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.wait_idle(TIMEOUT_MS)


def drift_windows(path: Path, frame, stable: int, drifted: int) -> list:
    """Log ``stable`` then ``drifted`` windows (credit_amount +3 sd) and run a pass on them."""
    with Workspace.open(path, create=False) as ws:
        if stable:
            log_requests(ws, frame.sample(WINDOW * stable, random_state=3))
        log_requests(
            ws, shifted(frame.sample(WINDOW * drifted, random_state=4), "credit_amount", 3.0)
        )
        return run_once(ws, "credit").opened


def card_texts(card) -> str:
    return "\n".join(
        label.text() for label in (card.verdict, card.drift, card.drift_note, card.reasons)
    )


def test_a_drifted_feature_colours_the_card_and_every_figure_agrees(
    qtbot,
    ws_path,
    credit,  # noqa: F811
    open_meeting,
):
    """One drifted window, no alert yet: the card must not say "no drift" or look healthy."""
    opened = drift_windows(ws_path, credit, stable=1, drifted=1)
    assert opened == []  # one drifted window is not an alert yet
    meeting = open_meeting(ws_path)
    card = meeting.board.cards["credit"]
    assert card.card.drift["drifted_columns"], "the shifted window should drift"
    assert "credit_amount" in card.card.drift["drifted_columns"]
    assert not card.card.drift["dataset_drift"]
    # The drift is a reason for the light, named in the "Why", and nothing says "no drift".
    assert card.card.light == "amber" and card.verdict.text() == "Needs a look"
    assert "credit_amount" in card.reasons.text() and "drifted in the latest window" in (
        card.reasons.text()
    )
    assert "no drift" not in card_texts(card).lower()
    assert "no feature drifted" not in card_texts(card).lower()
    # The chart and the card are one snapshot: the latest bar is the card's latest window.
    history = card.chart.history
    assert len(history.shares) == 2 and history.shares[-1] == card.card.drift["drift_share"]
    assert history.ends[-1] == card.card.drift["window_end"]
    assert history.shares[-1] > 0 and card.drift.text().startswith(
        f"{len(card.card.drift['drifted_columns'])} feature"
    )


def test_acknowledging_the_alert_clears_the_why_and_the_banner(
    qtbot,
    ws_path,
    credit,  # noqa: F811
    open_meeting,
):
    """The board counts open alerts as the Monitor page does; its banner follows them."""
    meeting = open_meeting(ws_path)
    card = meeting.board.cards["credit"]
    opened = drift_windows(ws_path, credit, stable=0, drifted=3)
    (alert,) = [a for a in opened if a.signal == "feature_drift"]
    qtbot.waitUntil(lambda: alert.id in card.card.open_alert_ids, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "New warning alert on credit" in meeting.banner.text(), timeout=5_000)
    assert meeting.banner.isVisible() and meeting.banner_alert in card.card.open_alert_ids
    assert "Feature drift on credit@1" in card.reasons.text()

    with Workspace.open(ws_path, create=False) as ws:
        for active in list_alerts(ws, "credit", states=("open",)):
            acknowledge(ws, active.id, "on it", user="ana")
        counts = alert_counts_text(list_alerts(ws, "credit"))
    assert counts.startswith("0 open · ")
    qtbot.waitUntil(lambda: not card.card.open_alert_ids, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: meeting.banner.isHidden(), timeout=5_000)
    assert meeting.banner_alert is None
    # The "Why" lists no acknowledged alert; the drift itself is still a reason (and true).
    assert "Feature drift on credit@1" not in card.reasons.text()
    assert "credit_amount" in card.reasons.text() and "drifted in the latest" in card.reasons.text()
    assert card.alerts.text().startswith("No open alerts · ")
    assert card.alerts.text().endswith("acknowledged")


def test_open_latest_report_says_whether_a_browser_took_it(qtbot, ws_path, open_meeting):
    meeting = open_meeting(ws_path)
    actions = meeting.actions_bar
    qtbot.waitUntil(lambda: actions.report_button.isEnabled(), timeout=TIMEOUT_MS)
    urls: list = []
    actions.open_url = lambda url: urls.append(url) and False  # no browser on this machine
    qtbot.mouseClick(actions.report_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not actions.busy, timeout=TIMEOUT_MS)
    path = actions.opened[-1]
    assert path.is_file() and urls[-1].toLocalFile() == str(path)
    text = actions.status.text()
    assert "Opened" not in text and "no browser could be opened" in text and str(path) in text
    assert text.startswith("Wrote the test report of credit@1")

    actions.open_url = lambda url: urls.append(url) or True  # a desktop that has one
    qtbot.mouseClick(actions.report_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not actions.busy, timeout=TIMEOUT_MS)
    assert actions.status.text() == (
        f"Sent the test report of credit@1 to your browser ({actions.opened[-1].name})."
    )


def test_the_board_grows_with_the_window_and_marks_the_drifted_feature(
    qtbot,
    ws_path,
    credit,  # noqa: F811
    open_meeting,
):
    """From the back of a room: larger fonts on a larger screen (and back), and the feature
    that drifts has its own colour, legend entry and label on the chart."""
    drift_windows(ws_path, credit, stable=1, drifted=3)
    meeting = open_meeting(ws_path)
    card = meeting.board.cards["credit"]
    qtbot.waitUntil(lambda: len(card.chart.history.shares) == 4, timeout=TIMEOUT_MS)
    small = {w: w.font().pointSizeF() for w in (meeting.title, meeting.simulator, meeting.leave)}
    small_card = card.base_pt
    meeting.resize(1920, 1080)
    qtbot.waitUntil(lambda: meeting.scale > 1.3, timeout=5_000)
    for widget, size in small.items():
        assert widget.font().pointSizeF() >= 1.3 * size
    assert meeting.actions_bar.status.font().pointSizeF() > meeting.leave.font().pointSizeF()
    assert card.base_pt > small_card and card.chart.point_size == card.base_pt
    # Back to the laptop: the larger fonts do not hold the window at the larger size.
    meeting.resize(1280, 800)
    qtbot.waitUntil(lambda: meeting.size().toTuple() == (1280, 800), timeout=5_000)
    assert meeting.scale == 1.0 and meeting.title.font().pointSizeF() == small[meeting.title]

    chart = card.chart
    assert chart.history.focus() == "credit_amount"
    assert chart.legend()[-1][1] == "credit_amount"
    assert chart.legend()[-1][0] not in [color for color, _ in chart.legend()[:3]]
    plot = chart.plot_rect(chart.fontMetrics().height())
    assert len(chart.focus_rects(plot)) == chart.focus_count() == 3
    assert "credit_amount drifted in 3 of them" in chart.accessibleDescription()
