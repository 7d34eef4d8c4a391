"""The Monitor page's actions: acknowledge and resolve alerts (off the GUI thread), "Retrain on
recent data" and the backlog's window computation as jobs, the drill-down into a window, and the
notification when a new alert opens (the tray's balloon, else a banner and the status bar).

A mixin of ``MonitorPage``, which provides ``model``, ``tasks``, ``poller``, ``alerts_panel``,
``banner``, ``snapshot``, ``navigate_requested``, ``status_message`` and ``reload_summary``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtWidgets import QSystemTrayIcon

from mlops_desktop.errors import MlopsError
from mlops_desktop.monitoring import alerts as alert_ops
from mlops_desktop.registry.entities import Alert, Job
from mlops_desktop.ui.kit.dialogs import ErrorText, error_box, error_text
from mlops_desktop.ui.kit.icons import app_icon
from mlops_desktop.ui.monitoring.alerts import NoteDialog, RetrainDialog
from mlops_desktop.ui.monitoring.detail import WindowDetailDialog
from mlops_desktop.ui.monitoring.model import (
    alert_title,
    open_alerts,
    retrain_text,
    window_at,
    window_detail,
)

RETRAIN_JOB = "mlops_desktop.monitoring.loop:retrain_from_alert"
MONITOR_JOB = "mlops_desktop.monitoring.monitor_job:monitor_model"
NOTICE_MS = 15_000


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


class MonitorActions:
    """Alert actions, jobs, drill-down and notifications of the Monitor page."""

    dialog: Any = None
    detail_dialog: WindowDetailDialog | None = None
    tray: QSystemTrayIcon | None = None
    retrain_job: str | None = None
    catch_up_job: str | None = None

    # -- acknowledge and resolve -----------------------------------------------------------------

    def acknowledge_alert(self, alert: Alert) -> NoteDialog:
        return self._ask_note("Acknowledge", alert, alert_ops.acknowledge, "acknowledged")

    def resolve_alert(self, alert: Alert) -> NoteDialog:
        return self._ask_note("Resolve", alert, alert_ops.resolve, "resolved")

    def _ask_note(self, verb: str, alert: Alert, fn, done: str) -> NoteDialog:
        dialog = NoteDialog(verb, alert, self)
        dialog.accepted.connect(lambda: self.change_alert(fn, alert, dialog.note(), done))
        self.dialog = dialog
        dialog.open()
        return dialog

    def change_alert(self, fn, alert: Alert, note: str, done: str) -> None:
        """Apply ``fn(ws, alert.id, note)`` on a pool thread, then say so and refresh."""
        if self.model.path is None:
            return
        self.alerts_panel.set_busy(True)

        def settled(result: Any, error: BaseException | None) -> None:
            self.alerts_panel.set_busy(False)
            if error is not None:
                self._error(error, f"Alert #{alert.id} was not {done}")
            else:
                note_text = f" Note: {escape(note)}" if note else ""
                self.alerts_panel.show_result(f"Alert #{alert.id} is {done}.{note_text}")
            self.poller.poll()
            self.reload_summary()

        self.tasks.run(self.model.path, fn, (alert.id, note), on_done=settled)

    def _error(self, error: BaseException, headline: str) -> None:
        if isinstance(error, MlopsError):
            text = error_text(error, "Alert", headline)
        else:
            text = ErrorText("Alert", headline, str(error))
        self.dialog = error_box(self, text)
        self.dialog.open()

    # -- retrain on recent data ------------------------------------------------------------------

    def request_retrain(self, alert: Alert) -> RetrainDialog:
        snap = self.snapshot
        live = snap.live.live if snap and snap.live and snap.model == alert.model_name else None
        dialog = RetrainDialog(alert, live, self)
        dialog.accepted.connect(lambda: self.start_retrain(alert, **dialog.kwargs()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def start_retrain(self, alert: Alert, mode: str = "canary", percent: float = 20.0) -> str:
        """Submit ``retrain_from_alert`` as a job; the result shows under the alert table."""
        self.retrain_job = self.model.submit(
            RETRAIN_JOB,
            {"alert_id": alert.id, "mode": mode, "percent": percent},
            title=f"Retrain {alert.model_name} on recent data (alert #{alert.id})",
            on_finished=self._retrain_finished,
        )
        self.alerts_panel.show_result(
            f"Retraining {escape(alert.model_name)} on recent data for alert #{alert.id}… "
            "progress and Cancel are in the Jobs panel."
        )
        return self.retrain_job

    def _retrain_finished(self, job: Job) -> None:
        if job.id != self.retrain_job:
            return
        self.retrain_job = None
        text = retrain_text(job.status, job.result, job.error or job.message or "")
        self.alerts_panel.show_result(text)
        self.poller.poll()
        self.reload_summary()

    # -- the backlog -----------------------------------------------------------------------------

    def catch_up(self, name: str) -> str | None:
        """Compute a long backlog of windows as a job (the poll only reads meanwhile)."""
        if self.catch_up_job is not None or self.model.pool is None:
            return None
        self.poller.compute = False
        self.catch_up_job = self.model.submit(
            MONITOR_JOB,
            {"name": name},
            title=f"Compute the monitoring windows of {name}",
            on_finished=self._caught_up,
        )
        return self.catch_up_job

    def _caught_up(self, job: Job) -> None:
        if job.id == self.catch_up_job:
            self.catch_up_job = None
            self.poller.compute = True
            self.poller.poll()

    # -- drill-down ------------------------------------------------------------------------------

    def show_window(self, feature: str | None, index: int) -> WindowDetailDialog | None:
        """Open the reference-vs-current view of ``feature`` in the drawn window ``index``."""
        snap = self.snapshot
        series = snap.series if snap is not None else None
        if series is None or self.model.path is None:
            return None
        found = window_at(series, feature, index)
        if found is None:
            return None
        feature, window_id = found
        if self.detail_dialog is None:
            self.detail_dialog = WindowDetailDialog(self)
        dialog = self.detail_dialog
        dialog.loading(f"Window {window_id} of {series.model}")
        dialog.show()
        dialog.raise_()

        def loaded(detail: Any, error: BaseException | None) -> None:
            if error is not None:
                dialog.failed(error.message if isinstance(error, MlopsError) else str(error))
            else:
                dialog.set_detail(detail, feature)

        self.tasks.run(self.model.path, window_detail, (window_id,), on_done=loaded)
        return dialog

    # -- notifications ---------------------------------------------------------------------------

    def notice_alerts(self, alerts: list[Alert], opened: list[Alert]) -> list[Alert]:
        """Notify of alerts that opened since the last look; returns them."""
        if self._known_alerts is None:
            new = list(opened)
            self._known_alerts = {a.id for a in alerts}
        else:
            new = [a for a in alerts if a.state == "open" and a.id not in self._known_alerts]
            new += [a for a in opened if a.id not in {n.id for n in new} | self._known_alerts]
        self._known_alerts |= {a.id for a in alerts} | {a.id for a in opened}
        for alert in new:
            self.notify(alert)
        return new

    def notify(self, alert: Alert) -> None:
        """A desktop notification when the desktop has a tray, else an in-window notice."""
        title = alert_title(alert)
        self.notifications.append(f"{title}. {alert.message}")
        if tray_available():
            if self.tray is None:
                self.tray = QSystemTrayIcon(app_icon(), self)
                self.tray.setToolTip("MLOps Desktop")
            self.tray.show()
            icon = (
                QSystemTrayIcon.MessageIcon.Critical
                if alert.severity == "critical"
                else QSystemTrayIcon.MessageIcon.Warning
            )
            self.tray.showMessage(title, alert.message, icon, NOTICE_MS)
            return
        self.banner.announce(f"{title}. {alert.message}")
        self.status_message.emit(f"⚠ {title}", NOTICE_MS)

    def check_new_alerts(self) -> None:
        """While the page is hidden: read the open alerts and notify of new ones."""
        if self.model.path is None:
            return
        self.tasks.run(
            self.model.path,
            open_alerts,
            on_done=lambda alerts, error: self.notice_alerts(alerts, []) if not error else None,
        )

    def _on_result_link(self, link: str) -> None:
        self.navigate_requested.emit(link)
