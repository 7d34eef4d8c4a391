"""Govern ▸ Audit trail: who did what, when and why, with filters (who, what, when, object),
machines' bulk events summarised per day, the chain verified and the trail exported.

Every registry read and write runs on a pool thread (``BackgroundTasks``); the view-model is
``audit_model.py`` (Qt-free).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import MlopsError
from mlops_desktop.ui.governance import audit_model
from mlops_desktop.ui.kit.tables import RecordTable
from mlops_desktop.ui.runtime.background import BackgroundTasks
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel


def _combo(placeholder: str) -> QComboBox:
    box = QComboBox()
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.lineEdit().setPlaceholderText(placeholder)
    box.setMinimumWidth(130)
    return box


class AuditTrailTab(QWidget):
    title = "Audit trail"

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.tasks = BackgroundTasks(self)
        self.reads = 0  # trails shown (for tests)
        layout = QVBoxLayout(self)
        layout.addLayout(self._filters())
        self.erased = QLabel("")
        self.erased.setObjectName("auditErased")
        self.erased.setWordWrap(True)
        self.erased.hide()
        layout.addWidget(self.erased)
        self.table = RecordTable(audit_model.COLUMNS)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._actions())

    def _filters(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.who = _combo("who (any)")
        self.action = _combo("what (any action)")
        self.object_ref = QLineEdit()
        self.object_ref.setPlaceholderText("object, e.g. credit or credit@2")
        self.since = QLineEdit()
        self.since.setPlaceholderText("from 2026-11-01")
        self.until = QLineEdit()
        self.until.setPlaceholderText("until (date)")
        self.every = QCheckBox("Every event")
        self.every.setToolTip("Show bulk events (outcomes, batch scoring) one line each")
        self.apply_button = QPushButton("Filter")
        self.apply_button.clicked.connect(self.reload)
        for edit in (self.object_ref, self.since, self.until):
            edit.returnPressed.connect(self.reload)
        self.every.toggled.connect(self.reload)
        for widget in (self.who, self.action, self.object_ref, self.since, self.until):
            row.addWidget(widget)
        row.addWidget(self.every)
        row.addWidget(self.apply_button)
        return row

    def _actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.setToolTip("Check every event's SHA-256 link (audit verify)")
        self.verify_button.clicked.connect(self.verify)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write every event with its hashes to .csv or .jsonl")
        self.export_button.clicked.connect(self.choose_export)
        row.addWidget(self.status, 1)
        row.addWidget(self.verify_button)
        row.addWidget(self.export_button)
        return row

    # -- reading -----------------------------------------------------------------------------

    def refresh(self, model: WorkspaceModel) -> None:
        self.model = model
        self.reload()

    def reload(self) -> None:
        if self.model.path is None:
            return
        try:
            filters = audit_model.make_filter(
                self.since.text(),
                self.until.text(),
                self.who.currentText(),
                self.action.currentText(),
                self.object_ref.text(),
            )
        except MlopsError as exc:
            self.status.setText(exc.message)
            return
        self.tasks.run(
            self.model.path,
            audit_model.read_trail,
            (filters, self.every.isChecked()),
            on_done=self._shown,
        )

    def _shown(self, view: audit_model.TrailView | None, error: BaseException | None) -> None:
        if error is not None or view is None:
            self.status.setText(f"Could not read the audit trail: {error}")
            return
        self.table.set_rows(view.rows, flagged=view.bulk)
        self._menu(self.who, view.users)
        self._menu(self.action, view.actions)
        banner = audit_model.erased_banner(view.erased_models)
        self.erased.setText(banner)
        self.erased.setVisible(bool(banner))
        self.status.setText(view.status)
        self.reads += 1

    @staticmethod
    def _menu(box: QComboBox, items: list[str]) -> None:
        current = box.currentText()
        if [box.itemText(i) for i in range(box.count())] == ["", *items]:
            return
        box.blockSignals(True)
        box.clear()
        box.addItems(["", *items])
        box.setEditText(current)
        box.blockSignals(False)

    # -- verify and export -------------------------------------------------------------------

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.status.setText("Verifying the chain…")
        self.tasks.run(self.model.path, audit_model.verify_text, on_done=self._verified)

    def _verified(self, result, error: BaseException | None) -> None:
        self.verify_button.setEnabled(True)
        if error is not None:
            self.status.setText(f"Could not verify: {error}")
            return
        ok, message = result
        self.status.setText(("Verified: " if ok else "Broken: ") + message)

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the audit trail", "audit.csv", "CSV (*.csv);;JSON lines (*.jsonl)"
        )
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        self.export_button.setEnabled(False)
        self.tasks.run(self.model.path, audit_model.export_text, (path,), on_done=self._exported)

    def _exported(self, text: str | None, error: BaseException | None) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(
            text if error is None else f"Not exported: {getattr(error, 'message', error)}"
        )
