"""At 1280 x 800 with an alert banner showing and the Jobs panel docked, the Monitor page keeps
its charts readable: a plot of a useful height, the banner on one line, three alert rows."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt

from mlops_desktop.monitoring.settings import MonitorSettings, save_settings
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.monitoring.page import MonitorPage
from tests.monitoring import conftest as monitoring
from tests.monitoring.conftest import MODEL, log_requests

credit = monitoring.credit
template_ws = monitoring.template_ws

SIZE = (1280, 800)
MIN_PLOT_PX = 160  # the data area of a chart (inside its axes), not the widget
ANNOUNCEMENT = (
    "New warning alert on credit: feature drift. credit_amount, duration_in_month drifted in "
    "each of the last 3 windows; compare them with training on the Drift tab."
)


def plot_height(chart) -> float:
    return chart.item.getViewBox().size().height()


def test_charts_stay_readable_with_a_banner_and_the_jobs_panel(
    qtbot, make_window, template_ws: Path, credit, tmp_path
):
    path = shutil.copytree(template_ws, tmp_path / "ws")
    with Workspace.open(path, create=False) as ws:
        save_settings(ws, MODEL, MonitorSettings(size=20, multivariate=False))
        log_requests(ws, credit.sample(120, random_state=3))
        rule = ws.alerts.add_rule(MODEL, "feature_drift", {}, user="tests")
        for n in range(5):
            ws.alerts.open(rule, "warning", f"Feature drift number {n}", {})
    window = make_window(path)
    window.resize(*SIZE)
    window.jobs_dock.set_show_earlier(True)
    qtbot.waitUntil(lambda: window.jobs_dock.view.isVisible(), timeout=5_000)
    window.resizeDocks([window.jobs_dock], [170], Qt.Orientation.Vertical)
    window.show_page("monitor")
    page: MonitorPage = window.page("monitor")
    qtbot.waitUntil(lambda: page.charts.currentWidget() is page.tabs, timeout=30_000)
    page.banner.announce(ANNOUNCEMENT)
    qtbot.waitUntil(lambda: page.alerts_panel.view.model().rowCount() >= 5, timeout=15_000)
    qtbot.wait(200)  # the layout settles

    assert window.jobs_dock.isVisible() and window.jobs_dock.height() >= 150
    assert page.banner.isVisible()
    line = page.banner.label.fontMetrics().height()
    assert page.banner.label.height() < 2 * line  # one line, the full text in its tooltip
    assert page.banner.label.toolTip() == ANNOUNCEMENT
    charts = {
        1: [page.heat_map],
        2: [page.prediction_chart],
        4: [page.requests_chart, page.latency_chart, page.error_chart],
        0: [page.drift_chart, page.share_chart],
    }
    for tab, shown in charts.items():
        page.tabs.setCurrentIndex(tab)
        qtbot.wait(100)
        for chart in shown:
            assert plot_height(chart) >= MIN_PLOT_PX, (type(chart).__name__, plot_height(chart))
    view = page.alerts_panel.view
    rows = [
        r
        for r in range(view.model().rowCount())
        if view.viewport().rect().contains(view.visualRect(view.model().index(r, 0)))
    ]
    assert len(rows) >= 3, rows
