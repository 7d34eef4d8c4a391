"""Meeting mode's drift chart: the share of drifted features per window, with the threshold.

Drawn with QPainter (a dozen bars need no plotting library): bars coloured like the traffic
light (no drift, some features drifted, dataset drift) with a legend saying so, a dashed
threshold line labelled with its value, a labelled percentage axis, a time axis (when the
oldest, middle and latest windows ended) and the window cadence underneath. The feature that
drifts now (``DriftHistory.focus``) has its own colour at the foot of every bar it drifted in,
its name in the legend and a label over the latest bar, so the room sees which one it is.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from mlops_desktop.formatting import local_time
from mlops_desktop.ui.kit.theme import is_dark
from mlops_desktop.ui.monitoring.meeting.data import DriftHistory, cadence_text

#: (light palette, dark palette) fill of each traffic light.
LIGHT_COLORS = {
    "green": ("#188038", "#34a853"),
    "amber": ("#e8a000", "#fbbc04"),
    "red": ("#c5221f", "#ee4b3f"),
}
#: The bar colours and what they mean, as the chart's legend says.
LEGEND = (("green", "no feature drifted"), ("amber", "some drifted"), ("red", "dataset drift"))
#: (light, dark) fill of the marked feature's part of each bar: no traffic-light colour.
FOCUS_COLORS = ("#6a1b9a", "#ce93d8")


def light_color(light: str, dark: bool | None = None) -> QColor:
    """The fill of a traffic light (``green``, ``amber``, ``red``) for the palette."""
    dark = is_dark() if dark is None else dark
    pair = LIGHT_COLORS.get(light, LIGHT_COLORS["amber"])
    return QColor(pair[1] if dark else pair[0])


class DriftChart(QWidget):
    """Bars of the latest windows' drift share (0-100 %), oldest on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = DriftHistory()
        self.point_size = 10.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Drift per window")

    def set_history(self, history: DriftHistory) -> None:
        self.history = history
        self.setAccessibleDescription(self.describe())
        self.update()

    def set_point_size(self, size: float) -> None:
        self.point_size = size
        self.setMinimumHeight(int(size * 14))  # room for bars under the legend and axes
        self.update()

    def describe(self) -> str:
        h = self.history
        if not h.shares:
            return f"No drift windows yet; {cadence_text(h)}."
        focus = h.focus()
        marked = f" {focus} drifted in {self.focus_count()} of them;" if focus else ""
        return (
            f"{len(h.shares)} windows;{marked} latest {h.shares[-1]:.0%} of features drifted; "
            f"dataset drift from {h.threshold:.0%}."
        )

    def focus_count(self) -> int:
        """In how many of the drawn windows the marked feature drifted."""
        focus = self.history.focus()
        return sum(focus in cols for cols in self.history.drifted) if focus else 0

    def legend(self) -> list[tuple[QColor, str]]:
        """(colour, words) of each key: the bar colours, then the marked feature's."""
        dark = self._palette()[2]
        keys = [(light_color(light, dark), words) for light, words in LEGEND]
        focus = self.history.focus()
        return keys + ([(self.focus_color(), focus)] if focus else [])

    def focus_color(self) -> QColor:
        return QColor(FOCUS_COLORS[1] if self._palette()[2] else FOCUS_COLORS[0])

    def axis_top(self) -> float:
        """The axis maximum: room for the threshold and the tallest bar, in steps of 10 %."""
        h = self.history
        highest = max(h.threshold * 1.2, max(h.shares, default=0.0) * 1.1, 0.1)
        return min(1.0, math.ceil(highest * 10 - 1e-9) / 10)

    def sizeHint(self) -> QSize:
        return QSize(400, int(self.point_size * 14))

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPointSizeF(self.point_size)
        painter.setFont(font)
        line = painter.fontMetrics().height()
        plot = self.plot_rect(line)
        self._draw_legend(painter, QRectF(plot.left(), 0, plot.width(), line * 1.2))
        self._draw_axis(painter, plot)
        self._draw_bars(painter, plot)
        self._draw_threshold(painter, plot)
        self._draw_time_axis(painter, plot)
        painter.end()

    def plot_rect(self, line: float) -> QRectF:
        """Where the bars go: under a legend line, above the time axis and the cadence."""
        font = QFont(self.font())
        font.setPointSizeF(self.point_size)
        axis_w = QFontMetricsF(font).horizontalAdvance("100%") + 8
        return QRectF(axis_w, line * 2.2, self.width() - axis_w - 4, self.height() - line * 5.0)

    def _palette(self) -> tuple[QColor, QColor, bool]:
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        muted = muted if abs(muted.lightness() - text.lightness()) > 60 else text
        return text, muted, is_dark(pal)

    def _draw_legend(self, painter: QPainter, area: QRectF) -> None:
        """A swatch and a word for each bar colour, so colour is never the only key."""
        text, _muted, dark = self._palette()
        metrics = painter.fontMetrics()
        box = metrics.ascent() * 0.8
        x = area.left()
        for color, words in self.legend():
            swatch = QRectF(x, area.center().y() - box / 2, box, box)
            painter.fillRect(swatch, color)
            painter.setPen(text)
            label = QRectF(swatch.right() + 5, area.top(), metrics.horizontalAdvance(words) + 4,
                           area.height())  # fmt: skip
            painter.drawText(
                label, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, words
            )
            x = label.right() + box * 1.5

    def _draw_axis(self, painter: QPainter, plot: QRectF) -> None:
        """Grid lines at 0, half and the top, labelled in percent of the features."""
        _text, muted, _dark = self._palette()
        line = painter.fontMetrics().height()
        top = self.axis_top()
        painter.setPen(QPen(muted, 1))
        for value in (0.0, top / 2, top):
            y = plot.bottom() - value / top * plot.height()
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            label = QRectF(0, y - line / 2, plot.left() - 6, line)
            painter.drawText(
                label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{value:.0%}"
            )

    def bar_rects(self, plot: QRectF) -> list[QRectF]:
        """Where each window's bar is drawn (the latest on the right)."""
        h = self.history
        top = self.axis_top()
        slots = max(len(h.shares), 12)
        step = plot.width() / slots
        rects = []
        for i, share in enumerate(h.shares):
            height = max(3.0, min(share / top, 1.0) * plot.height())
            x = plot.left() + (slots - len(h.shares) + i) * step + step * 0.15
            rects.append(QRectF(x, plot.bottom() - height, step * 0.7, height))
        return rects

    def _draw_bars(self, painter: QPainter, plot: QRectF) -> None:
        h = self.history
        _text, _muted, dark = self._palette()
        for rect, share, drifted in zip(
            self.bar_rects(plot), h.shares, h.dataset_drift, strict=False
        ):
            light = "red" if drifted else "amber" if share > 0 else "green"
            painter.fillRect(rect, light_color(light, dark))
        self._draw_focus(painter)
        if not h.shares:
            painter.setPen(self._palette()[0])
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "no windows yet")

    def focus_rects(self, plot: QRectF) -> list[QRectF]:
        """The marked feature's part of each bar it drifted in (one feature's share of it)."""
        h, focus = self.history, self.history.focus()
        if focus is None:
            return []
        rects = []
        for rect, cols in zip(self.bar_rects(plot), h.drifted, strict=False):
            if focus in cols:
                height = max(4.0, rect.height() / max(1, len(cols)))
                rects.append(QRectF(rect.left(), rect.bottom() - height, rect.width(), height))
        return rects

    def _draw_focus(self, painter: QPainter) -> None:
        """The marked feature: its colour at the foot of its bars, its name over the latest."""
        plot = self.plot_rect(painter.fontMetrics().height())
        rects = self.focus_rects(plot)
        if not rects:
            return
        for rect in rects:
            painter.fillRect(rect, self.focus_color())
        latest = self.bar_rects(plot)[-1]
        font = QFont(painter.font())
        font.setBold(True)
        metrics = QFontMetricsF(font)  # bold: measured as drawn
        label = f"{self.history.focus()} ▼"
        width = metrics.horizontalAdvance(label) + 8
        x = min(latest.center().x() - width / 2, plot.right() - width)
        under = [r.top() for r in self.bar_rects(plot) if r.right() > x and r.left() < x + width]
        top = min(under, default=latest.top()) - metrics.height() - 2  # over, not on, the bars
        tag = QRectF(x, max(plot.top(), top), width, metrics.height())
        painter.save()
        painter.setFont(font)
        painter.fillRect(tag, self.palette().color(QPalette.ColorRole.Base))
        painter.setPen(self.focus_color())
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, label)
        painter.restore()

    def _draw_threshold(self, painter: QPainter, plot: QRectF) -> None:
        """The dataset-drift threshold: a dashed line labelled with its value."""
        h = self.history
        text, _muted, dark = self._palette()
        line = painter.fontMetrics().height()
        y = plot.bottom() - h.threshold / self.axis_top() * plot.height()
        painter.setPen(QPen(light_color("red", dark), 2, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        label = f"dataset drift at {h.threshold:.0%}"
        width = painter.fontMetrics().horizontalAdvance(label) + 10
        tag = QRectF(plot.right() - width, y - line - 1, width, line)
        painter.fillRect(tag, self.palette().color(QPalette.ColorRole.Base))
        painter.setPen(text)
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, label)

    def time_ticks(self) -> list[tuple[int, str]]:
        """(window index, label) of the time axis: the oldest, middle and latest window end."""
        ends = self.history.ends
        if not ends:
            return []
        now = time.time()
        picks = sorted({0, len(ends) // 2, len(ends) - 1})
        return [(i, local_time(ends[i], now=now)) for i in picks]

    def _draw_time_axis(self, painter: QPainter, plot: QRectF) -> None:
        """Window end times under their bars, and the cadence with the axis title."""
        text, muted, _dark = self._palette()
        metrics = painter.fontMetrics()
        line = metrics.height()
        rects = self.bar_rects(plot)
        painter.setPen(text)
        taken_until = -math.inf
        ticks = self.time_ticks() if len(rects) == len(self.history.ends) else []
        for index, label in ticks:
            width = metrics.horizontalAdvance(label) + 8
            x = min(max(rects[index].center().x() - width / 2, plot.left()), plot.right() - width)
            if x < taken_until:
                continue
            painter.drawText(
                QRectF(x, plot.bottom() + 3, width, line), Qt.AlignmentFlag.AlignCenter, label
            )
            taken_until = x + width + 6
        painter.setPen(muted)
        foot = QRectF(plot.left(), plot.bottom() + line * 1.3, plot.width(), line * 1.4)
        caption = f"window end (local time) · {cadence_text(self.history)}"
        painter.drawText(foot, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, caption)
