"""The PDF report: the HTML's metric order, no table row split across pages, few pages."""

from __future__ import annotations

import json

from mlops_desktop.evaluation.html import render_html
from tests.evaluation.test_report_html import report  # noqa: F401 (the module's fixture)


def _stored(summary: dict) -> dict:
    """The summary as the registry stores it (JSON with sorted keys) and the PDF export reads it."""
    return json.loads(json.dumps(summary, sort_keys=True, default=str))


def _row_spans(document) -> list[tuple[int, int, str]]:
    """(first page, last page, text) of every table row of a laid-out paged document."""
    from PySide6.QtGui import QTextCursor

    layout = document.documentLayout()
    page = document.pageSize().height()
    seen, spans = set(), []
    block = document.begin()
    while block.isValid():
        table = QTextCursor(block).currentTable()
        bordered = table is not None and table.format().border() > 0  # not the chart grid
        if bordered and id(table) not in seen and table.rows() > 0:
            seen.add(id(table))
            for r in range(table.rows()):
                tops, bottoms, text = [], [], []
                for c in range(table.columns()):
                    cell = table.cellAt(r, c)
                    first = cell.firstCursorPosition().block()
                    last = cell.lastCursorPosition().block()
                    b = first
                    while b.isValid():
                        rect = layout.blockBoundingRect(b)
                        tops.append(rect.top())
                        bottoms.append(rect.bottom())
                        text.append(b.text())
                        if b == last:
                            break
                        b = b.next()
                if tops:
                    spans.append(
                        (
                            int(min(tops) // page),
                            int((max(bottoms) - 0.01) // page),
                            " | ".join(text),
                        )
                    )
        block = block.next()
    return spans


def test_pdf_keeps_the_html_metric_order_and_never_splits_a_row(report):  # noqa: F811
    from mlops_desktop.ui.evaluation.pdf_export import paged_document

    stored = _stored(report)
    order = [m for m in report["metrics"]]
    html = render_html(stored)
    positions = [html.index(f">{label}") for label in _labels(order)]
    assert positions == sorted(positions), "the stored summary must read in the HTML's order"

    document = paged_document(stored)
    spans = _row_spans(document)
    assert spans, "the report has tables"
    split = [text for first, last, text in spans if first != last]
    assert split == []
    assert document.pageCount() <= 7  # was 9 A4 pages, most of them words wrapped a syllable wide


def _labels(order: list[str]) -> list[str]:
    from mlops_desktop.training.metric_names import METRIC_LABELS

    return [METRIC_LABELS.get(m, m) for m in order]
