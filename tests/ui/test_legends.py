"""Chart legends are never cut off: each legend lies inside its plot, at the Monitor page's
widths for 1280 x 800 and 1024 x 768 (entries wrap to more rows instead of running off)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRect

from mlops_desktop.ui.monitoring.plot import MonitorPlot
from tests.conftest import copy_workspace

LONG = [
    "installment_rate_in_percentage_of_disposable_income",
    "number_of_people_being_liable_to_provide_maintenance_for",
    "status_of_existing_checking_account",
]


def legend_inside(plot: MonitorPlot) -> tuple[bool, QRect, QRect]:
    """Whether the legend's scene rectangle, and each of its labels, lie in the plot widget."""
    box = plot.mapFromScene(plot.legend.sceneBoundingRect()).boundingRect()
    inside = plot.rect().contains(box)
    for _sample, label in plot.legend.items:
        shown = plot.mapFromScene(label.sceneBoundingRect()).boundingRect()
        inside = inside and plot.rect().contains(shown)
    return inside, box, plot.rect()


@pytest.mark.parametrize("width", [380, 560, 900])
def test_a_drift_chart_legend_of_long_names_fits_its_plot(qtbot, width):
    from mlops_desktop.ui.monitoring.charts import DriftScoreChart

    chart = DriftScoreChart()
    qtbot.addWidget(chart)
    chart.resize(width, 340)
    chart.show()
    qtbot.waitExposed(chart)
    x = np.arange(5, dtype=float)
    chart.lines.show([(name, x, x * (i + 1)) for i, name in enumerate(LONG)])
    qtbot.wait(100)
    assert len(chart.legend.items) == 3
    inside, box, rect = legend_inside(chart)
    assert inside, (box, rect)


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)])
def test_monitor_page_legends_fit_on_the_demo(qtbot, make_window, demo_template, tmp_path, size):
    window = make_window(copy_workspace(demo_template, tmp_path / "demo"))
    window.resize(*size)
    window.show_page("monitor")
    monitor = window.page("monitor")
    chart = monitor.drift_chart
    qtbot.waitUntil(lambda: len(chart.legend.items) == 3, timeout=30_000)
    for tab in range(monitor.tabs.count()):
        monitor.tabs.setCurrentIndex(tab)
        qtbot.wait(300)
        for plot in monitor.findChildren(MonitorPlot):
            if plot.isVisible() and plot.legend is not None and plot.legend.items:
                inside, box, rect = legend_inside(plot)
                assert inside, (type(plot).__name__, box, rect)
