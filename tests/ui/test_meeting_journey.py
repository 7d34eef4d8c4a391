"""The meeting journey (ux.md, journey 3) without leaving meeting mode, on the demo workspace
built by ``mlops-desktop demo`` and a real scoring service on 127.0.0.1: start the service and
traffic with a feature drifted, watch the alert about it fire, retrain to a canary from the
board, roll it back, and open the latest report."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.deployments import live_at
from mlops_desktop.serving.process import find_service
from mlops_desktop.ui.monitoring.meeting.chart import LEGEND
from mlops_desktop.ui.serving.model import stop_local_service
from tests.conftest import copy_workspace
from tests.monitoring.conftest import free_port

TIMEOUT_MS = 120_000


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def age_alert(path: Path):
    """The active alert naming age_in_years, if one is open."""
    with Workspace.open(path, create=False) as ws:
        alerts = ws.alerts.list("credit", ("open", "acknowledged"))
    return next((a for a in alerts if "age_in_years" in a.message), None)


@pytest.mark.slow
def test_the_meeting_journey_on_the_demo(qtbot, make_window, demo_template, tmp_path: Path):
    path = copy_workspace(demo_template, tmp_path / "demo")
    window = make_window(path)
    window.actions_by_name["meeting"].trigger()
    meeting = window.meeting_window
    bar, actions = meeting.simulator, meeting.actions_bar
    bar.service_port = free_port()
    try:
        qtbot.waitUntil(lambda: actions.card is not None, timeout=TIMEOUT_MS)
        card = meeting.board.cards["credit"]
        assert card.quality_note.text().startswith("measured on")
        assert card.chart.history.size == 50  # the demo's windows: one per 5 s at 10/s
        # The chart has a time axis (oldest, middle, latest window end) and a colour legend.
        qtbot.waitUntil(lambda: len(card.chart.time_ticks()) == 3, timeout=TIMEOUT_MS)
        assert [t[0] for t in card.chart.time_ticks()] == [0, 12, 23]
        assert [words for _, words in LEGEND] == [
            "no feature drifted",
            "some drifted",
            "dataset drift",
        ]
        assert card.chart.minimumHeight() >= 10 * card.chart.point_size - 1

        # Start the service and the traffic, with age_in_years drifting 3 sd. The card stays
        # amber throughout: the history's alert is not resolved by the first undrifted windows.
        lights: list[str] = []
        meeting.poller.snapshot_ready.connect(
            lambda shot: lights.extend(c.light for c in shot.cards)
        )
        click(qtbot, bar.start_service_button)
        qtbot.waitUntil(lambda: bar.start_button.isEnabled(), timeout=TIMEOUT_MS)
        # Windows sized for the traffic: the simulator's default rate closes one every 5 s.
        assert bar.rate.value() == 10
        assert "a new window every 5 s at 10/s (50 rows each)" in bar.pace.text()
        bar.rate.setValue(50)  # as fast as this machine sends, over a meeting's minute
        assert "a new window every 1 s at 50/s" in bar.pace.text()
        bar.duration.setValue(60)
        bar.drift_column.setCurrentIndex(bar.drift_column.findData("age_in_years"))
        assert bar.drift() == {"age_in_years": 3.0}
        click(qtbot, bar.start_button)
        qtbot.waitUntil(lambda: "held-out test rows" in bar.status.toolTip(), timeout=TIMEOUT_MS)
        assert "the 200 held-out test rows of credit@1" in bar.status.toolTip()

        # The alert naming the drifted feature fires (within the minute), and the board shows it.
        qtbot.waitUntil(lambda: age_alert(path) is not None, timeout=TIMEOUT_MS)
        alert = age_alert(path)
        if bar.stop_button.isEnabled():  # on a busy machine the minute may be over already
            click(qtbot, bar.stop_button)
        qtbot.waitUntil(lambda: bar.last_result is not None, timeout=TIMEOUT_MS)
        assert bar.last_error is None and bar.last_result.failed == 0
        assert alert.state == "open" and alert.signal == "feature_drift"
        assert lights and "green" not in lights, lights
        qtbot.waitUntil(lambda: "alert on credit" in meeting.banner.text(), timeout=10_000)
        assert meeting.banner.isVisible()
        qtbot.waitUntil(lambda: alert.id in actions.card.alert_ids, timeout=TIMEOUT_MS)

        # Retrain to a canary from the board; the card shows the canary.
        qtbot.waitUntil(lambda: actions.retrain_button.isEnabled(), timeout=TIMEOUT_MS)
        click(qtbot, actions.retrain_button)
        assert actions.retrain_job is not None and "Retraining credit" in actions.status.text()
        qtbot.waitUntil(lambda: actions.retrain_job is None, timeout=TIMEOUT_MS)
        assert "is the canary: 20% of traffic" in actions.status.text(), actions.status.text()
        qtbot.waitUntil(lambda: card.card.mode == "canary", timeout=TIMEOUT_MS)
        candidate = card.card.candidate
        assert candidate == "credit@3" and "Canary: credit@3 gets 20%" in card.rollout.text()
        # Beside Promote and Roll back: the canary's figures against live's so far.
        qtbot.waitUntil(lambda: actions.trial.isVisible(), timeout=TIMEOUT_MS)
        trial = actions.trial.text()
        assert trial.startswith("Canary credit@3 (20% of traffic) vs live credit@1, since"), trial
        assert "requests " in trial and "errors " in trial and "outcomes" in trial
        # The simulator now replays only rows the canary never trained on, and says so.
        from mlops_desktop.monitoring.replay import replay_rows, row_keys, trained_keys

        with Workspace.open(path, create=False) as ws:
            rows, words = replay_rows(ws, "credit", "credit@1")
            seen = trained_keys(ws, [ws.models.get(candidate)])
        assert words.endswith("that credit@3 did not train on") and 0 < len(rows) < 200
        assert seen and not set(row_keys(rows)) & seen

        # The latest report is the candidate's, one click away.
        urls: list = []
        actions.open_url = lambda url: urls.append(url) or True  # not a real browser in a test
        click(qtbot, actions.report_button)
        qtbot.waitUntil(lambda: not actions.busy, timeout=TIMEOUT_MS)
        assert actions.opened and actions.opened[-1].name == "test-report-credit-3.html"
        assert urls[-1].toLocalFile() == str(actions.opened[-1])
        assert actions.opened[-1].read_text(encoding="utf-8").count("credit@3") > 0

        # Roll back: the canary ends and all traffic is on credit@1 again.
        click(qtbot, actions.rollback_button)
        qtbot.waitUntil(lambda: not actions.busy, timeout=TIMEOUT_MS)
        assert actions.status.text().startswith("Rolled back: the canary of credit@3 ended")
        with Workspace.open(path, create=False) as ws:
            where = live_at(ws, "credit")
        assert (where.live, where.candidate) == ("credit@1", None)
        qtbot.waitUntil(lambda: card.card.candidate is None, timeout=TIMEOUT_MS)
        assert not actions.promote_button.isEnabled()
        assert not actions.trial.isVisible() and actions.trial.text() == ""
    finally:
        meeting.close()
        meeting.wait_idle(TIMEOUT_MS)
        with Workspace.open(path, create=False) as ws:
            stop_local_service(ws)
            assert find_service(ws) is None
