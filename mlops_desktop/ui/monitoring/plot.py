"""The Monitor page's chart base: a pyqtgraph plot themed from the Qt palette (light or dark),
an x axis of windows labelled with their local end times, labelled threshold lines.

Charts are built once and updated with ``setData`` on every poll; a palette change re-colours
them in place. Mouse panning is off: the charts follow the live data, clicks select a window.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QWidget

from mlops_desktop.ui.kit.legends import fit_legend, legend_below, legend_room
from mlops_desktop.ui.kit.theme import is_dark

TIME_LABEL = "Window end (local time)"
#: Okabe-Ito colours (colour-blind safe), a lighter set for dark backgrounds.
SERIES_LIGHT = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
SERIES_DARK = ("#56B4E9", "#FF8C42", "#3CCB9A", "#E08DC0", "#F0C040", "#9ECBFF")
ALARM = {False: "#C62828", True: "#FF6B6B"}
REFERENCE = {False: "#455A64", True: "#B0BEC5"}


def series_color(index: int, dark: bool) -> QColor:
    colors = SERIES_DARK if dark else SERIES_LIGHT
    return QColor(colors[index % len(colors)])


def alarm_color(dark: bool) -> QColor:
    return QColor(ALARM[dark])


def reference_color(dark: bool) -> QColor:
    return QColor(REFERENCE[dark])


def short(text: str, limit: int = 26) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def abbreviate(name: str, limit: int) -> str:
    """``name`` in at most ``limit`` characters, keeping its first and last words (which tell
    long column names apart): ``number_of_people…maintenance_for``."""
    if len(name) <= limit:
        return name
    words = name.split("_")

    def width(head: int, tail: int) -> int:
        return len("_".join(words[:head])) + len("_".join(words[len(words) - tail :])) + 1

    head = tail = 0  # words kept from the start and from the end
    while head + tail < len(words) - 1:
        grown = (head + 1, tail) if head <= tail else (head, tail + 1)
        if width(*grown) > limit:
            break
        head, tail = grown
    if head == tail == 0:  # one long word: keep both of its ends
        half = (limit - 1) // 2
        return name[: limit - 1 - half] + "…" + name[len(name) - half :]
    return "_".join(words[:head]) + "…" + "_".join(words[len(words) - tail :])


def time_format(times: np.ndarray) -> str:
    """A strftime format that tells the given timestamps apart without clutter."""
    finite = times[np.isfinite(times)] if times.size else times
    if finite.size == 0:
        return "%H:%M"
    span = float(finite.max() - finite.min())
    if span < 600:
        return "%H:%M:%S"
    if span < 2 * 86400:
        return "%H:%M"
    return "%m-%d %H:%M"


class WindowAxis(pg.AxisItem):
    """A bottom axis over window indices 0..n-1, labelled with each window's end time.

    An index equal to ``len(times)`` is the open window (traffic not in a window yet): "now".
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("bottom", **kwargs)
        self.times = np.zeros(0)
        self.open_window = False
        self._format = "%H:%M"

    def set_times(self, times: np.ndarray, open_window: bool = False) -> None:
        self.times = np.asarray(times, dtype=float)
        self.open_window = open_window
        self._format = time_format(self.times)
        self.picture = None
        self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        count = len(self.times) + (1 if self.open_window else 0)
        lo, hi = max(0, math.ceil(minVal)), min(count - 1, math.floor(maxVal))
        if hi < lo:
            return []
        label_px = 80 if "%S" in self._format or "%m" in self._format else 56
        fit = max(1, int(size // label_px))
        step = max(1, math.ceil((hi - lo + 1) / fit))
        start = math.ceil(lo / step) * step
        return [(float(step), [float(v) for v in range(start, hi + 1, step)])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out = []
        for value in values:
            i = int(round(value))
            if i == len(self.times) and self.open_window:
                out.append("now")
            elif 0 <= i < len(self.times) and math.isfinite(self.times[i]):
                out.append(datetime.fromtimestamp(self.times[i]).strftime(self._format))
            else:
                out.append("")
        return out


class MonitorPlot(pg.PlotWidget):
    """A themed plot with a title, axis labels (with units), a legend and a window axis."""

    def __init__(
        self,
        title: str,
        y_label: str,
        x_label: str = TIME_LABEL,
        legend: bool = True,
        parent: QWidget | None = None,
        window_axis: bool = True,
    ) -> None:
        self.axis = WindowAxis() if window_axis else pg.AxisItem("bottom")
        super().__init__(parent, axisItems={"bottom": self.axis})
        self._title, self._y_label, self._x_label = title, y_label, x_label
        self.item = self.getPlotItem()
        self.item.setMenuEnabled(False)
        self.item.hideButtons()
        self.item.setMouseEnabled(x=False, y=False)
        self.item.showGrid(x=False, y=True, alpha=0.18)
        for side in ("left", "bottom"):  # no "(x0.001)" beside a label: ticks say the numbers
            self.getAxis(side).enableAutoSIPrefix(False)
        self.legend: pg.LegendItem | None = None
        if legend:  # below the plot, so it never hides data; as many columns as fit
            self.legend = legend_below(self.item)
        self.thresholds: list[pg.InfiniteLine] = []
        self.setMinimumSize(180, 120)  # three side by side fit an 800 x 600 window
        self.dark = False
        self._built = False

    # -- theming -----------------------------------------------------------------------------

    def font_size(self) -> float:
        size = QFont(self.font()).pointSizeF()
        return max(9.0, size if size > 0 else 10.0)

    def apply_theme(self) -> None:
        """Colours and fonts from the widget's palette; then ``recolor`` the data items."""
        pal = self.palette()
        self.dark = is_dark(pal)
        text, base = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)
        self.setBackground(base)
        points = self.font_size()
        label_size = f"{points:.0f}pt"
        self.item.setTitle(self._title, color=text.name(), size=f"{points * 1.2:.0f}pt")
        tick_font = QFont(self.font())
        tick_font.setPointSizeF(points * 0.95)
        for side, label in (("bottom", self._x_label), ("left", self._y_label)):
            axis = self.getAxis(side)
            axis.setPen(pg.mkPen(pal.color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))
            axis.setTickFont(tick_font)
            axis.setLabel(label, color=text.name(), **{"font-size": label_size})
        if self.legend is not None:
            self.legend.setLabelTextColor(text)
            self.legend.setLabelTextSize(label_size)
            for _sample, label in self.legend.items:  # setAttr alone does not repaint
                label.setText(label.text, color=text.name(), size=label_size)
        for line in self.thresholds:
            self._style_line(line)
        self._built = True
        self.recolor()
        self.fit_legend()

    def fit_legend(self) -> None:
        """As many legend columns as fit the plot's width, so no entry is cut off."""
        fit_legend(self.legend, legend_room(self))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.__dict__.get("_built") and self.__dict__.get("plotItem") is not None:
            self.fit_legend()  # not while being built or torn down

    def recolor(self) -> None:
        """Re-pen the data items for the current palette (``self.dark``)."""

    def changeEvent(self, event: QEvent) -> None:
        themed = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if getattr(self, "_built", False) and event.type() in themed:
            self.apply_theme()
        super().changeEvent(event)

    # -- threshold lines ---------------------------------------------------------------------

    def threshold_line(self, kind: str = "alarm", position: float = 0.02) -> pg.InfiniteLine:
        """A horizontal labelled line (``kind`` "alarm" red dashed, "reference" grey dashed)."""
        line = pg.InfiniteLine(
            angle=0,
            movable=False,
            label="",
            labelOpts={"position": position, "anchors": [(0, 1), (0, 1)], "movable": False},
        )
        line.kind = kind
        line.setZValue(5)
        self.thresholds.append(line)
        self._style_line(line)
        self.item.addItem(line, ignoreBounds=True)
        return line

    def _style_line(self, line: pg.InfiniteLine) -> None:
        color = alarm_color(self.dark) if line.kind == "alarm" else reference_color(self.dark)
        line.setPen(pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine))
        line.label.setColor(color)
        fill = QColor(self.palette().color(QPalette.ColorRole.Base))
        fill.setAlpha(200)
        line.label.fill = pg.mkBrush(fill)
        font = QFont(self.font())
        font.setPointSizeF(self.font_size() * 0.95)
        font.setBold(True)
        line.label.setFont(font)

    @staticmethod
    def set_line(line: pg.InfiniteLine, value: float | None, text: str) -> None:
        """Place ``line`` at ``value`` with ``text`` (hidden when the value is None or NaN)."""
        visible = value is not None and math.isfinite(float(value))
        line.setVisible(visible)
        if visible:
            line.setValue(float(value))
            if line.label.format != text:
                line.label.setFormat(text)

    def set_y(self, low: float, high: float) -> None:
        """Show ``low``..``high`` with a little room below, so the ``low`` tick is labelled."""
        self.item.setYRange(low - (high - low) * 0.04, high, padding=0)

    def set_windows(self, times: np.ndarray, open_window: bool = False) -> None:
        """Label the x axis with ``times`` and show every window (and the open one)."""
        self.axis.set_times(times, open_window)
        count = len(times) + (1 if open_window else 0)
        self.item.setXRange(-0.6, max(count, 1) - 0.4, padding=0)
