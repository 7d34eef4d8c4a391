"""Tabs of a stored test report beyond the summary: slices, test results and charts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.evaluation.chart_theme import dark_svg
from mlops_desktop.evaluation.charts import standalone
from mlops_desktop.ui.evaluation.model import (
    behaviour_note,
    behaviour_rows,
    chart_svgs,
    contract_rows,
    contracts_heading,
    slice_metric,
    slice_rows,
    slices_intro,
)
from mlops_desktop.ui.kit.labels import muted_label, section_label
from mlops_desktop.ui.kit.specs import Column
from mlops_desktop.ui.kit.tables import RecordTable
from mlops_desktop.ui.kit.theme import is_dark

# -- slices --------------------------------------------------------------------------------------


class SlicesView(QWidget):
    """Every slice, worst first; slices that break the gate's gap are highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.intro = muted_label(selectable=True)
        tools = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter slices (column or value)…")
        self.filter.setClearButtonEnabled(True)
        self.flagged_only = QCheckBox("&Flagged only")
        tools.addWidget(self.filter, 1)
        tools.addWidget(self.flagged_only)
        self.table = RecordTable(
            [
                Column("Column", width=200),
                Column("Slice", width=200, stretch=True),
                Column("Rows", True, 70),
                Column("Metric", True, 80),
                Column("95% CI", True, 130),
                Column("Gap to overall", True, 110),
                Column("Base rate", True, 90),
                Column("Flagged"),
            ]
        )
        self.filter.textChanged.connect(self.table.proxy.setFilterFixedString)
        self.flagged_only.toggled.connect(self.table.proxy.set_flagged_only)
        layout.addWidget(self.intro)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)

    def set_report(self, report: dict) -> None:
        slices = report.get("slices") or {}
        rows = slices.get("rows") or []
        self.table.source.setHeaderData(3, Qt.Orientation.Horizontal, slice_metric(slices))
        self.intro.setText(slices_intro(slices))
        self.table.set_rows(slice_rows(rows), [bool(r.get("flagged")) for r in rows])


# -- behavioural and contract results -------------------------------------------------------------


class ResultsView(QWidget):
    """Behavioural test results above pipeline contract test results."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.behaviour_heading = section_label("Behavioural tests", self)
        self.behaviour_note = muted_label(selectable=True)
        self.behaviour = RecordTable(
            [
                Column("Result", width=80),
                Column("Kind", width=100),
                Column("Test", width=300),
                Column("What happened", stretch=True),
            ]  # fmt: skip
        )
        self.contracts_heading = section_label("Pipeline contract tests", self)
        self.contracts = RecordTable(
            [
                Column("Result", width=80),
                Column("Case", width=170),
                Column("Column", width=200),
                Column("By design", width=230),
                Column("What happened", stretch=True),
            ]  # fmt: skip
        )
        layout.addWidget(self.behaviour_heading)
        layout.addWidget(self.behaviour_note)
        layout.addWidget(self.behaviour, 1)
        layout.addSpacing(8)
        layout.addWidget(self.contracts_heading)
        layout.addWidget(self.contracts, 1)

    def set_report(self, report: dict) -> None:
        results = report.get("behavioural") or []
        self.behaviour_note.setText(behaviour_note(results))
        self.behaviour.set_rows(behaviour_rows(results), [not r["passed"] for r in results])
        contracts = report.get("contracts") or []
        self.contracts_heading.setText(contracts_heading(contracts))
        self.contracts.set_rows(contract_rows(contracts), [not r["passed"] for r in contracts])


# -- charts --------------------------------------------------------------------------------------


class SvgChart(QWidget):
    """One of the report's SVG charts, scaled to the width with its aspect ratio kept, in the
    window's colours (the report's paper colours recoloured on a dark palette)."""

    def __init__(self, name: str, svg: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.svg = svg
        self.dark: bool | None = None
        self.renderer = QSvgRenderer(self)
        self.follow_palette()
        size = self.renderer.defaultSize()
        self._ratio = size.height() / max(size.width(), 1)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumWidth(280)

    def follow_palette(self) -> None:
        """Load the chart for the current palette (light: as in the report; dark: recoloured)."""
        dark = is_dark(self.palette())
        if dark == self.dark:
            return
        self.dark = dark
        base = self.palette().color(QPalette.ColorRole.Base).name()
        text = dark_svg(self.svg, base) if dark else self.svg
        self.renderer.load(QByteArray(standalone(text).encode("utf-8")))
        self.update()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.follow_palette()
        super().changeEvent(event)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return int(width * self._ratio)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(480, int(480 * self._ratio))

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        width = min(self.width(), int(self.height() / self._ratio))
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.renderer.render(painter, QRectF(0, 0, width, width * self._ratio))
        painter.end()


class ChartsView(QScrollArea):
    """The report's charts two per row (ROC, PR, calibration, confusion; or the regression
    pair), then the slice gap chart across the full width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.charts: list[SvgChart] = []
        self._key: tuple = ()

    def set_report(self, report: dict, key: Any = None) -> None:
        if key is not None and key == self._key:
            return
        self._key = key
        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setContentsMargins(0, 8, 8, 8)
        grid.setSpacing(12)
        self.charts = []
        pairs = chart_svgs(report)
        small = [(n, s) for n, s in pairs if n != "slices"]
        for i, (name, svg) in enumerate(small):
            chart = SvgChart(name, svg)
            self.charts.append(chart)
            grid.addWidget(chart, i // 2, i % 2, Qt.AlignmentFlag.AlignTop)
        row = (len(small) + 1) // 2
        for name, svg in pairs:
            if name == "slices":
                chart = SvgChart(name, svg)
                self.charts.append(chart)
                grid.addWidget(chart, row, 0, 1, 2, Qt.AlignmentFlag.AlignTop)
        grid.setRowStretch(row + 1, 1)
        self.setWidget(inner)
