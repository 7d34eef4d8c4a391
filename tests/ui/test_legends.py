"""Chart legends are never cut off: each legend lies inside its plot, at the Monitor page's
widths for 1280 x 800 and 1024 x 768 (entries wrap to more rows instead of running off); the
Train compare dialog's and the Test page's report charts put theirs under the plot the same way."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from PySide6.QtCore import QRect

from mlops_desktop.ui.monitoring.plot import MonitorPlot
from mlops_desktop.ui.training.views import KeyRole
from tests.conftest import copy_workspace

LONG = [
    "installment_rate_in_percentage_of_disposable_income",
    "number_of_people_being_liable_to_provide_maintenance_for",
    "status_of_existing_checking_account",
]


def legend_inside(plot: MonitorPlot) -> tuple[bool, QRect, QRect]:
    """Whether the legend's scene rectangle, and each of its labels, lie in the plot widget."""
    legend = plot.getPlotItem().legend
    box = plot.mapFromScene(legend.sceneBoundingRect()).boundingRect()
    inside = plot.rect().contains(box)
    for _sample, label in legend.items:
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


@pytest.mark.slow
def test_train_compare_legends_sit_under_their_plots_and_fit(
    qtbot, make_window, demo_template, tmp_path
):
    window = make_window(copy_workspace(demo_template, tmp_path / "demo"))
    window.resize(1280, 800)
    window.show_page("train")
    page = window.page("train")
    qtbot.waitUntil(lambda: page.table.model().rowCount() == 3, timeout=10_000)
    keys = [page.table.model().index(r, 0).data(KeyRole) for r in range(3)]
    page.select_key(keys[0])
    for key in keys[1:]:
        page.select_key(key, extend=True)
    page.compare_button.click()
    compare = page.compare_dialog
    qtbot.waitUntil(lambda: compare.curves is not None, timeout=120_000)
    qtbot.wait(300)
    for key, plot in compare.charts.items():
        legend = plot.getPlotItem().legend
        assert len(legend.items) == 4  # three runs and the chance / no-skill line
        inside, box, rect = legend_inside(plot)
        assert inside, (key, box, rect)
        view = plot.mapFromScene(plot.getPlotItem().vb.sceneBoundingRect()).boundingRect()
        assert box.top() >= view.bottom(), (key, box, view)  # under the plot: hides no curve
    compare.close()


def test_report_chart_legends_sit_under_the_plot_in_columns_that_fit():
    from mlops_desktop.evaluation.charts import HEIGHT, WIDTH, roc_chart

    curves = {name: {"roc": {"x": [0, 0.3, 1], "y": [0, 0.8, 1]}} for name in LONG}
    svg = roc_chart(curves, dict.fromkeys(LONG, 0.8))
    height = float(re.search(r'<svg width="\d+" height="(\d+)"', svg).group(1))
    entries = re.findall(
        r'<text x="([\d.]+)" y="([\d.]+)" font-size="15" fill="[^"]+">([^<]+)<', svg
    )
    legend = [(float(x), float(y), label) for x, y, label in entries if float(y) > HEIGHT - 20]
    assert len(legend) == 4 and height > HEIGHT
    assert all(label.endswith("(AUC 0.800)") for _x, _y, label in legend[1:])  # figures kept
    for x, y, label in legend:
        assert HEIGHT < y <= height  # under the plot and inside the picture
        assert x + len(html.unescape(label)) * 8.6 <= WIDTH, label  # it ends inside the width
