"""Hostile client input on every route gets a 4xx with a JSON error naming the problem, never a
500 or a dropped connection: header-echoed ids, wrong types where strings go, deep nesting, huge
integers, odd version segments. Refusals before scoring are logged as error rows."""

from __future__ import annotations

import json
import re
import socket
import time

import httpx
import pytest

from tests.serving.conftest import free_port, register_versions, rows


def _check(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    message = body.get("message") or body.get("error")
    assert message, body
    for word in words:
        assert word.lower() in message.lower(), message


def _v2(frame, **extra) -> dict:
    record = rows(frame, 1)[0]
    inputs = [
        {
            "name": k,
            "shape": [1],
            "datatype": "BYTES" if isinstance(v, str) else "FP64",
            "data": [v],
        }
        for k, v in record.items()
    ]
    return {"inputs": inputs, **extra}


def _raw(handle, path: str, body: bytes, headers: bytes = b"") -> bytes:
    """Send one raw HTTP request and return the whole answer (b"" when the connection dropped)."""
    host, port = handle.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        ).encode()
        sock.sendall(head + headers + b"\r\n" + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "request_id", ["caf\u00e9", "a\r\nX-Evil: 1", "tab\there", "x" * 300, "\u2028"]
)
def test_an_id_echoed_into_a_header_is_validated(served, credit_frame, request_id):
    _, handle, _ = served
    body = json.dumps(_v2(credit_frame, id=request_id)).encode()
    answer = _raw(handle, "/v2/models/credit/infer", body)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"'id'" in answer and b"X-Evil" not in answer.split(b"\r\n\r\n")[0]


def test_a_lone_surrogate_id_is_400(served, credit_frame):
    _, handle, _ = served
    body = json.dumps(_v2(credit_frame)).encode()[:-1] + b', "id": "\\ud800"}'
    answer = _raw(handle, "/v2/models/credit/infer", body)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_a_bad_request_id_header_is_400(served, credit_frame):
    _, handle, _ = served
    body = json.dumps({"dataframe_records": rows(credit_frame, 1)}).encode()
    answer = _raw(handle, "/invocations", body, b"X-Request-ID: caf\xe9\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"X-Request-ID" in answer.split(b"\r\n\r\n", 1)[1]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"outputs": [{"name": ["predict"]}]}, ("outputs[0].name",)),
        ({"outputs": [{"name": {"a": 1}}]}, ("outputs[0].name",)),
        ({"outputs": "predict"}, ("outputs",)),
        ({"parameters": [1]}, ("parameters",)),
    ],
)
def test_a_list_or_object_where_a_string_goes_is_400(served, credit_frame, change, words):
    _, handle, _ = served
    response = httpx.post(handle.url + "/v2/models/credit/infer", json=_v2(credit_frame, **change))
    _check(response, 400, *words)


@pytest.mark.parametrize("field", ["datatype", "name"])
@pytest.mark.parametrize("value", [["FP64"], {"a": 1}, 3])
def test_a_tensor_field_of_the_wrong_type_is_400(served, credit_frame, field, value):
    _, handle, _ = served
    body = _v2(credit_frame)
    body["inputs"][0][field] = value
    response = httpx.post(handle.url + "/v2/models/credit/infer", json=body)
    _check(response, 400, f"inputs[0].{field}")


ROUTES = ["/invocations", "/v2/models/credit/infer", "/v1/models/credit:predict", "/outcomes"]


@pytest.mark.parametrize("path", ROUTES)
def test_deep_nesting_is_400(served, path):
    _, handle, _ = served
    for depth in (65, 1000, 100_000):
        body = b'{"inputs": ' + b"[" * depth + b"]" * depth + b"}"
        _check(httpx.post(handle.url + path, content=body), 400, "nested deeper than 64 levels")


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize(("digits", "words"), [(400, "too large"), (5000, "digits")])
def test_huge_integers_are_400(served, path, digits, words):
    _, handle, _ = served
    number = b"9" * digits
    body = b'{"model": "credit", "inputs": [' + number + b'], "instances": [' + number + b"]}"
    _check(httpx.post(handle.url + path, content=body), 400, words)


def test_a_huge_integer_value_in_a_row_is_400(served, credit_frame):
    _, handle, _ = served
    text = json.dumps({"dataframe_records": rows(credit_frame, 1)})
    text = re.sub(r'"age_in_years": [0-9]+', '"age_in_years": ' + "9" * 400, text)
    _check(httpx.post(handle.url + "/invocations", content=text.encode()), 400, "too large")


@pytest.mark.parametrize("version", ["\u00b2", "\u0663", "1" * 5000, "-1", "0", "+1", "1_0"])
def test_version_segments_take_ascii_digits_only(served, credit_frame, version):
    _, handle, _ = served
    for path in (
        f"/v2/models/credit/versions/{version}",
        f"/v2/models/credit/versions/{version}/ready",
    ):
        _check(httpx.get(handle.url + path), 404, "versions are numbers")
    path = f"/v2/models/credit/versions/{version}/infer"
    _check(httpx.post(handle.url + path, json=_v2(credit_frame)), 404, "versions are numbers")


def test_refusals_before_scoring_are_logged_as_error_rows(served):
    ws, handle, _ = served
    before = ws.db.execute("SELECT COUNT(*) FROM predictions WHERE status >= 400").fetchone()[0]
    httpx.post(handle.url + "/v2/models/credit/infer", content=b"[" * 2000)
    httpx.post(handle.url + "/v2/models/credit/versions/\u00b2/infer", content=b"{}")
    httpx.post(handle.url + "/invocations", content=b'{"inputs": [' + b"9" * 5000 + b"]}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after = ws.db.execute("SELECT COUNT(*) FROM predictions WHERE status >= 400").fetchone()[0]
        if after - before >= 3:
            break
        time.sleep(0.2)
    assert after - before >= 3


def test_outcomes_are_capped_per_request(served):
    _, handle, _ = served
    rows_ = [{"request_id": f"r{i}", "label": 1} for i in range(10_001)]
    response = httpx.post(handle.url + "/outcomes", json={"model": "credit", "outcomes": rows_})
    _check(response, 413, "at most 10,000")


@pytest.mark.parametrize(
    "observed",
    [b"Infinity", b"-Infinity", b"NaN", b"1e308", b"-5", b'"9999-12-31T23:59:59"', b'"0001-01-01"'],
)
def test_outcomes_observed_at_is_finite_and_sane(served, observed):
    _, handle, _ = served
    body = b'{"model": "credit", "outcomes": [{"request_id": "r1", "label": 1, "observed_at": '
    response = httpx.post(handle.url + "/outcomes", content=body + observed + b"}]}")
    _check(response, 400, "observed_at")


@pytest.mark.parametrize("key", ["request_id", "entity_key"])
def test_outcomes_keys_refuse_lone_surrogates(served, key):
    _, handle, _ = served
    body = b'{"model": "credit", "outcomes": [{"' + key.encode() + b'": "\\udc80", "label": 1}]}'
    _check(httpx.post(handle.url + "/outcomes", content=body), 400, "surrogate")


SHORT_DEADLINE_S = 2.0  # header and body deadlines of the short_deadlines service


@pytest.fixture(scope="module")
def short_deadlines(tmp_path_factory, trained):
    """A real service whose header and body deadlines are SHORT_DEADLINE_S (set through the
    environment variables the README documents), so stalled clients are cut off quickly."""
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.deployments import deploy
    from mlops_desktop.serving.process import start_service, stop_service

    patch = pytest.MonkeyPatch()
    patch.setenv("MLOPS_DESKTOP_BODY_TIMEOUT_S", str(SHORT_DEADLINE_S))
    patch.setenv("MLOPS_DESKTOP_HEADER_TIMEOUT_S", str(SHORT_DEADLINE_S))
    ws = Workspace.open(tmp_path_factory.mktemp("deadlines") / "ws")
    register_versions(ws, trained)
    deploy(ws, "credit@1", force=True, reason="tests")
    handle = start_service(ws, port=free_port())
    patch.undo()
    host, port = handle.url.split("//")[1].split(":")
    yield handle, (host, int(port))
    stop_service(ws, handle)
    ws.close()


def _response(sock: socket.socket) -> tuple[bytes, bytes]:
    """One whole HTTP response (head, body), however the service split it into packets."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        body += chunk
    return head, body


def _answer(sock: socket.socket) -> bytes:
    """Everything the service sends until it closes the connection."""
    parts = []
    while chunk := sock.recv(65536):
        parts.append(chunk)
    return b"".join(parts)


def test_a_body_shorter_than_its_content_length_gets_408(short_deadlines):
    """The body must arrive within its deadline; a short one is not waited on forever."""
    handle, address = short_deadlines
    with socket.create_connection(address, timeout=SHORT_DEADLINE_S + 30) as sock:
        sock.sendall(
            b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"dataframe_records": ['
        )
        head, body = _response(sock)
    assert head.startswith(b"HTTP/1.1 408"), head[:200]
    assert b"Content-Length" in body
    assert httpx.get(handle.url + "/v2/health/live").status_code == 200


def test_connections_holding_half_sent_headers_are_closed_with_408(short_deadlines):
    """200 clients that connect and stall (nothing sent, half a request line, headers without
    their blank line) are answered 408 and closed; /ping answers while they are held."""
    handle, address = short_deadlines
    stalls = [b"", b"POST /invoc", b"GET /ping HTTP/1.1\r\nHost: x\r\n"]
    held = []
    try:
        for i in range(200):
            sock = socket.create_connection(address, timeout=SHORT_DEADLINE_S + 30)
            held.append(sock)
            if stalls[i % 3]:
                sock.sendall(stalls[i % 3])
        assert httpx.get(handle.url + "/ping").status_code == 200
        answers = [_answer(sock) for sock in held]
    finally:
        for sock in held:
            sock.close()
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), {a[:40] for a in answers}
    assert b"REQUEST_TIMEOUT" in answers[1]
    assert httpx.get(handle.url + "/ping").status_code == 200


def test_a_kept_alive_connection_stalling_on_its_next_request_is_closed(short_deadlines):
    """The deadline applies again to each request on a kept-alive connection."""
    _, address = short_deadlines
    with socket.create_connection(address, timeout=SHORT_DEADLINE_S + 30) as sock:
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        head, _ = _response(sock)
        assert head.startswith(b"HTTP/1.1 200"), head[:100]
        sock.sendall(b"GET /pi")
        second = _answer(sock)
    assert second.startswith(b"HTTP/1.1 408"), second[:100]


def test_a_big_body_is_answered_as_the_same_rows_in_small_requests(short_deadlines, credit_frame):
    """Bodies over OFF_LOOP_BYTES are decoded, validated and answered off the event loop, in
    steps; the answers equal those for the same rows sent 500 at a time."""
    from mlops_desktop.serving.limits import OFF_LOOP_BYTES, OFF_LOOP_ROWS

    handle, _ = short_deadlines
    records = rows(credit_frame, len(credit_frame)) * 6
    body = json.dumps({"dataframe_records": records}).encode()
    assert len(body) > OFF_LOOP_BYTES and len(records) > OFF_LOOP_ROWS
    url = handle.url + "/invocations"
    headers = {"Content-Type": "application/json"}
    big = httpx.post(url, content=body, headers=headers, timeout=120)
    assert big.status_code == 200, big.text[:300]
    small = []
    for start in range(0, len(records), 500):
        part = {"dataframe_records": records[start : start + 500]}
        answer = httpx.post(url, json=part, timeout=60)
        small.extend(answer.json()["probabilities"])
    assert big.json()["probabilities"] == small
