"""tritonclient, the real library, against a real service: its default binary tensors both ways,
one tensor per column and one matrix in the training frame's column order."""

from __future__ import annotations

import numpy as np
import pytest

from tests.serving.conftest import TARGET

httpclient = pytest.importorskip("tritonclient.http")


@pytest.fixture(scope="module")
def expected(trained, credit_frame):
    pipeline, _ = trained[0]
    features = credit_frame.drop(columns=[TARGET]).head(5)
    return features, pipeline.predict(features), pipeline.predict_proba(features)


def _client(served):
    return httpclient.InferenceServerClient(served[1].url.removeprefix("http://"))


def _column(features, name: str):
    values = features[name].to_numpy()
    if values.dtype.kind in "if":
        tensor = httpclient.InferInput(name, [len(values)], "FP64")
        tensor.set_data_from_numpy(values.astype(np.float64))  # binary by default
    else:
        tensor = httpclient.InferInput(name, [len(values)], "BYTES")
        tensor.set_data_from_numpy(values.astype(object))
    return tensor


def test_binary_tensors_per_column_both_ways(served, expected):
    features, labels, proba = expected
    client = _client(served)
    assert client.is_server_live() and client.is_model_ready("credit")
    assert "binary_tensor_data" in client.get_server_metadata()["extensions"]
    inputs = [_column(features, name) for name in features.columns]
    result = client.infer("credit", inputs)  # no outputs named: all come back binary
    assert result.get_response()["outputs"][0]["parameters"]["binary_data_size"] > 0
    got = [v.decode() if isinstance(v, bytes) else v for v in result.as_numpy("predict")]
    assert got == [str(v) for v in labels]
    assert np.allclose(result.as_numpy("predict_proba").reshape(proba.shape), proba)


def test_one_matrix_in_the_training_frame_order_with_json_outputs(served, expected):
    features, labels, _ = expected
    matrix = features.to_numpy().astype(str).astype(object)  # the frame's order, as text
    tensor = httpclient.InferInput("input-0", list(matrix.shape), "BYTES")
    tensor.set_data_from_numpy(matrix)
    wanted = [httpclient.InferRequestedOutput("predict", binary_data=False)]
    result = _client(served).infer("credit", [tensor], outputs=wanted)
    output = result.get_response()["outputs"][0]
    assert "binary_data_size" not in output.get("parameters", {})
    assert output["data"] == [str(v) for v in labels]
