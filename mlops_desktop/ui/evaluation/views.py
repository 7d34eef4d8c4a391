"""The verdict banner of a stored test report and its holdout metrics table's rows."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from mlops_desktop.evaluation.figures import ci_text, signed_text
from mlops_desktop.training.metric_names import (
    CLASSIFICATION_METRICS,
    METRIC_LABELS,
    REGRESSION_METRICS,
)
from mlops_desktop.ui.kit.labels import scaled_font
from mlops_desktop.ui.kit.specs import Column
from mlops_desktop.ui.kit.theme import status_colors

# -- the verdict ---------------------------------------------------------------------------------


class VerdictBanner(QFrame):
    """Passed / failed / no gate, in colour, with the reason for every rule of the gate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        self.heading = QLabel()
        self.heading.setFont(scaled_font(self, 1.35, bold=True))
        self.heading.setWordWrap(True)
        self.lines = QLabel()
        self.lines.setWordWrap(True)
        self.lines.setTextFormat(Qt.TextFormat.RichText)
        self.lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.heading)
        layout.addWidget(self.lines)
        self.state = "none"

    def set_report(self, report: dict | None) -> None:
        gate = (report or {}).get("gate")
        if report is None:
            self.state, heading, lines = "none", "Not tested yet", ""
        elif gate is None:
            self.state = "none"
            heading = "No quality gate set for this model: nothing can fail"
            lines = "Set a gate on the Quality gate tab, then run the tests again."
        else:
            rules = gate.get("lines") or []
            failed = [line for line in rules if not line["passed"]]
            self.state = "passed" if gate.get("passed") else "failed"
            if failed:
                heading = f"✘ Quality gate failed: {len(failed)} of {len(rules)} rules"
            else:
                heading = f"✔ Quality gate passed: all {len(rules)} rules"
            heading += f" (gate version {gate.get('version')})"
            ordered = failed + [line for line in rules if line["passed"]]
            lines = "<br>".join(_rule_html(line) for line in ordered)
        self.heading.setText(heading)
        self.lines.setText(lines)
        self.lines.setVisible(bool(lines))
        self._paint()

    def failed_reasons(self) -> list[str]:
        return [t for t in self.lines.text().split("<br>") if t.startswith("<b>✘")]

    def _paint(self) -> None:
        bg, fg = status_colors(self, self.state)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, bg)
        pal.setColor(QPalette.ColorRole.WindowText, fg)
        self.setPalette(pal)

    def changeEvent(self, event) -> None:
        if event.type() == event.Type.PaletteChange and not getattr(self, "_painting", False):
            self._painting = True
            self._paint()
            self._painting = False
        super().changeEvent(event)


def _rule_html(line: dict) -> str:
    from html import escape

    mark = "✔" if line["passed"] else "✘"
    text = f"{mark} {escape(line['rule'])}: {escape(line['reason'])}"
    return text if line["passed"] else f"<b>{text}</b>"


# -- metrics -------------------------------------------------------------------------------------


def metric_rows(report: dict) -> tuple[list[Column], list[list]]:
    """The holdout metrics table: model with 95% CI, dummy baseline, lift, current decision."""
    columns = [
        Column("Metric", width=170),
        Column("Model", True, 80),
        Column("95% CI", True, 130),
        Column("Dummy baseline", True, 120),
        Column("Lift over baseline (95% CI)", True, 230),
    ]
    decision = report.get("current_decision")
    if decision:
        columns += [
            Column(f"Current decision ({decision['column']})", True, 190),
            Column("Model minus decision (95% CI)", True, 230),
        ]
    baseline = report.get("baseline") or {}
    rows = []
    metrics = report.get("metrics") or {}
    primary = report.get("primary_metric")
    order = [primary, *CLASSIFICATION_METRICS, *REGRESSION_METRICS]
    names = sorted(metrics, key=lambda n: order.index(n) if n in order else len(order))
    for name in names:
        entry = metrics[name]
        label = METRIC_LABELS.get(name, name)
        if name == report.get("primary_metric"):
            label += " (primary)"
        base = (baseline.get("metrics") or {}).get(name) or {}
        lift = (baseline.get("lift") or {}).get(name)
        row = [
            (label, label),
            entry.get("value"),
            (ci_text(entry), entry.get("ci_low")),
            base.get("value"),
            (signed_text(lift), (lift or {}).get("value")),
        ]
        if decision:
            dec = (decision.get("metrics") or {}).get(name) or {}
            dlift = (decision.get("model_lift") or {}).get(name)
            row += [dec.get("value"), (signed_text(dlift), (dlift or {}).get("value"))]
        rows.append(row)
    return columns, rows


def metrics_note(report: dict) -> str:
    boot = report.get("bootstrap") or {}
    baseline = report.get("baseline") or {}
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(report.get("created_at") or 0))
    text = (
        f"{report.get('rows', 0):,} held-out rows of {(report.get('dataset') or {}).get('ref')}, "
        f"tested {when}. Intervals: percentile bootstrap, {boot.get('resamples')} resamples "
        f"(seed {boot.get('seed')}). Lift is signed so that positive means better. "
        f"Baseline: {baseline.get('kind', '')}."
    )
    decision = report.get("current_decision")
    if decision:
        text += (
            f" The current decision ('{decision['column']}') is compared on the "
            f"{decision['rows']:,} rows where it is recorded."
        )
    return text
