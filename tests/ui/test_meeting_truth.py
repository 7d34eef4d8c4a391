"""Meeting mode says only what is true: the banner leaves with its alert, the report action says
whether a browser opened, and the Why line agrees with the drift figures."""

from __future__ import annotations

from pathlib import Path

from mlops_desktop.monitoring.board import BoardCard
from mlops_desktop.ui.monitoring.meeting.actions import ActionBar
from mlops_desktop.ui.monitoring.meeting.board import MeetingWindow
from mlops_desktop.ui.monitoring.meeting.data import Snapshot


def test_the_banner_leaves_when_its_alert_is_resolved(qtbot):
    window = MeetingWindow(None)
    qtbot.addWidget(window)
    window.show()
    window._show_banner("credit", "warning", "Feature drift on credit@1: age drifted", alert=7)
    assert window.banner.isVisible()
    still = BoardCard("credit", "amber", alert_ids=[7])
    window._drop_stale_banner(Snapshot(at=0.0, cards=[still]))
    assert window.banner.isVisible()
    resolved = BoardCard("credit", "green", alert_ids=[])
    window._drop_stale_banner(Snapshot(at=0.0, cards=[resolved]))
    assert not window.banner.isVisible()


def test_the_report_action_says_when_no_browser_opened(qtbot, tmp_path: Path):
    bar = ActionBar(None, None)
    qtbot.addWidget(bar)
    report = tmp_path / "test-report-credit-1.html"
    bar.open_url = lambda url: False
    text = bar._open(report)
    assert "Could not open a browser" in text and str(report) in text
    assert "Opened" not in text
    bar.open_url = lambda url: True
    assert bar._open(report) == "Asked the browser to open test-report-credit-1.html."
