"""Small drawings shared by the pages: severity colours and dots, and a cell painter for
histograms and top values.

Only stored aggregates are drawn (histogram counts or top-value counts from a profile), never
the data itself, so painting stays cheap however large the dataset is.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from mlops_desktop.ui.kit.theme import is_dark

#: Item data role holding a cell's bar counts (list of numbers) for ``BarsDelegate``.
BARS_ROLE = Qt.ItemDataRole.UserRole + 7
#: Item data role holding "hist" (contiguous bins) or "top" (separate categories).
BARS_KIND_ROLE = Qt.ItemDataRole.UserRole + 8

_SEVERITY_LIGHT = {"blocking": "#c62828", "warning": "#a65f00", "info": "#1f6fb2"}
_SEVERITY_DARK = {"blocking": "#ff6b6b", "warning": "#ffb74d", "info": "#64b5f6"}


def severity_color(severity: str, palette: QPalette) -> QColor:
    """Red for blocking, amber for warning, blue for info; readable on light and dark."""
    table = _SEVERITY_DARK if is_dark(palette) else _SEVERITY_LIGHT
    return QColor(table.get(severity, table["info"]))


def paint_bars(
    painter: QPainter, rect: QRectF, counts: list[float], color: QColor, gap: float = 1.0
) -> None:
    """Vertical bars for ``counts`` scaled to the tallest, filling ``rect`` from the bottom."""
    values = [max(0.0, float(c or 0)) for c in counts]
    top = max(values, default=0.0)
    if not values or top <= 0 or rect.width() < 2:
        return
    width = rect.width() / len(values)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    for i, value in enumerate(values):
        height = max(1.0, rect.height() * value / top) if value > 0 else 0.0
        bar = QRectF(
            rect.left() + i * width,
            rect.bottom() - height,
            max(1.0, width - (gap if width > 3 else 0.0)),
            height,
        )
        painter.drawRect(bar)
    painter.restore()


class BarsDelegate(QStyledItemDelegate):
    """Paints a cell's ``BARS_ROLE`` counts as a small bar chart (histogram or top values)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        counts = index.data(BARS_ROLE) or []
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Highlight
        color = QColor(opt.palette.color(role))
        if index.data(BARS_KIND_ROLE) == "top":
            color.setAlpha(170)
        rect = QRectF(opt.rect).adjusted(4, 4, -4, -4)
        gap = 2.0 if index.data(BARS_KIND_ROLE) == "top" else 0.5
        paint_bars(painter, rect, list(counts), color, gap)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(120, 26)


class SeverityDot(QWidget):
    """A small filled circle in a severity's colour (the report's group markers)."""

    def __init__(self, severity: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.severity = severity
        self.setFixedSize(12, 12)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(severity_color(self.severity, self.palette()))
        painter.drawEllipse(QRectF(1, 1, 10, 10))
