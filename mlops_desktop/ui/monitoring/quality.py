"""Realized performance per window against the test report's value and confidence band, with the
quality gate's threshold, and beside it the performance estimated before labels arrive (CBPE or
DLE, dashed, with its 95% band); an empty state that says how to send outcomes when there is
neither."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from mlops_desktop.formatting import number, operator
from mlops_desktop.monitoring.estimated_series import EstimatedSeries
from mlops_desktop.monitoring.realized import MIN_LABELS, RealizedSeries
from mlops_desktop.training.metric_names import METRIC_LABELS
from mlops_desktop.ui.kit.labels import scaled_font
from mlops_desktop.ui.kit.widgets import CommandLine
from mlops_desktop.ui.monitoring.estimate_history import EstimateHistory
from mlops_desktop.ui.monitoring.line_labels import place_labels
from mlops_desktop.ui.monitoring.model import MAX_WINDOWS, tail
from mlops_desktop.ui.monitoring.plot import MonitorPlot, reference_color, series_color

NO_OUTCOMES = (
    "No outcomes yet: import them with `mlops-desktop outcomes import ...` or POST /outcomes"
)


def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric)


def chosen_metric(realized: RealizedSeries, known: list[str] | None = None) -> str | None:
    """The gate's first metric that has values, else the primary metric, else any."""
    known = list(realized.values) if known is None else known
    for metric in list(realized.gate) + [realized.primary_metric]:
        if metric and metric in known:
            return metric
    return next(iter(known), None)


def _plot(item: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
    """``item`` with the points of ``y`` (gaps where NaN; nothing when all are NaN)."""
    if not np.isfinite(y).any():
        item.setData([], [])
    else:
        item.setData(x, y, connect="finite")


class QualityChart(MonitorPlot):
    """One realized metric per window, the test report's value with its CI band, the gate."""

    def __init__(self) -> None:
        super().__init__("Performance: realized and estimated", "Metric value")
        self.low = pg.PlotDataItem([], [])
        self.high = pg.PlotDataItem([], [])
        self.band = pg.FillBetweenItem(self.low, self.high)
        self.item.addItem(self.low)
        self.item.addItem(self.high)
        self.item.addItem(self.band)
        self.band.setZValue(-10)
        self.curve = self.item.plot([], [], symbol="o", symbolSize=9, connect="finite")
        self.est_low = pg.PlotDataItem([], [], connect="finite")
        self.est_high = pg.PlotDataItem([], [], connect="finite")
        self.est_band = pg.FillBetweenItem(self.est_low, self.est_high)
        for item in (self.est_low, self.est_high, self.est_band):
            self.item.addItem(item)
        self.est_band.setZValue(-5)
        self.estimate_curve = self.item.plot([], [], symbol="t", symbolSize=8, connect="finite")
        self.est_sample = pg.BarGraphItem(x=[0], height=[1], width=1)
        self.reference = self.threshold_line("reference", position=0.02)
        self.gate = self.threshold_line("alarm", position=0.55)
        self.band_sample = pg.BarGraphItem(x=[0], height=[1], width=1)
        self._place_soon = QTimer(self)  # after pyqtgraph lays out the new range
        self._place_soon.setSingleShot(True)
        self._place_soon.setInterval(0)
        self._place_soon.timeout.connect(self.place_labels)
        self.item.vb.sigResized.connect(self._place_soon.start)
        self.item.vb.sigRangeChanged.connect(self._place_soon.start)
        if self.legend is not None:
            self.legend.addItem(self.curve, "realized")
            self.legend.addItem(self.estimate_curve, "estimated (no labels)")
            self.legend.addItem(self.est_sample, "estimate 95 % band")
            self.legend.addItem(self.band_sample, "test report 95 % CI")
        self.apply_theme()

    def recolor(self) -> None:
        color = series_color(0, self.dark)
        self.curve.setPen(pg.mkPen(color, width=2.5))
        self.curve.setSymbolBrush(pg.mkBrush(color))
        self.curve.setSymbolPen(pg.mkPen(color))
        fill = QColor(reference_color(self.dark))
        fill.setAlpha(60)
        self.band.setBrush(pg.mkBrush(fill))
        self.band_sample.setOpts(brush=pg.mkBrush(fill), pen=pg.mkPen(None))
        self.band.setPen(pg.mkPen(None))
        for edge in (self.low, self.high, self.est_low, self.est_high):
            edge.setPen(pg.mkPen(None))
        estimate = series_color(1, self.dark)
        self.estimate_curve.setPen(pg.mkPen(estimate, width=2, style=Qt.PenStyle.DashLine))
        self.estimate_curve.setSymbolBrush(pg.mkBrush(estimate))
        self.estimate_curve.setSymbolPen(pg.mkPen(estimate))
        shade = QColor(estimate)
        shade.setAlpha(45)
        self.est_band.setBrush(pg.mkBrush(shade))
        self.est_band.setPen(pg.mkPen(None))
        self.est_sample.setOpts(brush=pg.mkBrush(shade), pen=pg.mkPen(None))

    def update_series(
        self, realized: RealizedSeries, metric: str, estimated: EstimatedSeries | None = None
    ) -> None:
        n = min(max(len(realized.ids), estimated.n_windows if estimated else 0), MAX_WINDOWS)
        values = tail(realized.values.get(metric, np.full(len(realized.ids), np.nan)), n)
        x = np.arange(n, dtype=float)
        _plot(self.curve, x[-len(values) :] if len(values) else x[:0], values)
        guess = np.full(n, np.nan)
        low = high = guess
        if estimated is not None and metric in estimated.estimate:
            guess = tail(estimated.estimate[metric], n)
            low, high = tail(estimated.low[metric], n), tail(estimated.high[metric], n)
        _plot(self.estimate_curve, x, guess)
        _plot(self.est_low, x, low)
        _plot(self.est_high, x, high)
        ref = realized.reference.get(metric) or {}
        lo, hi = ref.get("ci_low"), ref.get("ci_high")
        span = np.array([-0.6, max(n, 1) - 0.4])
        if lo is not None and hi is not None:
            self.low.setData(span, [lo, lo])
            self.high.setData(span, [hi, hi])
            self.band.setVisible(True)
        else:
            self.band.setVisible(False)
        value = ref.get("value")
        name = metric_label(metric)
        self.set_line(
            self.reference, value, f"test report {number(value)}" if value is not None else ""
        )
        rule = realized.gate.get(metric) or {}
        threshold = rule.get("threshold")
        op = operator(rule.get("op", ""))
        self.set_line(self.gate, threshold, f"gate: {name} {op} {threshold}")
        if self._y_label != name:
            self._y_label = name
            self.apply_theme()
        ends = estimated.end if estimated is not None and estimated.n_windows else realized.end
        self.set_windows(tail(ends, n))
        points = [v for v in (lo, hi, value, threshold) if v is not None]
        points += [float(v) for v in (*values, *low, *high) if math.isfinite(v)]
        if points:
            low, high = min(points), max(points)
            pad = max((high - low) * 0.15, 0.02)
            self.item.setYRange(low - pad, high + pad, padding=0)
        self._place_soon.start()

    def place_labels(self) -> list:
        """The test report's and the gate's labels where they cover neither the curve nor each
        other (above or below their line, anywhere along it)."""
        x, y = self.curve.getData()
        if x is None:
            x, y = np.zeros(0), np.zeros(0)
        return place_labels(self, [self.gate, self.reference], x, y)


class QualityPanel(QWidget):
    """The realized-performance chart with a metric picker, or the "no outcomes" state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart = QualityChart()
        self.metric_box = QComboBox()
        self.metric_box.setMinimumContentsLength(12)
        self.metric_box.currentIndexChanged.connect(self._redraw)
        label = QLabel("Me&tric:")
        label.setBuddy(self.metric_box)
        self.note = QLabel()
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.metric_box)
        top.addWidget(self.note, 1)
        chart_page = QWidget()
        chart_layout = QVBoxLayout(chart_page)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addLayout(top)
        chart_layout.addWidget(self.chart, 1)
        self.history = EstimateHistory()
        chart_layout.addWidget(self.history)
        self.caveat = QLabel()
        self.caveat.setObjectName("estimateCaveat")
        self.caveat.setWordWrap(True)
        chart_layout.addWidget(self.caveat)
        self.outcomes_hint = QWidget()
        hint_layout = QHBoxLayout(self.outcomes_hint)
        hint_layout.setContentsMargins(0, 0, 0, 0)
        hint_layout.addWidget(QLabel("Send outcomes to see the realized line:"))
        self.hint_command = CommandLine()
        hint_layout.addWidget(self.hint_command, 1)
        chart_layout.addWidget(self.outcomes_hint)

        self.empty = QWidget()
        empty_layout = QVBoxLayout(self.empty)
        empty_layout.addStretch(1)
        heading = QLabel("No outcomes yet")
        heading.setFont(scaled_font(self, 1.25, bold=True))
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text = QLabel(NO_OUTCOMES)
        self.empty_text.setObjectName("noOutcomes")
        self.empty_text.setWordWrap(True)
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.command = CommandLine()
        empty_layout.addWidget(heading)
        empty_layout.addWidget(self.empty_text)
        empty_layout.addWidget(self.command)
        empty_layout.addStretch(2)
        empty_layout.setContentsMargins(80, 0, 80, 0)

        self.stack = QStackedWidget()
        self.stack.addWidget(chart_page)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.realized: RealizedSeries | None = None
        self.estimated: EstimatedSeries | None = None

    def showing_empty_state(self) -> bool:
        return self.stack.currentWidget() is self.empty

    def set_realized(
        self, realized: RealizedSeries | None, model: str, estimated: EstimatedSeries | None = None
    ) -> None:
        self.realized, self.estimated = realized, estimated
        labelled = realized is not None and realized.total_labelled > 0 and bool(realized.values)
        guessed = estimated is not None and bool(estimated.metrics)
        command = (
            f"mlops-desktop outcomes import outcomes.csv --model {model} "
            "--key request_id --label LABEL"
        )
        self.command.set_command(command)
        self.hint_command.set_command(command)
        if realized is None or not (labelled or guessed):
            text = NO_OUTCOMES
            if realized is not None and realized.total_labelled:
                text = (
                    f"{realized.total_labelled:,} labelled rows so far; a window needs "
                    f"{MIN_LABELS} before its metrics are shown. " + NO_OUTCOMES
                )
            if estimated is not None and estimated.problem:
                text += f"\nNo estimate either: {estimated.problem}"
            self.empty_text.setText(text)
            self.stack.setCurrentWidget(self.empty)
            return
        metrics = sorted(
            set(realized.values if labelled else ()) | set(estimated.metrics if guessed else ())
        )
        self._set_metrics(metrics, realized)
        self.note.setText(self._note(realized, estimated, labelled))
        self.outcomes_hint.setVisible(not labelled)
        self.caveat.setText(estimated.caveat if guessed else "")
        self.caveat.setVisible(guessed)
        self.stack.setCurrentIndex(0)
        self._redraw()

    def _set_metrics(self, metrics: list[str], realized: RealizedSeries) -> None:
        current = self.metric_box.currentData()
        if [self.metric_box.itemData(i) for i in range(self.metric_box.count())] != metrics:
            self.metric_box.blockSignals(True)
            self.metric_box.clear()
            for metric in metrics:
                self.metric_box.addItem(metric_label(metric), metric)
            pick = current if current in metrics else chosen_metric(realized, metrics)
            self.metric_box.setCurrentIndex(max(0, metrics.index(pick)) if pick else 0)
            self.metric_box.blockSignals(False)

    @staticmethod
    def _note(realized: RealizedSeries, estimated: EstimatedSeries | None, labelled: bool) -> str:
        method = estimated.method if estimated is not None and estimated.metrics else None
        guess = (
            f" The dashed line is estimated from the model's own outputs ({method}), with its "
            "95 % band."
            if method
            else ""
        )
        if not labelled:
            return "No outcomes yet." + guess
        unmatched = (
            f"; {realized.unmatched:,} outcomes match no prediction" if realized.unmatched else ""
        )
        return (
            f"{realized.total_labelled:,} labelled rows{unmatched}. Windows with fewer than "
            f"{MIN_LABELS} labelled rows have no realized point." + guess
        )

    def _redraw(self) -> None:
        metric = self.metric_box.currentData()
        if self.realized is not None and metric:
            self.chart.update_series(self.realized, metric, self.estimated)
            self.history.show_windows(self.estimated, metric)
