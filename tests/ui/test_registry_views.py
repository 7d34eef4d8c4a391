"""Every page is a view of the registry: after a workspace switch, when a job ends and when
another process writes (the CLI, the Workspace API in a subprocess), each page shows the new
truth, keeps its selection and never shows another workspace's objects. Real workspaces, real
jobs, real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mlops_desktop.jobs.inline import run_inline
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.deployments import deploy as deploy_version
from mlops_desktop.ui.shell.main_window import MainWindow
from tests.credit import build_credit_workspace, import_credit

JOB_TIMEOUT_MS = 180_000
STRICT = {"metrics": {"roc_auc": {">=": 0.97}}}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tested_credit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """credit@1 (data) and credit@1 (logreg, registered and tested: it has slices)."""
    path = tmp_path_factory.mktemp("views-credit") / "ws"
    build_credit_workspace(path, test_resamples=100)
    return path


@pytest.fixture(scope="module")
def untested_credit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """credit@1 registered, untested, under a gate it cannot pass."""
    path = tmp_path_factory.mktemp("views-strict") / "ws"
    build_credit_workspace(path, gate=STRICT)
    return path


@pytest.fixture(scope="module")
def loans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another workspace: German credit imported as loans@1, loans@1 registered, untested."""
    from mlops_desktop.training.jobs import train_model

    path = tmp_path_factory.mktemp("views-loans") / "ws"
    with Workspace.open(path) as ws:
        import_credit(ws, name="loans")
        run_inline(
            ws,
            train_model,
            {"dataset": "loans@1", "model": "logreg", "cv_folds": 3, "register": "loans"},
        )
    return path


def copy(template: Path, to: Path) -> Path:
    shutil.copytree(template, to)
    return to


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The real command line in another process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "mlops_desktop", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_python(code: str) -> None:
    """Another process writing through the Workspace API."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)


def deploy_verdicts(window: MainWindow) -> dict[str, str]:
    return {row.ref: row.verdict for row in window.page("deploy").table.rows}


# -- switching workspace -----------------------------------------------------------------------


def test_switching_workspace_shows_only_the_new_workspaces_objects(
    qtbot, make_window, tested_credit, loans, tmp_path, caplog
):
    path = copy(tested_credit, tmp_path / "a")
    with Workspace.open(path, create=False) as ws:
        deploy_version(ws, "credit@1", force=True, reason="live before the switch")
    window = make_window(path)
    data, test, deploy = window.page("data"), window.page("test"), window.page("deploy")
    for name in ("data", "test", "deploy"):
        window.show_page(name)
    assert data.versions.refs() == ["credit@1"]
    assert test.version.ref == "credit@1"
    test.show_tab(test.slices_view)
    assert test.slices_view.table.source.rowCount() > 0  # the tested model's slices
    assert deploy.selected().ref == "credit@1"

    assert window.flow.open_path(copy(loans, tmp_path / "b"), create=False)
    qtbot.wait(1500)  # the service monitor reports on the new workspace meanwhile
    assert "NotFoundError" not in caplog.text
    window.show_page("data")
    assert data.versions.refs() == ["loans@1"]
    assert data.versions.selected_ref() == "loans@1"
    assert data.details.ref_label.text() == "loans@1"
    window.show_page("test")
    assert test.version.ref == "loans@1"
    assert test.ref_label.text() == "loans@1"
    assert test.slices_view.table.source.rowCount() == 0  # loans@1 was never tested
    assert "credit" not in test.slices_view.intro.text()
    window.show_page("deploy")
    assert [row.ref for row in deploy.table.rows] == ["loans@1"]
    assert deploy.selected() is not None and deploy.selected().ref == "loans@1"
    assert deploy.state is not None and deploy.state.model == "loans"
    window.show_page("train")
    train = window.page("train")
    assert all("credit" not in key for key in train.row_keys())
    assert train.table_model.rowCount() == 1


@pytest.mark.parametrize("other", ["empty", "loans"])
def test_the_deploy_page_never_looks_up_the_old_workspaces_version(
    qtbot, make_window, tested_credit, loans, tmp_path, monkeypatch, other
):
    """The old 'NotFoundError: No model version credit@1' from the Deploy page: after a switch
    the service monitor's report made the page look up the old workspace's live credit@1 in the
    new one. Every version lookup is recorded (the real store still answers), and so is any
    exception that reaches sys.excepthook, as a slot's does."""
    import sys

    from mlops_desktop.registry.model_store import ModelStore

    path = copy(tested_credit, tmp_path / "a")
    with Workspace.open(path, create=False) as ws:
        deploy_version(ws, "credit@1", force=True, reason="live before the switch")
    asked: list[str] = []
    real_get = ModelStore.get

    def get(store: ModelStore, ref: str):
        asked.append(ref)
        return real_get(store, ref)

    raised: list[BaseException] = []
    monkeypatch.setattr(ModelStore, "get", get)
    monkeypatch.setattr(sys, "excepthook", lambda kind, exc, tb: raised.append(exc))
    window = make_window(path)
    deploy = window.page("deploy")
    window.show_page("deploy")
    qtbot.waitUntil(lambda: deploy.state is not None and deploy.state.live == "credit@1")
    assert "credit@1" in asked  # the spy sees the page's lookups

    target = tmp_path / "b"
    if other == "loans":
        copy(loans, target)
    assert window.flow.open_path(target, create=other == "empty")
    asked.clear()
    qtbot.wait(1500)  # the service monitor reports on the new workspace meanwhile
    window.show_page("data")
    window.show_page("deploy")
    qtbot.wait(500)
    assert not raised, raised
    assert all("credit" not in ref for ref in asked), asked  # nothing of the old workspace
    assert Path(window.model.path).resolve() == target.resolve()
    if other == "empty":
        assert deploy.showing_empty_state() and deploy.state is None
    else:
        assert [row.ref for row in deploy.table.rows] == ["loans@1"]
        assert deploy.state is not None and deploy.state.model == "loans"


# -- a job ends --------------------------------------------------------------------------------


def test_a_failed_test_shows_as_failed_on_the_deploy_page(
    qtbot, make_window, untested_credit, tmp_path
):
    window = make_window(copy(untested_credit, tmp_path / "ws"))
    window.show_page("deploy")
    assert deploy_verdicts(window) == {"credit@1": "not tested"}
    window.show_page("test")
    test = window.page("test")
    test.resamples.setValue(100)
    qtbot.mouseClick(test.run_button, Qt.MouseButton.LeftButton)
    job_id = test.last_test_job
    qtbot.waitUntil(lambda: job_id not in test.test_jobs.values(), timeout=JOB_TIMEOUT_MS)
    window.show_page("deploy")
    assert deploy_verdicts(window) == {"credit@1": "failed"}
    assert "not tested" not in window.page("deploy").message.text()


# -- another process writes --------------------------------------------------------------------


def test_a_run_that_another_process_finishes_shows_as_succeeded_with_register_enabled(
    qtbot, make_window, untested_credit, tmp_path
):
    """As in the demo build: a worker that is not a training job of this page runs a training
    (the run is "running"), then finishes it (the run count stays the same)."""
    path = copy(untested_credit, tmp_path / "ws")
    result = run_cli(
        "--workspace", str(path), "train", "credit@1", "--model", "logreg", "--folds", "3", "--json"
    )
    assert result.returncode == 0, result.stderr
    run_id = json.loads(result.stdout)["run_id"]
    set_status = (
        "from mlops_desktop.registry.workspace import Workspace\n"
        f"with Workspace.open({str(path)!r}, create=False) as ws:\n"
        f"    ws.runs.update({run_id!r}, status=%r)\n"
    )
    run_python(set_status % "running")
    window = make_window(path)
    window.show_page("train")
    train = window.page("train")
    assert train.select_key(run_id)

    def status() -> str:
        row = train.current_row()
        return row.status if row is not None else ""

    assert status() == "running"
    assert not train.details.register_button.isEnabled()
    run_python(set_status % "succeeded")
    qtbot.waitUntil(lambda: status() == "succeeded", timeout=20_000)
    assert train.current_row().key == run_id  # the selection stays
    assert train.details.register_button.isVisible()
    assert train.details.register_button.isEnabled()


def test_a_gate_set_by_another_process_reaches_the_test_and_deploy_pages(
    qtbot, make_window, tested_credit, tmp_path
):
    path = copy(tested_credit, tmp_path / "ws")
    window = make_window(path)
    window.show_page("test")
    test = window.page("test")
    assert test.gate_card.edit_button.text() == "&Set a gate…"
    run_python(
        "from mlops_desktop.registry.workspace import Workspace\n"
        f"with Workspace.open({str(path)!r}, create=False) as ws:\n"
        f"    ws.gates.set('credit', {STRICT!r}, reason='agreed in another process')\n"
    )
    qtbot.waitUntil(lambda: test.gate_card.edit_button.text() != "&Set a gate…", timeout=20_000)
    assert test.version.ref == "credit@1"  # the selection stays
    window.show_page("deploy")
    assert deploy_verdicts(window) != {"credit@1": "no gate"}


# -- launch ------------------------------------------------------------------------------------


def test_on_launch_the_highlighted_dataset_row_is_the_selection(
    qtbot, make_window, tested_credit, tmp_path
):
    path = copy(tested_credit, tmp_path / "ws")
    window = make_window(open_workspace=False)
    window.model.open(path, create=False)  # as run_gui does: the window exists first
    window.show_page("data")
    data = window.page("data")
    assert data.versions.selected_ref() == "credit@1"
    assert data.details.ref_label.text() == "credit@1"
    assert data.details.train_button.isEnabled()
    window.show_page("train")
    train = window.page("train")
    assert train.current_row() is not None
    assert train.details.isVisible() and not train.no_selection.isVisible()
