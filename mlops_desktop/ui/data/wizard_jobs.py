"""A job run from inside a dialog: progress line, Cancel, and errors shown inline.

``JobLine`` starts one job at a time through the WorkspaceModel, follows its progress, offers
Cancel while it runs, and on failure shows the job's one- or two-sentence message with the
technical details behind "Show details" (never a traceback in plain sight).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.registry.entities import Job
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel


class InlineError(QWidget):
    """An error message in one or two sentences, with details behind a "Show details" toggle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inlineError")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.icon = QLabel()
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.icon.setPixmap(icon.pixmap(20, 20))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.message = QLabel()
        self.message.setObjectName("inlineErrorMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toggle = QToolButton()
        self.toggle.setText("Show &details")
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self._toggle)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.message, 1)
        row.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(140)
        self.details.hide()
        layout.addWidget(self.details)
        self.hide()

    def set_error(self, message: str, details: str = "") -> None:
        self.message.setText(message)
        self.details.setPlainText(details)
        self.toggle.setChecked(False)
        self.toggle.setVisible(bool(details))
        self.show()

    def clear(self) -> None:
        self.message.clear()
        self.details.clear()
        self.toggle.setChecked(False)
        self.hide()

    def _toggle(self, on: bool) -> None:
        self.details.setVisible(on)
        self.toggle.setText("Hide &details" if on else "Show &details")


class JobLine(QWidget):
    """Progress bar, message and Cancel for one job at a time, plus its inline error.

    Signals:
        finished(Job): the job ended (any end state); ``error`` already shows a failure.
        running_changed(bool): a job started or ended.
    """

    finished = Signal(object)
    running_changed = Signal(bool)

    def __init__(
        self, model: WorkspaceModel, cancel_text: str = "&Cancel", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.job_id: str | None = None
        self.last_job: Job | None = None
        self._disposed = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.busy = QWidget()
        row = QHBoxLayout(self.busy)
        row.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(14)
        self.message = QLabel()
        self.cancel_button = QPushButton(cancel_text)
        self.cancel_button.setObjectName("cancelJob")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.message, 1)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        self.busy.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        self.error = InlineError()
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        model.job_changed.connect(self._on_job_changed)

    @property
    def running(self) -> bool:
        return self.job_id is not None

    def start(
        self,
        fn: Callable[..., Any] | str,
        kwargs: dict[str, Any],
        title: str,
        message: str = "Starting…",
    ) -> str:
        """Run ``fn(ctx, **kwargs)`` as a job (a running one is cancelled first)."""
        if self.job_id is not None:
            self.model.cancel(self.job_id)
        self.error.clear()
        self.status.hide()
        self.progress.setValue(0)
        self.message.setText(message)
        self.busy.show()
        self.cancel_button.setEnabled(True)
        job_id = self.model.submit(fn, kwargs, title=title, on_finished=self._on_finished)
        self.job_id = job_id
        self.running_changed.emit(True)
        return job_id

    def cancel(self) -> None:
        """Ask the running job to stop (it ends as cancelled)."""
        if self.job_id is not None:
            self.model.cancel(self.job_id)
            self.cancel_button.setEnabled(False)
            self.message.setText("Cancelling…")

    def dispose(self) -> None:
        """Cancel the running job and ignore its end (the dialog is closing)."""
        if self._disposed:
            return
        self.cancel()
        self._disposed = True
        self.job_id = None
        try:
            self.model.job_changed.disconnect(self._on_job_changed)
        except (RuntimeError, TypeError):
            pass

    def show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _on_job_changed(self, job: Job) -> None:
        if job.id != self.job_id or job.finished:
            return
        self.progress.setValue(int(job.progress * 1000))
        if job.message and self.cancel_button.isEnabled():
            self.message.setText(job.message)

    def _on_finished(self, job: Job) -> None:
        if self._disposed or job.id != self.job_id:
            return
        self.job_id = None
        self.last_job = job
        self.busy.hide()
        if job.status == "cancelled":
            self.show_status("Cancelled. Nothing was changed.")
        elif job.status != "succeeded":
            self.error.set_error(
                job.error or "The job ended without saying why.", job.error_details or ""
            )
        self.running_changed.emit(False)
        self.finished.emit(job)
