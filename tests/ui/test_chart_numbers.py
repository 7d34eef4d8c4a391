"""Numbers on charts read well: no "(x0.001)" beside an axis label, whatever the data range."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from mlops_desktop.ui.monitoring.plot import TIME_LABEL, MonitorPlot


def test_window_axes_never_show_an_si_scale(qtbot):
    plot = MonitorPlot("Drift share", "share of features")
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    plot.apply_theme()
    plot.axis.set_times(np.array([1.7e9]))  # one window: the x range is about ±0.5
    plot.item.addItem(pg.ScatterPlotItem([0.0], [0.0004]))
    plot.item.setXRange(-0.0004, 0.0004)
    plot.item.setYRange(0.0, 0.0008)
    qtbot.wait(50)
    for side in ("bottom", "left"):
        label = plot.getAxis(side).labelString()
        assert "(x" not in label and "×" not in label, label
    assert TIME_LABEL in plot.getAxis("bottom").labelString()
