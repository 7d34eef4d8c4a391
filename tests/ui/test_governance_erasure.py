"""Govern ▸ Erasure with real clicks on a real workspace (Adult census rows with a person id):
the dry run counts per place, Erase stays disabled until a dry run for the same key and value,
the confirmed erasure removes the person's rows everywhere without storing the value in any job
or file, and one click on Retrain starts the retrain job on the rewritten version (#14)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.governance.erasure_tab import ErasureTab
from tests.conftest import copy_workspace
from tests.governance.erasure_world import (
    KEY,
    NEIGHBOUR,
    PERSON,
    _import,
    _request,
    _train,
    adult_with_ids,
    files_holding,
)

TIMEOUT_MS = 120_000
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(scope="module")
def template(tmp_path_factory, data_dir) -> Path:
    """adult@1 (1,200 rows, the person among them), model adult@1 trained on it, and one logged
    request holding the person's row."""
    folder = tmp_path_factory.mktemp("erasure-tab")
    frame = adult_with_ids(data_dir, 1200)
    with Workspace.open(folder / "ws") as ws:
        _import(ws, frame, folder, "1")
        assert _train(ws, "adult@1") == "adult@1"
        version = ws.models.get("adult@1")
        request = _request(frame, [PERSON, NEIGHBOUR])
        ws.predictions.add(
            "req-1", time.time(), "adult", version.id, "live", "v1", request, None, 2.0, 200
        )
    return folder / "ws"


def _open(qtbot, make_window, path: Path):
    window = make_window(path)
    window.show_page("govern")
    page = window.page("govern")
    tab = next(t for t in page.tab_widgets if isinstance(t, ErasureTab))
    assert page.tabs.tabText(page.tabs.indexOf(tab)) == "Erasure"
    page.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.loads >= 1 and tab.key.count() > 0, timeout=TIMEOUT_MS)
    return window, tab


def _type(qtbot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _dry_run(qtbot, tab: ErasureTab) -> None:
    qtbot.mouseClick(tab.count_button, LEFT)
    qtbot.waitUntil(lambda: tab.dry_run is not None and not tab.busy, timeout=TIMEOUT_MS)


def test_dry_run_erase_and_retrain(qtbot, make_window, template, tmp_path):
    path = copy_workspace(template, tmp_path / "ws")
    window, tab = _open(qtbot, make_window, path)
    assert [tab.key.itemText(i) for i in range(tab.key.count())][0] == KEY  # id column first
    assert not tab.erase_button.isEnabled() and not tab.count_button.isEnabled()

    _type(qtbot, tab.key.lineEdit(), KEY)
    _type(qtbot, tab.value, PERSON)
    _type(qtbot, tab.reason, "request of 2026-11-30 by letter")
    assert tab.value.echoMode() == QLineEdit.EchoMode.Password
    assert PERSON not in tab.value.displayText()
    qtbot.mouseClick(tab.show_value, LEFT)
    assert tab.value.displayText() == PERSON
    qtbot.mouseClick(tab.show_value, LEFT)
    assert tab.value.echoMode() == QLineEdit.EchoMode.Password
    assert tab.count_button.isEnabled() and not tab.erase_button.isEnabled()  # no dry run yet

    _dry_run(qtbot, tab)
    counts = dict(tab.table.row_texts())
    assert counts["dataset versions"] == "1" and counts["prediction log"] == "1"
    assert "Nothing was changed" in tab.status.text() and PERSON not in tab.status.text()
    assert tab.erase_button.isEnabled()
    _type(qtbot, tab.value, NEIGHBOUR)  # another person: count again first
    assert not tab.erase_button.isEnabled()
    _type(qtbot, tab.value, PERSON)
    assert not tab.erase_button.isEnabled()
    _dry_run(qtbot, tab)
    with Workspace.open(path, create=False) as ws:
        assert ws.datasets.get("adult@1").rows == 1200  # the dry run changed nothing

    qtbot.mouseClick(tab.erase_button, LEFT)
    box = tab.dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "dataset versions: 1" in box.text() and "prediction log: 1" in box.text()
    assert PERSON not in box.text()
    erase = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole]
    qtbot.mouseClick(erase[0], LEFT)
    qtbot.waitUntil(lambda: tab.result is not None and not tab.busy, timeout=TIMEOUT_MS)
    status = tab.status.text()
    assert status.startswith("Erased ") and tab.result.value_hash[:12] + "…" in status
    assert tab.result.value_hash not in status and PERSON not in status
    assert "adult@1 is superseded by adult@2" in status
    assert tab.value.text() == "" and not tab.erase_button.isEnabled()

    with Workspace.open(path, create=False) as ws:
        frame, _ = ws.datasets.load_frame("adult@2")
        assert len(frame) == 1199 and PERSON not in set(frame[KEY])
        assert NEIGHBOUR in set(frame[KEY])
        assert ws.erasures.count() == 1
    with sqlite3.connect(path / "registry.db") as db:
        stored = " ".join(str(r) for r in db.execute("SELECT * FROM jobs").fetchall())
        inputs = db.execute("SELECT inputs_json FROM predictions").fetchall()
    assert PERSON not in stored and len(inputs) == 1 and NEIGHBOUR in inputs[0][0]
    assert files_holding(path, PERSON) == []  # registry.db (checkpointed), artifacts, logs

    qtbot.waitUntil(lambda: "adult@1" in tab.retrain_buttons, timeout=TIMEOUT_MS)
    button = tab.retrain_buttons["adult@1"]
    assert "mlops-desktop retrain adult@1 --dataset adult@2" in button.toolTip()
    qtbot.mouseClick(button, LEFT)
    job_id = tab.retrain_jobs["adult@1"]
    assert window.jobs_dock.isVisible() and not button.isEnabled()
    job = window.model.job(job_id)
    assert job is not None and job.title == "Retrain adult@1 on adult@2"
    qtbot.waitUntil(lambda: "adult@1" not in tab.retrain_jobs, timeout=TIMEOUT_MS)
    assert tab.status.text() == "Retrained adult@1: registered adult@2.", tab.status.text()
    with Workspace.open(path, create=False) as ws:
        retrained = ws.models.get("adult@2")
        assert ws.runs.get(retrained.run_id).dataset_version_id == ws.datasets.get("adult@2").id
    assert files_holding(path, PERSON) == []  # the jobs table holds no copy of the value
    qtbot.waitUntil(lambda: "adult@1" not in tab.retrain_buttons, timeout=TIMEOUT_MS)
    assert "retrained as adult@2 on adult@2" in tab.retrain_labels["adult@1"].text()


def test_reason_is_required_and_may_not_hold_the_value(qtbot, make_window, template, tmp_path):
    path = copy_workspace(template, tmp_path / "ws")
    _, tab = _open(qtbot, make_window, path)
    _type(qtbot, tab.key.lineEdit(), KEY)
    _type(qtbot, tab.value, PERSON)
    _dry_run(qtbot, tab)
    assert not tab.erase_button.isEnabled()  # no reason yet
    assert "reason" in tab.erase_button.toolTip()
    _type(qtbot, tab.reason, f"asked by {PERSON}")
    assert tab.erase_button.isEnabled()
    qtbot.mouseClick(tab.erase_button, LEFT)
    accept = [
        b
        for b in tab.dialog.buttons()
        if tab.dialog.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole
    ]
    qtbot.mouseClick(accept[0], LEFT)
    qtbot.waitUntil(lambda: tab.status.text().startswith("Not erased"), timeout=TIMEOUT_MS)
    assert "The reason holds the value" in tab.status.text()
    with Workspace.open(path, create=False) as ws:
        assert ws.erasures.count() == 0 and ws.datasets.get("adult@1").rows == 1200
