"""The Monitor page's live charts, drawn from per-window aggregates (``WindowSeries``), never raw
rows: drift score per feature, dataset drift share, the drift heat map, the prediction
distribution over time and the traffic (requests, latency, errors).

Each chart creates its items once and updates them with ``setData``/``setOpts`` on every poll.
Clicking a point of a drift chart or a heat map cell emits ``window_clicked(feature, index)``
(feature None: the window's most drifted feature).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Signal
from PySide6.QtGui import QColor, QPalette

from mlops_desktop.monitoring.series import WindowSeries
from mlops_desktop.ui.monitoring.model import TOP_FEATURES, shown, tail, top_features
from mlops_desktop.ui.monitoring.plot import (
    MonitorPlot,
    abbreviate,
    alarm_color,
    series_color,
    short,
)

HEAT_LEVELS = (0.0, 3.0)


class _Curves:
    """A fixed pool of line+point curves reused for whatever is shown (no recreation)."""

    def __init__(self, plot: MonitorPlot, count: int) -> None:
        self.plot = plot
        self.curves = []
        for _ in range(count):
            curve = plot.item.plot([], [], symbol="o", symbolSize=8)
            curve.key = None
            self.curves.append(curve)
        self.names: list[str] = []

    def show(self, entries: list[tuple[str, np.ndarray, np.ndarray]]) -> None:
        """Draw ``(name, x, y)`` entries; the legend changes only when the names do."""
        names = [name for name, _, _ in entries]
        for i, curve in enumerate(self.curves):
            if i < len(entries):
                name, x, y = entries[i]
                curve.key = name
                curve.setData(x, y, connect="finite")
                curve.setVisible(True)
            else:
                curve.key = None
                curve.setData([], [])
                curve.setVisible(False)
        if names != self.names and self.plot.legend is not None:
            self.plot.legend.clear()
            for curve, name in zip(self.curves, names, strict=False):
                self.plot.legend.addItem(curve, short(name, 34))
            self.plot.fit_legend()
        self.names = names
        self.recolor(self.plot.dark)

    def recolor(self, dark: bool) -> None:
        for i, curve in enumerate(self.curves):
            color = series_color(i, dark)
            curve.setPen(pg.mkPen(color, width=2.5))
            curve.setSymbolBrush(pg.mkBrush(color))
            curve.setSymbolPen(pg.mkPen(color))

    def data(self, index: int) -> np.ndarray:
        """The y values curve ``index`` draws now."""
        y = self.curves[index].getData()[1]
        return np.zeros(0) if y is None else y


class DriftScoreChart(MonitorPlot):
    """Drift score per feature over the windows (1 = the feature's threshold)."""

    window_clicked = Signal(object, int)

    def __init__(self) -> None:
        super().__init__("Drift score per feature", "Drift score (× threshold)")
        self.lines = _Curves(self, TOP_FEATURES)
        for curve in self.lines.curves:
            curve.sigPointsClicked.connect(self._clicked)
        self.limit = self.threshold_line()
        self.set_line(self.limit, 1.0, "drift threshold (score 1)")
        self.apply_theme()

    def recolor(self) -> None:
        self.lines.recolor(self.dark)

    def update_series(self, series: WindowSeries, feature: str | None) -> None:
        n = shown(series)
        names = [feature] if feature in series.features else top_features(series)
        x = np.arange(n, dtype=float)
        entries = [
            (name, x, tail(series.feature_score[series.features.index(name)], n)) for name in names
        ]
        self.lines.show(entries)
        self.set_windows(tail(series.end, n))
        peak = max([np.nanmax(y) for _, _, y in entries if np.isfinite(y).any()], default=0.0)
        self.set_y(0, max(1.5, float(peak) * 1.1))

    def _clicked(self, curve, points, _event=None) -> None:
        if len(points) and curve.key is not None:
            self.window_clicked.emit(curve.key, int(round(points[0].pos().x())))


class DriftShareChart(MonitorPlot):
    """Share of drifted features per window with the dataset-drift threshold."""

    window_clicked = Signal(object, int)

    def __init__(self) -> None:
        super().__init__("Dataset drift", "Drifted features (%)", legend=False)
        self.curve = self.item.plot([], [], symbol="o", symbolSize=9)
        self.curve.sigPointsClicked.connect(self._clicked)
        self.limit = self.threshold_line()
        self.drifted = np.zeros(0, bool)
        self.share = np.zeros(0)
        self.apply_theme()

    def recolor(self) -> None:
        """Points of windows with dataset drift in the alarm colour."""
        color, alarm = series_color(0, self.dark), alarm_color(self.dark)
        brushes = [pg.mkBrush(alarm if d else color) for d in self.drifted]
        self.curve.setData(
            np.arange(len(self.share), dtype=float),
            self.share,
            pen=pg.mkPen(color, width=2.5),
            symbolPen=pg.mkPen(color),
            symbolBrush=brushes or pg.mkBrush(color),
        )

    def update_series(self, series: WindowSeries) -> None:
        n = shown(series)
        self.drifted = tail(series.dataset_drift, n)
        self.share = tail(series.drift_share, n) * 100
        self.recolor()
        share = series.share_threshold * 100
        self.set_line(self.limit, share, f"dataset drift at ≥ {share:g} %")
        self.set_windows(tail(series.end, n))
        self.set_y(0, 105)

    def _clicked(self, _curve, points, _event=None) -> None:
        if len(points):
            self.window_clicked.emit(None, int(round(points[0].pos().x())))


def heat_colormap() -> pg.ColorMap:
    """Calm below the threshold (score < 1), amber at it, deep red well above it."""
    return pg.ColorMap(
        pos=[0.0, 0.2, 1 / 3, 0.66, 1.0],
        color=["#2F6DB3", "#9EC5E8", "#F6C343", "#E8590C", "#8E0E0E"],
    )


class DriftHeatMap(MonitorPlot):
    """Features × windows, coloured by drift score (1 = at the threshold); click a cell."""

    window_clicked = Signal(object, int)

    def __init__(self) -> None:
        super().__init__("Drift heat map", "Feature", legend=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(heat_colormap().getLookupTable(nPts=256))
        self.image.setLevels(HEAT_LEVELS)
        self.item.addItem(self.image)
        self.item.invertY(True)
        self.item.showGrid(x=False, y=False)
        self.bar = pg.ColorBarItem(
            values=HEAT_LEVELS,
            colorMap=heat_colormap(),
            interactive=False,
            width=16,
        )
        self.bar.setImageItem(self.image, insert_in=self.item)
        self.features: list[str] = []
        self._name_limit = 0  # the characters the names were shortened to
        self.scores = np.zeros((0, 0))
        self.scene().sigMouseClicked.connect(self._clicked)
        self.scene().sigMouseMoved.connect(self._hover)
        self.setMinimumHeight(150)
        self.apply_theme()

    def recolor(self) -> None:
        text = self.palette().color(QPalette.ColorRole.Text)
        axis = self.bar.axis
        axis.enableAutoSIPrefix(False)
        axis.setTextPen(pg.mkPen(text))
        axis.setLabel("Drift score (1 = threshold)", color=text.name())

    def update_series(self, series: WindowSeries) -> None:
        n = shown(series)
        self.scores = tail(series.feature_score, n)
        if series.features != self.features:
            self.features = list(series.features)
            self._name_limit = 0
            self._label_features()
        rows = max(len(self.features), 1)
        if n and self.features:
            self.image.setImage(self.scores, autoLevels=False, levels=HEAT_LEVELS)
            self.image.setRect(QRectF(-0.5, -0.5, n, len(self.features)))
            self.image.setVisible(True)
        else:
            self.image.setVisible(False)
        self.set_windows(tail(series.end, n))
        self.item.setYRange(-0.5, rows - 0.5, padding=0)

    def name_limit(self) -> int:
        """How many characters a feature name may take: more as the chart widens."""
        return max(16, min(40, self.width() // 34))

    def _label_features(self) -> None:
        """Feature names on the left axis, shortened in the middle to fit (whole in tips)."""
        limit = self.name_limit()
        if limit != self._name_limit:
            self._name_limit = limit
            ticks = [(i, abbreviate(f, limit)) for i, f in enumerate(self.features)]
            self.getAxis("left").setTicks([ticks])

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if getattr(self, "_name_limit", None) is not None:  # not while pyqtgraph sets up
            self._label_features()

    def feature_at(self, scene_pos: QPointF) -> str | None:
        """The feature of the row under a scene position (cells or their name on the left)."""
        view = self.item.vb
        box = view.sceneBoundingRect()
        if not (box.top() <= scene_pos.y() <= box.bottom()) or scene_pos.x() > box.right():
            return None
        row = int(round(view.mapSceneToView(scene_pos).y()))
        return self.features[row] if 0 <= row < len(self.features) else None

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """(feature row, window index) under a scene position, or None outside the cells."""
        view = self.item.vb
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        point = view.mapSceneToView(scene_pos)
        row, col = int(round(point.y())), int(round(point.x()))
        if 0 <= row < self.scores.shape[0] and 0 <= col < self.scores.shape[1]:
            return row, col
        return None

    def cell_center(self, row: int, col: int) -> QPoint:
        """Where cell (row, col) is in the view's viewport coordinates (for tests and tips)."""
        scene = self.item.vb.mapViewToScene(QPointF(col, row))
        return self.mapFromScene(scene)

    def _clicked(self, event) -> None:
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            self.window_clicked.emit(self.features[cell[0]], cell[1])

    def _hover(self, scene_pos: QPointF) -> None:
        cell = self.cell_at(scene_pos)
        if cell is None:
            self.setToolTip(self.feature_at(scene_pos) or "")  # a name, whole
            return
        value = self.scores[cell]
        score = "not compared" if np.isnan(value) else f"drift score {value:.2f}"
        self.setToolTip(f"{self.features[cell[0]]}: {score}. Click to compare with training.")


class PredictionChart(MonitorPlot):
    """The prediction distribution over time: positive rate and mean score, or class shares."""

    def __init__(self) -> None:
        super().__init__("Predictions over time", "Share of predictions (%)")
        self.lines = _Curves(self, 4)
        self.apply_theme()

    def recolor(self) -> None:
        self.lines.recolor(self.dark)

    def update_series(self, series: WindowSeries) -> None:
        n = shown(series)
        x = np.arange(n, dtype=float)
        kind = series.prediction_kind
        entries: list[tuple[str, np.ndarray, np.ndarray]] = []
        if kind == "label" and series.prediction_classes:
            shares = tail(series.prediction_counts.T, n) * 100
            for i, name in enumerate(series.prediction_classes[:4]):
                entries.append((f"class {name}", x, shares[i]))
            label = "Share of predictions (%)"
        elif kind == "numeric":
            entries.append(("mean prediction", x, tail(series.prediction_mean, n)))
            label = "Mean prediction (target units)"
        else:
            entries.append(("positive rate (score ≥ 0.5)", x, tail(series.positive_rate, n) * 100))
            entries.append(("mean score (probability)", x, tail(series.prediction_mean, n) * 100))
            label = "Predictions (%)"
        if label != self._y_label:
            self._y_label = label
            self.apply_theme()
        self.lines.show(entries)
        self.set_windows(tail(series.end, n))
        if kind != "numeric":
            self.set_y(0, 105)
        else:
            self.item.enableAutoRange(axis="y")


class RequestsChart(MonitorPlot):
    """Requests per window as bars; the open window (not computed yet) in a lighter shade."""

    def __init__(self) -> None:
        super().__init__("Request volume", "Requests per window", legend=False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.item.addItem(self.bars)
        self.heights = np.zeros(0)
        self.open_count = 0
        self.apply_theme()

    def recolor(self) -> None:
        self._draw()

    def _draw(self) -> None:
        color = series_color(0, self.dark)
        light = QColor(color)
        light.setAlpha(110)
        brushes = [pg.mkBrush(color)] * len(self.heights)
        heights = list(self.heights)
        if self.open_count:
            brushes.append(pg.mkBrush(light))
            heights.append(self.open_count)
        self.bars.setOpts(
            x=np.arange(len(heights), dtype=float), height=heights, brushes=brushes, pen=None
        )

    def update_series(self, series: WindowSeries) -> None:
        n = shown(series)
        self.heights = tail(series.requests, n).astype(float)
        self.open_count = int((series.pending or {}).get("requests", 0))
        self._draw()
        self.set_windows(tail(series.end, n), open_window=self.open_count > 0)
        top = max(float(self.heights.max()) if n else 0.0, self.open_count, 1.0)
        self.set_y(0, top * 1.12)

    def drawn_heights(self) -> list[float]:
        return [float(h) for h in self.bars.opts["height"]]


class LatencyChart(MonitorPlot):
    """Latency percentiles per window (the open window's as the last point)."""

    def __init__(self) -> None:
        super().__init__("Latency", "Latency (ms)")
        self.lines = _Curves(self, 3)
        self.apply_theme()

    def recolor(self) -> None:
        self.lines.recolor(self.dark)

    def update_series(self, series: WindowSeries) -> None:
        n = shown(series)
        pending = series.pending or {}
        live = bool(pending.get("requests"))
        entries = []
        for q in ("p50", "p95", "p99"):
            values = tail(getattr(series, f"latency_{q}"), n)
            if live:
                extra = pending.get(f"latency_{q}")
                values = np.append(values, np.nan if extra is None else extra)
            entries.append((q, np.arange(len(values), dtype=float), values))
        self.lines.show(entries)
        self.set_windows(tail(series.end, n), open_window=live)
        self.item.enableAutoRange(axis="y")


class ErrorRateChart(MonitorPlot):
    """Share of failed requests per window with the alert rule's threshold."""

    def __init__(self) -> None:
        super().__init__("Errors", "Failed requests (%)", legend=False)
        self.curve = self.item.plot([], [], symbol="o", symbolSize=7)
        self.limit = self.threshold_line()
        self.apply_theme()

    def recolor(self) -> None:
        color = series_color(1, self.dark)
        self.curve.setPen(pg.mkPen(color, width=2.5))
        self.curve.setSymbolBrush(pg.mkBrush(color))
        self.curve.setSymbolPen(pg.mkPen(color))

    def update_series(self, series: WindowSeries, threshold: float | None) -> None:
        n = shown(series)
        rate = tail(series.error_rate, n) * 100
        self.curve.setData(np.arange(n, dtype=float), rate, connect="finite")
        limit = None if threshold is None else float(threshold) * 100
        self.set_line(self.limit, limit, f"alert above {limit:g} %" if limit is not None else "")
        self.set_windows(tail(series.end, n))
        peak = float(np.nanmax(rate)) if np.isfinite(rate).any() else 0.0
        self.set_y(0, max(peak, limit or 0.0, 1.0) * 1.15)
