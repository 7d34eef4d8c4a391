"""Light and dark palettes on Qt's Fusion style, following the OS unless forced.

The OS colour scheme comes from ``QStyleHints.colorScheme()`` (Qt 6.5+). ``MLOPS_DESKTOP_THEME``
set to ``light`` or ``dark`` forces one, which screenshots need because offscreen and Xvfb have
no OS setting.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

THEME_ENV = "MLOPS_DESKTOP_THEME"

Role = QPalette.ColorRole
Group = QPalette.ColorGroup


def forced_theme() -> str | None:
    """``"light"`` or ``"dark"`` when the environment forces a theme, else None."""
    value = os.environ.get(THEME_ENV, "").strip().lower()
    return value if value in ("light", "dark") else None


def dark_palette() -> QPalette:
    """A standard dark palette for Fusion: neutral greys, blue highlight, readable links."""
    p = QPalette()
    colors = {
        Role.Window: "#2b2d30",
        Role.WindowText: "#e8e8e8",
        Role.Base: "#1f2023",
        Role.AlternateBase: "#26282b",
        Role.ToolTipBase: "#3a3d41",
        Role.ToolTipText: "#f0f0f0",
        Role.PlaceholderText: "#8c8f94",
        Role.Text: "#e8e8e8",
        Role.Button: "#35373b",
        Role.ButtonText: "#e8e8e8",
        Role.BrightText: "#ff6b6b",
        Role.Light: "#4a4d52",
        Role.Midlight: "#3d4044",
        Role.Mid: "#2a2c2f",
        Role.Dark: "#1b1c1e",
        Role.Shadow: "#0c0c0d",
        Role.Highlight: "#3b7dd8",
        Role.HighlightedText: "#ffffff",
        Role.Link: "#7ab0ff",
        Role.LinkVisited: "#b59cff",
        Role.Accent: "#3b7dd8",
    }
    for role, color in colors.items():
        p.setColor(role, QColor(color))
    disabled = {
        Role.WindowText: "#7d8086",
        Role.Text: "#7d8086",
        Role.ButtonText: "#7d8086",
        Role.Highlight: "#4a4d52",
        Role.HighlightedText: "#b0b0b0",
    }
    for role, color in disabled.items():
        p.setColor(Group.Disabled, role, QColor(color))
    return p


def light_palette() -> QPalette:
    """Fusion's own light palette."""
    style = QApplication.style()
    return style.standardPalette() if style is not None else QPalette()


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the palette's window colour is dark (works whatever set the palette)."""
    palette = palette or QGuiApplication.palette()
    return palette.color(Role.Window).lightness() < 128


class AppStyle(QProxyStyle):
    """Fusion, with check box and radio indicators outlined in a visible colour on a dark
    palette (Fusion draws them darker than the window: an unticked box all but disappears)."""

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(  # noqa: N802 - Qt override
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        indicators = (
            QStyle.PrimitiveElement.PE_IndicatorCheckBox,
            QStyle.PrimitiveElement.PE_IndicatorRadioButton,
        )
        if element not in indicators or not is_dark(option.palette):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        enabled = bool(option.state & QStyle.StateFlag.State_Enabled)
        painter.setPen(QColor("#9a9ea5" if enabled else "#5c5f64"))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        rect = option.rect.adjusted(0, 0, -1, -1)
        if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            painter.drawEllipse(rect)
        else:
            painter.drawRect(rect)
        painter.restore()


class ThemeManager(QObject):
    """Applies the palette at start and whenever the OS colour scheme changes.

    ``changed(dark: bool)`` lets charts (pyqtgraph) pick matching colours.
    """

    changed = Signal(bool)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        hints = app.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self._on_scheme_changed)

    def os_scheme(self) -> str:
        """``"dark"``, ``"light"`` or ``"unknown"`` as the OS reports it."""
        scheme = self._app.styleHints().colorScheme()
        if scheme == Qt.ColorScheme.Dark:
            return "dark"
        if scheme == Qt.ColorScheme.Light:
            return "light"
        return "unknown"

    def wanted(self) -> str:
        """The theme to show: forced by the environment, else the OS's, else light."""
        forced = forced_theme()
        if forced:
            return forced
        return "dark" if self.os_scheme() == "dark" else "light"

    def apply(self) -> bool:
        """Set the palette for the wanted theme; return True when it is dark."""
        if not isinstance(self._app.style(), AppStyle):
            self._app.setStyle(AppStyle())
        want_dark = self.wanted() == "dark"
        if forced_theme():
            self._app.setPalette(dark_palette() if want_dark else light_palette())
        else:
            # Follow the platform's palette; only fill in when it does not match the scheme
            # (some Linux desktops report dark but hand Qt a light palette).
            self._app.setPalette(QPalette())
            if want_dark and not is_dark(self._app.palette()):
                self._app.setPalette(dark_palette())
            elif not want_dark and is_dark(self._app.palette()):
                self._app.setPalette(light_palette())
        dark = is_dark(self._app.palette())
        self.changed.emit(dark)
        return dark

    def _on_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if not forced_theme():
            self.apply()


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
