"""``POST /explain`` on a real service (uvicorn on 127.0.0.1): a request it answered is explained
from its log, the token is required when the service has one, client mistakes are JSON 4xx."""

from __future__ import annotations

import time

import httpx
import pytest

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.deployments import deploy
from mlops_desktop.serving.process import start_service, stop_service
from tests.conftest import copy_workspace
from tests.decisions import credit_records
from tests.serving.conftest import free_port

TOKEN = {"Authorization": "Bearer explain-secret"}


def _logged(ws, request_id: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ws.predictions.by_request(request_id):
            return
        time.sleep(0.05)
    raise AssertionError(f"{request_id} was not logged")


def _error(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    message = response.json()["error"]
    for word in words:
        assert word.lower() in message.lower(), message


@pytest.fixture
def service(explained_template, tmp_path):
    ws = Workspace.open(copy_workspace(explained_template, tmp_path / "ws"), create=False)
    deploy(ws, "credit@2", force=True, reason="tests")
    started = []

    def start(token: str | None):
        handle = start_service(ws, port=free_port(), token=token, reuse=False)
        started.append(handle)
        return handle

    yield ws, start
    for handle in started:
        stop_service(ws, handle)
    ws.close()


def test_a_scored_request_is_explained_and_the_token_is_required(service) -> None:
    ws, start = service
    url = start("explain-secret").url
    records = credit_records(2, start=20)
    scored = httpx.post(url + "/invocations", json={"dataframe_records": records}, headers=TOKEN)
    assert scored.status_code == 200, scored.text
    request_id = scored.headers["x-request-id"]
    _logged(ws, request_id)
    answer = httpx.post(url + "/explain", json={"id": request_id}, headers=TOKEN)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["id"] == request_id and body["model"] == "credit@2"
    assert body["method"].startswith("TreeSHAP") and body["rows_total"] == 2
    probabilities = scored.json()["predictions"]
    for row, scored_row in zip(body["rows"], probabilities, strict=True):
        total = row["base_value"] + sum(row["contributions"].values())
        assert total == pytest.approx(row["raw_output"], abs=1e-6)
        assert len(row["reasons"]) == 3 and row["reasons"][0]["text"]
        assert scored_row is not None
    assert "age_in_years" in body["personal_data"]
    _error(httpx.post(url + "/explain", json={"id": request_id}), 401, "token")
    wrong = {"Authorization": "Bearer nope"}
    _error(httpx.post(url + "/explain", json={"id": request_id}, headers=wrong), 403, "wrong")


def test_client_mistakes_are_4xx_never_500(service) -> None:
    ws, start = service
    url = start(None).url  # no token: explanations are open like scoring
    post = lambda content: httpx.post(  # noqa: E731
        url + "/explain", content=content, headers={"Content-Type": "application/json"}
    )
    _error(post(b"{not json"), 400)
    _error(post(b""), 400, "empty")
    _error(post(b'{"id": 5}'), 400, "'id' must be")
    _error(post(b'["x"]'), 400, '{"id"')
    _error(post(b'{"id": "unknown-id"}'), 404, "No logged request has the id 'unknown-id'")
    _error(post(b'{"id": "' + b"x" * 5000 + b'"}'), 413)
    scored = httpx.post(url + "/invocations", json={"dataframe_records": credit_records(1)})
    request_id = scored.headers["x-request-id"]
    _logged(ws, request_id)
    answer = httpx.post(url + "/explain", json={"id": request_id})
    assert answer.status_code == 200, answer.text
