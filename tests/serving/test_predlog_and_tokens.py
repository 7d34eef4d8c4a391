"""The prediction log after kill -9 (at most the last second lost), and token checks."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import httpx
import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving import deployments as d
from mlops_desktop.serving.predlog import PredictionLog
from mlops_desktop.serving.process import find_service, start_service, stop_service
from mlops_desktop.serving.server import check_bind
from tests.serving.conftest import free_port, register_versions, rows


@pytest.mark.slow
def test_kill_9_loses_at_most_the_last_second(tmp_path, trained, credit_frame):
    ws = Workspace.open(tmp_path / "ws")
    register_versions(ws, trained)
    d.deploy(ws, "credit@1", force=True, reason="crash test")
    handle = start_service(ws, port=free_port())  # no token: admin is disabled
    disabled = httpx.post(handle.url + "/admin/rollback", json={"model": "credit"})
    assert disabled.status_code == 403 and "without a token" in disabled.json()["error"]

    payload = json.dumps({"dataframe_records": rows(credit_frame, 1)}).encode()
    acked: list[tuple[str, float]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(k: int) -> None:
        with httpx.Client(base_url=handle.url, timeout=10) as http:
            i = 0
            while not stop.is_set():
                request_id = f"k{k}-{i}"
                i += 1
                try:
                    r = http.post(
                        "/invocations",
                        content=payload,
                        headers={"Content-Type": "application/json", "X-Request-ID": request_id},
                    )
                except httpx.HTTPError:
                    continue  # after the kill
                if r.status_code == 200:
                    with lock:
                        acked.append((request_id, time.time()))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    time.sleep(2.5)
    killed_at = time.time()
    os.kill(handle.instance.pid, signal.SIGKILL)
    handle.process.wait(10)
    stop.set()
    for t in threads:
        t.join(30)

    logged = {r[0] for r in ws.db.execute("SELECT request_id FROM predictions WHERE status = 200")}
    older = [rid for rid, ts in acked if ts < killed_at - 1.0]
    assert older, "the load produced answers before the kill"
    assert [rid for rid in older if rid not in logged] == []
    assert logged <= {rid for rid, _ in acked}  # nothing logged that was not answered
    assert find_service(ws) is None
    status = ws.db.execute(
        "SELECT status FROM service_instances WHERE id = ?", [handle.instance.id]
    ).fetchone()[0]
    assert status == "crashed"
    ws.close()


def test_prediction_log_close_writes_everything_buffered(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    log = PredictionLog(ws.path / "registry.db", flush_interval=60)  # only close() flushes here
    log.start()
    for i in range(500):
        log.append(
            f"r{i}", "credit", None, "live", "mlflow", {"x": [i]}, {"predictions": [1]}, 1.0, 200
        )
    assert ws.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == 0
    log.close()
    assert ws.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == 500
    assert log.written == 500 and log.pending() == 0
    ws.close()


def test_admin_endpoints_need_the_token(served):
    _, handle, _ = served
    url = handle.url + "/admin/status"
    missing = httpx.get(url)
    assert missing.status_code == 401 and missing.headers["content-type"] == "application/json"
    assert "Authorization: Bearer" in missing.json()["error"]
    for header in ("Bearer wrong", "admin-secret", "Basic admin-secret"):
        wrong = httpx.get(url, headers={"Authorization": header})
        assert wrong.status_code == 403, header
    ok = httpx.get(url, headers={"Authorization": "Bearer admin-secret"})
    assert ok.status_code == 200 and ok.json()["models"]["credit"]["live"] == "credit@1"
    for action in ("rollback", "canary", "shadow", "promote", "abort", "deploy", "stop"):
        refused = httpx.post(f"{handle.url}/admin/{action}", json={"model": "credit@2"})
        assert refused.status_code == 401, action
    # scoring and health need no token on loopback
    assert httpx.get(handle.url + "/ping").status_code == 200


def test_admin_operation_errors_are_json(served):
    _, handle, _ = served
    auth = {"Authorization": "Bearer admin-secret"}
    nothing = httpx.post(handle.url + "/admin/promote", json={"model": "credit"}, headers=auth)
    assert nothing.status_code == 400 and "no canary or shadow" in nothing.json()["error"]
    gate = httpx.post(handle.url + "/admin/deploy", json={"model": "credit@2"}, headers=auth)
    assert gate.status_code == 409 and "quality gate" in gate.json()["error"]
    lacking = httpx.post(handle.url + "/admin/canary", json={"model": "credit@2"}, headers=auth)
    assert lacking.status_code == 400 and "percent" in lacking.json()["error"]
    for action, body in (("canary", {"percent": 10}), ("shadow", {})):  # the same rule as deploy
        refused = httpx.post(
            f"{handle.url}/admin/{action}", json={"model": "credit@2", **body}, headers=auth
        )
        error = refused.json()["error"]
        assert refused.status_code == 409 and "credit@2 may not" in error, error
        assert '"force": true' in error and "mlops-desktop" not in error


def test_token_on_every_request_when_required(tmp_path, trained, credit_frame):
    ws = Workspace.open(tmp_path / "ws")
    register_versions(ws, trained)
    d.deploy(ws, "credit@1", force=True, reason="token test")
    handle = start_service(ws, port=free_port(), token="s3cret", require_token=True)
    try:
        for method, path in (("GET", "/ping"), ("GET", "/v2/health/live"), ("GET", "/docs")):
            refused = httpx.request(method, handle.url + path)
            assert refused.status_code == 401, path
            assert refused.headers["content-type"] == "application/json"
        body = {"dataframe_records": rows(credit_frame, 1)}
        assert httpx.post(handle.url + "/invocations", json=body).status_code == 401
        auth = {"Authorization": "Bearer s3cret"}
        assert httpx.post(handle.url + "/invocations", json=body, headers=auth).status_code == 200
        assert httpx.get(handle.url + "/ping", headers=auth).status_code == 200
        assert ws.db.execute(
            "SELECT token_hash FROM service_instances WHERE id = ?", [handle.instance.id]
        ).fetchone()[0] not in (None, "s3cret")
    finally:
        stop_service(ws, handle)
        ws.close()


def test_a_non_loopback_address_needs_a_token(workspace):
    """Checked before anything binds: this test never listens beyond 127.0.0.1."""
    with pytest.raises(InputError, match="needs a token"):
        check_bind("0.0.0.0", None)
    assert check_bind("0.0.0.0", "t") is True and check_bind("127.0.0.1", None) is False
    with pytest.raises(InputError, match="needs a token"):
        start_service(workspace, host="0.0.0.0", port=free_port())
    assert workspace.db.execute("SELECT COUNT(*) FROM service_instances").fetchone()[0] == 0


def test_a_port_in_use_is_reported_by_start_service(workspace):
    import socket

    from mlops_desktop.errors import MlopsError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(MlopsError, match=f"Cannot listen on 127.0.0.1:{port}"):
            start_service(workspace, port=port)
    assert workspace.db.execute("SELECT COUNT(*) FROM service_instances").fetchone()[0] == 0
