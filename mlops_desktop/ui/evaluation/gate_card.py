"""The quality gate of a model name on the Test page: the current version (who, when, why, its
rules in words) and the history of every version."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from mlops_desktop.evaluation.gates import parse_gate
from mlops_desktop.formatting import MISSING, local_time, metric_label, operator
from mlops_desktop.registry.entities import QualityGate
from mlops_desktop.ui.kit.labels import muted_label, section_label
from mlops_desktop.ui.kit.specs import Column
from mlops_desktop.ui.kit.tables import RecordTable
from mlops_desktop.ui.kit.widgets import code_view


def rules_summary(spec: dict) -> str:
    """A gate's rules on one line: "ROC AUC ≥ 0.7, lift ≥ 0.05, contracts pass"."""
    parts = [
        f"{metric_label(m)} {operator(op)} {v:g}"
        for m, rule in (spec.get("metrics") or {}).items()
        for op, v in rule.items()
        if op != "ci"
    ]
    if spec.get("min_lift_over_baseline") is not None:
        parts.append(f"lift ≥ {spec['min_lift_over_baseline']:g}")
    if spec.get("max_slice_gap") is not None:
        parts.append(f"slice gap ≤ {spec['max_slice_gap']:g}")
    if spec.get("require_behavioural_pass"):
        parts.append("behavioural pass")
    if spec.get("require_contracts_pass"):
        parts.append("contracts pass")
    return ", ".join(parts) or "(no rules)"


class GateCard(QWidget):
    """The current gate of a model name (version, who, when, why, rules) and its history."""

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        top = QHBoxLayout()
        self.heading = section_label("Quality gate", self)
        self.edit_button = QPushButton("&Edit gate…")
        self.edit_button.clicked.connect(self.edit_requested)
        top.addWidget(self.heading, 1)
        top.addWidget(self.edit_button)
        self.info = muted_label(selectable=True)
        self.spec_view = code_view()
        self.spec_view.setFont(self.font())  # rules in words, not code
        self.spec_view.setAccessibleName("Gate rules")
        self.history_heading = section_label("History", self)
        self.history = RecordTable(
            [
                Column("Version", True, 70),
                Column("Set", width=130),
                Column("By", width=100),
                Column("Reason", width=260, stretch=True),
                Column("Rules"),
            ]  # fmt: skip
        )
        self.history.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(self.spec_view)
        layout.addWidget(self.history_heading)
        layout.addWidget(self.history, 1)

    def set_gate(self, name: str, current: QualityGate | None, history: list[QualityGate]) -> None:
        self.heading.setText(f"Quality gate for {name}")
        if current is None:
            self.info.setText(
                f"'{name}' has no quality gate yet, so its tests cannot fail and no version can "
                "be deployed on evidence. Decide what good enough means before shipping."
            )
            self.edit_button.setText("&Set a gate…")
            self.spec_view.setPlainText("")
        else:
            why = f" — “{current.reason}”" if current.reason else ""
            self.info.setText(
                f"Version {current.version}, set by {current.created_by} on "
                f"{local_time(current.created_at)}{why}. Saving an edit makes version "
                f"{current.version + 1}; reports are re-checked against the newest version."
            )
            self.edit_button.setText("&Edit gate…")
            rules = parse_gate(current.spec).describe_lines() or ["no rules: every test passes"]
            self.spec_view.setPlainText("\n".join(f"•  {rule}" for rule in rules))
            lines = len(rules)
            self.spec_view.setFixedHeight(
                min(240, self.spec_view.fontMetrics().lineSpacing() * lines + 16)
            )
        self.spec_view.setVisible(current is not None)
        self.history.set_rows(
            [
                [
                    g.version,
                    (local_time(g.created_at), g.created_at),
                    (g.created_by, g.created_by),
                    (g.reason or MISSING, g.reason),
                    (rules_summary(g.spec), ""),
                ]  # fmt: skip
                for g in history
            ]
        )
