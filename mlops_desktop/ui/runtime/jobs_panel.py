"""The Jobs panel: the jobs of this session with progress, elapsed time, Cancel and details.

It lists the running jobs and the ones that ended since the workspace was opened, and shrinks
to what runs (with at least the newest job in view). Jobs that ended in earlier sessions are
listed only after "Show earlier jobs".
"""

from __future__ import annotations

import time

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTableView,
    QVBoxLayout,
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


#: The panel never grows taller than this by itself (the user may drag it taller).
MAX_FIT_ROWS = 5


class SessionFilter(QSortFilterProxyModel):
    """Sorts the jobs; hides those that ended before ``since`` unless ``show_earlier``."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.since = time.time()
        self.show_earlier = False

    def is_earlier(self, job: Job | None) -> bool:
        """Ended before ``since``, or left behind by an earlier session (started before
        ``since``, marked interrupted when this session's pool found its owner gone)."""
        if job is None or not job.finished:
            return False
        if (job.finished_at or job.created_at or 0.0) < self.since:
            return True
        return job.status == "interrupted" and (job.created_at or 0.0) < self.since

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        if self.show_earlier:
            return True
        job = self.sourceModel().index(row, 0, parent).data(JobRole)
        return not self.is_earlier(job)


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
        self.proxy = SessionFilter(self)
        self.proxy.setSourceModel(self.table_model)
        self.proxy.setSortRole(SortRole)
        self.proxy.setDynamicSortFilter(True)

        self.view = self._build_view()
        self.setWidget(self._build_body())
        for signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            signal.connect(self._rows_changed)
        self.table_model.dataChanged.connect(self._job_data_changed)

        self._add_actions()

        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.table_model.tick)
        self._ticker.start()
        self.details_box: QMessageBox | None = None

        model.workspace_changed.connect(self._new_session)
        model.job_changed.connect(self.table_model.upsert)
        model.registry_changed.connect(self.follow_registry)
        model.summary_changed.connect(lambda _summary: self.follow_registry())
        self.reload()

    def _build_body(self) -> QWidget:
        """A one-line bar (what is hidden, "Show earlier jobs") above the table."""
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(2)
        bar = QHBoxLayout()
        self.summary_label = QLabel()
        self.summary_label.setObjectName("jobsSummary")
        self.earlier_box = QCheckBox("Show &earlier jobs")
        self.earlier_box.setObjectName("showEarlierJobs")
        self.earlier_box.setToolTip(
            "Also list the jobs that ended before this workspace was opened"
        )
        self.earlier_box.toggled.connect(self.set_show_earlier)
        bar.addWidget(self.summary_label, 1)
        bar.addWidget(self.earlier_box)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        return body

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

    def _new_session(self) -> None:
        self.proxy.since = time.time()
        self.reload()

    def follow_registry(self) -> None:
        """Jobs started or changed by another process (the CLI, a second window) show up too."""
        for job in reversed(self.workspace_model.jobs(limit=50)):
            row = self.table_model.row_of(job.id)
            if row is None or self.table_model.jobs()[row] != job:
                self.table_model.upsert(job)

    def set_show_earlier(self, on: bool) -> None:
        """List (or hide again) the jobs that ended in earlier sessions."""
        if self.earlier_box.isChecked() != on:
            self.earlier_box.setChecked(on)
            return
        self.proxy.beginFilterChange()
        self.proxy.show_earlier = on
        self.proxy.endFilterChange()
        self._rows_changed()

    def hidden_count(self) -> int:
        return self.table_model.rowCount() - self.proxy.rowCount()

    def running_count(self) -> int:
        """Jobs queued or running now (as the registry and the live updates say)."""
        return sum(1 for job in self.table_model.jobs() if not job.finished)

    def _job_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_a) -> None:
        """A job changed (it may have ended): the summary and the height follow; the ticking
        Elapsed column changes nothing."""
        if not (top_left.column() == bottom_right.column() == COL_ELAPSED):
            self._rows_changed()

    def _rows_changed(self, *_args) -> None:
        shown, hidden, running = self.proxy.rowCount(), self.hidden_count(), self.running_count()
        parts = [f"{running} running" if running else "Nothing running"]
        if hidden:
            parts.append(f"{hidden} earlier hidden")
        self.summary_label.setText(", ".join(parts) + ".")
        self.view.setVisible(shown > 0)
        self.earlier_box.setEnabled(hidden > 0 or self.proxy.show_earlier)
        rows = self.fitted_rows()
        if rows != getattr(self, "_fitted_rows", None):
            self._fitted_rows = rows
            self.fit_height()

    def fitted_rows(self) -> int:
        """Rows the panel fits: the running jobs (the newest job when none runs), at most
        MAX_FIT_ROWS; all listed rows when earlier jobs were asked for."""
        shown = self.proxy.rowCount()
        wanted = shown if self.proxy.show_earlier else max(self.running_count(), 1)
        return min(shown, wanted, MAX_FIT_ROWS)

    def fitted_height(self) -> int:
        """Tall enough for ``fitted_rows`` rows, else the bar alone."""
        title = max(0, self.minimumSizeHint().height() - self.widget().minimumSizeHint().height())
        bar = title + self.summary_label.sizeHint().height() + 16
        rows = self.fitted_rows()
        if rows == 0:
            return bar
        header = self.view.horizontalHeader().sizeHint().height()
        return bar + header + rows * self.view.verticalHeader().defaultSectionSize() + 8

    def fit_height(self) -> None:
        """Shrink (or grow) the docked panel to what it lists."""
        window = self.parent()
        if (
            isinstance(window, QMainWindow)
            and not self.isFloating()
            and window.dockWidgetArea(self) != Qt.DockWidgetArea.NoDockWidgetArea
        ):
            height = min(self.fitted_height(), max(window.height() // 4, 60))
            window.resizeDocks([self], [height], Qt.Orientation.Vertical)

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
