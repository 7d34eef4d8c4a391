"""The Train page on real workspaces: the form submits real training jobs, the runs table sorts
and filters them, runs are registered, compared (curves from a real job) and retrained."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mlops_desktop.jobs import run_inline
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.training.jobs import train_model
from mlops_desktop.ui.training.model import COL_HOLDOUT, COL_NOTES, COL_STATUS
from mlops_desktop.ui.training.page import TrainPage
from tests.conftest import copy_workspace
from tests.credit import import_credit

JOB_TIMEOUT_MS = 240_000


@pytest.fixture
def credit_path(imported_credit: Path, tmp_path: Path) -> Path:
    """A private copy of a workspace holding credit@1 (German credit, imported by the engine)."""
    return copy_workspace(imported_credit, tmp_path / "ws")


def train_page(window) -> TrainPage:
    window.show_page("train")
    page = window.page("train")
    assert isinstance(page, TrainPage)
    return page


def cell(page: TrainPage, key: str, column: int) -> str:
    row = page.table_model.row_of(key)
    assert row is not None, key
    return page.table_model.index(row, column).data(Qt.ItemDataRole.DisplayRole)


def wait_jobs(qtbot, window, job_ids: list[str]) -> None:
    qtbot.waitUntil(
        lambda: all((j := window.model.job(i)) is not None and j.finished for i in job_ids),
        timeout=JOB_TIMEOUT_MS,
    )


def test_empty_states_point_to_data_then_to_the_training_form(make_window, tmp_path, credit_path):
    window = make_window(tmp_path / "empty")
    page = train_page(window)
    assert page.showing_empty_state()
    assert page.empty_state.heading.text() == "Nothing to train on yet"
    page.empty_state.action.click()
    assert window.current_page_name() == "data"
    assert not page.new_run_button.isEnabled()

    window.model.open(credit_path)
    page = train_page(window)
    assert page.showing_empty_state()
    assert page.empty_state.heading.text() == "Train your first model"
    assert page.empty_state.command.command() == (
        "mlops-desktop train credit@1 --model hgb --register credit"
    )
    assert page.new_run_button.isEnabled()
    page.empty_state.action.click()
    dialog = page.new_run_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.dataset_combo.currentData() == "credit@1"
    assert "Binary classification of “creditability”" in dialog.task_label.text()
    visible = [k for k, box in dialog.family_boxes.items() if not box.isHidden()]
    assert visible == ["logreg", "rf", "hgb"]
    dialog.set_families([])
    assert not dialog.train_button.isEnabled()
    dialog.set_families(["hgb"])
    dialog.register_edit.setText("credit")
    assert dialog.command.command() == "mlops-desktop train credit@1 --model hgb --register credit"
    dialog.register_edit.setText("bad name!")
    assert not dialog.train_button.isEnabled() and "not a valid model name" in dialog.problem.text()
    dialog.reject()


@pytest.mark.slow
def test_train_sort_filter_register_and_compare(make_window, qtbot, credit_path):
    window = make_window(credit_path)
    page = train_page(window)
    page.new_run_button.click()
    dialog = page.new_run_dialog
    dialog.set_families(["logreg", "rf"])
    dialog.folds_spin.setValue(3)
    submitted: list[str] = []
    window.model.job_submitted.connect(submitted.append)
    dialog.train_button.click()
    assert len(submitted) == 2
    assert not page.showing_empty_state()  # queued jobs show as rows at once
    wait_jobs(qtbot, window, submitted)

    ws = window.model.workspace
    runs = {run.model_family: run for run in ws.runs.list()}
    assert set(runs) == {"logreg", "rf"}
    assert all(r.status == "succeeded" and r.config["cv_folds"] == 3 for r in runs.values())
    assert sorted(page.row_keys()) == sorted(r.id for r in runs.values())
    for run in runs.values():
        assert cell(page, run.id, COL_STATUS) == "Succeeded"
        assert cell(page, run.id, COL_HOLDOUT) == f"{run.metrics['holdout']['roc_auc']:.3f}"
    assert page.current_row() is not None and page.current_row().run_id in page.row_keys()
    assert page.details.isVisible()

    # Sorting by the holdout metric, both ways.
    by_auc = sorted(runs.values(), key=lambda r: r.metrics["holdout"]["roc_auc"])
    page.table.sortByColumn(COL_HOLDOUT, Qt.SortOrder.AscendingOrder)
    assert page.row_keys() == [r.id for r in by_auc]
    page.table.sortByColumn(COL_HOLDOUT, Qt.SortOrder.DescendingOrder)
    assert page.row_keys() == [r.id for r in reversed(by_auc)]

    # Filtering by text, status and dataset.
    page.filter_edit.setText("forest")
    assert page.row_keys() == [runs["rf"].id]
    assert page.count_label.text() == "1 of 2 runs"
    page.filter_edit.setText(runs["logreg"].id)
    assert page.row_keys() == [runs["logreg"].id]
    page.filter_edit.clear()
    page.status_combo.setCurrentIndex(page.status_combo.findData("failed"))
    assert page.row_keys() == []
    page.status_combo.setCurrentIndex(0)
    page.dataset_combo.setCurrentIndex(page.dataset_combo.findData("credit"))
    assert len(page.row_keys()) == 2

    # Register the random forest: credit@1 exists and the buttons change.
    rf = runs["rf"]
    assert page.select_key(rf.id)
    details = page.details
    assert details.register_button.isEnabled() and not details.tests_button.isVisible()
    details.register_button.click()
    register = page.register_dialog
    assert register is not None and register.name() == "credit"
    assert "credit@1" in register.preview.text()
    register.ok_button.click()
    version = ws.models.get("credit@1")
    assert version.run_id == rf.id and version.artifact_hash == rf.artifact_hash
    assert version.signature == rf.config["signature"]
    assert not details.register_button.isVisible()
    assert details.registered_label.text() == "Registered as model <b>credit@1</b>"
    assert cell(page, rf.id, COL_NOTES) == "Registered as model credit@1"
    assert "Model version: <b>credit@1</b>" in details.lineage_label.text()
    assert not details.retrain_button.isEnabled()  # no newer dataset version yet
    assert details.tests_button.isVisible()
    details.tests_button.click()
    assert window.current_page_name() == "test"
    window.show_page("train")

    # Compare both runs: metrics, parameter diff and curves from the job.
    page.select_key(runs["logreg"].id)
    page.select_key(rf.id, extend=True)
    assert page.compare_button.isEnabled() and page.compare_button.text() == "C&ompare 2 runs"
    page.compare_button.click()
    compare = page.compare_dialog
    assert compare is not None and compare.isVisible()
    assert compare.metrics_table.rowCount() > 4
    assert compare.metrics_table.columnCount() == 3
    assert {r["param"] for r in compare.param_rows()} >= {"Model family"}
    assert compare.params_table.item(0, 0).text() == "Model family"
    qtbot.waitUntil(lambda: compare.curves is not None, timeout=JOB_TIMEOUT_MS)
    assert set(compare.series) == {"roc", "pr"}
    for key in ("roc", "pr"):
        assert len(compare.series[key]) == 2
        for item in compare.series[key]:
            x, y = item.getData()
            assert len(x) > 0 and len(x) == len(y)
    names = [item.name() for item in compare.series["roc"]]
    assert any(runs["logreg"].id in n for n in names) and any(rf.id in n for n in names)
    compare.close()


@pytest.mark.slow
def test_retrain_a_registered_version_on_a_newer_dataset_version(make_window, qtbot, credit_path):
    ws = Workspace.open(credit_path)
    try:
        _, first = run_inline(
            ws,
            train_model,
            {"dataset": "credit@1", "model": "logreg", "cv_folds": 3, "register": "credit"},
        )
        import_credit(ws, seed=2)
    finally:
        ws.close()
    window = make_window(credit_path)
    page = train_page(window)
    assert page.select_key(first["run_id"])
    details = page.details
    assert details.registered_label.text() == "Registered as model <b>credit@1</b>"
    assert details.retrain_button.isEnabled()
    details.retrain_button.click()
    dialog = page.retrain_dialog
    assert dialog.kwargs() == {"model_ref": "credit@1", "dataset": "credit@2"}
    submitted: list[str] = []
    window.model.job_submitted.connect(submitted.append)
    dialog.ok_button.click()
    wait_jobs(qtbot, window, submitted)

    ws = window.model.workspace
    child = ws.models.get("credit@2")
    assert child.parent_id == ws.models.get("credit@1").id
    row = page.current_row()
    assert row.run_id == child.run_id and row.dataset == "credit@2"
    assert row.family == "logreg" and row.registered == ("credit@2",)
    steps = [(s.kind, s.ref) for s in details.lineage]
    assert steps == [
        ("dataset", "credit@2"),
        ("run", child.run_id),
        ("model", "credit@2"),
        ("parent", "credit@1"),
    ]
    assert "Retrained from: <b><a" in details.lineage_label.text()
    assert not details.register_button.isVisible()
    # The parent link selects the run that produced credit@1.
    details.lineage_label.linkActivated.emit(first["run_id"])
    assert page.current_row().run_id == first["run_id"]

    # A run recorded by another process (the CLI) appears when the summary is next polled.
    other = Workspace.open(credit_path)
    try:
        _, cli = run_inline(
            other, train_model, {"dataset": "credit@2", "model": "rf", "cv_folds": 2}
        )
    finally:
        other.close()
    window.model.refresh_summary()  # what the 2-second timer does
    assert cli["run_id"] in page.row_keys()
    assert cell(page, cli["run_id"], COL_STATUS) == "Succeeded"
    assert page.current_row().run_id == first["run_id"]  # the selection is kept


@pytest.mark.slow
def test_a_running_job_row_and_details_follow_the_job(make_window, qtbot, credit_path):
    window = make_window(credit_path)
    page = train_page(window)
    [job_id] = page.submit_runs(
        [{"dataset": "credit@1", "model": "rf", "search": 200, "cv_folds": 5, "seed": 1}]
    )

    def row_of_job():
        rows = [r for r in page.table_model.rows() if r.job_id == job_id]
        return rows[0] if rows else None

    # No reload by hand: the moment the pool reports the job running, its row says so too.
    seen: list[tuple[str, str | None]] = []

    def on_change(job) -> None:  # connected after the page's own slot, so runs after it
        if job.id == job_id and job.status == "running":
            row = row_of_job()
            seen.append((job.message, row.status if row else None))

    window.model.job_changed.connect(on_change)
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=JOB_TIMEOUT_MS)
    assert all(status == "running" for _message, status in seen), seen
    qtbot.waitUntil(
        lambda: (row := row_of_job()) is not None and row.status == "running",
        timeout=JOB_TIMEOUT_MS,
    )
    row = row_of_job()
    assert cell(page, row.key, COL_STATUS) == "Running"
    assert cell(page, row.key, COL_NOTES) != "Waiting for a worker…"
    assert page.select_key(row.key)
    assert "the job ended first" not in page.details.lineage_label.text()
    window.model.cancel(job_id)
    wait_jobs(qtbot, window, [job_id])


def test_cancelled_and_failed_runs_show_their_reason(make_window, qtbot, credit_path):
    window = make_window(credit_path)
    page = train_page(window)
    [long_job] = page.submit_runs(
        [{"dataset": "credit@1", "model": "rf", "search": 200, "cv_folds": 5, "seed": 1}]
    )
    ws = window.model.workspace
    qtbot.waitUntil(lambda: bool(ws.runs.list(status="running")), timeout=JOB_TIMEOUT_MS)
    window.model.cancel(long_job)
    wait_jobs(qtbot, window, [long_job])
    [cancelled] = ws.runs.list(status="cancelled")
    assert page.current_row().run_id == cancelled.id
    assert cell(page, cancelled.id, COL_STATUS) == "Cancelled"
    assert cell(page, cancelled.id, COL_NOTES) == "Cancelled by the user"
    assert page.details.reason.isVisible()
    assert "Cancelled by the user" in page.details.reason.text()
    assert not page.details.register_button.isEnabled()

    version = ws.datasets.get("credit@1")
    path = ws.artifacts.path_for(version.artifact_hash)
    os.chmod(path, 0o644)
    with open(path, "r+b") as handle:
        handle.seek(100)
        handle.write(b"tampered")
    [failed_job] = page.submit_runs([{"dataset": "credit@1", "model": "hgb", "cv_folds": 3}])
    wait_jobs(qtbot, window, [failed_job])
    assert window.model.job(failed_job).status == "failed"
    [failed_run] = ws.runs.list(status="failed")  # the run is recorded before data loads
    assert failed_run.job_id == failed_job
    row = page.current_row()
    assert row.key == failed_run.id and row.status == "failed"
    assert "damaged" in cell(page, failed_run.id, COL_NOTES)
    assert page.details.reason.isVisible() and "damaged" in page.details.reason.text()
    assert not page.details.register_button.isEnabled()
    page.status_combo.setCurrentIndex(page.status_combo.findData("failed"))
    assert page.row_keys() == [failed_run.id]
    assert ws.models.list() == []
