"""The behavioural tests of a model name: switch them on and off, add one, accept suggestions."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import MlopsError
from mlops_desktop.registry.entities import Job
from mlops_desktop.ui.evaluation.behaviour_editor import AddTestDialog
from mlops_desktop.ui.evaluation.jobs import suggest_behavioural_tests
from mlops_desktop.ui.evaluation.model import describe_test
from mlops_desktop.ui.kit.dialogs import error_box, error_text, job_error_text
from mlops_desktop.ui.kit.labels import muted_label, section_label
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

CandidateRole = Qt.ItemDataRole.UserRole + 1


class BehaviourPanel(QWidget):
    """Tests stored for the model name; "Add test…" and "Suggest tests" (a job)."""

    tests_changed = Signal()

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.name = ""
        self.ref = ""
        self.signature: dict = {}
        self.dialog: AddTestDialog | None = None
        self.suggest_job: str | None = None
        self._shown: list = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        top = QHBoxLayout()
        self.heading = section_label("Behavioural tests", self)
        self.add_button = QPushButton("Add &test…")
        self.add_button.clicked.connect(self.open_add_dialog)
        self.suggest_button = QPushButton("Su&ggest tests")
        self.suggest_button.setToolTip("Look for candidate tests in this version's test data")
        self.suggest_button.clicked.connect(self.suggest)
        top.addWidget(self.heading, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.suggest_button)
        layout.addLayout(top)
        self.note = muted_label(
            "What the model must do whatever its metrics say. Enabled tests run with every test "
            "report of this model name; switch one off rather than deleting it (the audit trail "
            "keeps both).",
            selectable=True,
        )
        layout.addWidget(self.note)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["On", "Kind", "Name", "What it checks"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in ((0, 44), (1, 100), (2, 300)):
            self.table.setColumnWidth(column, width)
        self.table.itemChanged.connect(self._on_item_changed)
        layout.addWidget(self.table, 2)

        self.suggestions_box = QGroupBox("Suggested tests: tick the ones to keep")
        box = QVBoxLayout(self.suggestions_box)
        self.suggestions = QListWidget()
        self.suggestions.setWordWrap(True)
        self.suggestions.setAlternatingRowColors(True)
        buttons = QHBoxLayout()
        self.accept_button = QPushButton("&Accept ticked")
        self.accept_button.clicked.connect(self.accept_ticked)
        self.dismiss_button = QPushButton("&Dismiss")
        self.dismiss_button.clicked.connect(self.clear_suggestions)
        buttons.addStretch(1)
        buttons.addWidget(self.dismiss_button)
        buttons.addWidget(self.accept_button)
        box.addWidget(self.suggestions, 1)
        box.addLayout(buttons)
        self.suggestions_box.hide()
        layout.addWidget(self.suggestions_box, 2)

    # -- showing -----------------------------------------------------------------------------------

    def set_version(self, name: str, ref: str, signature: dict) -> None:
        if name != self.name:
            self.clear_suggestions()
        self.name, self.ref, self.signature = name, ref, signature or {}
        self.heading.setText(f"Behavioural tests for {name}")
        self.reload()

    def reload(self) -> None:
        ws = self.model.workspace
        tests = ws.behavioural.list(self.name) if ws is not None and self.name else []
        shown = [(t.id, t.enabled, t.kind, t.name) for t in tests]
        if shown == self._shown:
            return
        self._shown = shown
        self.table.blockSignals(True)
        self.table.setRowCount(len(tests))
        for row, test in enumerate(tests):
            on = QTableWidgetItem()
            on.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            on.setCheckState(Qt.CheckState.Checked if test.enabled else Qt.CheckState.Unchecked)
            on.setData(Qt.ItemDataRole.UserRole, test.id)
            on.setToolTip("Run this test with every report")
            self.table.setItem(row, 0, on)
            for column, text in enumerate(
                (test.kind, test.name, describe_test(test.kind, test.spec)), start=1
            ):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)

    def test_names(self) -> list[str]:
        return [self.table.item(r, 2).text() for r in range(self.table.rowCount())]

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != 0 or self.model.workspace is None:
            return
        enabled = item.checkState() == Qt.CheckState.Checked
        self.model.workspace.behavioural.set_enabled(
            int(item.data(Qt.ItemDataRole.UserRole)), enabled, reason="switched in the Test page"
        )
        self._shown = []
        self.reload()
        self.tests_changed.emit()

    # -- adding ------------------------------------------------------------------------------------

    def open_add_dialog(self) -> AddTestDialog:
        self.dialog = AddTestDialog(self.name, self.signature, self)
        self.dialog.accepted.connect(self._add_from_dialog)
        self.dialog.open()
        return self.dialog

    def _add_from_dialog(self) -> None:
        dialog = self.dialog
        if dialog is None or dialog.spec() is None:
            return
        self._store(dialog.kind(), dialog.test_name(), dialog.spec())

    def _store(self, kind: str, name: str, spec: dict) -> bool:
        try:
            self.model.workspace.behavioural.add(self.name, kind, name, spec)
        except MlopsError as exc:
            error_box(self, error_text(exc, "Cannot Add Test", "The test was not added")).open()
            return False
        self._shown = []
        self.reload()
        self.tests_changed.emit()
        return True

    # -- suggestions -------------------------------------------------------------------------------

    def suggest(self) -> str | None:
        if not self.ref:
            return None
        self.suggest_button.setEnabled(False)
        self.suggest_job = self.model.submit(
            suggest_behavioural_tests,
            {"model_ref": self.ref},
            title=f"Suggest behavioural tests for {self.ref}",
            on_finished=self._on_suggested,
        )
        return self.suggest_job

    def _on_suggested(self, job: Job) -> None:
        self.suggest_button.setEnabled(True)
        if job.status != "succeeded":
            if job.status in ("failed", "interrupted"):
                error_box(self, job_error_text(job)).open()
            return
        result = job.result or {}
        if result.get("name") != self.name:
            return  # another model was chosen meanwhile
        self.show_candidates(result.get("candidates") or [])

    def show_candidates(self, candidates: list[dict]) -> None:
        self.suggestions.clear()
        for candidate in candidates:
            exists = candidate.get("exists")
            text = f"{candidate['kind']}: {candidate['name']}\n{candidate['why']}"
            if exists:
                text += "\n(already stored for this model)"
            item = QListWidgetItem(text)
            item.setData(CandidateRole, candidate)
            item.setToolTip(describe_test(candidate["kind"], candidate["spec"]))
            flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
            item.setFlags(flags if not exists else flags & ~Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.suggestions.addItem(item)
        self.suggestions_box.setTitle(
            f"{len(candidates)} suggested tests: tick the ones to keep"
            if candidates
            else "No candidate tests found in the data"
        )
        self.suggestions_box.show()

    def tick(self, row: int, on: bool = True) -> None:
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        self.suggestions.item(row).setCheckState(state)

    def accept_ticked(self) -> int:
        """Store every ticked candidate; return how many were stored."""
        stored = 0
        for row in range(self.suggestions.count()):
            item = self.suggestions.item(row)
            if item.checkState() != Qt.CheckState.Checked:
                continue
            candidate = item.data(CandidateRole)
            if self._store(candidate["kind"], candidate["name"], candidate["spec"]):
                stored += 1
                candidate = {**candidate, "exists": True}
                item.setData(CandidateRole, candidate)
                item.setCheckState(Qt.CheckState.Unchecked)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setText(item.text() + "\n(accepted)")
        return stored

    def clear_suggestions(self) -> None:
        self.suggestions.clear()
        self.suggestions_box.hide()
