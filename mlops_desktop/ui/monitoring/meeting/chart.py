"""Meeting mode's drift chart: the share of drifted features per window, with the threshold.

Drawn with QPainter (a dozen bars need no plotting library): bars coloured like the traffic
light (no drift, some features drifted, dataset drift), a dashed threshold line labelled with
its value, a labelled percentage axis, and the window cadence underneath.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from mlops_desktop.ui.kit.theme import is_dark
from mlops_desktop.ui.monitoring.meeting.data import DriftHistory, cadence_text

#: (light palette, dark palette) fill of each traffic light.
LIGHT_COLORS = {
    "green": ("#188038", "#34a853"),
    "amber": ("#e8a000", "#fbbc04"),
    "red": ("#c5221f", "#ee4b3f"),
}


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
        self.setMinimumHeight(int(size * 7))
        self.update()

    def describe(self) -> str:
        h = self.history
        if not h.shares:
            return f"No drift windows yet; {cadence_text(h)}."
        return (
            f"{len(h.shares)} windows; latest {h.shares[-1]:.0%} of features drifted; "
            f"dataset drift from {h.threshold:.0%}."
        )

    def axis_top(self) -> float:
        """The axis maximum: room for the threshold and the tallest bar, in steps of 10 %."""
        h = self.history
        highest = max(h.threshold * 1.2, max(h.shares, default=0.0) * 1.1, 0.1)
        return min(1.0, math.ceil(highest * 10 - 1e-9) / 10)

    def sizeHint(self) -> QSize:
        return QSize(400, int(self.point_size * 11))

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        dark = is_dark(pal)
        font = QFont(self.font())
        font.setPointSizeF(self.point_size)
        painter.setFont(font)
        line = painter.fontMetrics().height()
        axis_w = painter.fontMetrics().horizontalAdvance("100%") + 8
        plot = QRectF(axis_w, line * 0.6, self.width() - axis_w - 4, self.height() - line * 2.2)
        h = self.history

        top = self.axis_top()
        painter.setPen(QPen(muted, 1))
        for value in (0.0, top / 2, top):
            y = plot.bottom() - value / top * plot.height()
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            label = QRectF(0, y - line / 2, axis_w - 6, line)
            painter.drawText(
                label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{value:.0%}"
            )
        slots = max(len(h.shares), 12)
        step = plot.width() / slots
        for i, (share, drifted) in enumerate(zip(h.shares, h.dataset_drift, strict=False)):
            light = "red" if drifted else "amber" if share > 0 else "green"
            height = max(3.0, min(share / top, 1.0) * plot.height())
            x = plot.left() + (slots - len(h.shares) + i) * step + step * 0.15
            painter.fillRect(
                QRectF(x, plot.bottom() - height, step * 0.7, height), light_color(light, dark)
            )
        y = plot.bottom() - h.threshold / top * plot.height()
        painter.setPen(QPen(light_color("red", dark), 2, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        label = f"dataset drift at {h.threshold:.0%}"
        width = painter.fontMetrics().horizontalAdvance(label) + 10
        tag = QRectF(plot.right() - width, y - line - 1, width, line)
        painter.fillRect(tag, pal.color(QPalette.ColorRole.Base))
        painter.setPen(text)
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, label)
        if not h.shares:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "no windows yet")
        painter.setPen(muted)
        foot = QRectF(plot.left(), plot.bottom() + 4, plot.width(), line * 1.4)
        painter.drawText(
            foot, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, cadence_text(h)
        )
        painter.end()
