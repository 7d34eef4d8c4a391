"""WorkspaceModel: opening, the summary's cost on the GUI thread, submitting jobs."""

from __future__ import annotations

import threading
import time

import pytest

from mlops_desktop.errors import WorkspaceError
from mlops_desktop.registry.migrations import LATEST_VERSION
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel
from tests import job_functions
from tests.ui.conftest import LIGHT_POOL


@pytest.fixture
def model(qapp):
    model = WorkspaceModel(pool_options=LIGHT_POOL)
    yield model
    model.close()


def test_open_emits_workspace_changed_and_reads_the_summary(model, qtbot, tmp_path):
    with qtbot.waitSignal(model.workspace_changed, timeout=1000):
        model.open(tmp_path / "ws")
    assert model.is_open()
    assert model.summary is not None and model.summary.schema_version == LATEST_VERSION
    assert model.pool is not None


def test_a_failed_open_keeps_the_current_workspace(model, tmp_path):
    model.open(tmp_path / "ws")
    before = model.path
    with pytest.raises(WorkspaceError):
        model.open(tmp_path / "missing", create=False)
    assert model.path == before
    assert model.summary is not None  # still readable


def test_summary_stays_cheap_on_a_busy_workspace(model, tmp_path):
    path = tmp_path / "ws"
    with Workspace.open(path) as ws, ws.db.conn:
        now = time.time()
        ws.db.conn.executemany(
            "INSERT INTO jobs (id, kind, title, status, params_json, owner_pid, created_at)"
            " VALUES (?, 'k', 't', 'succeeded', '{}', 1, ?)",
            [(f"job{i}", now) for i in range(5000)],
        )
        ws.db.conn.executemany(
            "INSERT INTO alerts (model_name, signal, severity, message, state, opened_at)"
            " VALUES ('credit', 'drift', 'info', 'x', ?, ?)",
            [("open" if i % 10 == 0 else "resolved", now) for i in range(5000)],
        )
    model.open(path)
    for _ in range(20):
        model.refresh_summary()
    assert model.summary.jobs == 5000 and model.summary.open_alerts == 500
    # A few indexed COUNT queries: well under a millisecond here, far below the 100 ms budget.
    assert model.max_summary_ms < 20, model.max_summary_ms


def test_submit_without_a_workspace_explains(model):
    with pytest.raises(WorkspaceError, match="No workspace is open"):
        model.submit(job_functions.count_to)


def test_on_finished_gets_the_result_and_job_lookup_sees_the_end_state(model, qtbot, tmp_path):
    model.open(tmp_path / "ws")
    done = []
    with qtbot.waitSignal(model.job_finished, timeout=20_000):
        job_id = model.submit(job_functions.count_to, {"n": 3}, on_finished=done.append)
    assert done and done[0].result["counted"] == 3
    assert model.job(job_id).status == "succeeded"
    assert [j.id for j in model.jobs()][:1] == [job_id]
    assert model.summary.jobs == 1  # refreshed when the job ended
    assert model.running_count() == 0


def test_switching_workspace_drops_changes_from_the_previous_pool(model, qtbot, tmp_path):
    model.open(tmp_path / "one")
    old_job = model.submit(job_functions.wait_for_cancel, {"seconds": 30})
    qtbot.waitUntil(lambda: model.job(old_job).status == "running", timeout=20_000)
    seen: list[str] = []
    model.job_changed.connect(lambda job: seen.append(job.id))
    old_bridge, snapshot = model._bridge, model.job(old_job)
    # A change the old pool published just before the switch, still queued for the GUI thread:
    emitter = threading.Thread(target=old_bridge.job_changed.emit, args=(snapshot,))
    emitter.start()
    emitter.join()
    model.open(tmp_path / "two")  # the old pool cancels its job in the background
    qtbot.wait(500)
    assert old_job not in seen
    assert model.jobs() == []
    from mlops_desktop.ui.runtime.workspace_model import wait_for_pool_shutdowns

    wait_for_pool_shutdowns()
    with Workspace.open(tmp_path / "one") as ws:
        assert ws.jobs.get(old_job).status == "cancelled"
