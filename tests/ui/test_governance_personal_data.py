"""The Govern page's Personal data tab on a real tested German credit workspace: rows read off
the GUI thread, a purpose edited through its dialog (reason required), the model card and the
Art. 30 record exported as jobs, all by real clicks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog

from mlops_desktop.governance.personal_data import mark
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.governance.personal_data_tab import PersonalDataTab
from tests.conftest import copy_workspace

TIMEOUT_MS = 120_000


@pytest.fixture
def ws_path(tested_credit, tmp_path) -> Path:
    path = copy_workspace(tested_credit, tmp_path / "ws")
    with Workspace.open(path, create=False) as ws:
        mark(ws, "credit@1", "foreign_worker", personal=True, special="race", reason="DPO view")
    return path


def click_row(qtbot, table, kind: str, ref: str) -> None:
    row = next(i for i, t in enumerate(table.row_texts()) if t[0] == kind and t[1] == ref)
    index = table.model().index(row, 1)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )


def click_column(qtbot, table, column: str) -> None:
    row = next(i for i, t in enumerate(table.row_texts()) if t[0] == column)
    index = table.model().index(row, 0)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )


def save_dialog_returns(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )


def open_tab(make_window, ws_path: Path, qtbot) -> tuple[object, PersonalDataTab]:
    window = make_window(ws_path)
    window.show_page("govern")
    page = window.page("govern")
    assert not page.showing_empty_state()
    tab = next(t for t in page.tab_widgets if isinstance(t, PersonalDataTab))
    assert page.tabs.tabText(page.tabs.indexOf(tab)) == "Personal data"
    qtbot.waitUntil(lambda: tab.loads >= 1 and bool(tab.table.row_texts()), timeout=TIMEOUT_MS)
    return window, tab


def test_personal_data_tab_edits_purpose_and_exports(
    make_window, ws_path, qtbot, monkeypatch, tmp_path
):
    window, tab = open_tab(make_window, ws_path, qtbot)
    rows = {(t[0], t[1]): t for t in tab.table.row_texts()}
    assert set(rows) == {("dataset", "credit@1"), ("model", "credit@1")}
    assert rows[("dataset", "credit@1")][5] == "foreign_worker"  # the Art. 9 column, in red
    assert [r.flagged for r in tab.overview.rows] == [True, True]
    assert not tab.card_button.isEnabled() and not tab.purpose_button.isEnabled()

    click_row(qtbot, tab.table, "dataset", "credit@1")
    details = {t[0]: t for t in tab.columns.row_texts()}
    assert details["foreign_worker"][3] == "racial or ethnic origin"
    assert details["age_in_years"][5].startswith("suggested")
    qtbot.mouseClick(tab.purpose_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.purpose, "Decide on consumer credit applications")
    dialog.basis.setCurrentIndex(dialog.basis.findData("contract"))
    assert not dialog.ok_button().isEnabled()  # a reason is required
    qtbot.keyClicks(dialog.reason, "agreed with the DPO")
    assert dialog.ok_button().isEnabled()
    qtbot.mouseClick(dialog.ok_button(), Qt.MouseButton.LeftButton)
    # A read that started before the save may land first: wait for the one that sees it.
    qtbot.waitUntil(
        lambda: tab.overview.row("credit@1", "dataset").purpose != "not recorded",
        timeout=TIMEOUT_MS,
    )
    row = tab.overview.row("credit@1", "dataset")
    assert row.purpose == "Decide on consumer credit applications"
    assert "6(1)(b)" in row.legal_basis
    with Workspace.open(ws_path, create=False) as ws:
        assert ws.personal_data.current_purpose("credit").reason == "agreed with the DPO"

    # Confirm a column: telephone is not personal data, with a reason.
    assert not tab.column_button.isEnabled()
    click_column(qtbot, tab.columns, "telephone")
    assert tab.column_button.isEnabled()
    qtbot.mouseClick(tab.column_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert dialog.personal.isChecked() and not dialog.ok_button().isEnabled()
    box = dialog.personal  # click its indicator (a wide row's centre is past the text)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert not box.isChecked()
    assert not dialog.special.isEnabled()
    qtbot.keyClicks(dialog.reason, "a yes/no flag only")
    qtbot.mouseClick(dialog.ok_button(), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "telephone" not in tab.overview.row("credit@1", "model").personal,
        timeout=TIMEOUT_MS,
    )
    details = {t[0]: t for t in tab.columns.row_texts()}
    assert details["telephone"][2] == "no" and "a yes/no flag only" in details["telephone"][5]
    assert "telephone" not in tab.overview.row("credit@1", "model").personal

    click_row(qtbot, tab.table, "model", "credit@1")
    assert tab.card_button.isEnabled()
    assert any("permutation importance" in line for line in tab.hints.text().splitlines())
    save_dialog_returns(monkeypatch, tmp_path / "card")  # the suffix is added when left out
    qtbot.mouseClick(tab.card_button, Qt.MouseButton.LeftButton)
    save_dialog_returns(monkeypatch, tmp_path / "record.csv")
    qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: all(window.model.job(j).finished for j in tab.jobs), timeout=TIMEOUT_MS)
    assert [window.model.job(j).status for j in tab.jobs] == ["succeeded", "succeeded"]
    card = (tmp_path / "card.html").read_text(encoding="utf-8")
    assert "Decide on consumer credit applications" in card and "7. Change history" in card
    assert "foreign_worker" in (tmp_path / "record.csv").read_text(encoding="utf-8")
    # The job's end reaches the tab after the registry says so; a refresh then keeps the notice.
    qtbot.waitUntil(lambda: tab.status.text().startswith("Saved "), timeout=TIMEOUT_MS)
    loads = tab.loads
    tab.refresh(window.model)
    qtbot.waitUntil(lambda: tab.loads > loads, timeout=TIMEOUT_MS)
    assert tab.status.text().startswith("Saved ") and "Personal-data columns" in tab.status.text()
