"""The jobs table model and its delegates (progress bar, per-row Cancel / Details button)."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
)

from mlops_desktop.formatting import MISSING, elapsed, local_time
from mlops_desktop.registry.entities import Job
from mlops_desktop.ui.kit.icons import dot_pixmap
from mlops_desktop.ui.kit.tables import SortRole

COLUMNS = ("Job", "Status", "Progress", "Message", "Started", "Elapsed", "")
COL_TITLE, COL_STATUS, COL_PROGRESS, COL_MESSAGE, COL_STARTED, COL_ELAPSED, COL_ACTION = range(7)
JobRole = Qt.ItemDataRole.UserRole + 2

STATUS_COLORS = {
    "queued": "#8a8f98",
    "running": "#2f6fd6",
    "succeeded": "#1e8e3e",
    "failed": "#d93025",
    "cancelled": "#e37400",
    "interrupted": "#e37400",
}
ModelIndex = QModelIndex | QPersistentModelIndex


def status_text(job: Job) -> str:
    """The status as a user reads it ("Cancelling…" while a cancel is pending)."""
    if job.status == "running" and job.cancel_requested:
        return "Cancelling…"
    return job.status.capitalize()


def action_for(job: Job) -> str:
    """The row's button: "Cancel" for queued/running, "Details…" for failed/interrupted."""
    if job.status in ("queued", "running") and not job.cancel_requested:
        return "Cancel"
    if job.status in ("failed", "interrupted"):
        return "Details…"
    return ""


class JobTableModel(QAbstractTableModel):
    """Jobs as rows (newest first as inserted). ``upsert`` keeps one row per job id."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []
        self._row_of: dict[str, int] = {}
        self._icons = {s: dot_pixmap(QColor(c), 10, 2.0) for s, c in STATUS_COLORS.items()}
        self.now = time.time

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def row_of(self, job_id: str) -> int | None:
        return self._row_of.get(job_id)

    def jobs(self) -> list[Job]:
        return list(self._jobs)

    def set_jobs(self, jobs: list[Job]) -> None:
        """Replace all rows."""
        self.beginResetModel()
        self._jobs = list(jobs)
        self._row_of = {job.id: row for row, job in enumerate(self._jobs)}
        self.endResetModel()

    def upsert(self, job: Job) -> None:
        """Update the job's row, or insert it at the top when it is new."""
        row = self._row_of.get(job.id)
        if row is not None:
            self._jobs[row] = job
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            return
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._jobs.insert(0, job)
        self._row_of = {j.id: r for r, j in enumerate(self._jobs)}
        self.endInsertRows()

    def tick(self) -> None:
        """Refresh the Elapsed column of unfinished jobs (called every second)."""
        for row, job in enumerate(self._jobs):
            if not job.finished and job.started_at:
                index = self.index(row, COL_ELAPSED)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job, col = self._jobs[index.row()], index.column()
        if role == JobRole:
            return job
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, col)
        if role == SortRole:
            return self._sort_key(job, col)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_STATUS:
            return self._icons.get(job.status)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_ELAPSED, COL_STARTED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if job.error:
                return f"{job.error}\nDouble-click for details."
            return job.message or None
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_MESSAGE and job.error:
            return QColor(STATUS_COLORS["failed"])
        return None

    def _display(self, job: Job, col: int) -> Any:
        if col == COL_TITLE:
            return job.title
        if col == COL_STATUS:
            return status_text(job)
        if col == COL_PROGRESS:
            return f"{round(job.progress * 100)} %"
        if col == COL_MESSAGE:
            return (
                job.error if job.status in ("failed", "interrupted") and job.error else job.message
            )
        if col == COL_STARTED:
            return local_time(job.started_at or job.created_at, now=self.now())
        if col == COL_ELAPSED:
            return elapsed(job.elapsed(self.now())) if job.started_at else MISSING
        if col == COL_ACTION:
            return action_for(job)
        return None

    def _sort_key(self, job: Job, col: int) -> Any:
        if col == COL_PROGRESS:
            return job.progress
        if col == COL_STARTED:
            return job.started_at or job.created_at
        if col == COL_ELAPSED:
            return job.elapsed(self.now())
        return str(self._display(job, col) or "").lower()


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a native progress bar."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        job: Job | None = index.data(JobRole)
        if job is None:
            return super().paint(painter, option, index)
        style = option.widget.style() if option.widget else QApplication.style()
        # Background and selection like the other cells, without text.
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
        )
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(4, 5, -4, -5)
        bar.minimum, bar.maximum = 0, 100
        bar.progress = round(job.progress * 100)
        bar.text = f"{bar.progress} %" if job.status != "queued" else "Waiting"
        bar.textVisible = True
        bar.state = QStyle.StateFlag.State_Horizontal
        if job.status in ("queued", "running", "succeeded"):
            bar.state |= QStyle.StateFlag.State_Enabled
        bar.palette = option.palette
        bar.fontMetrics = option.fontMetrics
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class ActionDelegate(QStyledItemDelegate):
    """Draws the row's action as a push button and reports clicks as ``clicked(job, action)``."""

    clicked = Signal(object, str)

    def button_rect(self, rect: QRect) -> QRect:
        return rect.adjusted(4, 3, -4, -3)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget
        )
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not text:
            return
        button = QStyleOptionButton()
        button.rect = self.button_rect(option.rect)
        button.text = text
        button.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
        if option.state & QStyle.StateFlag.State_MouseOver:
            button.state |= QStyle.StateFlag.State_MouseOver
        button.palette = option.palette
        button.fontMetrics = option.fontMetrics
        style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, option.widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex):
        size = super().sizeHint(option, index)
        size.setWidth(max(size.width(), option.fontMetrics.horizontalAdvance("Details…") + 32))
        return size

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: ModelIndex,
    ) -> bool:
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and event.button() == Qt.MouseButton.LeftButton
        ):
            text = index.data(Qt.ItemDataRole.DisplayRole)
            if text and self.button_rect(option.rect).contains(event.position().toPoint()):
                self.clicked.emit(index.data(JobRole), text)
                return True
        return super().editorEvent(event, model, option, index)
