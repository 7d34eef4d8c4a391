"""The Govern page's Reviews tab: the review queue with filters, Accept and Override with a
reason, and each model's stop switch (Pause / Resume). Reads and writes run off the GUI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import MlopsError
from mlops_desktop.ui.governance import review_model as vm
from mlops_desktop.ui.kit.dialogs import set_primary
from mlops_desktop.ui.kit.specs import Column, EmptyStateSpec
from mlops_desktop.ui.kit.tables import RecordTable
from mlops_desktop.ui.kit.widgets import EmptyState
from mlops_desktop.ui.runtime.background import BackgroundTasks

ALL_MODELS = "All models"


class ReasonDialog(QDialog):
    """Ask for a reason (and, to override, the outcome); OK only once a reason is written."""

    def __init__(
        self,
        title: str,
        question: str,
        verb: str,
        outcomes: tuple = (),
        required: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reviewReasonDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.required = required
        layout = QVBoxLayout(self)
        head = QLabel(question)
        head.setWordWrap(True)
        layout.addWidget(head)
        self.outcome = None
        if outcomes:
            self.outcome = QComboBox()
            self.outcome.addItems([str(o) for o in outcomes])
            label = QLabel("&Final outcome:")
            label.setBuddy(self.outcome)
            layout.addWidget(label)
            layout.addWidget(self.outcome)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("e.g. Income confirmed by phone with the applicant.")
        label = QLabel("&Reason (kept in the audit trail):" if required else "&Reason (optional):")
        label.setBuddy(self.reason_edit)
        layout.addWidget(label)
        layout.addWidget(self.reason_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton(f"&{verb}", QDialogButtonBox.ButtonRole.AcceptRole)
        set_primary(self.ok_button)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reason_edit.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.reason()) or not self.required)

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def chosen(self) -> str | None:
        return self.outcome.currentText() if self.outcome is not None else None


class ReviewTab(QWidget):
    """The review queue; ``refresh(model)`` re-reads it off the GUI thread."""

    title = "Reviews"

    def __init__(self, model: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewTab")
        self.model = model
        self.tasks = BackgroundTasks(self)
        self.view: vm.ReviewsView | None = None
        self.dialog: QDialog | None = None
        self._loading = False
        self._again = False
        layout = QVBoxLayout(self)
        layout.addLayout(self._filters())
        self.stack = QStackedWidget()
        self.empty = EmptyState("govern")
        self.empty.set_spec(EmptyStateSpec("No decisions waiting", vm.EMPTY_TEXT, vm.EMPTY_COMMAND))
        self.table = RecordTable([Column(t, n, w) for t, n, w in vm.COLUMNS])
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)
        layout.addWidget(self.stack, 1)
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        layout.addWidget(self.detail)
        layout.addLayout(self._actions())
        self.result = QLabel("")
        self.result.setWordWrap(True)
        layout.addWidget(self.result)
        self._update_buttons()

    def _filters(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.status_filter = QComboBox()
        self.status_filter.addItems(vm.STATUS_FILTERS)
        self.model_filter = QComboBox()
        self.model_filter.addItem(ALL_MODELS)
        for label, box in (("&Status:", self.status_filter), ("&Model:", self.model_filter)):
            text = QLabel(label)
            text.setBuddy(box)
            row.addWidget(text)
            row.addWidget(box)
            box.currentIndexChanged.connect(self.reload)
        self.rules_label = QLabel("")
        self.rules_label.setWordWrap(True)
        row.addWidget(self.rules_label, 1)
        return row

    def _actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.accept_button = QPushButton("&Accept…")
        self.override_button = QPushButton("&Override…")
        self.pause_button = QPushButton("&Pause model…")
        self.accept_button.clicked.connect(lambda: self.ask_decision(False))
        self.override_button.clicked.connect(lambda: self.ask_decision(True))
        self.pause_button.clicked.connect(self.ask_switch)
        for button in (self.accept_button, self.override_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.pause_button)
        return row

    # -- reading ---------------------------------------------------------------------------------

    def refresh(self, model: Any) -> None:
        self.model = model
        self.reload()

    def reload(self) -> None:
        if self.model.path is None:
            return
        if self._loading:
            self._again = True
            return
        self._loading = True
        status = self.status_filter.currentText()
        name = self.model_filter.currentText()
        name = None if name in (ALL_MODELS, "") else name
        self.tasks.run(self.model.path, vm.load_reviews, (status, name), on_done=self._loaded)

    def _loaded(self, view: vm.ReviewsView | None, error: BaseException | None) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.reload()
        if error is not None or view is None:
            self.result.setText(f"The review queue could not be read: {error}")
            return
        self.view = view
        self._fill_models(list(view.models))
        self.table.set_rows([vm.review_row(r) for r in view.reviews])
        self.stack.setCurrentWidget(self.table if view.reviews else self.empty)
        self._update_buttons()

    def _fill_models(self, names: list[str]) -> None:
        current = [self.model_filter.itemText(i) for i in range(1, self.model_filter.count())]
        if current == names:
            return
        chosen = self.model_filter.currentText()
        self.model_filter.blockSignals(True)
        self.model_filter.clear()
        self.model_filter.addItems([ALL_MODELS, *names])
        self.model_filter.setCurrentText(chosen if chosen in names else ALL_MODELS)
        self.model_filter.blockSignals(False)

    # -- selection -------------------------------------------------------------------------------

    def selected(self) -> vm.Review | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.view is None:
            return None
        review_id = int(self.table.model().index(rows[0].row(), 0).data())
        return next((r for r in self.view.reviews if r.id == review_id), None)

    def select(self, review_id: int) -> bool:
        model = self.table.model()
        for row in range(model.rowCount()):
            if model.index(row, 0).data() == str(review_id):
                self.table.selectRow(row)
                return True
        return False

    def _target_model(self) -> vm.ModelOversight | None:
        """The model the stop switch acts on: the selected review's, else the filter's."""
        if self.view is None:
            return None
        review = self.selected()
        name = review.model_name if review is not None else self.model_filter.currentText()
        return self.view.models.get(name)

    def _update_buttons(self, *_: Any) -> None:
        review = self.selected()
        pending = review is not None and review.status == "pending"
        self.accept_button.setEnabled(pending)
        self.override_button.setEnabled(pending)
        self.detail.setText(vm.detail_text(review) if review is not None else "")
        target = self._target_model()
        self.pause_button.setEnabled(target is not None)
        if target is None:
            self.pause_button.setText("&Pause model…")
            self.rules_label.setText("")
            return
        verb = "Resume" if target.paused else "Pause"
        self.pause_button.setText(f"&{verb} {target.name}…")
        self.rules_label.setText(f"{target.name}: {target.rules} {target.pause_text}.")

    # -- actions ---------------------------------------------------------------------------------

    def ask_decision(self, override: bool) -> ReasonDialog | None:
        review = self.selected()
        if review is None or self.view is None:
            return None
        verb = "Override" if override else "Accept"
        model = self.view.models.get(review.model_name)
        outcomes = ()
        if override:
            outcomes = tuple(c for c in (model.classes if model else ()) if c != review.suggestion)
        question = (
            f"<b>{verb} the suggestion {review.suggestion} of {review.ref}</b> for request "
            f"{review.request_id}? The suggestion and the final outcome are both kept."
        )
        dialog = ReasonDialog(f"{verb} Decision", question, verb, outcomes, parent=self)
        chosen = None if not override else dialog.chosen
        dialog.accepted.connect(
            lambda: self._run(
                vm.decide,
                (review.id, chosen() if chosen else None, dialog.reason()),
                f"Review {review.id} is {'overridden' if override else 'accepted'}.",
            )
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def ask_switch(self) -> ReasonDialog | None:
        target = self._target_model()
        if target is None:
            return None
        pause = not target.paused
        verb = "Pause" if pause else "Resume"
        question = (
            f"<b>Pause {target.name}?</b> The scoring service answers 503 with your reason "
            "until it is resumed."
            if pause
            else f"<b>Resume {target.name}?</b> The scoring service answers again."
        )
        dialog = ReasonDialog(f"{verb} Model", question, verb, required=pause, parent=self)
        dialog.accepted.connect(
            lambda: self._run(
                vm.switch,
                (target.name, pause, dialog.reason()),
                f"{target.name} is {'paused' if pause else 'answering again'}.",
            )
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def _run(self, fn, args: tuple, done: str) -> None:
        if self.model.path is None:
            return

        def settled(_result: Any, error: BaseException | None) -> None:
            if error is not None:
                message = error.message if isinstance(error, MlopsError) else str(error)
                self.result.setText(f"Not done: {message}")
            else:
                self.result.setText(done)
            self.reload()
            self.model.refresh_summary()  # the rail's badge follows

        self.tasks.run(self.model.path, fn, args, on_done=settled)
