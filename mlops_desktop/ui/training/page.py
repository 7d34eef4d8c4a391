"""Train: fit scikit-learn models on a dataset version, compare the runs, register the best."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import MlopsError
from mlops_desktop.registry.entities import Job, Run, WorkspaceSummary
from mlops_desktop.training.run_summary import (
    TRAIN_JOB_KINDS,
    RunRow,
    lineage,
    newer_dataset_versions,
    registered_by_run,
    run_rows,
)
from mlops_desktop.ui.kit.specs import EmptyStateSpec
from mlops_desktop.ui.runtime.page import Page
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel
from mlops_desktop.ui.training.actions import TrainActions
from mlops_desktop.ui.training.details import RunDetails
from mlops_desktop.ui.training.model import (
    COL_RUN,
    COL_STARTED,
    compare_text,
    count_text,
    dataset_names,
    empty_spec,
)
from mlops_desktop.ui.training.views import (
    KeyRole,
    RowRole,
    RunsFilterProxy,
    RunsTable,
    RunsTableModel,
)

STATUSES = ("succeeded", "running", "queued", "failed", "cancelled", "interrupted")
JOB_STATUSES = ("queued", "running", "failed", "cancelled", "interrupted")


class TrainPage(TrainActions, Page):
    name = "train"
    title = "Train"
    explanation = (
        "Train scikit-learn models on a dataset version, compare the runs, register the best."
    )
    glyph = "train"

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.new_run_button = QPushButton("&New Run…")
        self.new_run_button.setToolTip("Train one or more model families on a dataset version")
        self.new_run_button.clicked.connect(lambda: self.open_new_run_dialog())
        self.header_actions.addWidget(self.new_run_button)
        self.import_button = QPushButton("&Import Model…")
        self.import_button.setToolTip(
            "Register a scikit-learn model fitted elsewhere (skops, joblib/pickle, MLflow folder)"
        )
        self.import_button.clicked.connect(self.open_import_dialog)
        self.header_actions.addWidget(self.import_button)
        self.empty_state.action_requested.connect(self._on_empty_action)
        QWidget.setTabOrder(self.new_run_button, self.import_button)
        QWidget.setTabOrder(self.import_button, self.filter_edit)
        model.workspace_changed.connect(self._forget_workspace)
        model.job_changed.connect(self._on_job_changed)
        self._job_seen: dict[str, tuple[str, str]] = {}

    # -- building ----------------------------------------------------------------------------

    def build_content(self) -> QWidget:
        self._dataset_refs: dict[int, str] = {}
        self._runs: dict[str, Run] = {}
        self._registered: dict[str, list] = {}
        self._shown: tuple | None = None
        self._submitted: list[str] = []
        self._runs_seen: int | None = None
        self._was_active = False
        self._revision_seen = -1
        widget = QWidget()
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._build_bar())

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self._build_table())
        splitter.addWidget(self._build_details())
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([300, 400])
        layout.addWidget(splitter, 1)

        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.status_combo.currentIndexChanged.connect(
            lambda: self.proxy.set_status(self.status_combo.currentData())
        )
        self.dataset_combo.currentIndexChanged.connect(
            lambda: self.proxy.set_dataset(self.dataset_combo.currentData())
        )
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            signal.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(lambda *_: self._show_current())
        selection.selectionChanged.connect(lambda *_: self._update_compare())
        self._update_compare()
        return widget

    def _build_bar(self) -> QHBoxLayout:
        """The filters (text, status, dataset), the run count and Compare."""
        bar = QHBoxLayout()
        filter_label = QLabel("Fi&lter:")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("run id, dataset or model")
        self.filter_edit.setClearButtonEnabled(True)
        filter_label.setBuddy(self.filter_edit)
        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName("Status filter")
        self.status_combo.addItem("All statuses", "")
        for status in STATUSES:
            self.status_combo.addItem(status.capitalize(), status)
        self.dataset_combo = QComboBox()
        self.dataset_combo.setAccessibleName("Dataset filter")
        self.dataset_combo.addItem("All datasets", "")
        self.count_label = QLabel()
        self.compare_button = QPushButton("C&ompare")
        self.compare_button.setToolTip("Select two or more finished runs (Ctrl+click) to compare")
        self.compare_button.clicked.connect(self.compare_selected)
        bar.addWidget(filter_label)
        bar.addWidget(self.filter_edit, 2)
        bar.addWidget(self.status_combo)
        bar.addWidget(self.dataset_combo)
        bar.addWidget(self.count_label, 1, Qt.AlignmentFlag.AlignRight)
        bar.addWidget(self.compare_button)
        return bar

    def _build_table(self) -> QTableView:
        self.table_model = RunsTableModel(self)
        self.proxy = RunsFilterProxy(self)
        self.proxy.setSourceModel(self.table_model)
        self.table = RunsTable()
        self.table.setObjectName("runsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_STARTED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setResizeContentsPrecision(200)  # size columns from the first rows only
        return self.table

    def _build_details(self) -> QWidget:
        """The selected run's details (a hint while none is selected)."""
        self.details = RunDetails()
        self.details.register_requested.connect(self.open_register_dialog)
        self.details.retrain_requested.connect(self.open_retrain_dialog)
        self.details.tests_requested.connect(lambda _ref: self.navigate_requested.emit("test"))
        self.details.run_link_activated.connect(self.select_key)
        self.no_selection = QLabel("Select a run to see its metrics, parameters and lineage.")
        self.no_selection.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.no_selection)
        lower_layout.addWidget(self.details)
        self.details.hide()
        return lower

    # -- page hooks --------------------------------------------------------------------------

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        if summary is None or self.model.workspace is None:
            return True
        return summary.runs == 0 and not self._training_jobs()

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        if summary is None or summary.dataset_versions == 0:
            return empty_spec(False, [])
        ws = self.model.workspace
        return empty_spec(True, ws.datasets.list() if ws is not None else [])

    def refresh(self, model: WorkspaceModel) -> None:
        super().refresh(model)
        has_data = model.summary is not None and model.summary.dataset_versions > 0
        self.new_run_button.setEnabled(has_data)
        self.new_run_button.setToolTip(
            "Train one or more model families on a dataset version"
            if has_data
            else "Import a dataset on the Data page first"
        )
        self.import_button.setEnabled(has_data)

    def update_content(self, model: WorkspaceModel) -> None:
        """Re-read the runs only when they may have changed: the registry changed (a worker, the
        CLI or the demo build wrote), their count moved, or a training job is queued or running;
        models are always re-read."""
        jobs = self._training_jobs()
        count = model.summary.runs if model.summary is not None else None
        active = any(not job.finished for job in jobs)
        # One more read after the last job ends, so its run's final state shows.
        changed = (
            active
            or self._was_active
            or count != self._runs_seen
            or model.revision != self._revision_seen
        )
        self._was_active = active
        self.reload(read_runs=changed, jobs=jobs)

    def badge_count(self, model: WorkspaceModel) -> int:
        return 0

    # -- reading -----------------------------------------------------------------------------

    def _training_jobs(self) -> list[Job]:
        """Training jobs that may have no run yet (or ever): the registry's, plus the ones this
        page just submitted (the pool records those a moment later)."""
        jobs = {
            j.id: j
            for j in self.model.jobs(limit=100)
            if j.kind in TRAIN_JOB_KINDS and j.status in JOB_STATUSES
        }
        for job_id in self._submitted:
            job = self.model.job(job_id)
            if job is not None and job.id not in jobs and job.status in JOB_STATUSES:
                jobs[job.id] = job
        return list(jobs.values())

    def _on_job_changed(self, job: Job) -> None:
        """A training job moved (queued → running → ended, or a new step): show its real state
        in its row and the details at once, not at the next periodic read."""
        if job.kind not in TRAIN_JOB_KINDS or self.model.workspace is None:
            return
        state = (job.status, job.message)
        seen = self._job_seen.get(job.id)
        if seen == state:
            return
        self._job_seen[job.id] = state
        # A new step only matters while the row is the job's own (its run not recorded yet).
        has_run = any(run.job_id == job.id for run in self._runs.values())
        if seen is not None and seen[0] == job.status and has_run:
            return
        if self.isVisible() and not self.showing_empty_state():
            self.reload()

    def _forget_workspace(self) -> None:
        self._dataset_refs.clear()
        self._runs.clear()
        self._registered.clear()
        self._submitted.clear()
        self._job_seen.clear()
        self._runs_seen = None
        self._shown = None
        self.table_model.set_rows([])

    def dataset_ref(self, version_id: int) -> str:
        if version_id not in self._dataset_refs and self.model.workspace is not None:
            self._dataset_refs[version_id] = self.model.workspace.datasets.get_by_id(version_id).ref
        return self._dataset_refs.get(version_id, f"#{version_id}")

    def reload(self, read_runs: bool = True, jobs: list[Job] | None = None) -> None:
        """Re-read runs (unless ``read_runs`` is False), training jobs and model versions;
        update the rows in place."""
        ws = self.model.workspace
        if ws is None:
            return
        if read_runs or not self._runs:
            runs = ws.runs.list()
            self._runs = {run.id: run for run in runs}
            self._runs_seen = len(runs)
            self._revision_seen = self.model.revision
            for run in runs:
                self.dataset_ref(run.dataset_version_id)
        self._registered = registered_by_run(ws.models.list())
        jobs = self._training_jobs() if jobs is None else jobs
        rows = run_rows(self._runs.values(), jobs, self._dataset_refs, self._registered)
        self.table_model.set_rows(rows)
        names = dataset_names(rows)
        known = [self.dataset_combo.itemData(i) for i in range(1, self.dataset_combo.count())]
        for name in names:
            if name not in known:
                self.dataset_combo.addItem(name, name)
        self._update_count()
        if self.current_row() is None and self.proxy.rowCount():
            # The first row shown is the selection (the details show it), never a lone highlight.
            self.select_key(self.proxy.index(0, 0).data(KeyRole))
        self._show_current()

    def _update_count(self) -> None:
        total, shown = self.table_model.rowCount(), self.proxy.rowCount()
        self.count_label.setText(count_text(shown, total))

    # -- selection ---------------------------------------------------------------------------

    def current_row(self) -> RunRow | None:
        index = self.table.selectionModel().currentIndex()
        return index.data(RowRole) if index.isValid() else None

    def selected_rows(self) -> list[RunRow]:
        rows = [i.data(RowRole) for i in self.table.selectionModel().selectedRows(COL_RUN)]
        return [r for r in rows if r is not None]

    def select_key(self, key: str, extend: bool = False) -> bool:
        """Select the row of run (or job) ``key``; clears a filter that hides it."""
        source_row = self.table_model.row_of(key)
        if source_row is None:
            return False
        index = self.proxy.mapFromSource(self.table_model.index(source_row, 0))
        if not index.isValid():
            self.filter_edit.clear()
            self.status_combo.setCurrentIndex(0)
            self.dataset_combo.setCurrentIndex(0)
            index = self.proxy.mapFromSource(self.table_model.index(source_row, 0))
        flags = QItemSelectionModel.SelectionFlag.Rows | (
            QItemSelectionModel.SelectionFlag.Select
            if extend
            else QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)
        return True

    def _show_current(self) -> None:
        row = self.current_row()
        if row is None:
            self._shown = None
            self.details.hide()
            self.no_selection.show()
            return
        run = self._runs.get(row.run_id) if row.run_id else None
        key = (row, run)
        if key == self._shown:
            return
        self._shown = key
        ws = self.model.workspace
        versions = self._registered.get(row.run_id or "", [])
        steps, can_retrain = [], False
        if ws is not None and run is not None:
            try:
                steps = lineage(ws, run)
                can_retrain = bool(versions) and bool(newer_dataset_versions(ws, run))
            except MlopsError:
                steps = []
        self.details.show_run(row, run, versions, steps, can_retrain)
        self.no_selection.hide()
        self.details.show()

    def _comparable(self) -> list[RunRow]:
        return [r for r in self.selected_rows() if r.run_id and r.status == "succeeded"]

    def _update_compare(self) -> None:
        count = len(self._comparable())
        self.compare_button.setEnabled(count >= 2)
        self.compare_button.setText(compare_text(count))

    def row_keys(self) -> list[str]:
        """The keys of the rows as shown (sorted and filtered), for tests and keyboard use."""
        return [self.proxy.index(r, 0).data(KeyRole) for r in range(self.proxy.rowCount())]
