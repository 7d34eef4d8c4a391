"""Each protocol and format against a real service process on 127.0.0.1."""

from __future__ import annotations

import io
import json
import time

import httpx
import numpy as np
import pandas as pd
import pytest

from tests.serving.conftest import TARGET, rows


@pytest.fixture(scope="module")
def expected(trained, credit_frame):
    """What credit@1 (the live logistic regression) says about the first 4 rows."""
    pipeline, _ = trained[0]
    proba = pipeline.predict_proba(credit_frame.drop(columns=[TARGET]).head(4))
    labels = [str(c) for c in np.asarray(pipeline.classes_)[proba.argmax(axis=1)]]
    return labels, proba


def _names(served) -> list[str]:
    """The input columns in the training frame's order, which positional rows follow."""
    return served[2][0].signature["column_order"]


def test_positional_order_is_the_training_frame_order(served, credit_frame):
    frame_order = [c for c in credit_frame.columns if c != TARGET]
    assert _names(served) == frame_order
    grouped = [s["name"] for s in served[2][0].signature["inputs"]]
    assert grouped != frame_order and sorted(grouped) == sorted(frame_order)


def _check(response: httpx.Response, expected, version: str = "1") -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-model-name"] == "credit"
    assert response.headers["x-model-version"] == version
    body = response.json()
    labels, proba = expected
    if "predictions" in body:
        assert body["predictions"] == labels
        assert np.allclose(body["probabilities"], proba)
        assert (body["model_name"], body["model_version"]) == ("credit", version)
    return body


def test_mlflow_json_formats_score_like_the_pipeline(served, credit_frame, expected):
    _, handle, _ = served
    records = rows(credit_frame, 4)
    names = _names(served)
    bodies = [
        {"dataframe_records": records},
        {
            "dataframe_split": {
                "columns": list(records[0]),
                "data": [list(r.values()) for r in records],
            }
        },
        {"instances": records},
        {"instances": [[r[n] for n in names] for r in records]},  # positional, frame order
        {"inputs": {k: [r[k] for r in records] for k in records[0]}},  # columns
        {"dataframe_records": records, "params": {"anything": 1}, "extra": "tolerated"},
    ]
    for body in bodies:
        _check(httpx.post(handle.url + "/invocations", json=body), expected)


def test_mlflow_csv(served, credit_frame, expected):
    _, handle, _ = served
    buffer = io.StringIO()
    credit_frame.drop(columns=[TARGET]).head(4).to_csv(buffer, index=False)
    response = httpx.post(
        handle.url + "/invocations",
        content=buffer.getvalue().encode(),
        headers={"Content-Type": "text/csv"},
    )
    _check(response, expected)


def test_mlflow_csv_without_a_header_follows_the_training_frame(served, credit_frame, expected):
    _, handle, _ = served
    buffer = io.StringIO()
    credit_frame.drop(columns=[TARGET]).head(4).to_csv(buffer, index=False, header=False)
    url, headers = handle.url + "/invocations", {"Content-Type": "text/csv"}
    _check(httpx.post(url, content=buffer.getvalue().encode(), headers=headers), expected)
    ragged = buffer.getvalue().encode() + b"1,2,3\n"
    short = httpx.post(url, content=ragged, headers=headers)
    assert short.status_code == 400
    assert "CSV line 5 has 3 fields but the model takes 20" in short.json()["message"]


def test_health_and_version(served):
    _, handle, _ = served
    for path in ("/ping", "/health"):
        response = httpx.get(handle.url + path)
        assert response.status_code == 200
        assert response.headers["x-model-version"] == "1"
    assert httpx.get(handle.url + "/version").json()["server"] == "mlops-desktop"


def test_v2_metadata_and_health(served):
    _, handle, _ = served
    assert httpx.get(handle.url + "/v2/health/live").json() == {"live": True}
    ready = httpx.get(handle.url + "/v2/health/ready")
    assert ready.status_code == 200 and ready.headers["content-type"] == "application/json"
    assert httpx.get(handle.url + "/v2").json()["name"] == "mlops-desktop"
    meta = httpx.get(handle.url + "/v2/models/credit").json()
    assert meta["name"] == "credit" and meta["versions"] == ["1"]
    assert [i["name"] for i in meta["inputs"]] == _names(served)
    by_name = {i["name"]: i for i in meta["inputs"]}
    assert by_name["age_in_years"]["datatype"] == "FP64"
    assert by_name["purpose"]["datatype"] == "BYTES"
    assert {o["name"] for o in meta["outputs"]} == {"predict", "predict_proba"}
    assert httpx.get(handle.url + "/v2/models/credit/versions/1").json()["versions"] == ["1"]
    assert httpx.get(handle.url + "/v2/models/credit/ready").json()["ready"] is True
    assert httpx.get(handle.url + "/v2/models/credit/versions/1/ready").status_code == 200


def _v2_body(records: list[dict], names: list[str]) -> dict:
    return {
        "id": "req-42",
        "parameters": {"content_type": "pd"},
        "inputs": [
            {
                "name": n,
                "shape": [len(records)],
                "datatype": "BYTES" if isinstance(records[0][n], str) else "FP64",
                "data": [r[n] for r in records],
            }
            for n in names
        ],
    }


def test_v2_infer_per_column_without_content_type(served, credit_frame, expected):
    _, handle, _ = served
    records = rows(credit_frame, 4)
    raw = json.dumps(_v2_body(records, _names(served))).encode()
    # tritonclient sends JSON with no Content-Type header at all
    request = httpx.Request("POST", handle.url + "/v2/models/credit/infer", content=raw)
    assert "content-type" not in request.headers
    with httpx.Client() as client:
        response = client.send(request)
    body = _check(response, expected)
    assert body["id"] == "req-42" and body["model_name"] == "credit"
    assert body["model_version"] == "1"
    outputs = {o["name"]: o for o in body["outputs"]}
    assert outputs["predict"]["data"] == expected[0] and outputs["predict"]["shape"] == [4]
    assert outputs["predict_proba"]["shape"] == [4, 2]
    assert np.allclose(np.reshape(outputs["predict_proba"]["data"], (4, 2)), expected[1])


def test_v2_single_matrix_tensor_versioned_and_output_filter(served, credit_frame, expected):
    _, handle, _ = served
    records = rows(credit_frame, 4)
    names = _names(served)
    body = {
        "inputs": [
            {
                "name": "input-0",
                "shape": [4, len(names)],
                "datatype": "BYTES",
                "data": [[r[n] for n in names] for r in records],
            }
        ],
        "outputs": [{"name": "predict"}],
    }
    response = httpx.post(handle.url + "/v2/models/credit/versions/1/infer", json=body)
    answer = _check(response, expected)
    assert [o["name"] for o in answer["outputs"]] == ["predict"]
    assert answer["outputs"][0]["data"] == expected[0]


def test_kserve_v1(served, credit_frame, expected):
    _, handle, _ = served
    assert httpx.get(handle.url + "/").json() == {"status": "alive"}  # kserve's is_server_live
    assert httpx.get(handle.url + "/v1/models").json() == {"models": ["credit"]}
    model = httpx.get(handle.url + "/v1/models/credit")
    assert model.json() == {"name": "credit", "ready": True, "version": "1"}
    response = httpx.post(
        handle.url + "/v1/models/credit:predict", json={"instances": rows(credit_frame, 4)}
    )
    _check(response, expected)


def test_kserve_v1_positional_rows_follow_the_training_frame(served, credit_frame, expected):
    """kserve's client sends rows as lists in the frame's column order (numpy's tolist())."""
    _, handle, versions = served
    features = credit_frame.drop(columns=[TARGET]).head(4)
    url = handle.url + "/v1/models/credit:predict"
    _check(httpx.post(url, json={"instances": features.to_numpy().tolist()}), expected)
    grouped = [s["name"] for s in versions[0].signature["inputs"]]
    refused = httpx.post(url, json={"instances": features[grouped].to_numpy().tolist()})
    assert refused.status_code == 400 and "expects numeric values" in refused.text


def test_docs_are_served_locally(served):
    _, handle, _ = served
    page = httpx.get(handle.url + "/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "http://" not in page.text and "https://" not in page.text
    assert "<script src" not in page.text and "<link" not in page.text
    spec = httpx.get(handle.url + "/openapi.json").json()
    for path in ("/invocations", "/v2/models/{name}/infer", "/v1/models/{name}:predict"):
        assert path in spec["paths"]


def test_shadow_scores_silently_and_reports_agreement(served, credit_frame):
    from mlops_desktop.serving.deployments import abort, shadow
    from mlops_desktop.serving.stats import arm_figures, shadow_agreement

    ws, handle, _ = served
    shadow(ws, "credit@2", reason="try hgb", force=True)
    _wait_for(lambda: httpx.get(handle.url + "/v2/models/credit").json()["versions"] == ["1", "2"])
    since = time.time()
    ids = []
    for i in range(20):
        response = httpx.post(
            handle.url + "/invocations",
            json={"dataframe_records": rows(credit_frame, 1, start=i)},
            headers={"X-Request-ID": f"shadow-{i}"},
        )
        assert response.status_code == 200
        assert response.headers["x-model-version"] == "1"  # the shadow's answer is never returned
        ids.append(response.headers["x-request-id"])
    abort(ws, "credit")
    _wait_for(lambda: _logged(ws, ids, "shadow") == 20)
    agreement = shadow_agreement(ws, "credit", since=since)
    assert agreement.pairs == 20 and agreement.rows == 20
    assert agreement.live_version == "credit@1" and agreement.shadow_version == "credit@2"
    assert 0.0 <= agreement.agreement_rate <= 1.0
    assert sum(agreement.histogram_counts) == 20
    figures = {(f.arm, f.version): f for f in arm_figures(ws, "credit", since=since)}
    assert figures[("live", "credit@1")].requests == 20
    assert figures[("shadow", "credit@2")].requests == 20
    assert figures[("live", "credit@1")].errors == 0


def _logged(ws, ids: list[str], arm: str) -> int:
    marks = ",".join("?" * len(ids))
    return ws.db.execute(
        f"SELECT COUNT(*) FROM predictions WHERE arm = ? AND request_id IN ({marks})", [arm, *ids]
    ).fetchone()[0]


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_the_log_keeps_inputs_readable_by_pandas(served, credit_frame):
    """The prediction log keeps the inputs in dataframe_split form, readable back by pandas."""
    ws, handle, _ = served
    response = httpx.post(
        handle.url + "/invocations",
        json={"dataframe_records": rows(credit_frame, 2, start=10)},
        headers={"X-Request-ID": "log-shape"},
    )
    assert response.status_code == 200
    _wait_for(lambda: _logged(ws, ["log-shape"], "live") == 1)
    inputs, outputs = ws.db.execute(
        "SELECT inputs_json, outputs_json FROM predictions WHERE request_id = 'log-shape'"
    ).fetchone()
    split = json.loads(inputs)
    frame = pd.DataFrame(split["data"], columns=split["columns"])
    assert (
        len(frame) == 2
        and frame["age_in_years"].tolist() == credit_frame["age_in_years"][10:12].tolist()
    )
    assert json.loads(outputs)["predictions"] == response.json()["predictions"]
