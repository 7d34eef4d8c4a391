"""The Train page's Import Model action with real clicks: a pipeline fitted as a notebook would,
on German credit, imported by a real job in a worker; a refused file opens its message."""

from __future__ import annotations

from pathlib import Path

import joblib
import pytest
import skops.io as sio
from PySide6.QtCore import Qt
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import mlops_desktop
from mlops_desktop.ui.training.page import TrainPage
from tests.conftest import copy_workspace

JOB_TIMEOUT_MS = 240_000


@pytest.fixture
def credit_path(imported_credit: Path, tmp_path: Path) -> Path:
    return copy_workspace(imported_credit, tmp_path / "ws")


@pytest.fixture
def model_files(credit_path: Path, tmp_path: Path) -> dict[str, Path]:
    X, y, test = mlops_desktop.training_data("credit@1", workspace=credit_path)  # noqa: N806
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include=object)),
        remainder="passthrough",
    )
    model = make_pipeline(encode, HistGradientBoostingClassifier(max_iter=30, random_state=0))
    joblib.dump(model.fit(X[~test], y[~test]), tmp_path / "fitted.joblib")
    sio.dump(make_pipeline(HistGradientBoostingClassifier()), tmp_path / "unfitted.skops")
    return {"fitted": tmp_path / "fitted.joblib", "unfitted": tmp_path / "unfitted.skops"}


def _open_dialog(qtbot, page: TrainPage):
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    dialog = page.import_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def _type(qtbot, edit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


@pytest.mark.slow
def test_import_a_pickle_with_trust_then_a_refused_file(
    make_window, qtbot, credit_path, model_files
):
    window = make_window(credit_path)
    window.show_page("train")
    page = window.page("train")
    assert page.import_button.isEnabled()
    dialog = _open_dialog(qtbot, page)
    assert not dialog.import_button.isEnabled()
    assert "Choose the model file" in dialog.problem.text()
    _type(qtbot, dialog.path_edit, str(model_files["fitted"]))
    assert dialog.warning.isVisible() and "runs code" in dialog.warning.text()
    assert "trust" in dialog.problem.text() and not dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.trust_box, Qt.MouseButton.LeftButton)
    assert dialog.trust_box.isChecked()
    _type(qtbot, dialog.name_edit, "notebook")
    _type(qtbot, dialog.reason_edit, "fitted by the analyst")
    assert dialog.import_button.isEnabled()
    assert dialog.command.command().endswith(
        "--name notebook --dataset credit@1 --reason 'fitted by the analyst' --trust"
    )
    submitted: list[str] = []
    window.model.job_submitted.connect(submitted.append)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert len(submitted) == 1
    qtbot.waitUntil(lambda: (j := window.model.job(submitted[0])) is not None and j.finished,
                    timeout=JOB_TIMEOUT_MS)  # fmt: skip
    ws = window.model.workspace
    version = ws.models.get("notebook@1")
    run = ws.runs.get(version.run_id)
    assert run.model_family == "imported" and run.config["origin"]["file"] == "fitted.joblib"
    qtbot.waitUntil(lambda: run.id in page.row_keys(), timeout=10_000)
    assert page.current_row() is not None and page.current_row().run_id == run.id
    from mlops_desktop.ui.training.model import search_text

    assert search_text(run).startswith("Imported from fitted.joblib (joblib, sha256 ")

    dialog = _open_dialog(qtbot, page)
    _type(qtbot, dialog.path_edit, str(model_files["unfitted"]))
    assert not dialog.warning.isVisible() and dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.import_error is not None and page.import_error.isVisible(),
                    timeout=JOB_TIMEOUT_MS)  # fmt: skip
    assert "not fitted" in page.import_error.informativeText()
    page.import_error.close()
    assert [v.ref for v in ws.models.list()] == ["notebook@1"]
