"""The Monitor page on a real workspace: credit@1 (logistic regression on German credit) tested and
live, traffic from a real scoring service on 127.0.0.1 (always stopped in its fixture) or logged
in the service's format, windows and alerts computed by the real engine off the GUI thread."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSystemTrayIcon

from mlops_desktop.monitoring.alerts import get_alert, list_alerts
from mlops_desktop.monitoring.monitor_job import run_once
from mlops_desktop.monitoring.settings import MonitorSettings, save_settings
from mlops_desktop.monitoring.simulate import simulate
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.monitoring.alerts import NoteDialog, RetrainDialog
from mlops_desktop.ui.monitoring.detail import WindowDetailDialog
from mlops_desktop.ui.monitoring.model import BACKGROUND_WINDOWS, NO_TRAFFIC
from mlops_desktop.ui.monitoring.page import MonitorPage
from tests.monitoring import conftest as monitoring
from tests.monitoring.conftest import MODEL, TARGET, free_port, log_requests, shifted

# The monitoring tests' fixtures: German credit, and the workspace where credit@1 is live.
credit = monitoring.credit
template_ws = monitoring.template_ws

TIMEOUT_MS = 30_000
JOB_TIMEOUT_MS = 120_000
WINDOW = 20  # rows per count window: a window every 20 requests


@pytest.fixture
def ws_path(template_ws: Path, tmp_path: Path) -> Path:
    """A private copy of the live-model workspace with small count windows, no classifier."""
    from mlops_desktop.monitoring.reference import clear_cache

    clear_cache()
    path = tmp_path / "ws"
    shutil.copytree(template_ws, path)
    with Workspace.open(path, create=False) as ws:
        save_settings(ws, MODEL, MonitorSettings(size=WINDOW, multivariate=False))
    return path


@pytest.fixture
def service(ws_path: Path):
    """A real scoring service for the copy; ALWAYS stopped afterwards."""
    from mlops_desktop.serving.process import start_service, stop_service

    ws = Workspace.open(ws_path, create=False)
    handle = start_service(ws, port=free_port(), reuse=False)
    yield handle
    stop_service(ws, handle)
    ws.close()


def open_monitor(make_window, path: Path) -> tuple:
    window = make_window(path)
    window.show_page("monitor")
    page: MonitorPage = window.page("monitor")
    return window, page


def drifted_alert(path: Path, frame) -> int:
    """Log clean then drifted traffic and let the engine open the feature-drift alert."""
    with Workspace.open(path, create=False) as ws:
        log_requests(ws, frame.iloc[:60])
        log_requests(ws, shifted(frame.iloc[60:160], "credit_amount", 4.0))
        result = run_once(ws, MODEL)
        (alert,) = [a for a in result.opened if a.signal == "feature_drift"]
        return alert.id


def alert_state(path: Path, alert_id: int):
    with Workspace.open(path, create=False) as ws:
        return get_alert(ws, alert_id)


def test_empty_workspace_shows_the_page_empty_state(make_window, tmp_path):
    window, page = open_monitor(make_window, tmp_path / "empty")
    assert page.showing_empty_state()
    assert page.empty_state.heading.text() == "Nothing to monitor yet"
    # No model in this workspace: a placeholder, never the demo's model name.
    assert page.empty_state.command.command() == "mlops-desktop monitor NAME"
    assert not page.poller.running()
    assert window.badge("monitor") == 0


def test_empty_state_command_names_the_workspace_model():
    from mlops_desktop.ui.monitoring.model import empty_spec

    assert empty_spec(["adult"]).command == "mlops-desktop monitor adult"
    assert empty_spec([]).command == "mlops-desktop monitor NAME"


@pytest.mark.slow
def test_live_charts_follow_a_real_service_taking_traffic(
    qtbot, make_window, ws_path, service, credit
):
    window, page = open_monitor(make_window, ws_path)
    assert not page.showing_empty_state()
    qtbot.waitUntil(lambda: page.snapshot is not None, timeout=TIMEOUT_MS)
    # Deployed, no traffic yet: say how to send some.
    assert page.charts.currentWidget() is page.empty_area
    assert page.charts_empty.heading.text() == "No traffic for credit yet"
    assert page.charts_empty.text.text() == NO_TRAFFIC
    assert (
        page.charts_empty.command.command() == "mlops-desktop simulate credit --data ... --rate 20"
    )
    assert page.live_label.text() == "credit@1 live"
    assert page.model_box.currentText() == "credit"

    stop = threading.Event()
    sent: list = []
    traffic = threading.Thread(
        target=lambda: sent.append(
            simulate(
                service.url,
                MODEL,
                credit,
                rate=40,
                duration=40,
                drift={"credit_amount": 4.0},
                stop_event=stop,
                target=TARGET,
                outcome_share=1.0,
                outcome_delay=0.2,
            )
        )
    )
    traffic.start()
    try:
        drawn = lambda: len(page.drift_chart.lines.data(0))  # noqa: E731
        qtbot.waitUntil(lambda: page.charts.currentWidget() is page.tabs, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: drawn() >= 1, timeout=TIMEOUT_MS)
        first, polls = drawn(), page.poller.polls
        qtbot.waitUntil(lambda: drawn() >= first + 2, timeout=TIMEOUT_MS)
        assert page.poller.polls > polls  # the poll kept running meanwhile
        assert page.snapshot.n_windows >= first + 2
        assert len(page.share_chart.share) == drawn()
        assert "windows of 20 rows" in page.status_label.text()

        # The traffic tab: one bar per window plus the open window, updated in place.
        page.tabs.setCurrentIndex(4)
        bars = page.requests_chart.bars
        qtbot.waitUntil(lambda: len(page.requests_chart.drawn_heights()) >= 3, timeout=TIMEOUT_MS)
        before = len(page.requests_chart.drawn_heights())
        qtbot.waitUntil(
            lambda: len(page.requests_chart.drawn_heights()) > before, timeout=TIMEOUT_MS
        )
        assert page.requests_chart.bars is bars  # updated with setOpts, not recreated
        assert all(h == WINDOW for h in page.requests_chart.drawn_heights()[:-1])

        # A heat map cell opens reference vs current of that feature in that window.
        page.tabs.setCurrentIndex(1)
        heat = page.heat_map
        qtbot.waitUntil(lambda: heat.scores.shape[1] >= 2, timeout=TIMEOUT_MS)
        row = heat.features.index("credit_amount")
        pos = heat.cell_center(row, 1)
        qtbot.mouseClick(heat.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        dialog = page.detail_dialog
        assert isinstance(dialog, WindowDetailDialog) and dialog.isVisible()
        qtbot.waitUntil(lambda: dialog.detail is not None, timeout=TIMEOUT_MS)
        assert dialog.feature() == "credit_amount"
        assert dialog.detail["window"].id == int(page.snapshot.series.ids[1])
        assert len(dialog.chart.reference.opts["height"]) > 1
        assert len(dialog.chart.current.opts["height"]) > 1
        assert "credit_amount" in dialog.explanation.text()
    finally:
        stop.set()
        traffic.join(30)
    assert sent and sent[0].failed == 0


def test_acknowledge_and_resolve_from_the_table_change_the_registry(
    qtbot, make_window, ws_path, credit
):
    alert_id = drifted_alert(ws_path, credit)
    window, page = open_monitor(make_window, ws_path)
    panel = page.alerts_panel
    qtbot.waitUntil(lambda: panel.source.rowCount() >= 1, timeout=TIMEOUT_MS)
    opened = window.badge("monitor")  # feature drift, and the drift share may fire too
    assert opened >= 1
    assert panel.select(alert_id)
    assert panel.selected().state == "open"
    assert panel.view.currentIndex().siblingAtColumn(5).data() in ("Open", None)
    assert panel.ack_button.isEnabled() and panel.retrain_button.isEnabled()

    qtbot.mouseClick(panel.ack_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, NoteDialog) and dialog.isVisible()
    dialog.note_edit.setText("looking into the amounts")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: alert_state(ws_path, alert_id).state == "acknowledged", timeout=5000)
    assert alert_state(ws_path, alert_id).note == "looking into the amounts"
    qtbot.waitUntil(lambda: panel.selected().state == "acknowledged", timeout=TIMEOUT_MS)
    assert "Acknowledged" in [panel.proxy.index(r, 5).data() for r in range(panel.proxy.rowCount())]
    assert not panel.ack_button.isEnabled() and panel.resolve_button.isEnabled()
    qtbot.waitUntil(lambda: window.badge("monitor") == opened - 1, timeout=5000)

    qtbot.mouseClick(panel.resolve_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, NoteDialog) and dialog.ok_button.text() == "&Resolve"
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: alert_state(ws_path, alert_id).state == "resolved", timeout=5000)
    resolved = alert_state(ws_path, alert_id)
    assert resolved.resolved_by != "monitor" and resolved.note == "looking into the amounts"
    qtbot.waitUntil(lambda: panel.selected().state == "resolved", timeout=TIMEOUT_MS)
    assert f"Alert #{alert_id} is resolved." in panel.result.text()
    assert not panel.resolve_button.isEnabled() and not panel.retrain_button.isEnabled()


@pytest.mark.slow
def test_a_new_alert_is_announced_and_quality_says_how_to_send_outcomes(
    qtbot, make_window, ws_path, credit
):
    with Workspace.open(ws_path, create=False) as ws:
        # Two clean windows: feature drift needs three drifted windows in a row to fire.
        save_settings(ws, MODEL, MonitorSettings(size=50, multivariate=False))
        log_requests(ws, credit.sample(100, random_state=1))  # no outcomes
    window, page = open_monitor(make_window, ws_path)
    qtbot.waitUntil(
        lambda: page.snapshot is not None and page.snapshot.n_windows == 2, timeout=TIMEOUT_MS
    )
    assert page.notifications == [] and not page.banner.isVisible()
    page.tabs.setCurrentIndex(3)  # no outcomes: the estimate, and how to send outcomes
    qtbot.waitUntil(lambda: not page.quality.showing_empty_state(), timeout=TIMEOUT_MS)
    assert page.quality.note.text().startswith("No outcomes yet.")
    assert page.quality.hint_command.command().startswith("mlops-desktop outcomes import")

    with Workspace.open(ws_path, create=False) as ws:  # the amounts drift: the alert opens
        log_requests(ws, shifted(credit.sample(150, random_state=2), "credit_amount", 4.0))
    qtbot.waitUntil(
        lambda: any("feature drift" in n for n in page.notifications), timeout=TIMEOUT_MS
    )
    (text,) = [n for n in page.notifications if "feature drift" in n]
    assert (
        text.startswith("New warning alert on credit: feature drift.") and "credit_amount" in text
    )
    if QSystemTrayIcon.isSystemTrayAvailable():
        assert page.tray is not None and page.tray.isVisible()
    else:  # offscreen: an in-window banner and the status bar
        assert page.banner.isVisible()
        assert page.banner.label.text() == page.notifications[-1]
        assert "alert on credit" in window.statusBar().currentMessage()
    with Workspace.open(ws_path, create=False) as ws:
        opened = list_alerts(ws, MODEL, states=("open",))
    assert "feature_drift" in [a.signal for a in opened]
    qtbot.waitUntil(lambda: window.badge("monitor") == len(opened), timeout=5000)
    qtbot.wait(1500)  # more polls
    assert len(page.notifications) == len(opened)  # each alert announced once


def test_an_alert_without_a_live_model_shows_the_deploy_hint(qtbot, make_window, tmp_path):
    path = tmp_path / "ws"
    with Workspace.open(path) as ws:
        ws.db.execute(
            "INSERT INTO alerts (model_name, signal, severity, message, state, opened_at)"
            " VALUES ('credit', 'error_rate', 'critical', 'errors above 5 %', 'open', ?)",
            [time.time()],
        )
    window, page = open_monitor(make_window, path)
    assert not page.showing_empty_state()
    qtbot.waitUntil(lambda: page.snapshot is not None, timeout=TIMEOUT_MS)
    assert page.charts.currentWidget() is page.empty_area
    assert page.charts_empty.heading.text() == "No model is live"
    assert page.alerts_panel.source.rowCount() == 1
    assert page.notifications == []  # it was open before the page looked
    page.charts_empty.action.click()
    assert window.current_page_name() == "deploy"


@pytest.mark.slow
def test_retrain_on_recent_data_runs_as_a_job_and_the_page_shows_the_result(
    qtbot, make_window, ws_path, credit
):
    from mlops_desktop.serving.deployments import live_at
    from mlops_desktop.serving.outcomes import record_outcomes

    frame = shifted(credit.sample(300, random_state=3), "credit_amount", 4.0)
    with Workspace.open(ws_path, create=False) as ws:
        save_settings(ws, MODEL, MonitorSettings(size=100, multivariate=False))
        ws.gates.set(MODEL, {"metrics": {"roc_auc": {">=": 0.5}}}, reason="tests")  # the rule
        ids = log_requests(ws, frame)
        labels = [{"request_id": i, "label": y} for i, y in zip(ids, frame[TARGET], strict=True)]
        record_outcomes(ws, MODEL, labels, source="tests")
        result = run_once(ws, MODEL)
        (alert,) = [a for a in result.opened if a.signal == "feature_drift"]
    window, page = open_monitor(make_window, ws_path)
    panel = page.alerts_panel
    qtbot.waitUntil(lambda: panel.select(alert.id), timeout=TIMEOUT_MS)
    assert panel.retrain_button.text() == "R&etrain on recent data…"
    qtbot.mouseClick(panel.retrain_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, RetrainDialog) and dialog.isVisible()
    assert "credit@1" in dialog.findChild(QLabel).text()
    dialog.shadow.setChecked(True)
    assert not dialog.percent.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    job_id = page.retrain_job
    assert job_id is not None and "Jobs panel" in panel.result.text()
    qtbot.waitUntil(lambda: page.retrain_job is None, timeout=JOB_TIMEOUT_MS)
    job = window.model.job(job_id)
    assert job.status == "succeeded", job.error
    assert "credit@2 is a shadow of the live version." in panel.result.text()
    with Workspace.open(ws_path, create=False) as ws:
        state = live_at(ws, MODEL)
        assert (state.live, state.candidate, state.mode) == ("credit@1", "credit@2", "shadow")
        assert get_alert(ws, alert.id).state == "acknowledged"
    panel.result.linkActivated.emit("deploy")
    assert window.current_page_name() == "deploy"


@pytest.mark.slow
def test_alerts_are_evaluated_while_the_page_is_hidden(qtbot, make_window, ws_path, credit):
    """On another page, the background pass computes the windows and announces the alert."""
    with Workspace.open(ws_path, create=False) as ws:
        save_settings(ws, MODEL, MonitorSettings(size=50, multivariate=False))
        log_requests(ws, credit.sample(100, random_state=1))
        assert len(run_once(ws, MODEL).windows) == 2  # two clean windows, as cron computed them
    window = make_window(ws_path)
    window.show_page("deploy")
    page: MonitorPage = window.page("monitor")
    qtbot.waitUntil(lambda: window.model.summary is not None, timeout=TIMEOUT_MS)
    qtbot.wait(1500)  # a poll from the page's first showing may still be finishing
    assert not page.isVisible() and not page.poller.running()

    def counts() -> tuple[int, int]:
        with Workspace.open(ws_path, create=False) as ws:
            windows = ws.db.execute("SELECT COUNT(*) FROM drift_windows").fetchone()[0]
            return windows, len(list_alerts(ws, MODEL, states=("open",)))

    before, open_before = counts()
    with Workspace.open(ws_path, create=False) as ws:  # three windows of drifted amounts
        log_requests(ws, shifted(credit.sample(150, random_state=2), "credit_amount", 4.0))
    qtbot.wait(1500)
    assert counts() == (before, open_before)  # nothing evaluates them but the pass
    page.background_pass()  # what its timer does every BACKGROUND_PASS_MS
    qtbot.waitUntil(
        lambda: any("feature drift" in n for n in page.notifications), timeout=TIMEOUT_MS
    )
    after, open_after = counts()
    assert after == before + BACKGROUND_WINDOWS == before + 3 and open_after > open_before
    qtbot.waitUntil(lambda: window.badge("monitor") == open_after, timeout=5000)
    assert "alert on credit" in window.statusBar().currentMessage()


def test_until_the_first_read_arrives_the_page_says_it_is_reading(qtbot, make_window, ws_path):
    """Switching to a workspace with a live model never shows "No model is live" meanwhile."""
    from mlops_desktop.ui.monitoring.model import READING

    other = ws_path.parent / "other"
    shutil.copytree(ws_path, other)
    window, page = open_monitor(make_window, ws_path)
    qtbot.waitUntil(lambda: page.snapshot is not None, timeout=TIMEOUT_MS)
    assert window.flow.open_path(other, create=False)
    assert page.charts.currentWidget() is page.empty_area
    assert page.charts_empty.heading.text() == READING.heading
    assert not page.charts_empty.command.isVisible() and not page.charts_empty.action.isVisible()
    qtbot.waitUntil(lambda: page.snapshot is not None, timeout=TIMEOUT_MS)
    assert page.snapshot.model == MODEL
    assert page.charts_empty.heading.text() != "No model is live"
