"""Journey 3 of ux.md: meeting mode on the demo, from the board to the latest report."""

from __future__ import annotations

import time

from kit import Shooter, StepSkipped, click, settle, wait_until
from PySide6.QtGui import QGuiApplication

MODEL = "credit"
FEATURE = "age_in_years"
TIMEOUT_S = 180.0


def _feature_alert(path):
    """The active alert naming the drifted feature, if one is open."""
    from mlops_desktop.registry.workspace import Workspace

    with Workspace.open(path, create=False) as ws:
        alerts = ws.alerts.list(MODEL, ("open", "acknowledged"))
    return next((a for a in alerts if FEATURE in a.message), None)


def journey_meeting(session, shooter: Shooter) -> None:
    """J3: the board, traffic with a drifted feature, the alert, canary, promote, rollback."""
    path = session.demo_copy("j3-demo")
    window = session.open_window(path)
    window.actions_by_name["meeting"].trigger()
    meeting = window.meeting_window
    if not session.wm:  # full screen needs a window manager: fill the screen by hand
        meeting.setGeometry(QGuiApplication.primaryScreen().geometry())
    bar, actions = meeting.simulator, meeting.actions_bar
    bar.service_port = session.port + 1
    ctx = {"path": path, "meeting": meeting, "bar": bar, "actions": actions}
    steps = [
        ("board", _board),
        ("start service", _start_service),
        ("drift a feature", _drift),
        ("drift appearing", _traffic),
        ("alert fires", _alert),
        ("retrain to canary", _retrain),
        ("promote", _promote),
        ("rollback", _rollback),
        ("latest report", _report),
    ]
    for step, fn in steps:
        if not shooter.step(step, lambda fn=fn: fn(ctx, shooter)):
            shooter.shot(f"{step}-where-it-stopped")


def _board(ctx, shooter: Shooter) -> None:
    actions = ctx["actions"]
    wait_until(lambda: actions.card is not None, TIMEOUT_S, "the board's card")
    settle(1500)
    shooter.shot("board")


def _start_service(ctx, shooter: Shooter) -> None:
    bar = ctx["bar"]
    click(bar.start_service_button, "Start service")
    wait_until(lambda: bar.start_button.isEnabled(), TIMEOUT_S, "the service to start")
    shooter.shot("service-started")


def _drift(ctx, shooter: Shooter) -> None:
    bar = ctx["bar"]
    bar.rate.setValue(50)
    bar.duration.setValue(60)
    index = bar.drift_column.findData(FEATURE)
    if index < 0:
        raise StepSkipped(f"{FEATURE} is not in the drift list")
    bar.drift_column.setCurrentIndex(index)
    shooter.shot("drift-chosen")


def _traffic(ctx, shooter: Shooter) -> None:
    bar = ctx["bar"]
    click(bar.start_button, "Start traffic")
    started = time.monotonic()
    shooter.shot("traffic-started", settle_ms=3000)
    wait_until(lambda: time.monotonic() - started > 20, 30, "20 s of traffic")
    shooter.shot("drift-appearing")


def _alert(ctx, shooter: Shooter) -> None:
    bar, meeting, actions = ctx["bar"], ctx["meeting"], ctx["actions"]
    wait_until(lambda: _feature_alert(ctx["path"]) is not None, TIMEOUT_S, "the drift alert")
    wait_until(lambda: "alert on" in meeting.banner.text(), 30, "the alert banner")
    shooter.shot("alert-fired", settle_ms=1500)
    if bar.stop_button.isEnabled():
        click(bar.stop_button, "Stop traffic")
    wait_until(lambda: bar.last_result is not None, TIMEOUT_S, "the traffic to stop")
    alert = _feature_alert(ctx["path"])
    wait_until(lambda: alert.id in actions.card.alert_ids, TIMEOUT_S, "the alert on the card")
    shooter.shot("traffic-stopped")


def _retrain(ctx, shooter: Shooter) -> None:
    actions, card = ctx["actions"], ctx["meeting"].board.cards[MODEL]
    wait_until(actions.retrain_button.isEnabled, TIMEOUT_S, "Retrain to be enabled")
    click(actions.retrain_button, "Retrain")
    shooter.shot("retraining", settle_ms=1500)
    wait_until(lambda: actions.retrain_job is None, TIMEOUT_S * 2, "the retrain job")
    wait_until(lambda: card.card.mode == "canary", TIMEOUT_S, "the canary on the card")
    shooter.shot("canary")


def _promote(ctx, shooter: Shooter) -> None:
    actions, card = ctx["actions"], ctx["meeting"].board.cards[MODEL]
    click(actions.promote_button, "Promote")
    wait_until(lambda: not actions.busy, TIMEOUT_S, "the promotion")
    wait_until(lambda: card.card.candidate is None, TIMEOUT_S, "the card to show the promotion")
    shooter.shot("promoted", settle_ms=1500)


def _rollback(ctx, shooter: Shooter) -> None:
    actions = ctx["actions"]
    click(actions.rollback_button, "Roll back")
    wait_until(lambda: not actions.busy, TIMEOUT_S, "the rollback")
    shooter.shot("rolled-back", settle_ms=2000)


def _report(ctx, shooter: Shooter) -> None:
    actions = ctx["actions"]
    urls: list = []
    actions.open_url = lambda url: urls.append(url) or True  # no browser on the X server
    click(actions.report_button, "Latest report")
    wait_until(lambda: not actions.busy, TIMEOUT_S, "the report")
    shooter.shot("report-written")
    if not actions.opened:
        raise StepSkipped("no report was written")
    _show_report(actions.opened[-1], shooter)


def _show_report(path, shooter: Shooter) -> None:
    """The HTML report as a user's browser would open it (a Qt text browser stands in)."""
    from PySide6.QtWidgets import QTextBrowser

    view = QTextBrowser()
    view.setHtml(path.read_text(encoding="utf-8"))
    view.setGeometry(QGuiApplication.primaryScreen().geometry())
    view.show()
    view.raise_()
    shooter.shot("report-opened", settle_ms=800)
    view.close()
    view.deleteLater()
