"""The Data page's views: the sortable, filterable list of versions and one version's details."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QItemSelectionModel, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QGuiApplication, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.formatting import MISSING, local_time
from mlops_desktop.registry.entities import DatasetVersion
from mlops_desktop.ui.data.model import counts_text, pii_text, roles_text, severity_counts
from mlops_desktop.ui.data.report_views import (
    RIGHT,
    ChecksReport,
    ProfileTable,
)
from mlops_desktop.ui.kit.charts import severity_color
from mlops_desktop.ui.kit.labels import mute, scaled_font
from mlops_desktop.ui.kit.tables import SortRole, fit_columns

LIST_HEADERS = ("Version", "Rows", "Columns", "Target", "Task", "Blocking", "Warnings", "Created")
REF_ROLE = Qt.ItemDataRole.UserRole + 2


class VersionList(QTableView):
    """Every dataset version (``name@N``) with size, target, findings and creation time.

    Signals:
        version_selected(str): the selected version's ref ('' when nothing is selected).
    """

    version_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("datasetVersions")
        self.source = QStandardItemModel(0, len(LIST_HEADERS), self)
        self.source.setHorizontalHeaderLabels(list(LIST_HEADERS))
        for col in (1, 2, 5, 6):
            self.source.horizontalHeaderItem(col).setTextAlignment(RIGHT)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SortRole)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(7, Qt.SortOrder.DescendingOrder)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.selectionModel().selectionChanged.connect(lambda *_: self._emit_selection())
        self._ids: tuple = ()

    def set_versions(self, versions: list[DatasetVersion]) -> bool:
        """Show ``versions``; keep the selection. Returns False when nothing changed.

        Versions are compared by what the list shows, not by id: another workspace numbers its
        versions from 1 too."""
        ids = tuple((v.id, v.ref, v.created_at, v.override_reason, len(v.checks)) for v in versions)
        if ids == self._ids:
            return False
        self._ids = ids
        selected = self.selected_ref()
        selection = self.selectionModel()
        selection.blockSignals(True)
        self.source.removeRows(0, self.source.rowCount())
        for version in versions:
            self.source.appendRow(self._row(version))
        found = bool(selected) and self.select_ref(selected)
        selection.blockSignals(False)
        self.viewport().update()
        fit_columns(self, 0)  # the name takes the room, not the creation time
        if selected and not found:
            self._emit_selection()
        return True

    def _row(self, v: DatasetVersion) -> list[QStandardItem]:
        counts = severity_counts(v.checks)
        blocking = f"{counts['blocking']:,}" + (" overridden" if v.override_reason else "")
        cells = [
            (v.ref, (v.name, v.number)),
            (f"{v.rows:,}", v.rows),
            (f"{v.columns:,}", v.columns),
            (str(v.roles.get("target") or ""), str(v.roles.get("target") or "")),
            (str(v.roles.get("task") or ""), str(v.roles.get("task") or "")),
            (blocking, counts["blocking"]),
            (f"{counts['warning']:,}", counts["warning"]),
            (local_time(v.created_at), v.created_at),
        ]
        items = []
        for col, (text, key) in enumerate(cells):
            item = QStandardItem(text)
            item.setData(f"{key[0]}@{key[1]:09d}" if isinstance(key, tuple) else key, SortRole)
            item.setData(v.ref, REF_ROLE)
            if col in (1, 2, 5, 6):
                item.setTextAlignment(RIGHT)
            items.append(item)
        if counts["blocking"]:
            items[5].setForeground(severity_color("blocking", self.palette()))
            items[5].setToolTip(
                f"Saved anyway. Reason: {v.override_reason}" if v.override_reason else ""
            )
        items[0].setToolTip(f"{v.ref}: {counts_text(v.checks)}")
        return items

    def refs(self) -> list[str]:
        """The shown refs in view order."""
        return [self.proxy.index(r, 0).data(REF_ROLE) for r in range(self.proxy.rowCount())]

    def selected_ref(self) -> str:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        return str(rows[0].data(REF_ROLE)) if rows else ""

    def select_ref(self, ref: str) -> bool:
        """Select the row of ``ref``; False when it is not shown."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(REF_ROLE) == ref:
                flags = (
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows
                )
                self.selectionModel().select(index, flags)
                self.setCurrentIndex(index)
                self.scrollTo(index)
                return True
        return False

    def set_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)

    def _emit_selection(self) -> None:
        self.version_selected.emit(self.selected_ref())


class VersionDetails(QWidget):
    """One version: its ref with Copy, source, roles, split, personal data, profile and checks.

    Signals:
        train_requested(str): the user asked to train a model on this version.
    """

    train_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.version: DatasetVersion | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(8)

        header = QHBoxLayout()
        self.ref_label = QLabel()
        self.ref_label.setObjectName("datasetRef")
        self.ref_label.setFont(scaled_font(self, 1.35, bold=True))
        self.ref_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QToolButton()
        self.copy_button.setText("&Copy")
        self.copy_button.setToolTip("Copy the version's name, e.g. to use it in the CLI")
        self.copy_button.clicked.connect(self.copy_ref)
        self.size_label = QLabel()
        self.train_button = QPushButton("&Train a model")
        self.train_button.setObjectName("trainButton")
        self.train_button.setDefault(True)
        self.train_button.setMinimumHeight(32)
        self.train_button.setToolTip("Go to the Train page to fit models on this version")
        self.train_button.clicked.connect(
            lambda: self.version and self.train_requested.emit(self.version.ref)
        )
        header.addWidget(self.ref_label)
        header.addWidget(self.copy_button)
        header.addSpacing(12)
        header.addWidget(self.size_label)
        header.addStretch(1)
        header.addWidget(self.train_button)
        layout.addLayout(header)

        self.form = QFormLayout()
        self.form.setHorizontalSpacing(16)
        self.form.setVerticalSpacing(3)
        self.fields: dict[str, QLabel] = {}
        for key, caption in (
            ("source", "Source"),
            ("target", "Target"),
            ("split", "Split"),
            ("roles", "Other roles"),
            ("pii", "Personal data"),
            ("created", "Created"),
            ("override", "Saved anyway"),
        ):
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = label
            self.form.addRow(f"{caption}:", label)
        layout.addLayout(self.form)

        self.tabs = QTabWidget()
        self.profile = ProfileTable()
        self.report = ChecksReport()
        self.tabs.addTab(self.profile, "&Profile")
        self.tabs.addTab(self.report, "Chec&ks")
        layout.addWidget(self.tabs, 1)

    def set_version(self, version: DatasetVersion | None) -> None:
        """Show ``version`` (None clears). Skips work when it is already shown."""
        if (
            version is not None
            and self.version is not None
            and (version.id, version.ref, version.created_at)
            == (self.version.id, self.version.ref, self.version.created_at)
        ):
            return
        self.version = version
        self.setEnabled(version is not None)
        if version is None:
            self.ref_label.setText("No version selected")
            for label in self.fields.values():
                label.clear()
            self.profile.set_profile({})
            self.report.set_findings([])
            return
        self.ref_label.setText(version.ref)
        self.copy_button.setText("&Copy")
        self.size_label.setText(f"{version.rows:,} rows × {version.columns:,} columns")
        mute(self.size_label, self)
        roles, split = version.roles, version.split
        self.fields["source"].setText(version.source or MISSING)
        self.fields["target"].setText(f"{roles.get('target')} ({roles.get('task')})")
        self.fields["split"].setText(
            f"{split.get('method')}, test fraction {split.get('test_size')}, seed "
            f"{split.get('seed')}: {split.get('n_train', 0):,} train / "
            f"{split.get('n_test', 0):,} test rows"
        )
        self.fields["roles"].setText(roles_text(roles))
        self.fields["pii"].setText(pii_text(version.pii))
        self.fields["pii"].setToolTip(
            "\n".join(f"{c}: {p.get('reason', '')}" for c, p in version.pii.items())
        )
        self.fields["created"].setText(
            f"{local_time(version.created_at)} by {version.created_by or 'unknown'}"
        )
        override = self.fields["override"]
        override.setText(
            f"<span style='color:{severity_color('warning', self.palette()).name()}'>"
            f"blocking findings overridden. Reason: {escape(version.override_reason)}</span>"
            if version.override_reason
            else ""
        )
        self.form.setRowVisible(override, bool(version.override_reason))
        self.profile.set_profile(version.profile, roles, version.pii)
        self.report.set_findings(version.checks)
        self.tabs.setTabText(1, f"Chec&ks ({counts_text(version.checks)})")

    def copy_ref(self) -> None:
        if self.version is not None:
            QGuiApplication.clipboard().setText(self.version.ref)
            self.copy_button.setText("Copied")
