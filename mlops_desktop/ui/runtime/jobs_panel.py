"""The Jobs panel: every job of the workspace with progress, elapsed time, Cancel and details."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QMenu,
    QMessageBox,
    QTableView,
    QWidget,
)

from mlops_desktop.registry.entities import Job
from mlops_desktop.ui.kit.dialogs import error_box, job_error_text
from mlops_desktop.ui.kit.tables import SortRole
from mlops_desktop.ui.runtime.job_table import (
    COL_ACTION,
    COL_ELAPSED,
    COL_MESSAGE,
    COL_PROGRESS,
    COL_STARTED,
    COL_STATUS,
    COL_TITLE,
    ActionDelegate,
    JobRole,
    JobTableModel,
    ProgressDelegate,
)
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

EMPTY_TEXT = (
    "No jobs yet. Long work such as imports, training and tests runs here in the "
    "background, with progress and a Cancel button."
)


class JobsTable(QTableView):
    """A table that says what will appear when it has no rows."""

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            rect = self.viewport().rect().adjusted(24, 12, -24, -12)
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, EMPTY_TEXT
            )
            painter.end()


class JobsDock(QDockWidget):
    """Bottom dock listing jobs; fed by WorkspaceModel (registry list + live updates)."""

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__("Jobs", parent)
        self.setObjectName("jobsDock")
        self.setAllowedAreas(
            Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.TopDockWidgetArea
        )
        self.workspace_model = model
        self.table_model = JobTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.table_model)
        self.proxy.setSortRole(SortRole)
        self.proxy.setDynamicSortFilter(True)

        self.view = self._build_view()
        self.setWidget(self.view)

        self._add_actions()

        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.table_model.tick)
        self._ticker.start()
        self.details_box: QMessageBox | None = None

        model.workspace_changed.connect(self.reload)
        model.job_changed.connect(self.table_model.upsert)
        self.reload()

    def _build_view(self) -> JobsTable:
        """The jobs table: sorted newest first, a progress bar and a Cancel / Details… button."""
        view = JobsTable()
        view.setObjectName("jobsTable")
        view.setModel(self.proxy)
        view.setSortingEnabled(True)
        view.sortByColumn(COL_STARTED, Qt.SortOrder.DescendingOrder)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.setMouseTracking(True)
        view.setWordWrap(False)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(30)
        view.setShowGrid(False)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._context_menu)
        view.doubleClicked.connect(self._on_double_click)
        self.progress_delegate = ProgressDelegate(view)
        self.action_delegate = ActionDelegate(view)
        self.action_delegate.clicked.connect(self._on_action)
        view.setItemDelegateForColumn(COL_PROGRESS, self.progress_delegate)
        view.setItemDelegateForColumn(COL_ACTION, self.action_delegate)
        header = view.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_MESSAGE, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (COL_TITLE, 220),
            (COL_STATUS, 120),
            (COL_PROGRESS, 150),
            (COL_STARTED, 90),
            (COL_ELAPSED, 80),
            (COL_ACTION, 100),
        ):
            view.setColumnWidth(column, width)
        return view

    def _add_actions(self) -> None:
        """Delete cancels the selected job; Return shows its details."""
        cancel = QAction("&Cancel Job", self.view)
        cancel.setShortcut(QKeySequence.StandardKey.Delete)
        cancel.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        cancel.triggered.connect(self.cancel_selected)
        details = QAction("Show &Details…", self.view)
        details.setShortcut(QKeySequence(Qt.Key.Key_Return))
        details.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        details.triggered.connect(self.show_selected_details)
        self.view.addActions([cancel, details])
        self.cancel_action, self.details_action = cancel, details

    # -- data ------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Show the workspace's jobs from the registry (plus live state)."""
        self.table_model.set_jobs(self.workspace_model.jobs())

    def selected_job(self) -> Job | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].data(JobRole) if rows else None

    def index_of(self, job_id: str, column: int = COL_TITLE) -> QModelIndex:
        """The view (proxy) index of a job's cell, invalid when the job is not listed."""
        row = self.table_model.row_of(job_id)
        if row is None:
            return QModelIndex()
        return self.proxy.mapFromSource(self.table_model.index(row, column))

    # -- actions ---------------------------------------------------------------------------------

    def cancel_selected(self) -> None:
        job = self.selected_job()
        if job is not None and not job.finished:
            self.workspace_model.cancel(job.id)

    def show_selected_details(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.show_details(job)

    def show_details(self, job: Job) -> QMessageBox:
        """Open (non-blocking) a dialog with the job's error or message, details hidden."""
        latest = self.workspace_model.job(job.id) or job
        text = job_error_text(latest)
        icon = (
            QMessageBox.Icon.Warning
            if latest.status in ("failed", "interrupted")
            else QMessageBox.Icon.Information
        )
        if self.details_box is not None:
            self.details_box.close()
        self.details_box = error_box(self, text, icon)
        self.details_box.setStandardButtons(QMessageBox.StandardButton.Close)
        self.details_box.open()
        return self.details_box

    def _on_action(self, job: Job, action: str) -> None:
        if action == "Cancel":
            self.workspace_model.cancel(job.id)
        elif action:
            self.show_details(job)

    def _on_double_click(self, index: QModelIndex) -> None:
        if index.column() != COL_ACTION:
            job = index.data(JobRole)
            if job is not None:
                self.show_details(job)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        job: Job = index.data(JobRole)
        menu = QMenu(self)
        cancel = menu.addAction("&Cancel Job", lambda: self.workspace_model.cancel(job.id))
        cancel.setEnabled(not job.finished)
        menu.addAction("Show &Details…", lambda: self.show_details(job))
        menu.addAction("Copy Job &Id", lambda: QGuiApplication.clipboard().setText(job.id))
        menu.popup(self.view.viewport().mapToGlobal(pos))
