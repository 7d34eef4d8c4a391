"""An all-numeric model served for real: positional rows no longer reach the wrong columns
silently, and its v2 metadata publishes one ``[-1, k]`` FP64 tensor that tritonclient sends."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from tests.serving.conftest import TARGET, free_port, register_versions

NUMERIC = ["duration_in_month", "credit_amount", "age_in_years", "present_residence_since"]


@pytest.fixture(scope="module")
def numeric_served(tmp_path_factory, credit_frame):
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.deployments import deploy
    from mlops_desktop.serving.process import start_service, stop_service
    from mlops_desktop.training.trainer import TrainConfig, train

    frame = credit_frame[NUMERIC + [TARGET]]
    mask = np.random.default_rng(1).random(len(frame)) < 0.25
    schema = {c: "numeric" for c in NUMERIC} | {TARGET: "categorical"}
    roles = {"target": TARGET, "task": "binary"}
    result = train(
        frame, mask, schema, roles, TrainConfig("logreg", "binary", cv_folds=2), lambda *_: None
    )
    ws = Workspace.open(tmp_path_factory.mktemp("numeric") / "ws")
    register_versions(ws, [(result.pipeline, result.signature)], name="amounts")
    deploy(ws, "amounts@1", force=True, reason="tests")
    handle = start_service(ws, port=free_port())
    yield handle, result.pipeline, frame.drop(columns=[TARGET]).head(6)
    stop_service(ws, handle)
    ws.close()


def test_positional_rows_follow_the_frame_order_on_a_numeric_model(numeric_served):
    handle, pipeline, features = numeric_served
    want = pipeline.predict_proba(features)
    by_name = httpx.post(
        handle.url + "/invocations",
        json={"dataframe_records": features.to_dict("records")},
        headers={"X-Model-Name": "amounts"},
    ).json()
    positional = httpx.post(
        handle.url + "/v1/models/amounts:predict", json={"instances": features.to_numpy().tolist()}
    ).json()
    assert np.allclose(by_name["probabilities"], want)
    assert np.allclose(positional["probabilities"], want)  # the same answers, in frame order


def test_numeric_metadata_is_one_matrix_and_tritonclient_sends_it(numeric_served):
    httpclient = pytest.importorskip("tritonclient.http")
    handle, pipeline, features = numeric_served
    meta = httpx.get(handle.url + "/v2/models/amounts").json()
    assert meta["inputs"] == [
        {
            "name": "input-0",
            "datatype": "FP64",
            "shape": [-1, len(NUMERIC)],
            "parameters": {"columns": NUMERIC},
        }
    ]
    client = httpclient.InferenceServerClient(handle.url.removeprefix("http://"))
    tensor = httpclient.InferInput("input-0", list(features.shape), "FP64")
    tensor.set_data_from_numpy(features.to_numpy().astype(np.float64))
    result = client.infer("amounts", [tensor])
    proba = result.as_numpy("predict_proba").reshape(len(features), -1)
    assert np.allclose(proba, pipeline.predict_proba(features))
    columnar = {  # columns by name (content_type pd) keep working
        "parameters": {"content_type": "pd"},
        "inputs": [
            {"name": c, "shape": [len(features)], "datatype": "FP64", "data": features[c].tolist()}
            for c in NUMERIC
        ],
    }
    answer = httpx.post(handle.url + "/v2/models/amounts/infer", json=columnar).json()
    outputs = {o["name"]: o for o in answer["outputs"]}
    assert np.allclose(np.reshape(outputs["predict_proba"]["data"], proba.shape), proba)
