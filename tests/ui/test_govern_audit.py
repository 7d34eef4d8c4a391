"""Govern ▸ Audit trail with real clicks: filters, bulk events summarised, verify (intact, then
tampered), export, and the model versions trained on erased data (#14)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.governance.audit_tab import AuditTrailTab
from tests.conftest import copy_workspace

TIMEOUT_MS = 20_000


def _events(path: Path) -> None:
    """Real German credit imported (its dataset.create event), bulk outcome events and bob's."""
    with Workspace.open(path, create=False) as ws:
        for _ in range(12):
            ws.audit.record("outcomes.record", "model", "credit", {"stored": 10})
        ws.audit.record("gate.set", "model", "credit", {"reason": "agreed"}, user="bob")


def _open(qtbot, make_window, path: Path) -> AuditTrailTab:
    window = make_window(path)
    window.show_page("govern")
    tab = window.page("govern").show_tab(AuditTrailTab)
    assert isinstance(tab, AuditTrailTab) and tab.title == "Audit trail"
    qtbot.waitUntil(lambda: tab.reads >= 1, timeout=TIMEOUT_MS)
    return tab


def _read(qtbot, tab: AuditTrailTab, click) -> list[list[str]]:
    before = tab.reads
    click()
    qtbot.waitUntil(lambda: tab.reads > before, timeout=TIMEOUT_MS)
    return tab.table.row_texts()


def test_filters_summaries_verify_and_export(qtbot, make_window, imported_credit, tmp_path):
    path = copy_workspace(imported_credit, tmp_path / "ws")
    _events(path)
    tab = _open(qtbot, make_window, path)
    rows = tab.table.row_texts()
    texts = [r[4] for r in rows]
    assert any(t.startswith("12 outcome events on ") for t in texts)
    assert "gate.set credit: agreed" in texts and any(r[2] == "dataset.create" for r in rows)

    tab.who.setEditText("bob")
    rows = _read(qtbot, tab, lambda: qtbot.mouseClick(tab.apply_button, Qt.MouseButton.LeftButton))
    assert [r[1] for r in rows] == ["bob"]
    tab.who.setEditText("")
    tab.action.setEditText("outcomes")
    rows = _read(qtbot, tab, lambda: qtbot.mouseClick(tab.every, Qt.MouseButton.LeftButton))
    assert len(rows) == 12 and {r[2] for r in rows} == {"outcomes.record"}
    tab.action.setEditText("")
    tab.since.setText("2100-01-01")
    rows = _read(qtbot, tab, lambda: qtbot.mouseClick(tab.apply_button, Qt.MouseButton.LeftButton))
    assert rows == [] and tab.status.text() == "No audit event matches these filters."
    tab.since.setText("someday")
    qtbot.mouseClick(tab.apply_button, Qt.MouseButton.LeftButton)
    assert "is not a date" in tab.status.text()
    tab.since.setText("")

    qtbot.mouseClick(tab.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.status.text().startswith("Verified"), timeout=TIMEOUT_MS)
    assert tab.status.text().endswith("events, chain intact")
    with sqlite3.connect(path / "registry.db") as db:
        db.execute("UPDATE audit_events SET os_user = 'mallory' WHERE action = 'gate.set'")
        bad = db.execute("SELECT id FROM audit_events WHERE action = 'gate.set'").fetchone()[0]
    qtbot.mouseClick(tab.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.status.text().startswith("Broken"), timeout=TIMEOUT_MS)
    assert f"event #{bad} (gate.set credit" in tab.status.text()

    target = tmp_path / "trail.jsonl"
    original = QFileDialog.getSaveFileName
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(target), ""))
    try:
        qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    finally:
        QFileDialog.getSaveFileName = original
    qtbot.waitUntil(lambda: tab.status.text().startswith("Wrote"), timeout=TIMEOUT_MS)
    assert len(target.read_text(encoding="utf-8").splitlines()) == 14
