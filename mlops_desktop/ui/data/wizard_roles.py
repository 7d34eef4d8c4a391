"""Wizard steps 3 and 4: column roles (target, IDs, time, group, personal data) and the split."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from mlops_desktop.ui.data.model import CLASSIFICATION

NONE = "(none)"
TASK_WORDS = {
    "binary": "binary classification (two outcomes)",
    "multiclass": "multiclass classification (a few labels)",
    "regression": "regression (a number)",
}
COL_NAME, COL_ID, COL_PII, COL_WHY = range(4)


def _checkable(checked: bool, enabled: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem()
    flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable
    if enabled:
        flags |= Qt.ItemFlag.ItemIsEnabled
    item.setFlags(flags)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    return item


class RolesPage(QWizardPage):
    """Step 3: the target and its task, ID/time/group columns and personal data (suggested)."""

    def __init__(self, wizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.built_key: tuple = ()
        self.setTitle("Column roles")
        self.setSubTitle(
            "Choose what to predict. Suggested ID columns and personal data are ticked with the "
            "reason; confirm or change them. ID, time and group columns are not used as features."
        )
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_form())
        layout.addWidget(self._build_table(), 1)

    def _build_form(self) -> QFormLayout:
        """Target with its task, the time column and the group column (with its suggestion)."""
        form = QFormLayout()
        self.target_combo = QComboBox()
        self.target_combo.setObjectName("targetCombo")
        self.target_combo.currentTextChanged.connect(self._target_changed)
        self.task_combo = QComboBox()
        self.task_combo.setObjectName("taskCombo")
        self.task_combo.currentIndexChanged.connect(lambda _i: self.completeChanged.emit())
        target_row = QHBoxLayout()
        target_row.addWidget(self.target_combo, 2)
        task_label = QLabel("Tas&k:")
        task_label.setBuddy(self.task_combo)
        target_row.addWidget(task_label)
        target_row.addWidget(self.task_combo, 1)
        form.addRow("&Target:", target_row)
        form.labelForField(target_row).setBuddy(self.target_combo)

        self.time_combo = QComboBox()
        self.time_combo.setObjectName("timeCombo")
        self.time_hint = QLabel()
        time_row = QHBoxLayout()
        time_row.addWidget(self.time_combo, 1)
        time_row.addWidget(self.time_hint, 2)
        form.addRow("T&ime column:", time_row)
        form.labelForField(time_row).setBuddy(self.time_combo)

        self.group_combo = QComboBox()
        self.group_combo.setObjectName("groupCombo")
        self.group_hint = QLabel()
        self.group_hint.setWordWrap(False)
        self.use_group = QPushButton("&Use suggestion")
        self.use_group.setAutoDefault(False)
        self.use_group.clicked.connect(self._use_group_suggestion)
        group_row = QHBoxLayout()
        group_row.addWidget(self.group_combo, 1)
        group_row.addWidget(self.use_group)
        group_row.addStretch(2)
        form.addRow("&Group column:", group_row)
        form.labelForField(group_row).setBuddy(self.group_combo)
        form.addRow("", self.group_hint)
        return form

    def _build_table(self) -> QTableWidget:
        """Every kept column with its ID and personal-data ticks and the reason for them."""
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("rolesTable")
        self.table.setHorizontalHeaderLabels(
            ["Column", "ID column", "Personal data", "Suggested because"]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        return self.table

    # -- building ------------------------------------------------------------------------------

    def initializePage(self) -> None:
        choices = self.wiz.choices
        key = (choices.generation, tuple(choices.kept_columns()))
        if key == self.built_key:
            return
        fresh = not self.built_key or self.built_key[0] != choices.generation
        self.built_key = key
        result = choices.inspection or {}
        kept = choices.kept_columns()
        types = choices.types
        roles = result.get("roles", {})
        pii = result.get("pii", {})
        ids = roles.get("id_columns") or {}
        targets = [c for c in kept if types.get(c) in ("numeric", "categorical", "boolean")]
        self._fill_targets(targets, fresh)
        self._fill_time_and_group(kept, types, roles, fresh)
        ticked_ids = set(ids) if fresh else set(choices.id_cols)
        ticked_pii = set(pii) if fresh else set(choices.pii_cols)
        self._fill_columns(kept, types, ids, pii, (ticked_ids, ticked_pii))
        self._target_changed(self.target_combo.currentText())

    def _fill_targets(self, targets: list[str], fresh: bool) -> None:
        """The target choices: the user's pick stays unless the file changed, else the last one."""
        previous = self.target_combo.currentText()
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItems(targets)
        self.target_combo.blockSignals(False)
        if previous in targets and not fresh:
            self.target_combo.setCurrentText(previous)
        elif targets:
            self.target_combo.setCurrentIndex(len(targets) - 1)
        self._target_changed(self.target_combo.currentText())

    def _fill_time_and_group(self, kept: list[str], types: dict, roles: dict, fresh: bool) -> None:
        """The time and group column choices with the inspection's suggestions."""
        time_suggestion = roles.get("time_column")
        times = [c for c in kept if types.get(c) in ("datetime", "numeric")]
        self._fill(
            self.time_combo, times, time_suggestion[0] if time_suggestion and fresh else None
        )
        self.time_hint.setText(
            f"Suggested: {time_suggestion[0]} ({time_suggestion[1]})" if time_suggestion else ""
        )
        self.group_suggestion = roles.get("group_column")
        groups = [c for c in kept if types.get(c) in ("categorical", "numeric", "text")]
        self._fill(self.group_combo, groups, None)
        self.group_hint.setText(
            f"Suggested: {self.group_suggestion[0]} ({self.group_suggestion[1]})"
            if self.group_suggestion
            else "Set one when several rows belong to the same customer, patient or device."
        )
        self.use_group.setVisible(bool(self.group_suggestion))

    def _fill_columns(
        self, kept: list[str], types: dict, ids: dict, pii: dict, ticked: tuple[set, set]
    ) -> None:
        """One row per kept column: ID and personal-data ticks, and why they were suggested."""
        ticked_ids, ticked_pii = ticked
        self.table.setRowCount(len(kept))
        for r, column in enumerate(kept):
            name = QTableWidgetItem(column)
            name.setToolTip(f"{column} ({types.get(column)})")
            self.table.setItem(r, COL_NAME, name)
            self.table.setItem(r, COL_ID, _checkable(column in ticked_ids))
            self.table.setItem(r, COL_PII, _checkable(column in ticked_pii))
            reasons = []
            if column in ids:
                reasons.append(f"ID: {ids[column]}")
            if column in pii:
                reasons.append(f"personal data ({pii[column]['kind']}): {pii[column]['reason']}")
            why = QTableWidgetItem("; ".join(reasons))
            why.setToolTip("\n".join(reasons))
            self.table.setItem(r, COL_WHY, why)
            for col in (COL_ID, COL_PII):
                self.table.item(r, col).setToolTip("\n".join(reasons))
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(COL_NAME, min(self.table.columnWidth(COL_NAME), 260))

    def _fill(self, combo: QComboBox, columns: list[str], preset: str | None) -> None:
        previous = combo.currentText()
        combo.clear()
        combo.addItem(NONE)
        combo.addItems(columns)
        wanted = preset if preset in columns else previous
        combo.setCurrentText(wanted if wanted in columns else NONE)

    def _use_group_suggestion(self) -> None:
        if self.group_suggestion:
            self.group_combo.setCurrentText(self.group_suggestion[0])

    def _target_changed(self, target: str) -> None:
        inferred = self.wiz.choices.inferred_task(target) if target else None
        self.task_combo.blockSignals(True)
        self.task_combo.clear()
        self.task_combo.addItem(
            f"{inferred} (inferred)" if inferred else "infer from the data", None
        )
        for task in TASK_WORDS:
            self.task_combo.addItem(task, task)
        self.task_combo.blockSignals(False)
        self.task_combo.setToolTip(TASK_WORDS.get(inferred or "", ""))
        for r in range(self.table.rowCount()):
            is_target = self.table.item(r, COL_NAME).text() == target
            item = self.table.item(r, COL_ID)
            if is_target:
                item.setCheckState(Qt.CheckState.Unchecked)
            flags = item.flags()
            enabled = flags | Qt.ItemFlag.ItemIsEnabled
            item.setFlags(enabled if not is_target else flags & ~Qt.ItemFlag.ItemIsEnabled)
        self.completeChanged.emit()

    # -- reading back --------------------------------------------------------------------------

    def checked(self, col: int) -> list[str]:
        return [
            self.table.item(r, COL_NAME).text()
            for r in range(self.table.rowCount())
            if self.table.item(r, col).checkState() == Qt.CheckState.Checked
        ]

    def isComplete(self) -> bool:
        return bool(self.target_combo.currentText())

    def validatePage(self) -> bool:
        choices = self.wiz.choices
        choices.target = self.target_combo.currentText()
        choices.task = self.task_combo.currentData()
        choices.id_cols = [c for c in self.checked(COL_ID) if c != choices.target]
        choices.pii_cols = self.checked(COL_PII)
        time_col, group_col = self.time_combo.currentText(), self.group_combo.currentText()
        choices.time_col = None if time_col == NONE else time_col
        choices.group_col = None if group_col == NONE else group_col
        return True


SPLITS = (
    ("random", "&Random", "Rows are assigned to the test part at random."),
    (
        "stratified",
        "&Stratified",
        "Random, but every class keeps the same share in the training and test parts.",
    ),
    (
        "time",
        "T&ime-based",
        "Train on the past, test on the most recent part (needs a time column).",
    ),
    (
        "group",
        "&Group-based",
        "No entity appears on both sides, so the test shows how the model does on new ones "
        "(needs a group column).",
    ),
)


class SplitPage(QWizardPage):
    """Step 4: how rows are split into training and test parts."""

    def __init__(self, wizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.user_choice = ""
        self.setTitle("Training and test split")
        self.setSubTitle(
            "The test part is kept aside to judge models on rows they never saw. The split is "
            "stored with the dataset, so every model trained on it is tested the same way."
        )
        layout = QVBoxLayout(self)
        self.group = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        for method, text, explanation in SPLITS:
            radio = QRadioButton(text)
            radio.setObjectName(f"split_{method}")
            self.group.addButton(radio)
            self.radios[method] = radio
            hint = QLabel(explanation)
            hint.setWordWrap(True)
            hint.setContentsMargins(24, 0, 0, 6)
            layout.addWidget(radio)
            layout.addWidget(hint)
            radio.toggled.connect(lambda on, m=method: on and self._chosen(m))
        form = QFormLayout()
        self.test_size = QDoubleSpinBox()
        self.test_size.setObjectName("testSize")
        self.test_size.setRange(0.05, 0.5)
        self.test_size.setSingleStep(0.05)
        self.test_size.setDecimals(2)
        self.test_size.setValue(0.2)
        self.seed = QSpinBox()
        self.seed.setObjectName("seed")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(42)
        form.addRow("&Test fraction:", self.test_size)
        form.addRow("S&eed:", self.seed)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addStretch(1)

    def initializePage(self) -> None:
        choices = self.wiz.choices
        self.radios["time"].setEnabled(bool(choices.time_col))
        self.radios["group"].setEnabled(bool(choices.group_col))
        self.radios["stratified"].setEnabled(choices.effective_task in CLASSIFICATION)
        method = self.user_choice
        if not method or not self.radios[method].isEnabled():
            method = choices.default_split()
        self.radios[method].blockSignals(True)
        self.radios[method].setChecked(True)
        self.radios[method].blockSignals(False)

    def _chosen(self, method: str) -> None:
        if self.isVisible():
            self.user_choice = method

    def set_method(self, method: str) -> None:
        self.user_choice = method
        self.radios[method].setChecked(True)

    def method(self) -> str:
        return next((m for m, r in self.radios.items() if r.isChecked()), "random")

    def validatePage(self) -> bool:
        choices = self.wiz.choices
        choices.split = self.method()
        choices.test_size = round(self.test_size.value(), 4)
        choices.seed = self.seed.value()
        return True
