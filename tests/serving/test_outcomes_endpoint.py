"""``POST /outcomes`` on a real service: outcomes matched to the request ids the service answered
with, unmatched keys reported, every client mistake a JSON 4xx naming the problem."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from mlops_desktop.monitoring.realized import labelled_rows, realized_series
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.deployments import deploy
from mlops_desktop.serving.process import start_service, stop_service
from tests.serving.conftest import TARGET, free_port, register_versions, rows

JSON = "application/json"


def _logged(ws, request_ids: list[str], timeout: float = 10.0) -> None:
    """Wait until the service's prediction log (written every 0.2 s) holds these requests."""
    marks = ",".join("?" * len(request_ids))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = ws.db.execute(
            f"SELECT COUNT(DISTINCT request_id) FROM predictions WHERE request_id IN ({marks})",
            request_ids,
        ).fetchone()[0]
        if found == len(request_ids):
            return
        time.sleep(0.05)
    raise AssertionError(f"only {found} of {len(request_ids)} requests were logged")


def _score(url: str, records: list[dict], **headers: str) -> str:
    answer = httpx.post(url + "/invocations", json={"dataframe_records": records}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.headers["x-request-id"]


def _error(response: httpx.Response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == JSON
    message = response.json()["error"]
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def _outcome_count(ws) -> int:
    return ws.db.execute("SELECT COUNT(*) FROM outcomes").fetchone()[0]


def test_outcomes_match_the_request_ids_the_service_answered_with(served, credit_frame):
    ws, handle, _ = served
    records = rows(credit_frame, 6)
    labels = credit_frame[TARGET].iloc[:6].tolist()
    singles = [_score(handle.url, [r]) for r in records[:4]]
    several = _score(handle.url, records[4:6])  # one request, two rows: a list label
    keyed = _score(handle.url, records[:1], **{"X-Entity-Key": "loan-77"})
    _logged(ws, [*singles, several, keyed])
    before = len(labelled_rows(ws, "credit"))

    body = {
        "model": "credit",
        "outcomes": [
            *({"request_id": i, "label": y} for i, y in zip(singles, labels, strict=False)),
            {"request_id": several, "label": labels[4:6], "observed_at": "2026-03-15T09:30"},
            {"request_id": "never-scored", "label": "good"},
        ],
    }
    answer = httpx.post(handle.url + "/outcomes", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == JSON
    summary = answer.json()
    assert summary["model"] == "credit" and summary["key_kind"] == "request_id"
    assert (summary["received"], summary["stored"]) == (6, 6)
    assert (summary["matched"], summary["unmatched"]) == (5, 1)
    assert summary["unmatched_examples"] == ["never-scored"] and summary["source"] == "api"

    by_entity = httpx.post(
        handle.url + "/outcomes",
        json={
            "model": "credit",
            "outcomes": [{"entity_key": "loan-77", "label": labels[0], "observed_at": 4e9}],
        },
    )
    assert by_entity.status_code == 200, by_entity.text
    assert by_entity.json()["key_kind"] == "entity" and by_entity.json()["matched"] == 1

    labelled = labelled_rows(ws, "credit")
    assert len(labelled) - before == 7  # four single rows, two rows of one request, one entity
    ids = [*singles, several, keyed]
    marks = ",".join("?" * len(ids))
    prediction = dict(
        ws.db.execute(
            f"SELECT request_id, id FROM predictions WHERE request_id IN ({marks})", ids
        ).fetchall()
    )
    got = {(int(r.prediction_id), int(r.row)): r.label for r in labelled.itertuples()}
    for request_id, label in zip(singles, labels, strict=False):
        assert got[(prediction[request_id], 0)] == label
    assert [got[(prediction[several], i)] for i in (0, 1)] == labels[4:6]
    assert got[(prediction[keyed], 0)] == labels[0]
    series = realized_series(ws, "credit")
    assert series.total_labelled == len(labelled)
    assert series.unmatched >= 1 and "never-scored" in series.unmatched_examples


def _bad_cases() -> list[tuple]:
    ok = {"request_id": "r1", "label": "good"}
    return [
        ("malformed json", b'{"model": "credit", "outcomes": [', 400, ("not valid JSON",)),
        ("empty body", b"", 400, ("empty",)),
        ("not an object", [ok], 400, ("JSON object",)),
        ("no model", {"outcomes": [ok]}, 400, ("lacks model",)),
        ("no outcomes", {"model": "credit"}, 400, ("lacks outcomes",)),
        ("model not text", {"model": 3, "outcomes": [ok]}, 400, ("'model'",)),
        ("outcomes not a list", {"model": "credit", "outcomes": ok}, 400, ("must be a list",)),
        ("empty list", {"model": "credit", "outcomes": []}, 400, ("empty",)),
        ("outcome not an object", {"model": "credit", "outcomes": ["r1"]}, 400, ("Outcome 1",)),
        (
            "no key",
            {"model": "credit", "outcomes": [ok, {"label": "bad"}]},
            400,
            ("Outcome 2", "request_id or entity_key"),
        ),
        (
            "two keys",
            {"model": "credit", "outcomes": [{**ok, "entity_key": "e"}]},
            400,
            ("both",),
        ),
        (
            "key of the wrong type",
            {"model": "credit", "outcomes": [{"request_id": {"id": 1}, "label": "good"}]},
            400,
            ("'request_id'",),
        ),
        ("no label", {"model": "credit", "outcomes": [{"request_id": "r1"}]}, 400, ("'label'",)),
        (
            "label of the wrong type",
            {"model": "credit", "outcomes": [{"request_id": "r1", "label": {"y": 1}}]},
            400,
            ("'label'",),
        ),
        (
            "observed_at of the wrong type",
            {"model": "credit", "outcomes": [{**ok, "observed_at": [2026]}]},
            400,
            ("observed_at",),
        ),
        (
            "observed_at not a date",
            {"model": "credit", "outcomes": [{**ok, "observed_at": "last tuesday"}]},
            400,
            ("last tuesday", "ISO"),
        ),
        (
            "unknown field",
            {"model": "credit", "outcomes": [{**ok, "observedAt": 1}]},
            400,
            ("observedAt",),
        ),
        (
            "mixed key kinds",
            {"model": "credit", "outcomes": [ok, {"entity_key": "e", "label": "bad"}]},
            400,
            ("mix",),
        ),
        ("unknown model", {"model": "loans", "outcomes": [ok]}, 404, ("loans", "credit")),
    ]


@pytest.mark.parametrize(
    "body, status, words", [c[1:] for c in _bad_cases()], ids=[c[0] for c in _bad_cases()]
)
def test_bad_outcome_bodies_are_refused_with_a_json_error(served, body, status, words):
    ws, handle, _ = served
    before = _outcome_count(ws)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer = httpx.post(handle.url + "/outcomes", content=raw, headers={"Content-Type": JSON})
    _error(answer, status, *words)
    assert "Traceback" not in answer.text
    assert _outcome_count(ws) == before  # nothing stored


def test_an_oversized_body_is_refused_before_parsing(served):
    ws, handle, _ = served
    before = _outcome_count(ws)
    big = {"request_id": "r" * 1000, "label": "good"}
    raw = json.dumps({"model": "credit", "outcomes": [big] * 1100}).encode()  # > 1 MB
    answer = httpx.post(handle.url + "/outcomes", content=raw, headers={"Content-Type": JSON})
    _error(answer, 413, "larger than this service accepts")

    def chunks():  # streamed, no Content-Length: refused once the limit is passed
        yield b'{"model": "credit", "outcomes": ['
        for _ in range(1100):
            yield json.dumps(big).encode() + b","
        yield b"]}"

    streamed = httpx.post(handle.url + "/outcomes", content=chunks())
    _error(streamed, 413, "larger than this service accepts")
    assert _outcome_count(ws) == before


def test_outcomes_need_the_token_when_every_request_does(tmp_path, trained):
    ws = Workspace.open(tmp_path / "ws")
    register_versions(ws, trained)
    deploy(ws, "credit@1", force=True, reason="token test")
    handle = start_service(ws, port=free_port(), token="s3cret", require_token=True)
    body = {"model": "credit", "outcomes": [{"request_id": "r1", "label": "good"}]}
    try:
        _error(httpx.post(handle.url + "/outcomes", json=body), 401, "token")
        auth = {"Authorization": "Bearer s3cret"}
        answer = httpx.post(handle.url + "/outcomes", json=body, headers=auth)
        assert answer.status_code == 200, answer.text
        assert answer.json()["unmatched"] == 1
    finally:
        stop_service(ws, handle)
        ws.close()


def test_the_traffic_simulator_posts_its_outcomes_here(served, credit_frame):
    from mlops_desktop.monitoring.simulate import simulate

    ws, handle, _ = served
    before = len(labelled_rows(ws, "credit"))
    result = simulate(
        handle.url,
        "credit",
        credit_frame.iloc[100:140],
        rate=40,
        duration=20,
        max_requests=40,
        target=TARGET,
        outcome_share=1.0,
        outcome_delay=0.3,
    )
    assert (result.ok, result.outcomes_sent, result.outcome_errors) == (40, 40, [])
    deadline = time.monotonic() + 10
    while len(labelled_rows(ws, "credit")) < before + 40 and time.monotonic() < deadline:
        time.sleep(0.1)  # outcomes sent before the log was written match once it is
    assert len(labelled_rows(ws, "credit")) == before + 40
