"""The service reports a version it cannot load in /ping and /health, and retries it."""

from __future__ import annotations

import time

import httpx

from mlops_desktop.serving.deployments import deploy
from mlops_desktop.serving.process import start_service, stop_service
from tests.serving.conftest import free_port, rows
from tests.serving.test_artifact_integrity import flip_byte, plant, point_row, restore


def _until(url: str, done, limit_s: float = 60.0) -> httpx.Response:
    """Poll ``url`` until ``done(response)``; fail after ``limit_s`` (a hang, not a timing)."""
    deadline = time.monotonic() + limit_s
    while True:
        response = httpx.get(url)
        if done(response) or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_nothing_loadable_is_reported_and_a_restored_file_heals_without_restart(
    model_ws, credit_frame
):
    ws = model_ws
    deploy(ws, "credit@2", force=True, reason="first")
    digest = ws.models.get("credit@2").artifact_hash
    original = flip_byte(ws, digest)
    handle = start_service(ws, port=free_port())
    try:
        for path in ("/ping", "/health"):
            response = httpx.get(handle.url + path)
            assert response.status_code == 503
            status = response.json()["status"]
            assert status.startswith("credit@2 could not be loaded: Artifact ")
            assert "is damaged" in status and "nothing of 'credit' is served" in status
        restore(ws, digest, original)
        healed = _until(handle.url + "/ping", lambda r: r.status_code == 200)
        assert healed.status_code == 200, healed.text
        assert healed.json() == {
            "status": "ok",
            "models": {"credit": "credit@2"},
            "load_errors": {},
        }
        scored = httpx.post(
            handle.url + "/invocations", json={"dataframe_records": rows(credit_frame, 3)}
        )
        assert scored.status_code == 200 and scored.headers["x-model-version"] == "2"
    finally:
        stop_service(ws, handle)


def test_a_live_version_that_fails_to_load_is_reported_while_the_previous_one_serves(
    model_ws, credit_frame
):
    ws = model_ws
    deploy(ws, "credit@1", force=True, reason="first")
    digest = ws.models.get("credit@2").artifact_hash
    original = flip_byte(ws, digest)
    handle = start_service(ws, port=free_port())
    try:
        ws.models.set_alias("credit", "live", 2, reason="damaged after it was checked")
        response = _until(handle.url + "/ping", lambda r: r.json()["load_errors"])
        assert response.status_code == 200
        message = response.json()["load_errors"]["credit"]
        assert message.startswith("credit@2 could not be loaded: Artifact ")
        assert message.endswith("; serving credit@1")
        assert httpx.get(handle.url + "/health").json()["status"] == message
        scored = httpx.post(
            handle.url + "/invocations", json={"dataframe_records": rows(credit_frame, 3)}
        )
        assert scored.status_code == 200 and scored.headers["x-model-version"] == "1"
        restore(ws, digest, original)
        healed = _until(handle.url + "/ping", lambda r: not r.json()["load_errors"])
        assert healed.json()["models"] == {"credit": "credit@2"}
    finally:
        stop_service(ws, handle)


def test_the_service_refuses_a_row_pointed_at_a_planted_pickle(model_ws, tmp_path):
    ws = model_ws
    deploy(ws, "credit@1", force=True, reason="first")
    marker = tmp_path / "code-ran"
    registered = ws.models.get("credit@1").artifact_hash
    point_row(ws, "credit@1", plant(ws, marker))
    handle = start_service(ws, port=free_port())
    try:
        response = httpx.get(handle.url + "/ping")
        assert response.status_code == 503
        status = response.json()["status"]
        assert status.startswith("credit@1 could not be loaded: credit@1 points at artifact")
        assert "registered with artifact" in status
        time.sleep(0.5)  # a few watcher polls: none of them may load it either
        assert not marker.exists()
        point_row(ws, "credit@1", registered)  # the row repaired, the file untouched: the
        healed = _until(handle.url + "/ping", lambda r: r.status_code == 200)  # backoff retry
        assert healed.json()["models"] == {"credit": "credit@1"}, healed.text
    finally:
        stop_service(ws, handle)
    assert not marker.exists()


def test_the_admin_deploy_route_refuses_a_damaged_version_with_409(model_ws):
    ws = model_ws
    deploy(ws, "credit@1", force=True, reason="first")
    flip_byte(ws, ws.models.get("credit@2").artifact_hash)
    handle = start_service(ws, port=free_port(), token="admin-secret")
    try:
        response = httpx.post(
            handle.url + "/admin/deploy",
            json={"model": "credit@2", "force": True, "reason": "x"},
            headers={"Authorization": "Bearer admin-secret"},
            timeout=60,
        )
        assert response.status_code == 409, response.text
        assert "credit@2 cannot go live" in response.json()["error"]
        assert ws.models.get("credit@live").ref == "credit@1"
        ping = httpx.get(handle.url + "/ping", headers={"Authorization": "Bearer admin-secret"})
        assert ping.json()["models"] == {"credit": "credit@1"}
    finally:
        stop_service(ws, handle)
