"""``models export --format onnx``: converted by skl2onnx, run by onnxruntime on every row of the
dataset before it is written, and refused with the converter's reason where it cannot convert."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlops_desktop
from mlops_desktop.cli.entry import main
from tests.conftest import copy_workspace

pytest.importorskip("skl2onnx")
onnxruntime = pytest.importorskip("onnxruntime")


def test_a_numeric_notebook_classifier_runs_in_onnxruntime_as_in_scikit_learn(
    imported_credit, tmp_path, capsys
):
    ws_path = copy_workspace(imported_credit, tmp_path / "ws")
    X, y, test = mlops_desktop.training_data("credit@1", workspace=ws_path)  # noqa: N806
    numeric = X.select_dtypes("number")
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    pipeline.fit(numeric[~test], y[~test])
    ref = mlops_desktop.register(pipeline, "credit@1", ws_path, "lean")
    folder = tmp_path / "onnx"
    code = main(
        ["--workspace", str(ws_path), "models", "export", ref, "--format", "onnx", str(folder)]
    )
    out = capsys.readouterr().out
    assert code == 0 and "answers within" in out, out
    assert sorted(p.name for p in folder.iterdir()) == ["model.onnx", "signature.json"]

    session = onnxruntime.InferenceSession(
        str(folder / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(
        None, {c: numeric[[c]].to_numpy(np.float64) for c in numeric.columns}
    )
    assert list(labels) == list(pipeline.predict(numeric))
    assert np.allclose(proba, pipeline.predict_proba(numeric), atol=1e-5)


def test_a_pipeline_the_converter_cannot_take_is_refused_with_its_reason(
    imported_credit, tmp_path, capsys
):
    from sklearn.ensemble import HistGradientBoostingClassifier

    ws_path = copy_workspace(imported_credit, tmp_path / "ws")
    X, y, test = mlops_desktop.training_data("credit@1", workspace=ws_path)  # noqa: N806
    numeric = X.select_dtypes("number")
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(
        numeric[~test], y[~test]
    )
    ref = mlops_desktop.register(model, "credit@1", ws_path, "boosted")
    folder = tmp_path / "onnx"
    code = main(
        ["--workspace", str(ws_path), "models", "export", ref, "--format", "onnx", str(folder)]
    )
    err = capsys.readouterr().err
    if code == 0:  # a skl2onnx that converts HistGradientBoosting: then it must run as well
        assert (folder / "model.onnx").is_file()
        return
    assert code == 2 and "Traceback" not in err
    assert "skl2onnx cannot convert" in err or "onnxruntime cannot run" in err, err
    assert not folder.exists()
