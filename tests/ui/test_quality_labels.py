"""The Monitor Quality chart's line labels (test report, gate) cover neither the realized curve
nor each other, at the Monitor page's widths."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QRectF

from mlops_desktop.monitoring.realized import RealizedSeries
from mlops_desktop.ui.monitoring.line_labels import curve_points
from mlops_desktop.ui.monitoring.quality import QualityChart


def zigzag(n: int) -> np.ndarray:
    """A curve that crosses the test report's line and dips to the gate's, as the demo's."""
    return 0.79 + 0.09 * np.sin(np.arange(n) * 1.3) - 0.06 * (np.arange(n) % 5 == 2)


def series(values: np.ndarray) -> RealizedSeries:
    n = len(values)
    return RealizedSeries(
        model="credit",
        task="binary",
        primary_metric="roc_auc",
        ids=np.arange(n),
        end=time.time() - 3600 * np.arange(n)[::-1],
        n_labelled=np.full(n, 50),
        values={"roc_auc": values},
        reference={"roc_auc": {"value": 0.788, "ci_low": 0.715, "ci_high": 0.85}},
        gate={"roc_auc": {"op": ">=", "threshold": 0.7}},
        total_labelled=50 * n,
    )


@pytest.mark.parametrize("width, n", [(1140, 20), (700, 12), (1140, 30)])
def test_line_labels_cover_no_point_of_the_curve(qtbot, width, n):
    chart = QualityChart()
    qtbot.addWidget(chart)
    chart.resize(width, 340)
    chart.show()
    qtbot.waitExposed(chart)
    values = zigzag(n)
    chart.update_series(series(values), "roc_auc")
    qtbot.wait(150)  # the chart lays out its range, then places the labels
    view = chart.item.vb
    points = curve_points(view, np.arange(n, dtype=float), values)
    boxes = []
    for line in (chart.reference, chart.gate):
        assert line.isVisible() and line.label.format
        box: QRectF = line.label.sceneBoundingRect()
        assert view.sceneBoundingRect().contains(box), (box, view.sceneBoundingRect())
        inside = [
            (x, y) for x, y in points if box.adjusted(-2, -2, 2, 2).contains(float(x), float(y))
        ]
        assert not inside, (line.label.format, box, inside[:3])
        boxes.append(box)
    assert not boxes[0].intersects(boxes[1])
