"""``models export``: models trained here on German credit come out as plain scikit-learn, load in
a Python that cannot import mlops_desktop, and predict exactly as the stored pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sklearn
import yaml

from mlops_desktop.cli.entry import main
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.training.model_files import REVIEWED_TYPES
from tests.conftest import copy_workspace
from tests.datasets import GERMAN_CREDIT_CSV

#: Run in ``python -I`` from a folder outside the repository, with mlops_desktop made
#: unimportable (the test venv has it installed): load the export, predict the rows' CSV.
LOADER = """
import importlib.abc, json, pickle, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "mlops_desktop":
            raise ImportError("mlops_desktop is not installed here")
sys.meta_path.insert(0, Block())
try:
    import mlops_desktop
    sys.exit("mlops_desktop was importable")
except ImportError:
    pass
import pandas as pd
kind, model_path, rows_path = sys.argv[1:4]
if kind == "pickle":
    with open(model_path, "rb") as handle:
        model = pickle.load(handle)
elif kind == "joblib":
    import joblib
    model = joblib.load(model_path)
else:
    import skops.io as sio
    untrusted = sio.get_untrusted_types(file=model_path)
    print(json.dumps(untrusted), file=sys.stderr)
    model = sio.load(model_path, trusted=untrusted)
rows = pd.read_csv(rows_path)
rows["foreign_worker"] = rows["foreign_worker"].astype(bool)
print(json.dumps({
    "modules": sorted({type(step).__module__.split(".")[0] for _name, step in model.steps}),
    "labels": model.predict(rows).tolist(),
    "proba": model.predict_proba(rows).tolist(),
}))
"""


@pytest.fixture(scope="module")
def trained_ws(explained_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """credit@1 (logistic regression) and credit@2 (gradient boosting), trained for real."""
    path = copy_workspace(explained_template, tmp_path_factory.mktemp("export") / "ws")
    with Workspace.open(path, create=False) as ws:
        yield ws


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The German credit rows as a client sends them: numbers, yes/no as booleans, text."""
    frame = pd.read_csv(GERMAN_CREDIT_CSV).drop(columns="creditability")
    frame["foreign_worker"] = frame["foreign_worker"].map({"yes": True, "no": False})
    path = tmp_path_factory.mktemp("rows") / "rows.csv"
    frame.to_csv(path, index=False)
    return path


def _export(ws: Workspace, ref: str, fmt: str, folder: Path) -> dict:
    assert main(["--workspace", str(ws.path), "models", "export", ref, "--format", fmt,
                 str(folder), "--json"]) == 0  # fmt: skip
    return folder


def _load_outside(kind: str, model_path: Path, rows: Path, cwd: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-I", "-c", LOADER, kind, str(model_path), str(rows)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return {"out": json.loads(result.stdout), "err": result.stderr}


def _stored(ws: Workspace, ref: str, rows: Path) -> tuple[list, np.ndarray]:
    version = ws.models.get(ref)
    pipeline = ws.artifacts.load_object(ws.models.bound_artifact(version))
    frame = pd.read_csv(GERMAN_CREDIT_CSV).drop(columns="creditability")
    return pipeline.predict(frame).tolist(), pipeline.predict_proba(frame)


@pytest.mark.parametrize("ref", ["credit@1", "credit@2"])
def test_the_mlflow_folder_loads_without_mlops_desktop_and_predicts_identically(
    trained_ws, rows, ref, tmp_path, capsys
):
    folder = _export(trained_ws, ref, "mlflow", tmp_path / "model")
    result = json.loads(capsys.readouterr().out)
    assert result["checked_rows"] == 1000
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["MLmodel", "model.pkl", "requirements.txt", "conda.yaml", "python_env.yaml"]
    )
    loaded = _load_outside("pickle", folder / "model.pkl", rows, cwd=tmp_path)["out"]
    assert loaded["modules"] == ["sklearn"]
    labels, proba = _stored(trained_ws, ref, rows)
    assert loaded["labels"] == labels
    assert np.array_equal(np.asarray(loaded["proba"]), proba)


def test_the_mlmodel_file_has_what_mlflow_reads(trained_ws, tmp_path):
    folder = _export(trained_ws, "credit@2", "mlflow", tmp_path / "model")
    spec = yaml.safe_load((folder / "MLmodel").read_text())
    pyfunc, flavor = spec["flavors"]["python_function"], spec["flavors"]["sklearn"]
    assert pyfunc["loader_module"] == "mlflow.sklearn" and pyfunc["model_path"] == "model.pkl"
    assert pyfunc["env"] == {"conda": "conda.yaml", "virtualenv": "python_env.yaml"}
    assert flavor["pickled_model"] == "model.pkl"
    assert flavor["serialization_format"] == "pickle"
    assert flavor["sklearn_version"] == sklearn.__version__
    inputs = json.loads(spec["signature"]["inputs"])
    signature = trained_ws.models.get("credit@2").signature
    assert [i["name"] for i in inputs] == signature["column_order"]
    types = {i["name"]: i["type"] for i in inputs}
    assert types["duration_in_month"] == "long"
    assert types["purpose"] == "string" and types["foreign_worker"] == "boolean"
    assert json.loads(spec["signature"]["outputs"]) == [{"type": "string", "required": True}]
    requirements = (folder / "requirements.txt").read_text().splitlines()
    assert f"scikit-learn=={sklearn.__version__}" in requirements and "mlflow" in requirements
    assert yaml.safe_load((folder / "python_env.yaml").read_text())["dependencies"] == [
        "-r requirements.txt"
    ]
    conda = yaml.safe_load((folder / "conda.yaml").read_text())
    assert {"pip": requirements} in conda["dependencies"]


def test_joblib_and_skops_exports_load_as_plain_scikit_learn(trained_ws, rows, tmp_path):
    labels, proba = _stored(trained_ws, "credit@2", rows)
    joblib_dir = _export(trained_ws, "credit@2", "joblib", tmp_path / "joblib")
    loaded = _load_outside("joblib", joblib_dir / "model.joblib", rows, cwd=tmp_path)["out"]
    assert loaded["labels"] == labels and np.array_equal(np.asarray(loaded["proba"]), proba)
    skops_dir = _export(trained_ws, "credit@2", "skops", tmp_path / "skops")
    run = _load_outside("skops", skops_dir / "model.skops", rows, cwd=tmp_path)
    assert set(json.loads(run["err"].strip().splitlines()[-1])) <= set(REVIEWED_TYPES)
    assert run["out"]["labels"] == labels
    columns = json.loads((skops_dir / "signature.json").read_text())["columns"]
    assert [c["name"] for c in columns] == trained_ws.models.get("credit@2").signature[
        "column_order"
    ]


def test_an_exported_skops_file_imports_back_without_trust(trained_ws, tmp_path, capsys):
    folder = _export(trained_ws, "credit@2", "skops", tmp_path / "skops")
    capsys.readouterr()
    assert main(["--workspace", str(trained_ws.path), "models", "import",
                 str(folder / "model.skops"), "--name", "back", "--dataset", "credit@1",
                 "--json"]) == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    original = trained_ws.runs.get(trained_ws.models.get("credit@2").run_id)
    assert result["metrics"]["holdout"] == pytest.approx(original.metrics["holdout"], abs=1e-12)


def test_refusals_exit_2(trained_ws, tmp_path, capsys):
    def refused(*args: str) -> str:
        code = main(["--workspace", str(trained_ws.path), "models", "export", *args])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err
        return err

    # A pipeline trained here imputes its gaps, which skl2onnx or onnxruntime cannot take yet.
    onnx = refused("credit@1", "--format", "onnx", str(tmp_path / "onnx"))
    assert "skl2onnx cannot convert" in onnx or "onnxruntime cannot run" in onnx
    assert "Export as mlflow, skops or joblib instead." in onnx
    assert not (tmp_path / "onnx").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("keep")
    assert "not an empty folder" in refused(
        "credit@1", "--format", "mlflow", str(tmp_path / "full")
    )
    assert "No model version credit@9" in refused(
        "credit@9", "--format", "mlflow", str(tmp_path / "x")
    )


def test_the_export_is_in_the_audit_trail(trained_ws, tmp_path):
    _export(trained_ws, "credit@1", "joblib", tmp_path / "out")
    event = [e for e in trained_ws.audit.recent(20) if e.action == "model.export"][0]
    assert event.object_ref == "credit@1" and event.details["format"] == "joblib"


def test_an_exported_mlflow_folder_imports_back(trained_ws, tmp_path, capsys):
    folder = _export(trained_ws, "credit@1", "mlflow", tmp_path / "mlflow")
    capsys.readouterr()
    assert main(["--workspace", str(trained_ws.path), "models", "import", str(folder),
                 "--name", "round", "--dataset", "credit@1", "--trust", "--json"]) == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert result["origin"]["format"] == "mlflow (pickle)"
    original = trained_ws.runs.get(trained_ws.models.get("credit@1").run_id)
    assert result["metrics"]["holdout"] == pytest.approx(original.metrics["holdout"], abs=1e-12)


def test_a_model_with_date_features_is_refused_with_a_reason():
    from mlops_desktop.errors import InputError
    from mlops_desktop.training.families import make_estimator
    from mlops_desktop.training.model_export import plain_pipeline, typed_frame
    from mlops_desktop.training.preprocessing import build_pipeline
    from mlops_desktop.training.signature import input_signature
    from tests.datasets import BIKESHARE, read_dataset

    rides = read_dataset(BIKESHARE).head(400)
    months = {m: i for i, m in enumerate(pd.unique(rides["mnth"]), start=1)}
    rides["when"] = pd.to_datetime(
        {"year": 2011, "month": rides["mnth"].map(months), "day": rides["day"], "hour": rides["hr"]}
    )
    schema = {"when": "datetime", "temp": "numeric", "weathersit": "categorical"}
    roles = {"target": "bikers", "task": "regression"}
    estimator = make_estimator("hgb", "regression", 0)
    pipeline = build_pipeline(schema, roles, estimator, scale=False, one_hot=False)
    pipeline.fit(rides, rides["bikers"])
    signature = input_signature(rides, schema, roles)
    with pytest.raises(InputError, match="date columns"):
        plain_pipeline(pipeline, typed_frame(rides, signature))
