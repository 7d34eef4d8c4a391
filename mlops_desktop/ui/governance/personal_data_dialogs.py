"""The Personal data tab's dialogs: a dataset's purpose and legal basis, and the decision on one
column (personal or not, Art. 9 category). OK needs a reason: it is kept with the record."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from mlops_desktop.data.special_categories import SPECIAL_CATEGORIES
from mlops_desktop.ui.governance.personal_data_model import ColumnRow, InventoryRow
from mlops_desktop.ui.kit.dialogs import set_primary


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    set_primary(buttons.button(QDialogButtonBox.StandardButton.Ok))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class PurposeDialog(QDialog):
    """Purpose and legal basis of a dataset; OK needs a purpose and a reason."""

    def __init__(self, parent: QWidget, name: str, row: InventoryRow, bases: dict[str, str]):
        super().__init__(parent)
        self.setWindowTitle(f"Purpose and legal basis of {name}")
        self.setObjectName("purposeDialog")
        form = QFormLayout(self)
        self.purpose = QLineEdit(row.purpose if row.purpose != "not recorded" else "")
        self.basis = QComboBox()
        for key, text in bases.items():
            self.basis.addItem(text, key)
        if row.legal_basis in bases.values():
            self.basis.setCurrentText(row.legal_basis)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why (kept in the audit trail)")
        form.addRow("Purpose", self.purpose)
        form.addRow("Legal basis (GDPR Art. 6)", self.basis)
        form.addRow("Reason", self.reason)
        self.buttons = _buttons(self)
        form.addRow(self.buttons)
        for field in (self.purpose, self.reason):
            field.textChanged.connect(self._update)
        self._update()

    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _update(self) -> None:
        ready = bool(self.purpose.text().strip() and self.reason.text().strip())
        self.ok_button().setEnabled(ready)

    def values(self) -> tuple[str, str, str]:
        return self.purpose.text().strip(), self.basis.currentData(), self.reason.text().strip()


class ColumnDialog(QDialog):
    """Confirm or change one column of a dataset version; OK needs a reason."""

    def __init__(self, parent: QWidget, dataset_ref: str, column: ColumnRow):
        super().__init__(parent)
        self.setWindowTitle(f"{column.column} in {dataset_ref}")
        self.setObjectName("columnDialog")
        form = QFormLayout(self)
        suggestion = column.confirmed if not column.confirmed.startswith("yes") else ""
        form.addRow(QLabel(suggestion or f"Now: {column.confirmed}"))
        self.personal = QCheckBox("Personal data")
        self.personal.setChecked(column.personal == "yes")
        self.special = QComboBox()
        self.special.addItem("none", "none")
        for key, text in SPECIAL_CATEGORIES.items():
            self.special.addItem(text, key)
        if column.special:
            self.special.setCurrentText(column.special)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why (kept in the audit trail)")
        form.addRow(self.personal)
        form.addRow("Art. 9 special category", self.special)
        form.addRow("Reason", self.reason)
        self.buttons = _buttons(self)
        form.addRow(self.buttons)
        self.reason.textChanged.connect(self._update)
        self.personal.toggled.connect(self._update)
        self._update()

    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _update(self) -> None:
        self.special.setEnabled(self.personal.isChecked())
        self.ok_button().setEnabled(bool(self.reason.text().strip()))

    def values(self) -> tuple[bool, str, str]:
        personal = self.personal.isChecked()
        special = self.special.currentData() if personal else "none"
        return personal, special, self.reason.text().strip()
