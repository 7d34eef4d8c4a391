"""``models import`` and ``mlops_desktop.register``: real pipelines fitted as a notebook would, on
the repository's German credit data, saved as skops, joblib and MLflow folders, then imported,
tested, deployed and scored like a model trained here."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
import yaml
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import mlops_desktop
from mlops_desktop.cli.entry import main
from mlops_desktop.errors import InputError
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.training.preprocessing import SchemaCoercer
from tests.conftest import copy_workspace


def _notebook_pipeline(X: pd.DataFrame, y: pd.Series):  # noqa: N803
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include=object)),
        remainder="passthrough",
    )
    return make_pipeline(encode, HistGradientBoostingClassifier(max_iter=40, random_state=0)).fit(
        X, y
    )


@pytest.fixture(scope="module")
def notebook(imported_credit: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A pipeline fitted in a "notebook" on credit@1's training rows, saved three ways."""
    folder = tmp_path_factory.mktemp("notebook")
    ws_path = copy_workspace(imported_credit, folder / "ws")
    X, y, test = mlops_desktop.training_data("credit@1", workspace=ws_path)  # noqa: N806
    pipeline = _notebook_pipeline(X[~test], y[~test])
    sio.dump(pipeline, folder / "credit.skops")
    joblib.dump(pipeline, folder / "credit.joblib")
    mlflow_dir = folder / "mlflow-model"
    mlflow_dir.mkdir()
    joblib.dump(pipeline, mlflow_dir / "model.pkl")
    (mlflow_dir / "MLmodel").write_text(
        yaml.safe_dump(
            {
                "flavors": {
                    "python_function": {
                        "loader_module": "mlflow.sklearn",
                        "model_path": "model.pkl",
                    },
                    "sklearn": {
                        "pickled_model": "model.pkl",
                        "serialization_format": "cloudpickle",
                    },
                }
            }
        )
    )
    return {"folder": folder, "pipeline": pipeline, "X": X, "y": y, "test": test}


def _cli(ws: Workspace, *args: str) -> int:
    return main(["--workspace", str(ws.path), *args])


def _nothing_registered(ws: Workspace) -> None:
    assert ws.models.list() == []
    assert ws.runs.list() == []
    assert [e for e in ws.audit.recent(50) if e.action == "model.register"] == []


def test_a_skops_pipeline_is_registered_tested_deployed_and_scored(
    credit_ws, notebook, tmp_path, capsys
):
    path = notebook["folder"] / "credit.skops"
    assert _cli(credit_ws, "models", "import", str(path), "--name", "nb", "--dataset",
                "credit@1", "--reason", "fitted in a notebook", "--json") == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert result["registered"] == "nb@1"
    version = credit_ws.models.get("nb@1")
    run = credit_ws.runs.get(version.run_id)
    assert run.model_family == "imported" and run.status == "succeeded"
    origin = run.config["origin"]
    assert origin["format"] == "skops" and origin["file"] == "credit.skops"
    assert origin["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    event = credit_ws.audit.sealed("model.register", "nb@1")
    assert event.details["origin"]["sha256"] == origin["sha256"]
    assert event.details["reason"] == "fitted in a notebook"
    # The signature comes from the dataset, in the order the pipeline was fitted on.
    X, y, test = notebook["X"], notebook["y"], notebook["test"]  # noqa: N806
    assert version.signature["column_order"] == list(X.columns)
    assert {i["name"] for i in version.signature["inputs"]} == set(X.columns)
    assert version.signature["output"]["classes"] == ["bad", "good"]
    # The holdout evaluation is the pipeline's own, on the dataset's test rows.
    from sklearn.metrics import roc_auc_score

    proba = notebook["pipeline"].predict_proba(X[test])[:, 0]
    expected = roc_auc_score((y[test] == "bad").astype(int), proba)
    assert run.metrics["holdout"]["roc_auc"] == pytest.approx(expected, abs=1e-12)
    assert run.metrics["baseline"]["roc_auc"] == pytest.approx(0.5)
    # Then gate, test, deploy and batch-score it like any model trained here.
    credit_ws.gates.set("nb", {"metrics": {"roc_auc": {">=": 0.6}}}, reason="tests")
    assert _cli(credit_ws, "test", "nb@1", "--json") == 0
    assert _cli(credit_ws, "deploy", "nb@1", "--json") == 0
    capsys.readouterr()
    rows = pd.read_csv(_german_credit()).drop(columns="creditability").head(50)
    rows.to_csv(tmp_path / "in.csv", index=False)
    assert (
        _cli(credit_ws, "score", "nb@live", str(tmp_path / "in.csv"), str(tmp_path / "out.csv"))
        == 0
    )
    scored = pd.read_csv(tmp_path / "out.csv")
    expected_labels = notebook["pipeline"].predict(X.head(50))
    assert list(scored["prediction"]) == list(expected_labels)
    capsys.readouterr()
    # Its decisions are logged, but not explained per input: the app does not know its steps.
    assert _cli(credit_ws, "explain", scored["request_id"][0]) == 2
    assert "fitted outside MLOps Desktop" in capsys.readouterr().err
    assert _cli(credit_ws, "models", "show", "nb@1") == 0
    assert f"Origin:   credit.skops (skops), sha256 {origin['sha256']}" in capsys.readouterr().out


def _german_credit() -> Path:
    from tests.datasets import GERMAN_CREDIT_CSV

    return GERMAN_CREDIT_CSV


def test_a_pickle_needs_trust_and_says_why(credit_ws, notebook, capsys):
    path = notebook["folder"] / "credit.joblib"
    assert (
        _cli(credit_ws, "models", "import", str(path), "--name", "nb", "--dataset", "credit@1") == 2
    )
    err = capsys.readouterr().err
    assert "runs any code" in err and "--trust" in err and "Traceback" not in err
    _nothing_registered(credit_ws)
    assert _cli(credit_ws, "models", "import", str(path), "--name", "nb", "--dataset", "credit@1",
                "--trust") == 0  # fmt: skip
    run = credit_ws.runs.get(credit_ws.models.get("nb@1").run_id)
    assert run.config["origin"]["format"] == "joblib" and run.config["origin"]["trusted"]


def test_an_mlflow_folder_is_read_from_its_mlmodel(credit_ws, notebook, capsys):
    folder = notebook["folder"] / "mlflow-model"
    args = ["models", "import", str(folder), "--name", "nb", "--dataset", "credit@1"]
    assert _cli(credit_ws, *args) == 2
    assert "pickle" in capsys.readouterr().err
    assert _cli(credit_ws, *args, "--trust", "--json") == 0
    origin = json.loads(capsys.readouterr().out)["origin"]
    assert origin["format"] == "mlflow (cloudpickle)"
    assert origin["file"] == "mlflow-model/model.pkl"
    assert origin["sha256"] == hashlib.sha256((folder / "model.pkl").read_bytes()).hexdigest()


def test_unreviewed_skops_types_are_named_and_refused_unless_trusted(
    credit_ws, notebook, tmp_path, capsys
):
    X, y, test = notebook["X"], notebook["y"], notebook["test"]  # noqa: N806
    types = {c: ("numeric" if X[c].dtype == np.float64 else "categorical") for c in X.columns}
    inner = _notebook_pipeline(X[~test], y[~test])
    foreign = make_pipeline(SchemaCoercer(types), inner)
    path = tmp_path / "foreign.skops"
    sio.dump(foreign, path)
    args = ["models", "import", str(path), "--name", "nb", "--dataset", "credit@1"]
    assert _cli(credit_ws, *args) == 2
    err = capsys.readouterr().err
    assert "mlops_desktop.training.preprocessing.SchemaCoercer" in err and "--trust" in err
    _nothing_registered(credit_ws)
    assert _cli(credit_ws, *args, "--trust") == 0


def _refusal(ws: Workspace, path: Path, capsys, *extra: str) -> str:
    code = _cli(ws, "models", "import", str(path), "--name", "nb", "--dataset", "credit@1", *extra)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    _nothing_registered(ws)
    return err


def test_bad_input_exits_2_and_registers_nothing(credit_ws, notebook, tmp_path, capsys):
    X, y, test = notebook["X"], notebook["y"], notebook["test"]  # noqa: N806
    assert "no file or folder" in _refusal(credit_ws, tmp_path / "missing.skops", capsys)
    (tmp_path / "model.txt").write_text("hello")
    assert "not a model file" in _refusal(credit_ws, tmp_path / "model.txt", capsys)
    sio.dump(make_pipeline(HistGradientBoostingClassifier()), tmp_path / "unfitted.skops")
    assert "not fitted" in _refusal(credit_ws, tmp_path / "unfitted.skops", capsys)
    joblib.dump({"weights": [1, 2]}, tmp_path / "dict.joblib")
    err = _refusal(credit_ws, tmp_path / "dict.joblib", capsys, "--trust")
    assert "not a scikit-learn estimator" in err
    wider = X.assign(salary=1.0)
    sio.dump(_notebook_pipeline(wider[~test], y[~test]), tmp_path / "wider.skops")
    assert "lacks: salary" in _refusal(credit_ws, tmp_path / "wider.skops", capsys)
    numeric = X.select_dtypes("number")
    regressor = RandomForestRegressor(n_estimators=5, random_state=0)
    regressor.fit(numeric, (y == "good").astype(float))
    sio.dump(regressor, tmp_path / "regressor.skops")
    err = _refusal(credit_ws, tmp_path / "regressor.skops", capsys)
    assert "not a classifier" in err and "binary" in err
    as_numbers = _notebook_pipeline(X[~test], (y[~test] == "good").astype(int))
    sio.dump(as_numbers, tmp_path / "numbers.skops")
    assert "are not the dataset's target labels" in _refusal(
        credit_ws, tmp_path / "numbers.skops", capsys
    )


def test_register_from_a_notebook(credit_ws, notebook):
    ref = mlops_desktop.register(
        notebook["pipeline"], dataset="credit@1", workspace=credit_ws.path, name="nbapi"
    )
    assert ref == "nbapi@1"
    run = credit_ws.runs.get(credit_ws.models.get(ref).run_id)
    assert run.config["origin"]["file"] == "Pipeline from a notebook"
    with pytest.raises(InputError, match="not fitted"):
        mlops_desktop.register(
            make_pipeline(HistGradientBoostingClassifier()),
            dataset="credit@1",
            workspace=credit_ws.path,
            name="nbapi",
        )
    assert [v.ref for v in credit_ws.models.list()] == ["nbapi@1"]


def test_an_imported_version_cannot_be_retrained(credit_ws, notebook, capsys):
    mlops_desktop.register(notebook["pipeline"], "credit@1", credit_ws.path, "nbapi")
    assert _cli(credit_ws, "retrain", "nbapi@1", "--dataset", "credit@1") == 2
    assert "fitted outside MLOps Desktop" in capsys.readouterr().err


def test_a_regressor_is_imported_on_a_regression_dataset(workspace, data_dir, tmp_path):
    from sklearn.ensemble import HistGradientBoostingRegressor

    from mlops_desktop.data.importer import import_dataset
    from mlops_desktop.jobs.inline import run_inline
    from tests.datasets import BIKESHARE

    rides = pd.read_csv(data_dir / BIKESHARE).drop(columns=["casual", "registered"]).head(2000)
    rides.to_csv(tmp_path / "rides.csv", index=False)
    run_inline(workspace, import_dataset, {"path": str(tmp_path / "rides.csv"), "name": "rides",
                                           "target": "bikers", "seed": 3})  # fmt: skip
    X, y, test = mlops_desktop.training_data("rides@1", workspace=workspace.path)  # noqa: N806
    numeric = X.select_dtypes("number")
    regressor = HistGradientBoostingRegressor(max_iter=50, random_state=0)
    regressor.fit(numeric[~test], y[~test])
    ref = mlops_desktop.register(regressor, "rides@1", workspace.path, "rides")
    version = workspace.models.get(ref)
    run = workspace.runs.get(version.run_id)
    assert version.signature["column_order"] == list(numeric.columns)
    assert version.signature["output"]["task"] == "regression"
    assert run.metrics["holdout"]["r2"] > run.metrics["baseline"]["r2"]
    with pytest.raises(InputError, match="fitted on 3 unnamed columns"):
        unnamed = HistGradientBoostingRegressor(max_iter=5).fit(numeric.iloc[:, :3].to_numpy(), y)
        mlops_desktop.register(unnamed, "rides@1", workspace.path, "rides")
