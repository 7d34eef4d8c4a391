"""Big requests read and scored in the service's scoring processes (``serving.offload``).

Two real services on 127.0.0.1 serve the same workspace's model: one with two scoring
processes, one with none. Every big request must get the same answer, the same error and the
same prediction-log row from both, and killing a scoring process or the service itself must
lose no request and leave no process behind.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.serving.conftest import free_port, register_versions, rows

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads processes from /proc")

TOKEN = "offload-secret"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def services(tmp_path_factory, trained):
    """(workspace, service with 2 scoring processes, service with none), credit@2 (HGB) live."""
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.deployments import deploy
    from mlops_desktop.serving.process import start_service, stop_service

    ws = Workspace.open(tmp_path_factory.mktemp("offload") / "ws")
    register_versions(ws, trained)
    deploy(ws, "credit@2", force=True, reason="tests")
    start = dict(token=TOKEN, max_body_mb=4, reuse=False)
    offloading = start_service(ws, port=free_port(), scoring_processes=2, **start)
    local = start_service(ws, port=free_port(), scoring_processes=0, **start)
    yield ws, offloading, local
    for handle in (offloading, local):
        stop_service(ws, handle)
    ws.close()


def _big_body(credit_frame, change=None) -> bytes:
    records = rows(credit_frame, 1000)
    if change is not None:
        change(records)
    body = json.dumps({"dataframe_records": records}).encode()
    assert len(body) >= 256 * 1024  # big enough to be offloaded
    return body


def _post(handle, body: bytes, request_id: str) -> httpx.Response:
    headers = {"Content-Type": "application/json", "X-Request-ID": request_id}
    return httpx.post(handle.url + "/invocations", content=body, headers=headers, timeout=60)


def _offloaded(handle) -> dict:
    status = httpx.get(handle.url + "/admin/status", headers=ADMIN, timeout=10).json()
    return status["scoring_processes"]


def _warm(handle, body: bytes) -> None:
    """Send ``body`` until the scoring processes take it (they load the model first)."""
    before = _offloaded(handle)["requests"]
    deadline = time.monotonic() + 90
    while _offloaded(handle)["requests"] == before:
        assert time.monotonic() < deadline, "the scoring processes never took a request"
        assert _post(handle, body, "warm-up").status_code == 200
        time.sleep(0.3)


def _logged(ws, request_id: str) -> list[tuple]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = ws.db.execute(
            "SELECT status, arm, protocol, inputs_json, outputs_json, error FROM predictions"
            " WHERE request_id = ? ORDER BY id",
            (request_id,),
        ).fetchall()
        if found:
            return [tuple(r) for r in found]
        time.sleep(0.2)
    raise AssertionError(f"{request_id} was never logged")


def _same_from_both(services, body: bytes, name: str) -> httpx.Response:
    """Send ``body`` to both services; their answers and log rows must be equal."""
    ws, offloading, local = services
    before = _offloaded(offloading)["requests"]
    there = _post(offloading, body, f"{name}-offloaded")
    assert _offloaded(offloading)["requests"] == before + 1  # it went to a scoring process
    here = _post(local, body, f"{name}-local")
    assert there.status_code == here.status_code
    assert there.json() == here.json()
    assert there.headers.get("X-Model-Version") == here.headers.get("X-Model-Version")
    assert _logged(ws, f"{name}-offloaded") == _logged(ws, f"{name}-local")
    return there


def test_a_big_request_gets_the_same_answer_and_log_row_from_a_scoring_process(
    services, credit_frame
):
    body = _big_body(credit_frame)
    _warm(services[1], body)
    answer = _same_from_both(services, body, "plain")
    assert answer.status_code == 200
    assert len(answer.json()["predictions"]) == 1000
    assert _offloaded(services[2])["requests"] == 0  # the other one scored it here


def test_a_big_request_refused_there_is_refused_and_logged_as_here(services, credit_frame):
    def text_in_a_number_column(records):
        records[500]["duration_in_month"] = "a long time"

    body = _big_body(credit_frame, text_in_a_number_column)
    _warm(services[1], _big_body(credit_frame))
    answer = _same_from_both(services, body, "refused")
    assert answer.status_code == 400
    assert "duration_in_month" in answer.json()["message"] and "row 500" in answer.json()["message"]
    status, _, _, inputs, _, error = _logged(services[0], "refused-offloaded")[0]
    assert status == 400 and inputs is not None and "duration" in error


def test_a_big_body_that_cannot_be_read_says_so_as_here(services, credit_frame):
    body = _big_body(credit_frame)[:-3]  # cut off: not JSON any more
    _warm(services[1], _big_body(credit_frame))
    answer = _same_from_both(services, body, "broken")
    assert answer.status_code == 400
    assert "not valid JSON" in answer.json()["message"]


def _scoring_processes(service_pid: int) -> list[int]:
    """The service's scoring processes: its children that multiprocessing spawned."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # it ended meanwhile
        if ppid == service_pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def _gone(pids: list[int], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and not _zombie(p)]
        if not alive:
            return True
        time.sleep(0.2)
    return False


def _zombie(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_killed_scoring_process_loses_no_request_and_is_replaced(services, credit_frame):
    _, offloading, _ = services
    body = _big_body(credit_frame)
    _warm(offloading, body)
    pids = _scoring_processes(offloading.instance.pid)
    assert len(pids) == 2
    os.kill(pids[0], signal.SIGKILL)
    for i in range(6):  # one of them meets the dead process: scored here instead
        assert _post(offloading, body, f"after-kill-{i}").status_code == 200
    assert _offloaded(offloading)["restarts"] == 1
    _warm(offloading, body)  # the new processes take requests again
    assert pids[0] not in _scoring_processes(offloading.instance.pid)


def test_a_killed_service_leaves_no_scoring_process(tmp_path, trained, credit_frame):
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.deployments import deploy
    from mlops_desktop.serving.process import start_service

    ws = Workspace.open(tmp_path / "ws")
    register_versions(ws, trained)
    deploy(ws, "credit@2", force=True, reason="tests")
    handle = start_service(ws, port=free_port(), token=TOKEN, scoring_processes=2)
    try:
        _warm(handle, _big_body(credit_frame))
        pids = _scoring_processes(handle.instance.pid)
        assert len(pids) == 2
    finally:
        os.kill(handle.instance.pid, signal.SIGKILL)
        handle.process.wait(30)
        ws.close()
    assert _gone(pids), f"scoring processes {pids} outlived the killed service"
