"""Stopping a service without signals (the Windows path): the stop is asked through the
registry, the service sees it within a second, finishes what it answered and flushes its log."""

from __future__ import annotations

import httpx

from mlops_desktop.serving.deployments import deploy
from mlops_desktop.serving.process import find_service, start_service, stop_service
from tests.serving.conftest import free_port, rows


def test_a_stop_asked_through_the_registry_ends_the_service_cleanly(model_ws, credit_frame):
    ws = model_ws
    deploy(ws, "credit@1", force=True, reason="tests")
    handle = start_service(ws, port=free_port())
    answered = [
        httpx.post(handle.url + "/invocations", json={"dataframe_records": rows(credit_frame, 2)})
        for _ in range(5)
    ]
    assert all(r.status_code == 200 for r in answered)
    assert stop_service(ws, handle, timeout=30, signals=False)
    assert handle.process.poll() == 0  # it exited by itself: not killed
    instance = ws.services.get(handle.instance.id)
    assert instance.status == "stopped" and instance.stop_requested_at is not None
    assert find_service(ws) is None
    ids = {r.headers["x-request-id"] for r in answered}
    logged = {row[0] for row in ws.db.execute("SELECT request_id FROM predictions").fetchall()}
    assert ids <= logged  # every answer is in the log
