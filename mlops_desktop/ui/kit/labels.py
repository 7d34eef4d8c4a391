"""Labels every page uses: fonts scaled from the user's base size, the secondary ("muted") text
colour, muted notes and bold section headings."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QLabel, QWidget


def scaled_font(widget: QWidget, factor: float, bold: bool = False) -> QFont:
    """The widget's font scaled by ``factor`` (respects the user's base font size)."""
    font = QFont(widget.font())
    size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
    font.setPointSizeF(size * factor)
    font.setBold(bold)
    return font


def muted_color(widget: QWidget) -> QColor:
    """A secondary text colour that reads well in light and dark palettes."""
    return widget.palette().color(QPalette.ColorRole.PlaceholderText)


def mute(widget: QWidget, source: QWidget | None = None) -> QWidget:
    """Draw ``widget``'s text in the muted colour (of ``source``'s palette, else its own)."""
    pal = widget.palette()
    pal.setColor(widget.foregroundRole(), muted_color(source or widget))
    widget.setPalette(pal)
    return widget


def muted_label(text: str = "", *, wrap: bool = True, selectable: bool = False) -> QLabel:
    """A label in the muted colour: notes, hints and captions under the main content."""
    label = QLabel(text)
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    mute(label)
    return label


def section_label(text: str, widget: QWidget) -> QLabel:
    """A bold heading over a section of a page, sized from ``widget``'s font."""
    label = QLabel(text)
    label.setFont(scaled_font(widget, 1.15, bold=True))
    return label
