"""The lean scoring path answers exactly what the pipeline answers, or is not used."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.serving.fast_scoring import compile_scorer
from mlops_desktop.serving.models import LoadedModel
from mlops_desktop.serving.validation import Table
from mlops_desktop.training.trainer import TrainConfig, train
from tests.datasets import BIKESHARE, GERMAN_CREDIT, read_dataset
from tests.serving.conftest import TARGET, _schema


def _loaded(pipeline, signature) -> LoadedModel:
    from mlops_desktop.registry.entities import ModelVersion

    names = [spec["name"] for spec in signature["inputs"]]
    task = signature["output"]["task"]
    classes = list(pipeline.classes_) if task != "regression" else None
    version = ModelVersion(
        id=1,
        name="m",
        number=1,
        run_id="r",
        artifact_hash="x",
        created_at=0,
        created_by="me",
        signature=signature,
    )
    model = LoadedModel(version, pipeline, names, task, classes)
    method = "predict" if classes is None else "predict_proba"
    model.fast = compile_scorer(pipeline, names, signature, method)
    return model


def _tables(frame: pd.DataFrame, names: list[str]) -> list[Table]:
    records = frame[names].astype(object).where(frame[names].notna(), None)
    return [Table({c: [row[c]] for c in names}, 1) for row in records.to_dict("records")]


@pytest.fixture(scope="module")
def credit() -> pd.DataFrame:
    return read_dataset(GERMAN_CREDIT)


@pytest.mark.parametrize("family", ["logreg", "rf", "hgb"])
def test_lean_path_equals_the_pipeline_on_real_rows(credit, trained, family):
    """One-hot + scaling (logreg), ordinal codes (rf, hgb): the same numbers, bit for bit."""
    if family == "logreg":
        pipeline, signature = trained[0]
    elif family == "hgb":
        pipeline, signature = trained[1]
    else:
        mask = np.random.default_rng(1).random(len(credit)) < 0.25
        result = train(
            credit,
            mask,
            _schema(credit),
            {"target": TARGET, "task": "binary"},
            TrainConfig("rf", "binary", cv_folds=2),
            lambda _f, _m: None,
        )
        pipeline, signature = result.pipeline, result.signature
    model = _loaded(pipeline, signature)
    assert model.fast is not None
    rows = credit.drop(columns=[TARGET]).sample(64, random_state=0).reset_index(drop=True)
    # Missing values and a category never seen in training, as real traffic brings them.
    text_col = next(c for c in model.names if signature_type(signature, c) == "categorical")
    num_col = next(c for c in model.names if signature_type(signature, c) == "numeric")
    rows = rows.astype(object)
    rows.loc[0:4, text_col] = None
    rows.loc[5:9, text_col] = "never-seen-before"
    rows.loc[10:14, num_col] = None
    tables = _tables(rows, model.names)
    for batch in (tables[:1], tables[:8], tables):
        lean_labels, lean_proba = model.score_tables(batch)
        labels, proba = model.score(model.frame(batch))
        assert lean_labels == labels
        assert np.array_equal(np.asarray(lean_proba), np.asarray(proba))


def signature_type(signature: dict, name: str) -> str:
    return next(spec["type"] for spec in signature["inputs"] if spec["name"] == name)


def test_regression_and_datetime_pipelines():
    """A regression pipeline gets the lean path; one with datetime features keeps the pipeline's."""
    bikes = read_dataset(BIKESHARE).head(3000)
    bikes = bikes.drop(columns=["casual", "registered"])
    schema = _schema(bikes)
    mask = np.random.default_rng(0).random(len(bikes)) < 0.25
    result = train(
        bikes,
        mask,
        schema,
        {"target": "bikers", "task": "regression"},
        TrainConfig("hgb", "regression", cv_folds=2),
        lambda _f, _m: None,
    )
    model = _loaded(result.pipeline, result.signature)
    assert model.fast is not None
    tables = _tables(bikes.drop(columns=["bikers"]).head(20), model.names)
    assert model.score_tables(tables) == model.score(model.frame(tables))

    dated = bikes.assign(when=pd.date_range("2011-01-01", periods=len(bikes), freq="h"))
    result = train(
        dated,
        mask,
        {**schema, "when": "datetime"},
        {"target": "bikers", "task": "regression"},
        TrainConfig("hgb", "regression", cv_folds=2),
        lambda _f, _m: None,
    )
    assert _loaded(result.pipeline, result.signature).fast is None


def test_a_batch_the_lean_path_cannot_take_gets_the_pipelines_error(trained):
    pipeline, signature = trained[1]
    model = _loaded(pipeline, signature)
    assert model.fast is not None
    num_col = next(c for c in model.names if signature_type(signature, c) == "numeric")
    columns = {c: [1] for c in model.names}
    columns[num_col] = ["lots"]
    with pytest.raises(ValueError, match=f"column '{num_col}' expects numeric"):
        model.score_tables([Table(columns, 1)])


def test_numbers_sent_as_text_are_judged_by_the_pipeline(trained):
    """ "1_000" is a float to Python and NumPy but not to pandas: the pipeline decides."""
    pipeline, signature = trained[1]
    model = _loaded(pipeline, signature)
    num_col = next(c for c in model.names if signature_type(signature, c) == "numeric")
    row = {c: [pipeline_value] for c, pipeline_value in _first_row(signature).items()}
    row[num_col] = ["1_000"]
    with pytest.raises(ValueError, match=f"column '{num_col}' expects numeric"):
        model.score_tables([Table(row, 1)])
    row[num_col] = ["12"]  # text the coercer accepts: both paths agree on the answer
    assert model.score_tables([Table(row, 1)]) == model.score(model.frame([Table(row, 1)]))


def _first_row(signature: dict) -> dict:
    return {
        spec["name"]: (spec.get("categories") or ["x"])[0]
        if spec["type"] == "categorical"
        else spec.get("min", 0)
        for spec in signature["inputs"]
    }
