"""Hypothesis against the live service: for every route of its OpenAPI, bodies drawn from the
published request schemas (and from any JSON at all), hostile path segments and headers. No
answer may be >= 500 and every 4xx is JSON with a message; a failure is shrunk to its smallest
request. Derandomized, so a run is repeatable; bounded by ``EXAMPLES`` per route kind.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.serving.test_fuzz import KEEP_UP, PATH_VALUES, TEXTS, TOKEN, _check, _operations

EXAMPLES = 400
texts = st.sampled_from(TEXTS) | st.text(max_size=40)
numbers = st.integers(-(2**70), 2**70) | st.floats(allow_nan=True, allow_infinity=True)
scalars = st.none() | st.booleans() | numbers | texts
any_json = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


def from_schema(schema: dict, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values shaped like ``schema`` (JSON Schema as the OpenAPI gives it), sometimes anything."""
    if depth > 6:
        return any_json
    if "oneOf" in schema:
        shaped = st.one_of([from_schema(s, depth + 1) for s in schema["oneOf"]])
    elif "enum" in schema:
        shaped = st.sampled_from(schema["enum"])
    elif schema.get("type") == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        shaped = st.fixed_dictionaries(
            {k: from_schema(v, depth + 1) for k, v in props.items() if k in required},
            optional={k: from_schema(v, depth + 1) for k, v in props.items() if k not in required},
        )
    elif schema.get("type") == "array":
        shaped = st.lists(from_schema(schema.get("items", {}), depth + 1), max_size=3)
    elif schema.get("type") in ("number", "integer"):
        shaped = numbers
    elif schema.get("type") == "string":
        shaped = texts
    elif schema.get("type") == "boolean":
        shaped = st.booleans()
    else:
        shaped = scalars
    return shaped | any_json if depth == 0 else st.one_of(shaped, shaped, shaped, any_json)


def _request(draw, operations) -> tuple[str, str, bytes | None, dict[str, bytes]]:
    path, method, schema = draw(st.sampled_from(operations))
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + draw(st.sampled_from(PATH_VALUES)) + path[end + 1 :]
    body = None
    if method == "POST":
        value = draw(from_schema(schema) if schema else any_json)
        body = json.dumps(value).encode()
    headers = {"content-type": draw(st.sampled_from([b"application/json", b"text/csv", b""]))}
    request_id = draw(st.none() | st.sampled_from([b"ok-1", b"caf\xe9", b"a b", b"x" * 300]))
    if request_id is not None:
        headers["x-request-id"] = request_id
    if path.startswith("/admin") and path not in KEEP_UP:
        headers["authorization"] = f"Bearer {TOKEN}".encode()
    return method, path, body, headers


def test_hypothesis_finds_no_5xx_on_any_route(served, capsys):
    _, handle, _ = served
    operations = _operations(httpx.get(handle.url + "/openapi.json").json())
    scoring = [op for op in operations if op[1] == "POST" and not op[0].startswith("/admin")]
    client = httpx.Client(base_url=handle.url, timeout=30)
    sent = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def one_request(data) -> None:
        pool = scoring if data.draw(st.booleans()) else operations
        method, path, body, headers = _request(data.draw, pool)
        request = client.build_request(method, path, content=body)
        request.headers.update(headers)
        request.headers.encoding = "latin-1"
        response = client.send(request)
        sent.append(path)
        errors: list[str] = []
        _check(response, errors, f"{method} {path[:80]} {body[:200] if body else b''}")
        assert not errors, errors

    with client:
        one_request()
    with capsys.disabled():
        print(f"\nhypothesis: {len(sent)} requests over {len(set(sent))} paths, 0 >= 500")
    assert len(sent) >= EXAMPLES
