"""Data: import tabular files, check them, save named and versioned datasets."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import MlopsError
from mlops_desktop.registry.entities import DatasetVersion, WorkspaceSummary
from mlops_desktop.ui.data.model import (
    IMPORT_ACTION,
    blocking_in_latest,
    empty_spec,
    saved_text,
    versions_text,
)
from mlops_desktop.ui.data.views import VersionDetails, VersionList
from mlops_desktop.ui.data.wizard import ImportWizard
from mlops_desktop.ui.kit.specs import EmptyStateSpec
from mlops_desktop.ui.runtime.page import Page
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel


class DataPage(Page):
    """Signals:
    train_requested(str): "Train a model" on this dataset version (the window opens the form).
    """

    name = "data"
    train_requested = Signal(str)
    title = "Data"
    explanation = "Import tabular data, check it for problems and save named, versioned datasets."
    glyph = "data"

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        self.wizard: ImportWizard | None = None
        self.use_native_dialogs = True
        self._versions: list[DatasetVersion] = []
        self._loaded_for: tuple = ()
        super().__init__(model, parent)
        self.import_button = QPushButton("&Import Data…")
        self.import_button.setObjectName("importDataButton")
        self.import_button.setToolTip("Import a CSV, Excel or Parquet file (Ctrl+I)")
        self.import_button.clicked.connect(self.open_wizard)
        self.header_actions.addWidget(self.import_button)
        shortcut = QShortcut(QKeySequence("Ctrl+I"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.open_wizard)
        # The empty state's action opens the wizard instead of navigating.
        self.empty_state.action_requested.disconnect()
        self.empty_state.action_requested.connect(self._empty_action)
        model.workspace_changed.connect(self._forget)
        model.job_submitted.connect(self._on_job_event)
        model.job_finished.connect(self._on_job_event)

    # -- building ----------------------------------------------------------------------------

    def build_content(self) -> QWidget:
        widget = QWidget()
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 4, 0, 0)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        filter_row = QHBoxLayout()
        filter_label = QLabel("&Filter:")
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("datasetFilter")
        self.filter_edit.setPlaceholderText("name, target or task")
        self.filter_edit.setClearButtonEnabled(True)
        filter_label.setBuddy(self.filter_edit)
        self.count_label = QLabel()
        filter_row.addWidget(filter_label)
        filter_row.addWidget(self.filter_edit, 1)
        filter_row.addStretch(2)
        filter_row.addWidget(self.count_label)
        top_layout.addLayout(filter_row)
        self.versions = VersionList()
        top_layout.addWidget(self.versions)
        self.details = VersionDetails()
        self.details.train_requested.connect(self.train_requested.emit)
        self.filter_edit.textChanged.connect(self.versions.set_filter)
        self.versions.version_selected.connect(self._show_version)
        # In a scroll area, so small screens still fit the window (the details scroll instead).
        details_area = QScrollArea()
        details_area.setWidgetResizable(True)
        details_area.setFrameShape(QFrame.Shape.NoFrame)
        details_area.setWidget(self.details)
        self.versions.setMinimumHeight(90)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(details_area)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([170, 520])
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)
        return widget

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return summary is None or summary.dataset_versions == 0

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        return empty_spec(self.model.demo_build() is not None)

    def _on_job_event(self, _job: object) -> None:
        """A job started or ended (the demo's build, say): the empty state may say otherwise."""
        if self.showing_empty_state():
            self.refresh(self.model)

    # -- refreshing --------------------------------------------------------------------------

    def _load(self, model: WorkspaceModel) -> list[DatasetVersion]:
        """Re-read the versions only when their count or the workspace changed."""
        workspace = model.workspace
        if workspace is None:
            self._versions, self._loaded_for = [], ()
            return []
        key = (str(workspace.path), model.revision)
        if key != self._loaded_for:
            self._versions = workspace.datasets.list()
            self._loaded_for = key
        return self._versions

    def update_content(self, model: WorkspaceModel) -> None:
        versions = self._load(model)
        self.versions.set_versions(versions)
        self.count_label.setText(versions_text(versions))
        if not self.versions.selected_ref() and versions:
            self.versions.select_ref(self.versions.refs()[0])
        # The highlighted row is the selection: the details always show it.
        self._show_version(self.versions.selected_ref())

    def badge_count(self, model: WorkspaceModel) -> int:
        return blocking_in_latest(self._load(model))

    def _forget(self) -> None:
        self._loaded_for = ()
        self._versions = []
        self.versions.set_versions([])
        self.details.set_version(None)

    def _show_version(self, ref: str) -> None:
        workspace = self.model.workspace
        version = next((v for v in self._versions if v.ref == ref), None)
        if version is None and ref and workspace is not None:
            try:
                version = workspace.datasets.get(ref)
            except MlopsError:
                version = None
        self.details.set_version(version)

    def select_version(self, ref: str) -> bool:
        """Show ``ref`` selected (re-reading the registry first); False when unknown."""
        self.model.refresh_summary()
        self._loaded_for = ()
        self.refresh(self.model)
        self.filter_edit.clear()
        return self.versions.select_ref(ref)

    # -- the wizard --------------------------------------------------------------------------

    def _empty_action(self, page: str) -> None:
        if page == IMPORT_ACTION:
            self.open_wizard()
        elif page:
            self.navigate_requested.emit(page)

    def open_wizard(self) -> ImportWizard | None:
        """Open the import wizard (window-modal, non-blocking); returns it."""
        if self.model.workspace is None:
            return None
        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            self.wizard.activateWindow()
            return self.wizard
        wizard = ImportWizard(self.model, self, native_dialogs=self.use_native_dialogs)
        wizard.dataset_saved.connect(self._dataset_saved)
        wizard.open_requested.connect(self._open_existing)
        wizard.finished.connect(wizard.deleteLater)
        wizard.destroyed.connect(self._wizard_gone)
        self.wizard = wizard
        wizard.open()
        return wizard

    def _wizard_gone(self, *_args) -> None:
        self.wizard = None

    def _dataset_saved(self, ref: str, status: str) -> None:
        self.navigate_requested.emit(self.name)
        self.select_version(ref)
        self.details.train_button.setFocus()
        self.status_message.emit(saved_text(ref, status), 10000)

    def _open_existing(self, ref: str) -> None:
        self.navigate_requested.emit(self.name)
        self.select_version(ref)
