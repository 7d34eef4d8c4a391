"""Rollback and canary changes while clients keep scoring: zero failed requests, nothing unlogged."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving import deployments as d
from mlops_desktop.serving.process import find_service, start_service, stop_service
from tests.serving.conftest import free_port, register_versions, rows

TOKEN = "swap-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _wait_route(url: str, live: str, mode: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = httpx.get(url + "/admin/status", headers=AUTH).json()["models"].get("credit", {})
        if state.get("live") == live and state.get("mode") == mode:
            return
        time.sleep(0.05)
    raise AssertionError(f"the service did not switch to {live} ({mode}) in {timeout} s")


def _admin(url: str, action: str, **body) -> dict:
    response = httpx.post(f"{url}/admin/{action}", json=body, headers=AUTH, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.slow
def test_changes_under_load_lose_no_request_and_a_clean_stop_logs_every_answer(
    tmp_path, trained, credit_frame
):
    ws = Workspace.open(tmp_path / "ws")
    register_versions(ws, trained)
    d.deploy(ws, "credit@1", force=True, reason="baseline")
    handle = start_service(ws, port=free_port(), token=TOKEN)
    url = handle.url
    payloads = [
        json.dumps({"dataframe_records": rows(credit_frame, 1, start=i)}).encode()
        for i in range(50)
    ]
    stop = threading.Event()
    lock = threading.Lock()
    answers: list[tuple[str, int, str | None, str | None]] = []
    failures: list[str] = []

    def client(k: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            i = 0
            while not stop.is_set():
                request_id = f"c{k}-{i}"
                try:
                    r = http.post(
                        "/invocations",
                        content=payloads[i % len(payloads)],
                        headers={"Content-Type": "application/json", "X-Request-ID": request_id},
                    )
                    with lock:
                        answers.append(
                            (
                                request_id,
                                r.status_code,
                                r.headers.get("x-model-version"),
                                r.headers.get("x-model-arm"),
                            )
                        )
                except httpx.HTTPError as exc:
                    with lock:
                        failures.append(f"{request_id}: {exc!r}")
                i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        d.canary(
            ws, "credit@2", 50, reason="half the traffic", force=True
        )  # as the CLI or GUI does
        _wait_route(url, "credit@1", "canary")
        time.sleep(0.6)
        _admin(url, "promote", model="credit", force=True, reason="canary fine")  # over HTTP
        _wait_route(url, "credit@2", "live")
        time.sleep(0.6)
        d.rollback(ws, "credit", reason="customer complaint")
        _wait_route(url, "credit@1", "live")
        time.sleep(0.6)
        _admin(url, "canary", model="credit@2", percent=30, force=True, reason="again")
        _wait_route(url, "credit@1", "canary")
        time.sleep(0.6)
        d.abort(ws, "credit")
        _wait_route(url, "credit@1", "live")
        time.sleep(0.6)
        d.deploy(ws, "credit@2", force=True, reason="again")
        _wait_route(url, "credit@2", "live")
        time.sleep(0.6)
        _admin(url, "rollback", model="credit")
        _wait_route(url, "credit@1", "live")
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(60)

    assert failures == []
    statuses = {a[1] for a in answers}
    assert statuses == {200}, [a for a in answers if a[1] != 200][:5]
    assert len(answers) > 20
    assert {a[2] for a in answers} == {"1", "2"}
    assert {a[3] for a in answers} == {"live", "canary"}

    stop_service(ws, handle)
    assert handle.process.returncode == 0
    logged = {
        row[0]: (row[1], row[2])
        for row in ws.db.execute(
            "SELECT p.request_id, m.number, p.arm FROM predictions p"
            " JOIN model_versions m ON m.id = p.model_version_id WHERE p.status = 200"
        )
    }
    assert len(logged) == len(answers)  # a clean stop loses nothing acknowledged
    for request_id, _, version, arm in answers:
        assert logged[request_id] == (int(version), arm)
    status = ws.db.execute(
        "SELECT status, stopped_at FROM service_instances WHERE id = ?", [handle.instance.id]
    ).fetchone()
    assert status[0] == "stopped" and status[1] is not None
    assert find_service(ws) is None
    ws.close()
