"""Every client mistake gets a 4xx with a JSON body (Content-Type exactly application/json) that
names the problem: never a 500, never a traceback."""

from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest

from tests.serving.conftest import rows


def _one(credit_frame, **changes) -> dict:
    record = rows(credit_frame, 1)[0]
    record.update(changes)
    return record


def _check_error(response: httpx.Response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert "Traceback" not in response.text
    body = response.json()
    message = body.get("message") or body.get("error")
    assert message, body
    for word in words:
        assert word.lower() in message.lower(), message
    return body


# (description, path, body or raw bytes, headers, status, words the message must contain)
def _cases(frame: pd.DataFrame) -> list[tuple]:
    good = rows(frame, 2)
    no_age = [{k: v for k, v in r.items() if k != "age_in_years"} for r in good]
    v2 = {"inputs": [{"name": "age_in_years", "shape": [2], "datatype": "FP64", "data": [1]}]}
    return [
        ("malformed json", "/invocations", b'{"dataframe_records": [', {}, 400, "not valid JSON"),
        ("empty body", "/invocations", b"", {}, 400, "empty"),
        ("not an object", "/invocations", [1, 2], {}, 400, "JSON object"),
        ("no mlflow key", "/invocations", {"rows": good}, {}, 400, "exactly one of"),
        (
            "two mlflow keys",
            "/invocations",
            {"dataframe_records": good, "instances": good},
            {},
            400,
            "exactly one of",
        ),
        ("missing column", "/invocations", {"dataframe_records": no_age}, {}, 400, "age_in_years"),
        (
            "unknown column",
            "/invocations",
            {"dataframe_records": [_one(frame, age_in_yeers=3)]},
            {},
            400,
            "did you mean 'age_in_years'",
        ),
        (
            "wrong type",
            "/invocations",
            {"dataframe_records": [_one(frame, age_in_years="forty")]},
            {},
            400,
            "'forty'",
        ),
        (
            "infinite number",
            "/invocations",
            {"dataframe_records": [_one(frame, credit_amount="inf")]},
            {},
            400,
            "credit_amount",
        ),
        (
            "nested value",
            "/invocations",
            {"dataframe_records": [_one(frame, purpose=["a", "b"])]},
            {},
            400,
            "purpose",
        ),
        (
            "boolean for a number",
            "/invocations",
            {"dataframe_records": [_one(frame, duration_in_month=True)]},
            {},
            400,
            "duration_in_month",
        ),
        (
            "column empty in every row",
            "/invocations",
            {"dataframe_records": [_one(frame, age_in_years=None), _one(frame, age_in_years=None)]},
            {},
            400,
            "empty in all 2 rows",
        ),
        (
            "ragged split rows",
            "/invocations",
            {"dataframe_split": {"columns": list(good[0]), "data": [list(good[0].values())[:-1]]}},
            {},
            400,
            "row 0",
        ),
        ("records not objects", "/invocations", {"dataframe_records": [1, 2]}, {}, 400, "item 0"),
        ("zero rows", "/invocations", {"dataframe_records": []}, {}, 400, "missing"),
        (
            "unsupported content type",
            "/invocations",
            b"<rows/>",
            {"Content-Type": "application/xml"},
            415,
            "application/xml",
        ),
        (
            "ragged csv",
            "/invocations",
            b"a,b\n1,2,3\n",
            {"Content-Type": "text/csv"},
            400,
            "line 2",
        ),
        ("v2 without inputs", "/v2/models/credit/infer", {"data": 1}, {}, 400, "'inputs'"),
        ("v2 shape mismatch", "/v2/models/credit/infer", v2, {}, 400, "shape"),
        (
            "v2 unknown datatype",
            "/v2/models/credit/infer",
            {"inputs": [{"name": "x", "shape": [1], "datatype": "FLOAT", "data": [1]}]},
            {},
            400,
            "datatype",
        ),
        (
            "v2 malformed json, no content type",
            "/v2/models/credit/infer",
            b"{inputs: nope}",
            {},
            400,
            "not valid JSON",
        ),
        (
            "v2 unknown output",
            "/v2/models/credit/infer",
            {
                "inputs": [
                    {"name": k, "shape": [1], "datatype": "BYTES", "data": [v]}
                    for k, v in good[0].items()
                ],
                "outputs": [{"name": "nope"}],
            },
            {},
            400,
            "unknown output",
        ),
        ("v1 without instances", "/v1/models/credit:predict", {"rows": good}, {}, 400, "instances"),
        ("unknown version", "/v2/models/credit/versions/9/infer", v2, {}, 404, "version 9"),
        ("non-numeric version", "/v2/models/credit/versions/abc/infer", v2, {}, 404, "abc"),
        ("unknown model", "/v2/models/nobody/infer", v2, {}, 404, "nobody"),
        ("unknown model v1", "/v1/models/nobody:predict", {"instances": good}, {}, 404, "nobody"),
        ("unknown endpoint", "/v3/whatever", {}, {}, 404, "no such endpoint"),
    ]


@pytest.fixture(scope="module")
def cases(credit_frame):
    return {case[0]: case for case in _cases(credit_frame)}


def _case_names() -> list[str]:
    from tests.datasets import GERMAN_CREDIT, read_dataset

    return [c[0] for c in _cases(read_dataset(GERMAN_CREDIT))]


@pytest.mark.parametrize("name", _case_names())
def test_bad_request_gets_a_json_4xx(served, cases, name):
    _, handle, _ = served
    _, path, body, headers, status, *words = cases[name]
    if isinstance(body, bytes):
        response = httpx.post(handle.url + path, content=body, headers=headers)
    else:
        response = httpx.post(handle.url + path, content=json.dumps(body).encode(), headers=headers)
    _check_error(response, status, *words)


def test_unknown_version_metadata_is_404(served):
    _, handle, _ = served
    _check_error(httpx.get(handle.url + "/v2/models/credit/versions/7"), 404, "version 7")
    _check_error(httpx.get(handle.url + "/v1/models/nobody"), 404, "nobody")


def test_wrong_method_is_json(served):
    _, handle, _ = served
    _check_error(httpx.get(handle.url + "/invocations"), 405, "no such endpoint")


def test_oversized_body_is_refused_before_parsing(served):
    """The service was started with a 1 MB limit: declared and streamed bodies over it get 413."""
    _, handle, _ = served
    big = b'{"dataframe_records": [' + b" " * (2 * 1024 * 1024) + b"]}"
    _check_error(httpx.post(handle.url + "/invocations", content=big), 413, "larger than")

    def stream():  # chunked: no Content-Length, the bytes are counted as they arrive
        yield b'{"inputs": ['
        for _ in range(40):
            yield b" " * 65536
        yield b"]}"

    response = httpx.post(handle.url + "/v2/models/credit/infer", content=stream())
    _check_error(response, 413, "larger than")
    assert httpx.get(handle.url + "/v2/health/live").status_code == 200  # still serving


def test_mlflow_errors_use_mlflow_shape_and_name_the_model(served, credit_frame):
    _, handle, _ = served
    body = {"dataframe_records": [_one(credit_frame, age_in_years="forty")]}
    answer = _check_error(httpx.post(handle.url + "/invocations", json=body), 400, "forty")
    assert answer["error_code"] == "INVALID_PARAMETER_VALUE"
    assert (answer["model_name"], answer["model_version"]) == ("credit", "1")


def test_request_validation_agrees_with_the_contract(trained, credit_frame):
    """The service's per-request checks refuse exactly what the shared contract calls errors."""
    from mlops_desktop.evaluation.contracts import validate_frame
    from mlops_desktop.serving.validation import RequestError, Table, validate_table

    signature = trained[0][1]
    base = credit_frame.drop(columns=["creditability"]).head(3).astype(object)
    variants = {
        "ok": base,
        "text in number": base.assign(age_in_years=["40", "forty", 30]),
        "inf": base.assign(credit_amount=[1.0, float("inf"), 2.0]),
        "all empty": base.assign(duration_in_month=[None, None, None]),
        "missing": base.drop(columns=["purpose"]),
        "number as text": base.assign(credit_amount=["1200", "1300.5", None]),
        "bad date free": base.assign(purpose=[1, "x", None]),
    }
    for label, frame in variants.items():
        contract_errors = {
            v.column for v in validate_frame(frame, signature) if v.severity == "error"
        }
        table = Table({c: frame[c].tolist() for c in frame.columns}, len(frame))
        try:
            validate_table(table, signature, "credit@1")
            service_error = None
        except RequestError as exc:
            service_error = exc.message
        assert (service_error is None) == (not contract_errors), label
        for column in contract_errors:
            assert column in service_error, (label, service_error)
