"""Dialogs every page uses: errors as friendly boxes (what happened, why, what to do; details
behind a toggle), and file dialogs that are native unless the platform is headless."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSpacerItem,
    QWidget,
)

from mlops_desktop.errors import MlopsError, WorkspaceError
from mlops_desktop.formatting import readable_details
from mlops_desktop.registry.entities import Job

HEADLESS_PLATFORMS = ("offscreen", "minimal")


class _DefaultOnShow(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Show and isinstance(watched, QPushButton):
            watched.setDefault(False)  # setDefault(True) on a default button tells no dialog
            watched.setDefault(True)
        return False


def set_primary(button: QPushButton) -> None:
    """Make ``button`` the one Enter presses in its dialog, drawn as the default.

    A default set while the button is not yet inside its dialog is forgotten: on show, QDialog
    makes the first auto-default button of the focus chain the default, often Cancel. So the
    default is set again each time the button is shown, when it belongs to the dialog.
    """
    button.setDefault(True)
    button.installEventFilter(_DefaultOnShow(button))


def use_native_dialogs() -> bool:
    """Native file dialogs, except on headless platforms (tests, screenshots)."""
    return QGuiApplication.platformName() not in HEADLESS_PLATFORMS


def directory_dialog(
    parent: QWidget | None, caption: str, start: Path | None = None
) -> QFileDialog:
    """A folder chooser (not yet shown), native unless headless."""
    dialog = QFileDialog(parent, caption, str(start or Path.home()))
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, not use_native_dialogs())
    dialog.setObjectName("directoryDialog")
    return dialog


@dataclass(frozen=True)
class ErrorText:
    """The parts of an error dialog: window title, bold headline, sentence(s), hidden details."""

    title: str
    headline: str
    message: str
    details: str = ""


def workspace_error_text(exc: WorkspaceError, path: Path | str | None = None) -> ErrorText:
    """Dialog text for a workspace that cannot be opened (never a traceback)."""
    message = exc.message
    lowered = message.lower()
    if "newer version" in lowered:
        headline = "This workspace needs a newer MLOps Desktop"
    elif "read-only" in lowered:
        headline = "This workspace is read-only"
    elif "not an mlops desktop workspace" in lowered:
        headline = "This folder is not a workspace"
        if "choose" not in lowered:
            message += (
                " Choose a folder created by MLOps Desktop, or make a new workspace with "
                "File ▸ New Workspace…"
            )
    elif "damaged" in lowered or "cannot be read" in lowered:
        headline = "The workspace registry cannot be read"
    else:
        headline = "The workspace cannot be opened"
    details = [f"Folder: {path}"] if path is not None else []
    if exc.details:
        details.append(exc.details)
    return ErrorText("Cannot Open Workspace", headline, message, "\n".join(details))


def job_error_text(job: Job) -> ErrorText:
    """Dialog text for a failed or interrupted job: its error, with details and log hidden."""
    message = job.error or job.message or "The job ended without saying why."
    parts = []
    if job.error_details:
        parts.append(job.error_details.rstrip())
    if job.log:
        parts.append("Log:\n" + job.log.rstrip())
    parts.append(f"Job id: {job.id} ({job.kind})")
    headline = {
        "failed": f"“{job.title}” failed",
        "interrupted": f"“{job.title}” was interrupted",
        "cancelled": f"“{job.title}” was cancelled",
    }.get(job.status, job.title)
    return ErrorText("Job Details", headline, message, "\n\n".join(parts))


def error_text(exc: MlopsError, title: str = "Error", headline: str = "") -> ErrorText:
    """Dialog text for any MlopsError."""
    return ErrorText(
        title, headline or exc.message, "" if not headline else exc.message, exc.details or ""
    )


def error_box(
    parent: QWidget | None, text: ErrorText, icon: QMessageBox.Icon = QMessageBox.Icon.Warning
) -> QMessageBox:
    """A message box for ``text`` with a "Show Details…" toggle when there are details.

    The caller adds buttons (or gets a single Close) and shows it with ``open()`` (non-blocking)
    or ``exec()``.
    """
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(text.title)
    box.setText(f"<b>{_escape(text.headline)}</b>")
    box.setInformativeText(_escape(text.message))
    if text.details:
        box.setDetailedText(readable_details(text.details))  # a summary before any traceback
    box.setObjectName("errorBox")
    widen(box)
    return box


def widen(box: QMessageBox, width: int = 460) -> None:
    """Give a message box room so one or two sentences do not wrap into a narrow column."""
    layout = box.layout()
    if isinstance(layout, QGridLayout):
        spacer = QSpacerItem(width, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)
        layout.addItem(spacer, layout.rowCount(), 0, 1, layout.columnCount())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
