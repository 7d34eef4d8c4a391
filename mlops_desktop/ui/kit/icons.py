"""The app icon (a packaged SVG/PNG) and line glyphs drawn in the palette's text colour.

Glyphs are drawn with QPainter on a 24 x 24 grid so they follow light and dark palettes and stay
sharp at any size and device pixel ratio.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from mlops_desktop.assets import resource_path

APP_ICON_FILES = ("icons/mlops-desktop.svg", "icons/mlops-desktop-256.png")


def app_icon() -> QIcon:
    """The application icon, loaded from the packaged resources (SVG and 256 px PNG)."""
    icon = QIcon()
    for name in APP_ICON_FILES:
        try:
            icon.addFile(str(resource_path(name)))
        except FileNotFoundError:
            continue
    return icon


def _data(p: QPainter) -> None:  # a database cylinder
    p.drawEllipse(QRectF(5, 3, 14, 5))
    path = QPainterPath()
    path.moveTo(5, 5.5)
    path.lineTo(5, 18.5)
    path.arcTo(QRectF(5, 16, 14, 5), 180, 180)
    path.lineTo(19, 5.5)
    p.drawPath(path)
    arc = QPainterPath()
    arc.moveTo(5, 12)
    arc.arcTo(QRectF(5, 9.5, 14, 5), 180, 180)
    p.drawPath(arc)


def _train(p: QPainter) -> None:  # a learning curve rising over axes
    p.drawPolyline([QPointF(4, 3), QPointF(4, 20), QPointF(21, 20)])
    p.drawPolyline([QPointF(7, 16), QPointF(11, 11), QPointF(14, 13), QPointF(19, 6)])
    p.drawEllipse(QPointF(19, 6), 1.2, 1.2)


def _test(p: QPainter) -> None:  # a clipboard with a check mark
    p.drawRoundedRect(QRectF(5, 4, 14, 17), 2, 2)
    p.drawRoundedRect(QRectF(9, 2.5, 6, 3), 1, 1)
    p.drawPolyline([QPointF(8.5, 13), QPointF(11, 15.5), QPointF(15.5, 10)])


def _deploy(p: QPainter) -> None:  # an arrow leaving a tray
    p.drawPolyline([QPointF(4, 14), QPointF(4, 20), QPointF(20, 20), QPointF(20, 14)])
    p.drawLine(QPointF(12, 16), QPointF(12, 3.5))
    p.drawPolyline([QPointF(7.5, 8), QPointF(12, 3.5), QPointF(16.5, 8)])


def _monitor(p: QPainter) -> None:  # a heartbeat on a screen
    p.drawRoundedRect(QRectF(3, 4, 18, 13), 2, 2)
    p.drawLine(QPointF(9, 21), QPointF(15, 21))
    p.drawPolyline(
        [
            QPointF(5.5, 11),
            QPointF(9, 11),
            QPointF(10.5, 7.5),
            QPointF(13, 14),
            QPointF(14.5, 11),
            QPointF(18.5, 11),
        ]
    )


def _govern(p: QPainter) -> None:  # a shield with a check mark
    path = QPainterPath()
    path.moveTo(12, 2.5)
    path.lineTo(19.5, 5.5)
    path.cubicTo(19.5, 13, 17, 18, 12, 21.5)
    path.cubicTo(7, 18, 4.5, 13, 4.5, 5.5)
    path.closeSubpath()
    p.drawPath(path)
    p.drawPolyline([QPointF(8.5, 12), QPointF(11, 14.5), QPointF(15.5, 9.5)])


def _jobs(p: QPainter) -> None:  # a stopwatch
    p.drawEllipse(QPointF(12, 13.5), 7.5, 7.5)
    p.drawLine(QPointF(12, 13.5), QPointF(12, 9))
    p.drawLine(QPointF(10, 2.5), QPointF(14, 2.5))
    p.drawLine(QPointF(12, 2.5), QPointF(12, 6))


GLYPHS: dict[str, Callable[[QPainter], None]] = {
    "data": _data,
    "train": _train,
    "test": _test,
    "deploy": _deploy,
    "monitor": _monitor,
    "govern": _govern,
    "jobs": _jobs,
}


def glyph_pixmap(
    name: str, color: QColor, size: int, dpr: float = 1.0, stroke: float = 1.7
) -> QPixmap:
    """Draw glyph ``name`` in ``color`` on a transparent ``size`` x ``size`` pixmap."""
    pixmap = QPixmap(int(size * dpr), int(size * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 24, size / 24)
    pen = QPen(color, stroke)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    GLYPHS[name](painter)
    painter.end()
    return pixmap


def glyph_icon(name: str, color: QColor, size: int = 24) -> QIcon:
    """A QIcon holding glyph ``name`` at 1x and 2x."""
    icon = QIcon()
    for dpr in (1.0, 2.0):
        icon.addPixmap(glyph_pixmap(name, color, size, dpr))
    return icon


def dot_pixmap(color: QColor, size: int = 10, dpr: float = 1.0) -> QPixmap:
    """A filled circle, used for job and service states."""
    pixmap = QPixmap(int(size * dpr), int(size * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    painter.end()
    return pixmap
