"""Govern ▸ Erasure: the GUI twin of ``mlops-desktop erase`` (GDPR Art. 17) and the one-click
retrain of the model versions trained on erased data.

The value is typed in a password-style field (not shown on a projector unless "Show" is
ticked). "Count (dry run)" shows the counts per place; "Erase…" is enabled only after a dry run
for the same key and value, and asks for confirmation naming the counts. The dry run and the
erasure run on a pool thread with their own workspace connection (``BackgroundTasks``): the
value is an argument of that call, never a job's stored parameters. "Retrain" submits the
Train page's retrain job on the dataset version that replaced the erased one (Jobs panel).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import MlopsError
from mlops_desktop.governance.erasure import ErasureResult
from mlops_desktop.ui.governance import erasure_model as vm
from mlops_desktop.ui.kit.dialogs import widen
from mlops_desktop.ui.kit.tables import RecordTable
from mlops_desktop.ui.runtime.background import BackgroundTasks
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel
from mlops_desktop.ui.training.model import RETRAIN_JOB


def _message(error: BaseException) -> str:
    return error.message if isinstance(error, MlopsError) else str(error)


class ErasureTab(QWidget):
    title = "Erasure"

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.tasks = BackgroundTasks(self)
        self.loads = 0  # views shown (for tests)
        self.counted: tuple[str, str] | None = None  # key and value of the last dry run
        self.dry_run: ErasureResult | None = None
        self.result: ErasureResult | None = None
        self.dialog: QMessageBox | None = None
        self.busy = False
        self.retrain_buttons: dict[str, QPushButton] = {}
        self.retrain_labels: dict[str, QLabel] = {}
        self.retrain_jobs: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.addLayout(self._form())
        layout.addLayout(self._buttons())
        self.status = QLabel(vm.EMPTY)
        self.status.setObjectName("erasureStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.table = RecordTable(vm.COUNT_COLUMNS)
        layout.addWidget(self.table, 1)
        self.retrain_head = QLabel("")
        self.retrain_head.setWordWrap(True)
        layout.addWidget(self.retrain_head)
        self.retrain_box = QVBoxLayout()
        layout.addLayout(self.retrain_box)
        self._update_buttons()

    def _form(self) -> QFormLayout:
        form = QFormLayout()
        self.key = QComboBox()
        self.key.setEditable(True)
        self.key.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.key.lineEdit().setPlaceholderText("the column that identifies the person")
        self.key.editTextChanged.connect(self._target_changed)
        self.value = QLineEdit()
        self.value.setEchoMode(QLineEdit.EchoMode.Password)
        self.value.setPlaceholderText("the person's value (hidden)")
        self.value.textChanged.connect(self._target_changed)
        self.show_value = QCheckBox("Show")
        self.show_value.setToolTip("Show the value (hidden so it is not seen on a projector)")
        self.show_value.toggled.connect(self._toggle_echo)
        value_row = QHBoxLayout()
        value_row.addWidget(self.value, 1)
        value_row.addWidget(self.show_value)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. request of 2026-11-30 by e-mail (not the value)")
        self.reason.textChanged.connect(self._update_buttons)
        for text, field, buddy in (
            ("&Key column:", self.key, self.key),
            ("&Value:", value_row, self.value),
            ("&Reason:", self.reason, self.reason),
        ):
            label = QLabel(text)
            label.setBuddy(buddy)
            form.addRow(label, field)
        return form

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.count_button = QPushButton("&Count (dry run)")
        self.count_button.setToolTip(
            "Count the person's rows and records per place; change nothing"
        )
        self.count_button.clicked.connect(self.count)
        self.erase_button = QPushButton("&Erase…")
        self.erase_button.setObjectName("eraseButton")
        self.erase_button.clicked.connect(self.confirm)
        row.addStretch(1)
        row.addWidget(self.count_button)
        row.addWidget(self.erase_button)
        return row

    def _toggle_echo(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.value.setEchoMode(mode)

    def _target(self) -> tuple[str, str]:
        return self.key.currentText().strip(), self.value.text().strip()

    def _target_changed(self) -> None:
        """Another key or value: the dry run shown is not theirs, so count again first."""
        if self.counted is not None and self.counted != self._target():
            self.counted = self.dry_run = None
            self.table.set_rows([])
            self.status.setText("The key or value changed: Count (dry run) again before erasing.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        key, value = self._target()
        self.count_button.setEnabled(not self.busy and bool(key and value))
        ready = self.counted is not None and self.counted == (key, value)
        has_reason = bool(self.reason.text().strip())
        self.erase_button.setEnabled(not self.busy and ready and has_reason)
        if not ready:
            tip = "Count (dry run) first, for this key column and value."
        elif not has_reason:
            tip = "Give the reason for the erasure (kept in the records)."
        else:
            tip = "Erase the counted rows and records from every place (asks first)."
        self.erase_button.setToolTip(tip)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        if text:
            self.status.setText(text)
        self._update_buttons()

    # -- reading -----------------------------------------------------------------------------

    def refresh(self, model: WorkspaceModel) -> None:
        self.model = model
        self.reload()

    def reload(self) -> None:
        if self.model.path is not None:
            self.tasks.run(self.model.path, vm.read_view, on_done=self._shown)

    def _shown(self, view: vm.ErasureView | None, error: BaseException | None) -> None:
        if error is not None or view is None:
            self.status.setText(f"Could not read the workspace: {error}")
            return
        current = self.key.currentText()
        if [self.key.itemText(i) for i in range(self.key.count())] != view.key_columns:
            self.key.blockSignals(True)
            self.key.clear()
            self.key.addItems(view.key_columns)
            self.key.setEditText(current)
            self.key.blockSignals(False)
        self._show_retrain(view.retrain)
        self.loads += 1

    def _show_retrain(self, rows: list[vm.RetrainRow]) -> None:
        while self.retrain_box.count():
            item = self.retrain_box.takeAt(0)
            inner = item.layout()
            while inner is not None and inner.count():
                widget = inner.takeAt(0).widget()
                if widget is not None:
                    widget.deleteLater()
        self.retrain_buttons, self.retrain_labels = {}, {}
        self.retrain_head.setText(
            "Model versions trained on erased data: retrain them on the rewritten dataset version."
            if rows
            else ""
        )
        for row in rows:
            line = QHBoxLayout()
            label = QLabel(row.text())
            self.retrain_labels[row.model_ref] = label
            label.setWordWrap(True)
            line.addWidget(label, 1)
            if row.dataset is not None and row.retrained_as is None:
                button = QPushButton(f"Retrain {row.model_ref}")
                button.setToolTip(f"Same as: {row.command}")
                button.clicked.connect(lambda _=False, r=row: self.retrain(r))
                button.setEnabled(row.model_ref not in self.retrain_jobs)
                line.addWidget(button)
                self.retrain_buttons[row.model_ref] = button
            self.retrain_box.addLayout(line)

    # -- dry run and erasure -----------------------------------------------------------------

    def count(self) -> None:
        key, value = self._target()
        if self.model.path is None or not (key and value):
            return
        self.counted = self.dry_run = None
        self._set_busy(True, "Counting…")
        self.tasks.run(self.model.path, vm.count, (key, value), on_done=self._counted(key, value))

    def _counted(self, key: str, value: str):
        def done(result: ErasureResult | None, error: BaseException | None) -> None:
            self._set_busy(False)
            if error is not None or result is None:
                self.status.setText(f"Not counted: {_message(error)}")
                return
            self.counted, self.dry_run = (key, value), result
            self.table.set_rows(vm.count_rows(result))
            self.status.setText(vm.dry_run_text(result))
            self._update_buttons()

        return done

    def confirm(self) -> QMessageBox | None:
        if self.dry_run is None or not self.erase_button.isEnabled():
            return None
        box = QMessageBox(self)
        box.setObjectName("eraseConfirm")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Erase a person's data")
        box.setText(vm.confirm_text(self.dry_run))
        box.addButton("Erase", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        widen(box)
        box.accepted.connect(self.erase)
        self.dialog = box
        box.open()
        return box

    def erase(self) -> None:
        key, value = self._target()
        reason = self.reason.text().strip()
        if self.model.path is None or self.counted != (key, value):
            return
        self._set_busy(True, "Erasing…")
        self.tasks.run(self.model.path, vm.run, (key, value, reason), on_done=self._erased)

    def _erased(self, result: ErasureResult | None, error: BaseException | None) -> None:
        self._set_busy(False)
        if error is not None or result is None:
            self.status.setText(f"Not erased: {_message(error)}")
            return
        self.result, self.counted, self.dry_run = result, None, None
        self.value.clear()  # nothing left to erase under it; not kept on screen
        self.table.set_rows(vm.count_rows(result))
        self.status.setText(vm.result_text(result))
        self._update_buttons()
        self.model.refresh_summary()
        self.reload()

    # -- retrain -----------------------------------------------------------------------------

    def retrain(self, row: vm.RetrainRow) -> str | None:
        """Submit the retrain job (the Train page's) on the replacing dataset version."""
        if row.dataset is None:
            return None
        job_id = self.model.submit(
            RETRAIN_JOB,
            {"model_ref": row.model_ref, "dataset": row.dataset},
            title=vm.retrain_title(row),
            on_finished=lambda job, ref=row.model_ref: self._retrained(ref, job),
        )
        self.retrain_jobs[row.model_ref] = job_id
        button = self.retrain_buttons.get(row.model_ref)
        if button is not None:
            button.setEnabled(False)
        self.status.setText(f"{vm.retrain_title(row)}: started (see the Jobs panel).")
        return job_id

    def _retrained(self, model_ref: str, job) -> None:
        self.retrain_jobs.pop(model_ref, None)
        if job.status == "succeeded":
            self.status.setText(
                f"Retrained {model_ref}: registered {(job.result or {}).get('registered')}."
            )
        else:
            self.status.setText(f"Retrain of {model_ref} {job.status}: {job.error or job.message}")
        self.model.refresh_summary()
        self.reload()
