"""File ▸ Cluster Settings through real clicks: a wrong address is refused in place, Test
Connection starts a real LocalCluster in a job and shows its workers, and once saved the Train
form runs its cross-validation there (the job in the Jobs panel like any other)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tests.conftest import copy_workspace
from tests.ui.test_train_page import train_page, wait_jobs

pytest.importorskip("distributed")

JOB_TIMEOUT_MS = 240_000


@pytest.fixture
def credit_path(imported_credit: Path, tmp_path: Path) -> Path:
    return copy_workspace(imported_credit, tmp_path / "ws")


def test_a_cluster_is_tested_saved_and_then_used_by_training(make_window, qtbot, credit_path):
    window = make_window(credit_path)
    page = train_page(window)
    dialog = page.open_new_run_dialog()
    assert not dialog.cluster.box.isVisibleTo(dialog)  # none set yet: this computer
    assert "File ▸ Cluster Settings" in dialog.cluster.note.text()
    dialog.reject()

    window.actions_by_name["cluster"].trigger()
    settings = window.cluster_dialog
    assert settings.isVisible() and not settings.address.isEnabled()
    settings.use_box.click()
    qtbot.keyClicks(settings.address, "localhost:8786")
    settings.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert settings.isVisible()  # not an address: the dialog stays, saying what is accepted
    assert "tcp://host:8786, or local" in settings.status.text()

    settings.address.clear()
    qtbot.keyClicks(settings.address, "local:2")
    assert settings.command.command() == "mlops-desktop cluster check local:2"
    qtbot.mouseClick(settings.test_button, Qt.MouseButton.LeftButton)
    assert "Connecting to local:2" in settings.status.text()
    qtbot.waitUntil(lambda: settings.job_id is None, timeout=JOB_TIMEOUT_MS)
    assert settings.status.text().startswith("Connected to local:2: 2 workers, 2 threads")
    assert "versions match" in settings.status.text()
    settings.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert not settings.isVisible() and window.settings.cluster_address() == "local:2"

    dialog = page.open_new_run_dialog()
    assert dialog.cluster.box.isVisibleTo(dialog) and dialog.cluster.box.isChecked()
    assert dialog.cluster.box.text() == "Cross-validate on the Dask cluster local:2"
    dialog.set_families(["logreg"])
    dialog.folds_spin.setValue(3)
    assert dialog.command.command().endswith("--folds 3 --cluster local:2")
    dialog.train_button.click()
    [job_id] = page._submitted
    assert "(Dask cluster local:2)" in window.model.job(job_id).title
    wait_jobs(qtbot, window, [job_id])
    job = window.model.job(job_id)
    assert job.status == "succeeded", job.error
    run = window.model.workspace.runs.get(job.result["run_id"])
    assert "on the Dask cluster local:2: 2 workers" in run.log
