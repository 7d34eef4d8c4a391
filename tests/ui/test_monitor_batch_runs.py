"""A model watched only through nightly batch runs: the Monitor page shows its tabs (no "no
traffic yet" state) and the Traffic tab lists each run with its rows, drift and estimate."""

from __future__ import annotations

import shutil

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.batch import score
from mlops_desktop.ui.monitoring.page import MonitorPage
from tests.monitoring import conftest as monitoring
from tests.monitoring.conftest import MODEL, TARGET, shifted

credit = monitoring.credit
template_ws = monitoring.template_ws
TIMEOUT_MS = 60_000
TRAFFIC_TAB = 4


def test_batch_runs_are_listed_with_drift_and_estimate(
    make_window, qtbot, template_ws, credit, tmp_path
):
    from mlops_desktop.monitoring.reference import clear_cache

    clear_cache()
    path = tmp_path / "ws"
    shutil.copytree(template_ws, path)
    moved = shifted(credit.sample(600, random_state=2).reset_index(drop=True), "credit_amount", 3)
    file = tmp_path / "nightly.csv"
    moved.drop(columns=[TARGET]).to_csv(file, index=False)
    with Workspace.open(path, create=False) as ws:
        run = score(ws, f"{MODEL}@live", file, tmp_path / "nightly.out.csv")

    window = make_window(path)
    window.show_page("monitor")
    page: MonitorPage = window.page("monitor")
    qtbot.waitUntil(
        lambda: page.snapshot is not None and bool(page.snapshot.batch_runs), timeout=TIMEOUT_MS
    )
    assert page.charts.currentWidget() is page.tabs  # batch runs are traffic: no empty state
    page.tabs.setCurrentIndex(TRAFFIC_TAB)
    table = page.batch_runs.table
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=TIMEOUT_MS)
    assert page.batch_runs.isVisibleTo(page)
    cells = [table.item(0, c).text() for c in range(table.columnCount())]
    assert cells[1] == run.batch_id and cells[2] == "600"
    assert cells[3] == "5.0%"  # credit_amount, one feature in twenty, moved
    assert cells[4].startswith("ROC AUC ") and cells[4].endswith(", CBPE") and "–" in cells[4]
