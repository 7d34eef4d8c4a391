"""Nothing important is cut at 1280 x 800 on the demo workspace: the Train page's Notes, the
Explain tab's request ids and times, the Personal data tab's lists, and the heat map's feature
names (shortened in the middle to tell them apart, whole in a tooltip)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtWidgets import QStyle, QTableView

from mlops_desktop.ui.governance.explain_tab import ExplainTab
from mlops_desktop.ui.governance.personal_data_tab import PersonalDataTab
from mlops_desktop.ui.monitoring.plot import abbreviate
from mlops_desktop.ui.training.model import COL_MODEL, COL_NOTES
from tests.conftest import copy_workspace


def cut_cells(view: QTableView, columns: list[int] | None = None) -> list[str]:
    """The texts of the cells that do not fit their cell (elided, or more lines than shown)."""
    model, metrics = view.model(), view.fontMetrics()
    margin = 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
    flags = int(Qt.TextFlag.TextWordWrap) if view.wordWrap() else 0
    cut = []
    for row in range(model.rowCount()):
        for col in columns if columns is not None else range(model.columnCount()):
            index = model.index(row, col)
            text, rect = str(index.data() or ""), view.visualRect(index)
            room = rect.width() - margin
            needed = metrics.boundingRect(QRect(0, 0, room, 10_000), flags, text)
            if text and (needed.width() > room or needed.height() > rect.height()):
                cut.append(text)
    return cut


@pytest.fixture
def demo_window(make_window, demo_template, tmp_path, qtbot):
    window = make_window(copy_workspace(demo_template, tmp_path / "demo"))
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280, timeout=5_000)
    return window


@pytest.mark.slow
def test_train_notes_are_whole_and_the_model_name_yields(demo_window, qtbot):
    demo_window.show_page("train")
    table = demo_window.page("train").table
    qtbot.waitUntil(lambda: table.model().rowCount() == 3, timeout=10_000)
    qtbot.wait(50)
    notes = [table.model().index(r, COL_NOTES).data() for r in range(3)]
    assert sum("Registered as model" in n for n in notes) == 2
    assert cut_cells(table, [COL_NOTES]) == []
    for row in range(3):  # where the model's name is shortened its tooltip has it whole
        index = table.model().index(row, COL_MODEL)
        assert index.data(Qt.ItemDataRole.ToolTipRole) == index.data()


@pytest.mark.slow
def test_request_ids_and_personal_data_lists_are_whole(demo_window, qtbot):
    demo_window.show_page("govern")
    page = demo_window.page("govern")
    explain = page.show_tab(ExplainTab)
    qtbot.waitUntil(lambda: explain.recent_table.model().rowCount() > 0, timeout=20_000)
    qtbot.wait(50)
    assert cut_cells(explain.recent_table) == []
    personal = page.show_tab(PersonalDataTab)
    qtbot.waitUntil(lambda: personal.table.model().rowCount() > 0, timeout=20_000)
    qtbot.wait(50)
    assert cut_cells(personal.table) == []


@pytest.mark.slow
def test_heat_map_names_are_told_apart_and_whole_on_hover(demo_window, qtbot):
    demo_window.show_page("monitor")
    monitor = demo_window.page("monitor")
    heat = monitor.heat_map
    tabs = monitor.tabs  # each chart tab scrolls: the heat map sits inside its tab's page
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.widget(i).isAncestorOf(heat)))
    qtbot.waitUntil(lambda: len(heat.features) > 10, timeout=30_000)
    qtbot.wait(200)
    limit = heat.name_limit()
    labels = [label for _value, label in heat.getAxis("left")._tickLevels[0]]
    assert all(len(label) <= limit for label in labels)
    assert len(set(labels)) == len(labels)  # shortened names stay distinct
    long = max(heat.features, key=len)
    assert abbreviate(long, limit) in labels and abbreviate(long, limit) != long
    row = heat.features.index(long)
    box = heat.item.vb.sceneBoundingRect()
    y = heat.item.vb.mapViewToScene(QPointF(0, row)).y()
    heat._hover(QPointF(box.left() - 30, y))  # over the name, left of the cells
    assert heat.toolTip() == long


def test_abbreviate_keeps_first_and_last_words():
    name = "number_of_people_being_liable_to_provide_maintenance_for"
    assert abbreviate(name, 34) == "number_of_people…maintenance_for"
    assert abbreviate("age_in_years", 34) == "age_in_years"
    assert len(abbreviate("x" * 50, 20)) == 20
