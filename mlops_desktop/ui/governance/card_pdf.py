"""Model cards as PDF: Qt's PDF writer prints the card's own HTML (``governance.card``), as
the test report's PDF is printed from its HTML. Works headless (an offscreen app on first use).
"""

from __future__ import annotations

import os
import re
import sys

PX_TO_PT = 0.42  # QTextDocument takes CSS px as device pixels; print sizes in points instead
TABLE_TAG = '<table width="100%" cellspacing="0" cellpadding="3" border="1"'


def _ensure_app():
    """The running Qt application, or a new offscreen one when there is no display."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QGuiApplication.instance()
    if app is None:
        if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        ):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(["mlops-desktop"])
        _ensure_app.app = app  # keep it alive
    return app


def qt_html(html: str) -> str:
    """The card's HTML as Qt's rich text wants it: sizes in points, full-width tables."""
    html = re.sub(
        r"font-size:\s*(\d+)px",
        lambda m: f"font-size: {round(int(m.group(1)) * PX_TO_PT)}pt",
        html,
    )
    html = html.replace("padding: 6px 10px;", "padding: 1px 3px;")
    html = html.replace("margin: 36px 0 10px 0;", "margin: 16px 0 6px 0;")
    return html.replace('<table cellspacing="0" cellpadding="6" border="1"', TABLE_TAG)


def card_pdf_bytes(html: str, title: str) -> bytes:
    """``html`` printed as an A4 PDF (12 mm margins)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    _ensure_app()
    layout = QPageLayout(
        QPageSize(QPageSize.A4),
        QPageLayout.Orientation.Portrait,
        QMarginsF(12, 12, 12, 12),
        QPageLayout.Unit.Millimeter,
    )
    document = QTextDocument()
    document.setHtml(qt_html(html))
    document.setPageSize(layout.paintRect(QPageLayout.Unit.Point).size())
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("MLOps Desktop")
    writer.setPageLayout(layout)
    writer.setResolution(300)
    document.print_(writer)
    del writer
    buffer.close()
    return bytes(data.data())
