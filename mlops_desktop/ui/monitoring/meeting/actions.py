"""Meeting mode's actions on one deployed model, without leaving the board.

``ActionBar`` offers, for the model chosen in the simulator bar (with its canary's figures beside
live's while one is on trial): **Retrain to canary** (from its
newest active alert: the "Retrain on recent data" job, run in a worker process by the app's job
pool and shown in its Jobs panel), **Promote** the canary, **Roll back** (end the canary, or
return live to the previous version), and **Open latest report** (the candidate's, else the live
version's, handed to the desktop's browser; the bar says whether one took it). Promote and
roll back are quick registry writes, run off the GUI thread; every outcome is one sentence in
the bar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from mlops_desktop.errors import MlopsError
from mlops_desktop.monitoring.board import BoardCard
from mlops_desktop.monitoring.trial import TrialFigures
from mlops_desktop.ui.kit.labels import scaled_font
from mlops_desktop.ui.monitoring.meeting.data import trial_text
from mlops_desktop.ui.runtime.background import BackgroundTasks

RETRAIN_JOB = "mlops_desktop.monitoring.loop:retrain_from_alert"
CANARY_PERCENT = 20.0


def _promote(ws, model: str) -> str:
    from mlops_desktop.monitoring.alerts import retire_other_versions
    from mlops_desktop.serving.deployments import promote

    dep = promote(ws, model, reason="Meeting: the canary did well, promoted")
    retire_other_versions(ws, model)  # the board's "Why" is about the new version at once
    return f"Promoted: {ws.models.by_id(dep.live_version_id).ref} is live for {model}."


def _roll_back(ws, model: str) -> str:
    from mlops_desktop.monitoring.alerts import retire_other_versions
    from mlops_desktop.serving.deployments import abort, live_at, rollback

    where = live_at(ws, model)
    if where.candidate:
        abort(ws, model, reason="Meeting: rolled back the canary")
        return f"Rolled back: the {where.mode} of {where.candidate} ended; all traffic on live."
    dep = rollback(ws, model, reason="Meeting: rolled back")
    retire_other_versions(ws, model)
    return f"Rolled back: {ws.models.by_id(dep.live_version_id).ref} is live again."


def _latest_report(ws, model: str) -> tuple[str, Path]:
    """The newest test report of the candidate (else the live version): its version and the
    HTML file it was written to."""
    from mlops_desktop.serving.deployments import live_at
    from mlops_desktop.ui.evaluation.model import write_html_file

    where = live_at(ws, model)
    for ref in (where.candidate, f"{model}@live"):
        if not ref:
            continue
        version = ws.models.get(ref)
        report = ws.reports.latest(version.id)
        if report is not None:
            return version.ref, write_html_file(report.summary)
    raise MlopsError(f"No version of {model} has a test report yet.")


class ActionBar(QFrame):
    """Retrain to canary, promote, roll back and open the latest report for ``model``.

    ``submit`` is the app's job submission (``WorkspaceModel.submit``); without it (a board
    opened on its own) Retrain says to open meeting mode from the app. Signals:
    refresh_requested(): the board should read the workspace now.
    """

    refresh_requested = Signal()

    def __init__(
        self, path: Path | None, submit: Callable[..., str] | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("meetingActions")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.setAutoFillBackground(True)
        self.path, self.submit = path, submit
        self.card: BoardCard | None = None
        self.retrain_job: str | None = None
        self.busy = False
        self.open_url = QDesktopServices.openUrl
        self.opened: list[Path] = []
        self.tasks = BackgroundTasks(self)
        self.setFont(scaled_font(self, 1.2))  # its outcome is news for the room too (the
        # meeting window scales it with its size)
        self.retrain_button = self._button("&Retrain to canary", "meetingRetrain", self.retrain)
        self.promote_button = self._button("&Promote canary", "meetingPromote", self.promote)
        self.rollback_button = self._button("Roll &back", "meetingRollback", self.roll_back)
        self.report_button = self._button("Open latest re&port", "meetingReport", self.open_report)
        self.status = QLabel("Actions on the live model: retrain, canary, promote, roll back.")
        self.status.setObjectName("meetingActionStatus")
        self.status.setWordWrap(True)
        self.trial = QLabel()  # the canary's figures beside live: what Promote is decided on
        self.trial.setObjectName("meetingTrial")
        self.trial.setWordWrap(True)
        self.trial.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.trial.hide()
        row = QHBoxLayout()
        for button in (
            self.retrain_button,
            self.promote_button,
            self.rollback_button,
            self.report_button,
        ):
            row.addWidget(button)
        row.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 6, 14, 6)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.trial)
        self._update()

    def _button(self, text: str, name: str, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def set_card(self, card: BoardCard | None, trial: TrialFigures | None = None) -> None:
        """The model the actions apply to (the simulator's choice), as the board last read it,
        and the figures of its canary or shadow (None: nothing on trial)."""
        self.card = card
        text = trial_text(trial) if card is not None and card.candidate else ""
        worse = card.versus_live if card is not None and card.candidate else ""
        if worse:
            text = f"{text}\n{worse}" if text else worse
        self.promote_button.setToolTip(worse or "Make the canary the live version")
        self.trial.setText(text)
        self.trial.setVisible(bool(text))
        self._update()

    def _update(self) -> None:
        card, idle = self.card, not self.busy and self.path is not None
        on_trial = card is not None and card.candidate is not None
        self.retrain_button.setEnabled(
            idle and card is not None and bool(card.alert_ids) and not on_trial
            and self.submit is not None and self.retrain_job is None
        )  # fmt: skip
        self.promote_button.setEnabled(idle and on_trial and card.mode == "canary")
        self.rollback_button.setEnabled(
            idle and card is not None and (on_trial or card.rollback_to is not None)
        )
        self.report_button.setEnabled(idle and card is not None)
        if self.submit is None:
            self.retrain_button.setToolTip("Open meeting mode from the app (View ▸ Meeting Mode).")
        elif card is not None and not card.alert_ids:
            self.retrain_button.setToolTip("Retraining starts from an alert: none is active.")
        else:
            self.retrain_button.setToolTip(
                f"Retrain on recent traffic with outcomes; the result gets {CANARY_PERCENT:g}% "
                "of traffic as a canary."
            )

    # -- actions -----------------------------------------------------------------------------

    def retrain(self) -> str | None:
        """Submit "Retrain on recent data" from the newest active alert, to a canary."""
        card = self.card
        if card is None or not card.alert_ids or self.submit is None:
            return None
        alert_id = card.alert_ids[0]
        self.retrain_job = self.submit(
            RETRAIN_JOB,
            {"alert_id": alert_id, "mode": "canary", "percent": CANARY_PERCENT},
            title=f"Retrain {card.model} on recent data (alert #{alert_id})",
            on_finished=self._retrained,
        )
        self.status.setText(
            f"Retraining {card.model} on recent data (alert #{alert_id})… the new version "
            f"will get {CANARY_PERCENT:g}% of traffic."
        )
        self._update()
        return self.retrain_job

    def _retrained(self, job: Any) -> None:
        if job.id != self.retrain_job:
            return
        self.retrain_job = None
        if job.status == "succeeded":
            result = job.result or {}
            passed = (result.get("test") or {}).get("passed")
            verdict = "passed its gate" if passed else "went past its gate with a reason"
            self.status.setText(
                f"{result.get('candidate')} ({verdict}) is the canary: "
                f"{result.get('percent', CANARY_PERCENT):g}% of traffic. Promote it or roll back."
            )
        else:
            self.status.setText(f"Retraining ended ({job.status}): {job.error or job.message}")
        self._update()
        self.refresh_requested.emit()

    def promote(self) -> None:
        self._run(_promote, "Promoting the canary…")

    def roll_back(self) -> None:
        self._run(_roll_back, "Rolling back…")

    def open_report(self) -> None:
        self._run(_latest_report, "Writing the report…", self._open)

    def _open(self, written: tuple[str, Path]) -> str:
        """Hand the report to the desktop's browser and say what happened: the system may have
        no browser to open it with (a kiosk, a remote session), and then the file is the news."""
        ref, path = written
        self.opened.append(path)
        if self.open_url(QUrl.fromLocalFile(str(path))):
            return f"Sent the test report of {ref} to your browser ({path.name})."
        self.status.setToolTip(str(path))
        return (
            f"Wrote the test report of {ref}, but no browser could be opened here: "
            f"open {path} yourself."
        )

    def _run(self, fn, doing: str, then: Callable[[Any], str] | None = None) -> None:
        if self.card is None or self.path is None or self.busy:
            return
        self.busy = True
        self.status.setText(doing)
        self._update()

        def done(result: Any, error: BaseException | None) -> None:
            self.busy = False
            if error is not None:
                text = error.message if isinstance(error, MlopsError) else str(error)
                self.status.setText(text)
            else:
                self.status.setText(then(result) if then else result)
            self._update()
            self.refresh_requested.emit()

        self.tasks.run(self.path, fn, args=(self.card.model,), on_done=done)

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        return self.tasks.wait(timeout_ms)
