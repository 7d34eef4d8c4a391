"""The quality gate editor: a form for the rules of a model name's gate, previewed live as YAML,
saved as a new version with a required reason (kept in the audit trail)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import InputError
from mlops_desktop.evaluation.gates import DEFAULT_MIN_SLICE_ROWS, OPERATORS, parse_gate
from mlops_desktop.training.metric_names import (
    CLASSIFICATION_METRICS,
    HIGHER_IS_BETTER,
    METRIC_LABELS,
    PRIMARY,
    REGRESSION_METRICS,
)
from mlops_desktop.ui.evaluation.model import gate_yaml
from mlops_desktop.ui.kit.dialogs import set_primary
from mlops_desktop.ui.kit.widgets import code_view


def metrics_for(task: str | None) -> tuple[str, ...]:
    return REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS


class MetricRuleRow(QWidget):
    """metric, operator, threshold, use the CI bound, remove."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, metrics: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.metric_box = QComboBox()
        for name in metrics:
            self.metric_box.addItem(METRIC_LABELS.get(name, name), name)
        self.metric_box.setAccessibleName("Metric")
        self.op = QComboBox()
        self.op.addItems(list(OPERATORS))
        self.op.setAccessibleName("Operator")
        self.value = QDoubleSpinBox()
        self.value.setDecimals(4)
        self.value.setRange(-1e9, 1e9)
        self.value.setSingleStep(0.01)
        self.value.setAccessibleName("Threshold")
        self.ci = QCheckBox("use CI lower bound")
        self.ci.setToolTip(
            "Check the pessimistic end of the 95% confidence interval instead of the point "
            "estimate (the lower bound for ≥ and >, the upper bound for ≤ and <)."
        )
        self.remove = QToolButton()
        self.remove.setText("Remove")
        self.remove.setToolTip("Remove this threshold")
        layout.addWidget(self.metric_box, 2)
        layout.addWidget(self.op)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.ci)
        layout.addWidget(self.remove)
        self.metric_box.currentIndexChanged.connect(self._metric_chosen)
        self.op.currentIndexChanged.connect(self._op_chosen)
        self.value.valueChanged.connect(self.changed)
        self.ci.toggled.connect(self.changed)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        self._metric_chosen()

    def _metric_chosen(self) -> None:
        name = self.metric_box.currentData()
        self.op.setCurrentText(">=" if HIGHER_IS_BETTER.get(name, True) else "<=")
        self.changed.emit()

    def _op_chosen(self) -> None:
        bound = "lower" if self.op.currentText().startswith(">") else "upper"
        self.ci.setText(f"use CI {bound} bound")
        self.changed.emit()

    def set_rule(self, metric: str, op: str, threshold: float, ci: bool) -> None:
        self.metric_box.setCurrentIndex(max(0, self.metric_box.findData(metric)))
        self.op.setCurrentText(op)
        self.value.setValue(threshold)
        self.ci.setChecked(ci)

    def rule(self) -> tuple[str, dict]:
        rule: dict = {self.op.currentText(): round(self.value.value(), 6)}
        if self.ci.isChecked():
            rule["ci"] = True
        return self.metric_box.currentData(), rule


class GateEditorDialog(QDialog):
    """Edit the model's gate as a form; the YAML it will store is previewed live.

    ``spec()`` is the validated gate (``GateSpec.to_dict()``); ``reason()`` why it changed.
    """

    def __init__(
        self,
        model_name: str,
        task: str | None,
        current: dict | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Quality Gate for {model_name}")
        self.setObjectName("gateEditor")
        self.resize(760, 720)
        self.metrics = metrics_for(task)
        self.primary = PRIMARY.get(task or "binary", "roc_auc")
        self._spec: dict | None = None
        self.rows: list[MetricRuleRow] = []
        layout = QVBoxLayout(self)

        box = QGroupBox("Metric thresholds (on the held-out test part)")
        self.rows_layout = QVBoxLayout(box)
        self.add_rule_button = QPushButton("&Add threshold")
        self.add_rule_button.clicked.connect(lambda: self.add_rule())
        self.rows_layout.addWidget(self.add_rule_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(box)

        layout.addLayout(self._build_rules_form())

        self._add_preview_and_reason(layout)

        for signal in (
            self.lift_on.toggled, self.lift.valueChanged, self.gap_on.toggled,
            self.gap.valueChanged, self.min_rows.valueChanged,
            self.slice_metric.currentIndexChanged, self.behavioural.toggled,
            self.contracts.toggled, self.reason_edit.textChanged,
        ):  # fmt: skip
            signal.connect(self.update_preview)
        self.lift_on.toggled.connect(self.lift.setEnabled)
        self.gap_on.toggled.connect(self._gap_toggled)
        self.load(current)

    def _build_rules_form(self) -> QFormLayout:
        """Lift over the baseline, the slice gap (rows, metric), behavioural and contract tests."""
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.lift_on = QCheckBox("Minimum &lift over the dummy baseline")
        self.lift = QDoubleSpinBox()
        self.lift.setDecimals(3)
        self.lift.setRange(0, 1e6)
        self.lift.setSingleStep(0.01)
        self.lift.setValue(0.05)
        form.addRow(self.lift_on, self.lift)
        self.gap_on = QCheckBox("Maximum slice &gap")
        self.gap = QDoubleSpinBox()
        self.gap.setDecimals(3)
        self.gap.setRange(0, 1e6)
        self.gap.setSingleStep(0.01)
        self.gap.setValue(0.1)
        form.addRow(self.gap_on, self.gap)
        self.min_rows = QSpinBox()
        self.min_rows.setRange(1, 10_000_000)
        self.min_rows.setValue(DEFAULT_MIN_SLICE_ROWS)
        self.min_rows.setSuffix(" rows")
        form.addRow("…for slices of at least", self.min_rows)
        self.slice_metric = QComboBox()
        for name in self.metrics:
            self.slice_metric.addItem(METRIC_LABELS.get(name, name), name)
        self.slice_metric.setCurrentIndex(self.slice_metric.findData(self.primary))
        form.addRow("…measured by", self.slice_metric)
        self.behavioural = QCheckBox("All &behavioural tests must pass")
        self.contracts = QCheckBox("All pipeline &contract tests must pass")
        form.addRow(self.behavioural)
        form.addRow(self.contracts)
        return form

    def _add_preview_and_reason(self, layout: QVBoxLayout) -> None:
        """The live YAML preview, the problem line, the required reason and the buttons."""
        layout.addWidget(QLabel("The gate as YAML (what 'mlops-desktop gate set --file' takes):"))
        self.preview = code_view()
        self.preview.setObjectName("gateYaml")
        layout.addWidget(self.preview, 1)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setObjectName("gateProblem")
        layout.addWidget(self.problem)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(
            "Why does the gate change? (required, kept in the audit)"
        )
        reason_row = QFormLayout()
        reason_row.addRow("&Reason:", self.reason_edit)
        layout.addLayout(reason_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save as new version")
        set_primary(self.save_button)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    # -- building ----------------------------------------------------------------------------------

    def add_rule(self, metric: str | None = None, op=None, value=None, ci=False) -> MetricRuleRow:
        row = MetricRuleRow(self.metrics)
        if metric is not None:
            row.set_rule(metric, op, value, ci)
        elif not self.rows:
            row.set_rule(self.primary, ">=" if HIGHER_IS_BETTER[self.primary] else "<=", 0.7, False)
        row.changed.connect(self.update_preview)
        row.remove_requested.connect(self.remove_rule)
        self.rows.append(row)
        self.rows_layout.insertWidget(self.rows_layout.count() - 1, row)
        self.update_preview()
        return row

    def remove_rule(self, row: MetricRuleRow) -> None:
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self.update_preview()

    def load(self, spec: dict | None) -> None:
        spec = spec or {}
        for metric, rule in (spec.get("metrics") or {}).items():
            op = next(k for k in rule if k != "ci")
            self.add_rule(metric, op, float(rule[op]), bool(rule.get("ci")))
        self.lift_on.setChecked(spec.get("min_lift_over_baseline") is not None)
        if spec.get("min_lift_over_baseline") is not None:
            self.lift.setValue(spec["min_lift_over_baseline"])
        self.gap_on.setChecked(spec.get("max_slice_gap") is not None)
        if spec.get("max_slice_gap") is not None:
            self.gap.setValue(spec["max_slice_gap"])
        self.min_rows.setValue(int(spec.get("min_slice_rows", DEFAULT_MIN_SLICE_ROWS)))
        if spec.get("slice_metric"):
            self.slice_metric.setCurrentIndex(
                max(0, self.slice_metric.findData(spec["slice_metric"]))
            )
        self.behavioural.setChecked(bool(spec.get("require_behavioural_pass")))
        self.contracts.setChecked(bool(spec.get("require_contracts_pass", not spec)))
        self.lift.setEnabled(self.lift_on.isChecked())
        self._gap_toggled(self.gap_on.isChecked())
        self.update_preview()

    def _gap_toggled(self, on: bool) -> None:
        for widget in (self.gap, self.min_rows, self.slice_metric):
            widget.setEnabled(on)
        self.update_preview()

    # -- reading -----------------------------------------------------------------------------------

    def form_data(self) -> dict:
        """What the form says, as a gate mapping (not yet validated)."""
        data: dict = {}
        metrics: dict = {}
        for row in self.rows:
            metric, rule = row.rule()
            metrics[metric] = rule
        if metrics:
            data["metrics"] = metrics
        if self.lift_on.isChecked():
            data["min_lift_over_baseline"] = round(self.lift.value(), 6)
        if self.gap_on.isChecked():
            data["max_slice_gap"] = round(self.gap.value(), 6)
            data["min_slice_rows"] = self.min_rows.value()
            if self.slice_metric.currentData() != self.primary:
                data["slice_metric"] = self.slice_metric.currentData()
        data["require_behavioural_pass"] = self.behavioural.isChecked()
        data["require_contracts_pass"] = self.contracts.isChecked()
        return data

    def update_preview(self) -> None:
        data = self.form_data()
        problem = ""
        try:
            metrics = [row.rule()[0] for row in self.rows]
            if len(set(metrics)) != len(metrics):
                raise InputError("Each metric can have one threshold; remove the duplicate.")
            self._spec = parse_gate(data).to_dict()
            self.preview.setPlainText(gate_yaml(self._spec))
        except InputError as exc:
            self._spec = None
            problem = exc.message
        if not problem and not self.reason().strip():
            problem = "Write the reason for this change; it is kept in the audit trail."
        self.problem.setText(problem)
        self.save_button.setEnabled(self._spec is not None and bool(self.reason().strip()))

    def spec(self) -> dict | None:
        return self._spec

    def reason(self) -> str:
        return self.reason_edit.text().strip()
