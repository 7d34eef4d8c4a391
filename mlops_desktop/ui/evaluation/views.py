"""Views of a stored test report: verdict banner, metrics with CIs, slices, test results, charts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QPalette,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.formatting import ci, difference, local_time, number
from mlops_desktop.training.metric_names import (
    CLASSIFICATION_METRICS,
    METRIC_LABELS,
    REGRESSION_METRICS,
)
from mlops_desktop.ui.kit.theme import is_dark
from mlops_desktop.ui.kit.widgets import muted_color, scaled_font

SortRole = Qt.ItemDataRole.UserRole + 1
FlagRole = Qt.ItemDataRole.UserRole + 2


def status_colors(widget: QWidget, state: str) -> tuple[QColor, QColor]:
    """Background and text colours for ``passed``/``failed``/other, light or dark."""
    dark = is_dark()
    table = {
        "passed": ("#173b26", "#bbf7d0") if dark else ("#dcfce7", "#14532d"),
        "failed": ("#4a1d1d", "#fecaca") if dark else ("#fee2e2", "#7f1d1d"),
    }
    if state in table:
        bg, fg = table[state]
        return QColor(bg), QColor(fg)
    pal = QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.AlternateBase), pal.color(QPalette.ColorRole.WindowText)


def section_label(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setFont(scaled_font(widget, 1.15, bold=True))
    return label


def note_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, muted_color(label))
    label.setPalette(pal)
    return label


# -- a sortable, filterable table ------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool = False
    width: int = 0


class RowFilter(QSortFilterProxyModel):
    """Text filter over every column, optionally only flagged rows."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.flagged_only = False
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setSortRole(SortRole)

    def set_flagged_only(self, on: bool) -> None:
        self.flagged_only = on
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802 - Qt override
        if self.flagged_only:
            index = self.sourceModel().index(row, 0, parent)
            if not index.data(FlagRole):
                return False
        return super().filterAcceptsRow(row, parent)


class RecordTable(QTableView):
    """Rows of values: numbers right-aligned and sorted as numbers, flagged rows highlighted."""

    def __init__(self, columns: Sequence[Column], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.source = QStandardItemModel(0, len(self.columns), self)
        self.source.setHorizontalHeaderLabels([c.title for c in self.columns])
        for i, c in enumerate(self.columns):
            if c.numeric:
                item = self.source.horizontalHeaderItem(i)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.proxy = RowFilter(self)
        self.proxy.setSourceModel(self.source)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        # Rows keep the report's order (primary metric first, slices worst first) until the
        # user clicks a header.
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(26)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for i, c in enumerate(self.columns):
            if c.width:
                self.setColumnWidth(i, c.width)
        self._rows: list = []
        #: Size the table to its rows (for short tables that sit above other content).
        self.fit_rows = False

    def set_rows(
        self,
        rows: Sequence[Sequence[Any]],
        flagged: Sequence[bool] | None = None,
        tooltips: Sequence[str] | None = None,
    ) -> None:
        """Replace the rows; each value is ``(text, sort_value)`` or a plain value."""
        key = (list(map(list, rows)), list(flagged or []))
        if key == self._rows:
            return  # unchanged: keep selection and scroll position
        self._rows = key
        self.source.setRowCount(0)
        bg, fg = status_colors(self, "failed")
        for r, values in enumerate(rows):
            items = []
            is_flagged = bool(flagged and flagged[r])
            for column, value in zip(self.columns, values, strict=False):
                text, sort = value if isinstance(value, tuple) else (number(value), value)
                item = QStandardItem(text)
                item.setData(sort if sort is not None else -math.inf, SortRole)
                item.setData(is_flagged, FlagRole)
                if column.numeric:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if is_flagged:
                    item.setBackground(bg)
                    item.setForeground(fg)
                if tooltips and tooltips[r]:
                    item.setToolTip(tooltips[r])
                elif len(text) > 40:
                    item.setToolTip(text)
                items.append(item)
            self.source.appendRow(items)
        if self.fit_rows:
            height = self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth()
            height += self.verticalHeader().defaultSectionSize() * len(rows)
            self.setFixedHeight(height + 2)

    def row_texts(self) -> list[list[str]]:
        """What the table shows, in view order (for tests and copy)."""
        model = self.model()
        return [
            [str(model.index(r, c).data() or "") for c in range(model.columnCount())]
            for r in range(model.rowCount())
        ]


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
        lift = (baseline.get("lift") or {}).get(name) or {}
        row = [
            (label, label),
            entry.get("value"),
            (ci(entry.get("ci_low"), entry.get("ci_high")), entry.get("ci_low")),
            base.get("value"),
            (
                difference(lift.get("value"), lift.get("ci_low"), lift.get("ci_high")),
                lift.get("value"),
            ),
        ]
        if decision:
            dec = (decision.get("metrics") or {}).get(name) or {}
            dlift = (decision.get("model_lift") or {}).get(name) or {}
            diff = difference(dlift.get("value"), dlift.get("ci_low"), dlift.get("ci_high"))
            row += [dec.get("value"), (diff, dlift.get("value"))]
        rows.append(row)
    return columns, rows


def metrics_note(report: dict) -> str:
    boot = report.get("bootstrap") or {}
    baseline = report.get("baseline") or {}
    when = local_time(report.get("created_at"))
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
