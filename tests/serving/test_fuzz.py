"""A seeded fuzz test against the live service: every route in its OpenAPI, bodies generated from
the published request schemas and then mutated (wrong types, hostile text, deep nesting, huge
numbers), hostile path segments and headers. No answer may be >= 500, no connection may drop,
and every 4xx is JSON with an error message.

It is written on ``random.Random`` (no extra dependency) and bounded by ``REQUESTS``. Header
bytes that break HTTP itself (control characters) are left out: uvicorn answers those with its
own plain-text 400 before the app sees the request.
"""

from __future__ import annotations

import json
import random
from typing import Any

import httpx

REQUESTS = 1500
SEED = 12
TOKEN = "admin-secret"  # the served fixture's admin token
TEXTS = [
    "credit", "credit@1", "credit@2", "nobody", "", " ", "caf\u00e9", "a\r\nX-Evil: 1", "\x00",
    "\u00b2", "\u0663", "1" * 5000, "9", "0", "-1", "\ud800", "\udfff", "\U0001f600", "\u2028",
    "predict", "predict_proba", "FP64", "BYTES", "age_in_years", "purpose", "A43", "x" * 300,
]  # fmt: skip
NUMBERS = [0, 1, -1, 2**63, -(2**63), 10**308, 1e308, 1.5, 3, 100, 101, 1e-300]
RAW_BODIES = [
    b"", b"{", b"[" * 5000, b'{"a":' * 200 + b"1" + b"}" * 200, b"9" * 5000, b"1e999",
    b"NaN", b'"\\ud800"', b"\xff\xfe", b"null", b'{"inputs": Infinity}', b"a,b\n1,2,3\n",
]  # fmt: skip
KEEP_UP = {"/admin/stop", "/admin/undeploy"}  # fuzzed without the token: the service stays up
PATH_VALUES = [
    "credit",
    "nobody",
    "\u00b2",
    "\u0663",
    "1" * 5000,
    "1",
    "2",
    "0",
    "%00",
    "caf\u00e9",
]


class Fuzzer:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def scalar(self) -> Any:
        pick = self.rng.random()
        if pick < 0.35:
            return self.rng.choice(TEXTS)
        if pick < 0.7:
            return self.rng.choice(NUMBERS + [float("inf"), float("nan")])
        return self.rng.choice([None, True, False])

    def anything(self, depth: int = 0) -> Any:
        pick = self.rng.random()
        if depth > 3 or pick < 0.5:
            return self.scalar()
        if pick < 0.75:
            return [self.anything(depth + 1) for _ in range(self.rng.randint(0, 3))]
        return {self.rng.choice(TEXTS): self.anything(depth + 1) for _ in range(3)}

    def from_schema(self, schema: dict, depth: int = 0) -> Any:
        """A value shaped by ``schema``, mutated now and then into something else."""
        if self.rng.random() < 0.12 or depth > 6:
            return self.anything()
        if "oneOf" in schema:
            return self.from_schema(self.rng.choice(schema["oneOf"]), depth + 1)
        if "enum" in schema:
            return self.rng.choice(schema["enum"])
        kind = schema.get("type")
        if kind == "object":
            props = schema.get("properties", {})
            out = {k: self.from_schema(v, depth + 1) for k, v in props.items()
                   if k in schema.get("required", []) or self.rng.random() < 0.5}  # fmt: skip
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                for _ in range(self.rng.randint(0, 3)):
                    out[self.rng.choice(TEXTS)] = self.from_schema(extra, depth + 1)
            return out
        if kind == "array":
            count = self.rng.choice([0, 1, 1, 2, 3])
            return [self.from_schema(schema.get("items", {}), depth + 1) for _ in range(count)]
        if kind in ("number", "integer"):
            return self.rng.choice(NUMBERS)
        if kind == "string":
            return self.rng.choice(TEXTS)
        if kind == "boolean":
            return self.rng.random() < 0.5
        return self.scalar()

    def body(self, schema: dict | None) -> bytes:
        if self.rng.random() < 0.1:
            return self.rng.choice(RAW_BODIES)
        value = self.from_schema(schema) if schema else self.anything()
        return json.dumps(value).encode()  # lone surrogates become \ud800 escapes

    def headers(self, admin: bool) -> dict[str, bytes]:
        headers = {"content-type": self.rng.choice([b"application/json", b"text/csv", b""])}
        if self.rng.random() < 0.3:
            headers["x-request-id"] = self.rng.choice([b"ok-1", b"caf\xe9", b"a b", b"x" * 300])
        if self.rng.random() < 0.2:
            headers["x-model-name"] = self.rng.choice([b"credit", b"nobody", b"\xe9"])
        if admin:
            headers["authorization"] = f"Bearer {TOKEN}".encode()
        return headers


def _operations(spec: dict) -> list[tuple[str, str, dict | None]]:
    out = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            content = op.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            out.append((path, method.upper(), schema))
    return out


def _fill(path: str, fuzz: Fuzzer) -> str:
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + fuzz.rng.choice(PATH_VALUES) + path[end + 1 :]
    return path


def _check(response: httpx.Response, seen: list[str], where: str) -> None:
    if response.status_code >= 500:
        seen.append(f"{where}: {response.status_code} {response.text[:200]}")
    elif response.status_code >= 400:
        assert response.headers.get("content-type") == "application/json", where
        body = response.json()
        assert body.get("error") or body.get("message"), (where, body)


def test_fuzzing_every_route_gets_no_5xx(served, capsys):
    _, handle, _ = served
    spec = httpx.get(handle.url + "/openapi.json").json()
    operations = _operations(spec)
    paths = {path for path, _, _ in operations}
    assert {"/invocations", "/v2/models/{name}/infer", "/outcomes", "/admin/canary"} <= paths
    bodiless = {"/admin/reload", "/admin/stop"}
    assert all(s for p, m, s in operations if m == "POST" and p not in bodiless), operations
    operations += [("/docs", "GET", None), ("/openapi.json", "GET", None), ("/v3/x", "POST", None)]
    fuzz = Fuzzer(SEED)
    errors: list[str] = []
    sent = 0
    with httpx.Client(base_url=handle.url, timeout=30) as client:
        for index in range(REQUESTS):
            path, method, schema = operations[index % len(operations)]
            admin = path.startswith("/admin") and path not in KEEP_UP
            target = _fill(path, fuzz)
            body = fuzz.body(schema) if method == "POST" else None
            request = client.build_request(method, target, content=body)
            request.headers.update(fuzz.headers(admin))
            request.headers.encoding = "latin-1"  # the header bytes are sent as they are
            response = client.send(request)
            sent += 1
            _check(response, errors, f"{method} {target[:80]} {body[:120] if body else b''}")
    with capsys.disabled():
        print(f"\nfuzz: {sent} requests over {len(operations)} operations, {len(errors)} >= 500")
    assert not errors, errors[:5]
