"""Author a behavioural test as a form, one page per kind; the spec is checked against the
model's signature with the engine's own ``parse_spec`` before it can be added."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import InputError
from mlops_desktop.evaluation.behavioural import DEFAULT_EPSILON, DEFAULT_PASS_RATE, parse_spec
from mlops_desktop.ui.kit.dialogs import set_primary

KIND_LABELS = {
    "minimum": "Minimum functionality: this input → this class or score",
    "invariance": "Invariance: changing a feature barely moves the score",
    "directional": "Directional: raising a feature moves the score one way",
}


def _spin(low: float, high: float, value: float, decimals: int = 3, step: float = 0.01):
    spin = QDoubleSpinBox()
    spin.setDecimals(decimals)
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setValue(value)
    return spin


def _number(text: str):
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text else value


class MinimumPage(QWidget):
    """Input values (blank = missing) and the expected class or score range."""

    def __init__(self, signature: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        output = signature.get("output") or {}
        self.inputs = signature.get("inputs") or []
        self.classes = [str(c) for c in output.get("classes") or []]
        self.regression = output.get("task") == "regression"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Input row (leave a value blank to send it as missing):"))
        self.table = QTableWidget(len(self.inputs), 2)
        self.table.setHorizontalHeaderLabels(["Feature", "Value"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.editors: dict[str, QWidget] = {}
        for row, spec in enumerate(self.inputs):
            item = QTableWidgetItem(spec["name"])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip(spec["name"])
            self.table.setItem(row, 0, item)
            if spec.get("type") == "categorical" and spec.get("categories"):
                editor = QComboBox()
                editor.setEditable(True)
                editor.addItems([""] + [str(c) for c in spec["categories"]])
            else:
                editor = QLineEdit()
                if spec.get("min") is not None:
                    editor.setPlaceholderText(f"{spec['min']:g} to {spec['max']:g}")
            editor.setAccessibleName(spec["name"])
            self.editors[spec["name"]] = editor
            self.table.setCellWidget(row, 1, editor)
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        self.by_class = QRadioButton("Predicted &class is")
        self.expect_class = QComboBox()
        self.expect_class.addItems(self.classes)
        self.by_range = QRadioButton("&Score is between")
        self.low = _spin(-1e12, 1e12, 0.0, 4)
        self.high = _spin(-1e12, 1e12, 1.0, 4)
        self.score_class = QComboBox()
        self.score_class.addItems(self.classes)
        if len(self.classes) == 2:
            positive = output.get("positive_class")
            self.score_class.setCurrentText(
                str(positive if positive is not None else self.classes[1])
            )
        form.addRow(self.by_class, self.expect_class)
        form.addRow(self.by_range, self.low)
        form.addRow("…and", self.high)
        if self.classes:
            form.addRow("…as the probability of", self.score_class)
        layout.addLayout(form)
        if self.regression:
            self.by_class.setEnabled(False)
            self.by_range.setChecked(True)
        else:
            self.by_class.setChecked(True)

    def set_value(self, feature: str, value) -> None:
        editor = self.editors[feature]
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        else:
            editor.setText(str(value))

    def spec(self) -> dict:
        row = {}
        for spec in self.inputs:
            editor = self.editors[spec["name"]]
            text = (
                editor.currentText() if isinstance(editor, QComboBox) else editor.text()
            ).strip()
            if text:
                row[spec["name"]] = _number(text) if spec.get("type") == "numeric" else text
        if self.by_class.isChecked():
            expect: dict = {"class": self.expect_class.currentText()}
        else:
            expect = {"min": self.low.value(), "max": self.high.value()}
            if self.classes:
                expect["class"] = self.score_class.currentText()
        return {"input": row, "expect": expect}


class PerturbationPage(QWidget):
    """Invariance (a set of values or a range, ε) or directional (raise by Δ, which way)."""

    def __init__(self, kind: str, signature: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        inputs = signature.get("inputs") or []
        if kind == "directional":
            inputs = [s for s in inputs if s.get("type") == "numeric"]
        self.inputs = {s["name"]: s for s in inputs}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        self.feature = QComboBox()
        self.feature.addItems(list(self.inputs))
        form.addRow("&Feature:", self.feature)
        self.values = QListWidget()
        self.values.setMaximumHeight(150)
        self.low = _spin(-1e12, 1e12, 0.0, 4, 1)
        self.high = _spin(-1e12, 1e12, 1.0, 4, 1)
        self.expect = QComboBox()
        self.expect.addItem("does not lower the score", "increase")
        self.expect.addItem("does not raise the score", "decrease")
        self.delta = _spin(1e-9, 1e12, 1.0, 4, 1)
        if kind == "invariance":
            self.values_label = QLabel("Values it may take:")
            form.addRow(self.values_label, self.values)
            self.low_label, self.high_label = QLabel("Range from:"), QLabel("to:")
            form.addRow(self.low_label, self.low)
            form.addRow(self.high_label, self.high)
        else:
            form.addRow("Raising it by:", self.delta)
            form.addRow("…", self.expect)
        self.epsilon = _spin(0, 1e9, DEFAULT_EPSILON[kind], 3)
        form.addRow("Tolerance &ε (score units):", self.epsilon)
        self.pass_rate = _spin(0, 0.999, DEFAULT_PASS_RATE, 2, 0.05)
        form.addRow("Passes when more than this share of rows behave:", self.pass_rate)
        self.feature.currentTextChanged.connect(self._feature_chosen)
        self._feature_chosen(self.feature.currentText())

    def _feature_chosen(self, name: str) -> None:
        spec = self.inputs.get(name) or {}
        numeric = spec.get("type") == "numeric"
        low, high = spec.get("min"), spec.get("max")
        if self.kind == "invariance":
            self.values.clear()
            for value in spec.get("categories") or []:
                item = QListWidgetItem(str(value))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
                self.values.addItem(item)
            for widget in (self.values, self.values_label):
                widget.setVisible(not numeric)
            for widget in (self.low, self.high, self.low_label, self.high_label):
                widget.setVisible(numeric)
        if numeric and low is not None and high is not None:
            self.low.setValue(low)
            self.high.setValue(high)
            spread = (high - low) / 4 or 1.0
            self.delta.setValue(float(f"{spread:.3g}"))

    def spec(self) -> dict:
        feature = self.feature.currentText()
        spec: dict = {"feature": feature}
        numeric = (self.inputs.get(feature) or {}).get("type") == "numeric"
        if self.kind == "invariance":
            if numeric:
                spec["range"] = [self.low.value(), self.high.value()]
            else:
                spec["values"] = [
                    self.values.item(i).text()
                    for i in range(self.values.count())
                    if self.values.item(i).checkState() == Qt.CheckState.Checked
                ]
        else:
            spec["expect"] = self.expect.currentData()
            spec["delta"] = self.delta.value()
        spec["epsilon"] = self.epsilon.value()
        spec["pass_rate"] = self.pass_rate.value()
        return spec


class AddTestDialog(QDialog):
    """A new behavioural test for a model name: ``kind()``, ``test_name()``, ``spec()``."""

    def __init__(self, model_name: str, signature: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Add a Behavioural Test to {model_name}")
        self.setObjectName("addBehaviouralTest")
        self.resize(640, 640)
        self.signature = signature
        self._spec: dict | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.kind_combo = QComboBox()
        for kind, label in KIND_LABELS.items():
            self.kind_combo.addItem(label, kind)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. long loans are not safer")
        form.addRow("&Kind:", self.kind_combo)
        form.addRow("&Name:", self.name_edit)
        layout.addLayout(form)
        self.pages = {
            "minimum": MinimumPage(signature),
            "invariance": PerturbationPage("invariance", signature),
            "directional": PerturbationPage("directional", signature),
        }
        self.stack = QStackedWidget()
        for page in self.pages.values():
            self.stack.addWidget(page)
        layout.addWidget(self.stack, 1)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Add test")
        set_primary(self.ok_button)
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.kind_combo.currentIndexChanged.connect(
            lambda: self.stack.setCurrentWidget(self.pages[self.kind()])
        )

    def set_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))

    def kind(self) -> str:
        return self.kind_combo.currentData()

    def test_name(self) -> str:
        return self.name_edit.text().strip()

    def page(self, kind: str | None = None):
        return self.pages[kind or self.kind()]

    def validate(self) -> dict | None:
        """The checked spec, or None with the problem shown in one sentence."""
        try:
            if not self.test_name():
                raise InputError("Give the test a name people can read in a report.")
            spec = parse_spec(self.kind(), self.page().spec(), self.signature, self.test_name())
        except InputError as exc:
            self.problem.setText(exc.message)
            return None
        self.problem.setText("")
        self._spec = spec
        return spec

    def spec(self) -> dict | None:
        return self._spec

    def _try_accept(self) -> None:
        if self.validate() is not None:
            self.accept()
