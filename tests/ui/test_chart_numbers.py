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


def test_cv_mean_and_std_are_never_cut_off_at_1024_by_768(make_window, tmp_path, qtbot):
    from mlops_desktop.registry.workspace import Workspace

    path = tmp_path / "ws"
    with Workspace.open(path) as ws:
        ws.db.execute(
            "INSERT INTO dataset_versions (name, number, content_hash, artifact_hash, rows,"
            " columns, created_at, created_by) VALUES ('credit', 1, 'h', 'a', 1000, 21, 0, 'me')"
        )
        run = ws.runs.create(1, "hgb", config={"task": "binary"}, seed=0)
        cv = {"mean": 0.7765, "std": 0.02345}
        metrics = {
            "holdout": {"roc_auc": 0.781, "accuracy": 0.751, "f1": 0.831, "log_loss": 0.512},
            "baseline": {"roc_auc": 0.5, "accuracy": 0.7, "f1": 0.82, "log_loss": 0.61},
            "cv": {k: cv for k in ("roc_auc", "accuracy", "f1", "log_loss")},
        }
        ws.runs.finish(run.id, "succeeded", metrics=metrics)
    window = make_window(path)
    window.resize(1024, 768)
    window.show_page("train")
    page = window.page("train")
    qtbot.waitUntil(lambda: page.select_key(run.id), timeout=5000)
    table = page.details.metrics_table
    qtbot.waitUntil(lambda: table.rowCount() == 4, timeout=5000)
    qtbot.wait(50)
    text = table.item(0, 3).text()
    assert text == "0.776 ± 0.023"
    right = table.columnViewportPosition(3) + table.columnWidth(3)
    assert right <= table.viewport().width(), (right, table.viewport().width())
    assert table.columnWidth(3) >= table.fontMetrics().horizontalAdvance(text)
