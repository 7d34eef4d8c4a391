"""Helpers shared by the UI tests."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from mlops_desktop.ui.runtime.job_table import COL_ACTION, COL_STATUS
from mlops_desktop.ui.shell.main_window import MainWindow


def cell_text(window: MainWindow, job_id: str, column: int) -> str:
    index = window.jobs_dock.index_of(job_id, column)
    return str(index.data(Qt.ItemDataRole.DisplayRole) or "") if index.isValid() else ""


def status_of(window: MainWindow, job_id: str) -> str:
    return cell_text(window, job_id, COL_STATUS)


def action_index(window: MainWindow, job_id: str) -> QModelIndex:
    return window.jobs_dock.index_of(job_id, COL_ACTION)


def visible_message_boxes() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def box_text(box: QMessageBox) -> str:
    """Everything a message box says, including what is behind "Show Details…"."""
    return "\n".join([box.windowTitle(), box.text(), box.informativeText(), box.detailedText()])
