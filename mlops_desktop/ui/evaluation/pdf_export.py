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
PDF_SLICE_ROWS = 15  # the worst slices (flagged ones come first); the rest are in the JSON
ZWSP = "\u200b"  # a line-break opportunity: long column names break after "_", not mid-word

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


TABLE_TAG = '<table width="100%" cellspacing="0" cellpadding="3" border="1"'
BREAK = ' style="page-break-before: always"'


def _qt_html(summary: dict) -> tuple[str, dict[str, object]]:
    """The report's HTML as Qt's rich text wants it, and its chart images by resource name."""
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
        render_html(summary, chart, chart_grid=True, slice_rows=PDF_SLICE_ROWS),
    )
    html = re.sub(r"(?<=[A-Za-z0-9])_(?=[A-Za-z0-9])", "_" + ZWSP, html)
    html = html.replace("padding: 6px 10px;", "padding: 1px 3px;")  # cells: room for words
    html = html.replace(
        "margin: 36px 0 10px 0;", "margin: 16px 0 6px 0;"
    )  # h2: no half-empty pages
    for declaration in QT_UNSUPPORTED_CSS:  # Qt's table layout breaks words on these
        html = html.replace(declaration, "")
    # Qt sizes a table by its HTML width attribute, not CSS: full width, so cells do not wrap
    # every word into a column of syllables (which made the report nine pages long).
    html = html.replace('<table cellspacing="0" cellpadding="6" border="1"', TABLE_TAG)
    return html, images


def _document(html: str, images: dict[str, object]):
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    document = QTextDocument()
    for key, image in images.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(key), image)
    document.setHtml(html)
    return document


def report_document(summary: dict):
    """A QTextDocument holding the report, charts embedded as image resources."""
    ensure_gui_app()
    return _document(*_qt_html(summary))


def split_rows(document) -> list[tuple[int, int]]:
    """(table, row) of every bordered table row that a page break cuts in two, in order."""
    from PySide6.QtGui import QTextCursor

    layout, page = document.documentLayout(), document.pageSize().height()
    tables, cut = [], []
    block = document.begin()
    while block.isValid():
        table = QTextCursor(block).currentTable()
        if table is not None and table.format().border() > 0 and table not in tables:
            tables.append(table)
        block = block.next()
    for t, table in enumerate(tables):
        for r in range(table.rows()):
            top, bottom = [], []
            for c in range(table.columns()):
                cell = table.cellAt(r, c)
                first = layout.blockBoundingRect(cell.firstCursorPosition().block())
                last = layout.blockBoundingRect(cell.lastCursorPosition().block())
                top.append(first.top())
                bottom.append(last.bottom())
            if int(min(top) // page) != int((max(bottom) - 0.01) // page):
                cut.append((t, r))
    return cut


def _break_before(html: str, table: int, row: int) -> str:
    """``html`` with bordered table number ``table`` continued on a new page from ``row`` on
    (its header row repeated), so the page break cuts no row in two."""
    parts = html.split(TABLE_TAG)
    part = parts[table + 1]
    opening, _, after = part.partition(">")
    body, end, rest = after.partition("</table>")
    rows = ["<tr" + r for r in body.split("<tr")[1:]]
    if row == 0:  # the header: the whole table starts on the next page
        parts[table + 1] = f"{BREAK}{opening}>{body}{end}{rest}"
    else:
        head, before, after_rows = rows[0], "".join(rows[:row]), "".join(rows[row:])
        parts[table + 1] = (
            f"{opening}>{before}</table>{TABLE_TAG}{BREAK}>{head}{after_rows}{end}{rest}"
        )
    return TABLE_TAG.join(parts)


def paged_document(summary: dict, max_breaks: int = 40):
    """The report laid out on the PDF's pages (in points, so CSS pt are real points), with a
    page break before any table row that would otherwise be cut in two."""
    from PySide6.QtGui import QPageLayout

    ensure_gui_app()
    html, images = _qt_html(summary)
    size = page_layout().paintRect(QPageLayout.Unit.Point).size()
    for _ in range(max_breaks):
        document = _document(html, images)
        document.setPageSize(size)
        cut = split_rows(document)
        if not cut:
            break
        html = _break_before(html, *cut[0])
    return document


def page_layout():
    """A4 portrait with 12 mm margins: the page the PDF is printed on."""
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize

    return QPageLayout(
        QPageSize(QPageSize.A4),
        QPageLayout.Orientation.Portrait,
        QMarginsF(12, 12, 12, 12),
        QPageLayout.Unit.Millimeter,
    )


def report_pdf_bytes(summary: dict) -> bytes:
    """The report as PDF bytes (A4, portrait)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QPdfWriter

    document = paged_document(summary)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(f"Test report: {(summary.get('model') or {}).get('ref', '')}")
    writer.setCreator("MLOps Desktop")
    writer.setPageLayout(page_layout())
    writer.setResolution(300)
    document.print_(writer)
    del writer
    buffer.close()
    return bytes(data.data())
