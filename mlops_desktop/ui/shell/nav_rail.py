"""The navigation rail: the loop's six steps, top to bottom, each with an optional badge."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QButtonGroup,
    QFrame,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.ui.kit.icons import glyph_pixmap

BADGE_COLOR = QColor("#d93025")
#: Focus reasons that come from the keyboard: only these draw the focus outline.
KEYBOARD_FOCUS = (
    Qt.FocusReason.TabFocusReason,
    Qt.FocusReason.BacktabFocusReason,
    Qt.FocusReason.ShortcutFocusReason,
)
RAIL_WIDTH = 84


class RailButton(QAbstractButton):
    """A checkable icon-over-label button drawn with the palette, with a count badge."""

    def __init__(self, name: str, text: str, glyph: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.glyph = glyph
        self.setText(text)
        self.setCheckable(True)
        # Tab reaches the rail; a click does not take the focus (nor draw an outline).
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        self._badge = 0
        self.keyboard_focus = False  # the outline shows only for focus from the keyboard

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.keyboard_focus = event.reason() in KEYBOARD_FOCUS
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.keyboard_focus = False
        super().focusOutEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        focused = QApplication.focusWidget()  # arrows move the focus along the rail
        if isinstance(focused, RailButton):
            focused.keyboard_focus = True
            focused.update()

    def focus_outlined(self) -> bool:
        """Whether the button draws its focus outline (keyboard focus only)."""
        return self.hasFocus() and self.keyboard_focus

    @property
    def badge(self) -> int:
        return self._badge

    def set_badge(self, count: int) -> None:
        self._badge = max(0, int(count))
        self.setAccessibleDescription(f"{self._badge} need attention" if self._badge else "")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(RAIL_WIDTH - 12, 62)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        rect = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        highlight = pal.color(QPalette.ColorRole.Highlight)
        self._paint_background(painter, rect, highlight)
        text_color = highlight if self.isChecked() else pal.color(QPalette.ColorRole.WindowText)
        if (
            self.isChecked()
            and highlight.lightness() < 110
            and pal.color(QPalette.ColorRole.Window).lightness() < 128
        ):
            text_color = highlight.lighter(150)
        icon_size = 26
        icon_x = (self.width() - icon_size) / 2
        pixmap = glyph_pixmap(self.glyph, text_color, icon_size, self.devicePixelRatioF())
        painter.drawPixmap(int(icon_x), 8, pixmap)

        font = self.font()
        font.setBold(self.isChecked())
        painter.setFont(font)
        painter.setPen(text_color)
        painter.drawText(
            QRectF(0, 8 + icon_size + 2, self.width(), self.height() - icon_size - 12),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            self.text(),
        )

        if self._badge:
            self._paint_badge(painter, icon_x + icon_size - 8)
        painter.end()

    def _paint_background(self, painter: QPainter, rect: QRectF, highlight: QColor) -> None:
        """Checked: a tinted card with a bar on the left; hovered or pressed: a faint card;
        focused from the keyboard: an outline."""
        pal = self.palette()
        if self.isChecked():
            fill = QColor(highlight)
            fill.setAlpha(48)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 8, 8)
            painter.setBrush(highlight)
            painter.drawRoundedRect(
                QRectF(rect.left(), rect.top() + 12, 3, rect.height() - 24), 1.5, 1.5
            )
        elif self.underMouse() or self.isDown():
            fill = QColor(pal.color(QPalette.ColorRole.WindowText))
            fill.setAlpha(22 if not self.isDown() else 36)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 8, 8)
        if self.focus_outlined():
            pen_color = QColor(highlight)
            painter.setPen(pen_color)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)

    def _paint_badge(self, painter: QPainter, left: float) -> None:
        """The "needs attention" count in a red pill at the icon's top right."""
        label = str(self._badge) if self._badge < 100 else "99+"
        small = self.font()
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.8))
        small.setBold(True)
        painter.setFont(small)
        width = max(18.0, painter.fontMetrics().horizontalAdvance(label) + 10.0)
        badge = QRectF(left, 4, width, 18)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BADGE_COLOR)
        painter.drawRoundedRect(badge, 9, 9)
        painter.setPen(QColor("white"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)


class NavigationRail(QFrame):
    """Vertical list of RailButtons; exactly one is checked. Emits ``page_selected(name)``."""

    page_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("navigationRail")
        self.setFixedWidth(RAIL_WIDTH)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Window)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 10, 6, 10)
        self._layout.setSpacing(4)
        self._layout.addStretch(1)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: dict[str, RailButton] = {}

    def add_page(self, name: str, text: str, glyph: str, tooltip: str = "") -> RailButton:
        button = RailButton(name, text, glyph)
        button.setToolTip(tooltip or text)
        button.setAccessibleName(text)
        self._group.addButton(button)
        self._layout.insertWidget(self._layout.count() - 1, button)
        self.buttons[name] = button
        button.clicked.connect(lambda _checked=False, n=name: self.page_selected.emit(n))
        return button

    def select(self, name: str) -> None:
        """Check ``name``'s button without emitting ``page_selected``.

        A rail button that has the focus hands it to the checked one (without an outline), so
        the focus never reads as a second selection."""
        button = self.buttons[name]
        button.setChecked(True)
        focused = QApplication.focusWidget()
        if isinstance(focused, RailButton) and focused is not button and focused.parent() is self:
            button.setFocus(Qt.FocusReason.OtherFocusReason)

    def current(self) -> str | None:
        button = self._group.checkedButton()
        return button.name if isinstance(button, RailButton) else None

    def set_badge(self, name: str, count: int) -> None:
        self.buttons[name].set_badge(count)

    def badge(self, name: str) -> int:
        return self.buttons[name].badge
