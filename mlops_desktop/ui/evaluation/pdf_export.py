"""Test reports as PDF, written by Qt's own PDF writer from the same HTML as the HTML report.

QTextDocument does not draw inline SVG, so each chart is rendered to a PNG with QSvgRenderer
and added to the document as an image resource. Works headless: without a display, an
offscreen QGuiApplication is created on first use.
"""

from __future__ import annotations

import os
import re
import sys

from mlops_desktop.evaluation.charts import standalone
from mlops_desktop.evaluation.html import QT_UNSUPPORTED_CSS, render_html

CHART_SCALE = 2.0  # render charts at twice their size so they stay sharp when printed
CHART_WIDTH_PT = 225  # width of a chart in points (two per row on A4)
PX_TO_PT = 0.42  # QTextDocument takes CSS px as device pixels; print sizes in points instead

_app = None


def ensure_gui_app():
    """The running Qt application, or a new one (offscreen when there is no display).

    A QApplication, not a bare QGuiApplication: a process that exports a PDF (the CLI, a test)
    may show widgets later, and widgets cannot live in a QGuiApplication.
    """
    global _app
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QGuiApplication.instance()
    if app is None:
        headless = sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        )
        if headless:
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app = app = QApplication(["mlops-desktop"])
    return app


def svg_to_image(svg: str, scale: float = CHART_SCALE):
    """Render an SVG chart to a QImage on white."""
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(standalone(svg).encode("utf-8")))
    if not renderer.isValid():
        raise ValueError("a report chart is not valid SVG")
    size = renderer.defaultSize()
    image = QImage(int(size.width() * scale), int(size.height() * scale), QImage.Format_RGB32)
    image.fill(Qt.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def report_document(summary: dict):
    """A QTextDocument holding the report, charts embedded as image resources."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    ensure_gui_app()
    images: dict[str, object] = {}

    def chart(name: str, svg: str) -> str:
        key = f"chart-{name}-{len(images)}.png"
        image = svg_to_image(svg)
        images[key] = image
        width = CHART_WIDTH_PT * (2 if name == "slices" else 1)
        height = int(width * image.height() / image.width())
        return f'<img src="{key}" width="{width}" height="{height}">'

    html = re.sub(
        r"font-size:\s*(\d+)px",
        lambda m: f"font-size: {round(int(m.group(1)) * PX_TO_PT)}pt",
        render_html(summary, chart, chart_grid=True),
    )
    for declaration in QT_UNSUPPORTED_CSS:  # Qt's table layout breaks words on these
        html = html.replace(declaration, "")
    html = html.replace('cellpadding="6"', 'cellpadding="3"')
    document = QTextDocument()
    for key, image in images.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(key), image)
    document.setHtml(html)
    return document


def report_pdf_bytes(summary: dict) -> bytes:
    """The report as PDF bytes (A4, portrait)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    document = report_document(summary)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(f"Test report: {(summary.get('model') or {}).get('ref', '')}")
    writer.setCreator("MLOps Desktop")
    writer.setPageSize(QPageSize(QPageSize.A4))
    writer.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout.Millimeter)
    writer.setResolution(300)
    # Lay the document out in points on the printable area, so CSS pt sizes are real points.
    document.setPageSize(writer.pageLayout().paintRect(QPageLayout.Point).size())
    document.print_(writer)
    del writer
    buffer.close()
    return bytes(data.data())
