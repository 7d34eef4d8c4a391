"""Govern › Explain a decision, with real clicks: pick a logged request, explain it, read its
contributions, reasons and personal data; an unknown id says so; no log yet shows what to do."""

from __future__ import annotations

from PySide6.QtCore import Qt

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.governance.explain_tab import ExplainTab
from tests.conftest import copy_workspace
from tests.decisions import credit_records, log_decision


def _govern_tab(make_window, path, qtbot):
    window = make_window(path)
    qtbot.mouseClick(window.rail.buttons["govern"], Qt.MouseButton.LeftButton)
    page = window.page("govern")
    tab = page.show_tab(ExplainTab)
    assert page.tabs.tabText(page.tabs.indexOf(tab)) == "Explain a decision"
    return tab


def _click_row(qtbot, table, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_picked_request_is_explained_off_the_gui_thread(
    make_window,
    qtbot,
    explained_template,
    tmp_path,
) -> None:
    path = copy_workspace(explained_template, tmp_path / "ws")
    with Workspace.open(path, create=False) as ws:
        older = log_decision(ws, "credit@1", credit_records(2, start=4))
        newest = log_decision(ws, "credit@2", credit_records(1, start=9))
    tab = _govern_tab(make_window, path, qtbot)
    qtbot.waitUntil(lambda: len(tab.recent_table.row_texts()) == 2, timeout=10_000)
    assert tab.recent_table.row_texts()[0][1:] == ["credit@2", newest]
    assert tab.split.isVisible() and not tab.empty.isVisible()

    _click_row(qtbot, tab.recent_table, 1)
    assert tab.id_field.text() == older
    qtbot.mouseClick(tab.explain_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.result is not None, timeout=15_000)
    assert tab.result.request_id == older
    assert "credit@1 (live)" in tab.headline.text() and "row 1 of 2" in tab.headline.text()
    lines = tab.reasons.text().splitlines()
    assert lines[0] == "Main reasons:" and len(lines) == 4
    assert lines[1].startswith("1. ") and "the log-odds of" in lines[1]
    texts = tab.table.row_texts()
    assert len(texts) == 20  # every input column of German credit
    personal = {row[0]: row[4] for row in texts if row[4]}
    assert personal["age_in_years"] == "age"
    assert "age_in_years (age)" in tab.personal.text()
    assert tab.row_box.isVisible() and tab.row_box.maximum() == 2
    tab.row_box.setValue(2)
    assert "row 2 of 2" in tab.headline.text()

    tab.id_field.setText("no-such-request")
    qtbot.mouseClick(tab.explain_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "No logged request" in tab.status.text(), timeout=10_000)
    assert tab.explain_button.isEnabled()


def test_without_logged_decisions_the_tab_says_what_to_do(
    make_window,
    qtbot,
    explained_template,
    tmp_path,
) -> None:
    path = copy_workspace(explained_template, tmp_path / "ws")
    tab = _govern_tab(make_window, path, qtbot)
    qtbot.waitUntil(lambda: not tab.tasks.busy(), timeout=10_000)
    assert tab.empty.isVisible() and not tab.split.isVisible()
    assert "mlops-desktop explain REQUEST_ID" in tab.empty.command.command()


def test_batch_rows_are_listed_and_explained_like_requests(
    make_window,
    qtbot,
    explained_template,
    tmp_path,
) -> None:
    import pandas as pd

    from mlops_desktop.serving.batch import score

    path = copy_workspace(explained_template, tmp_path / "ws")
    with Workspace.open(path, create=False) as ws:
        served = log_decision(ws, "credit@1", credit_records(1, start=4))
        source = ws.path / "in.csv"
        pd.DataFrame(credit_records(3, start=10)).to_csv(source, index=False)
        run = score(ws, "credit@2", source, ws.path / "out.csv")
    tab = _govern_tab(make_window, path, qtbot)
    qtbot.waitUntil(lambda: len(tab.recent_table.row_texts()) == 4, timeout=10_000)
    ids = [row[2] for row in tab.recent_table.row_texts()]
    assert ids == [f"{run.batch_id}-{n}" for n in (1, 2, 3)] + [served]
    assert tab.recent_table.row_texts()[1][1] == "credit@2"
    _click_row(qtbot, tab.recent_table, 1)
    assert tab.id_field.text() == f"{run.batch_id}-2"
    qtbot.mouseClick(tab.explain_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.result is not None, timeout=15_000)
    assert tab.result.request_id == f"{run.batch_id}-2"
    assert "credit@2 (batch)" in tab.headline.text() and len(tab.table.row_texts()) == 20
