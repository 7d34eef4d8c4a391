"""The lean transform gives the pipeline's own matrix bit for bit on real German credit rows
(boolean words, missing values, unseen categories), and explanations made from it are the
pipeline's; what it cannot take is left to the pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.serving.fast_scoring import compile_scorer
from mlops_desktop.training.explain import explain, explain_matrix
from mlops_desktop.training.lean import compile_transform
from mlops_desktop.training.trainer import TrainConfig, train
from tests.datasets import GERMAN_CREDIT, read_dataset

TARGET = "creditability"
BOOLEAN = "foreign_worker"  # "yes" / "no" in the file, a boolean to the importer


@pytest.fixture(scope="module")
def credit() -> pd.DataFrame:
    return read_dataset(GERMAN_CREDIT)


def _schema(frame: pd.DataFrame) -> dict[str, str]:
    schema = {
        c: "numeric" if pd.api.types.is_numeric_dtype(frame[c]) else "categorical"
        for c in frame.columns
    }
    return schema | {BOOLEAN: "boolean", TARGET: "categorical"}


@pytest.fixture(scope="module", params=["logreg", "hgb"])
def fitted(request, credit):
    mask = np.random.default_rng(3).random(len(credit)) < 0.25
    result = train(
        credit,
        mask,
        _schema(credit),
        {"target": TARGET, "task": "binary"},
        TrainConfig(request.param, "binary", cv_folds=2),
        lambda *_: None,
    )
    names = [spec["name"] for spec in result.signature["inputs"]]
    return result.pipeline, result.signature, names


def _rows(credit: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Real rows as a request brings them: words for the boolean, gaps, a new category."""
    rows = credit[names].sample(60, random_state=1).reset_index(drop=True).astype(object)
    text = next(c for c in names if c not in (BOOLEAN,) and rows[c].map(type).eq(str).all())
    number = next(c for c in names if rows[c].map(type).ne(str).all() and c != BOOLEAN)
    rows.loc[0:4, text] = None
    rows.loc[5:9, text] = "never-seen-before"
    rows.loc[10:14, number] = None
    rows.loc[15:19, BOOLEAN] = None
    rows.loc[20:24, BOOLEAN] = [" YES", "No", "true", "0", 1]
    return rows


def _lists(rows: pd.DataFrame) -> dict[str, list]:
    plain = rows.astype(object).where(rows.notna(), None)
    return {c: [v.item() if hasattr(v, "item") else v for v in plain[c]] for c in rows.columns}


def test_the_lean_matrix_is_the_pipelines_bit_for_bit(credit, fitted):
    pipeline, signature, names = fitted
    lean = compile_transform(pipeline, names, signature)
    assert lean is not None
    rows = _rows(credit, names)
    columns = _lists(rows)
    expected = np.asarray(pipeline[:-1].transform(pd.DataFrame(columns)), dtype=np.float64)
    got = lean(columns)
    assert got.shape == expected.shape and np.array_equal(got, expected, equal_nan=True)
    for i in (0, 7, 22):  # one row at a time, as a decision is explained
        one = {c: v[i : i + 1] for c, v in columns.items()}
        assert np.array_equal(lean(one), expected[i : i + 1], equal_nan=True)


def test_explanations_from_the_lean_matrix_are_the_pipelines(credit, fitted):
    pipeline, signature, names = fitted
    lean = compile_transform(pipeline, names, signature)
    rows = _rows(credit, names)
    background = credit.drop(columns=[TARGET]).head(300)
    positive = signature["output"].get("positive_class")
    slow = explain(pipeline, pd.DataFrame(_lists(rows)), background, positive)
    mean = np.asarray(pipeline[:-1].transform(background), dtype=np.float64).mean(axis=0)
    fast = explain_matrix(pipeline, lean(_lists(rows)), mean=mean, positive=positive)
    assert np.array_equal(fast.values, slow.values) and np.array_equal(fast.raw, slow.raw)
    assert np.array_equal(fast.base, slow.base) and fast.max_error < 1e-9


def test_text_the_lean_path_cannot_judge_is_left_to_the_pipeline(credit, fitted):
    pipeline, signature, names = fitted
    lean = compile_transform(pipeline, names, signature)
    columns = _lists(credit[names].head(2))
    number = next(c for c in names if c != BOOLEAN and not isinstance(columns[c][0], str))
    with pytest.raises(TypeError, match=number):
        lean({**columns, number: ["1_000", 3]})
    with pytest.raises(TypeError, match=BOOLEAN):
        lean({**columns, BOOLEAN: ["maybe", "yes"]})


def test_the_services_lean_scorer_takes_boolean_words(credit, fitted):
    """German credit's requests send "yes"/"no": the lean scorer answers them itself."""
    pipeline, signature, names = fitted
    scorer = compile_scorer(pipeline, names, signature, "predict_proba")
    assert scorer is not None
    columns = _lists(_rows(credit, names))
    expected = pipeline.predict_proba(pd.DataFrame(columns))
    assert np.array_equal(scorer(columns), expected)


def test_odd_values_in_a_text_column_get_the_pipelines_codes(credit, fitted):
    """Numbers, a boolean, NaN and unseen text in a categorical column: the codes looked up in
    C for text and one by one for the rest equal the pipeline's."""
    pipeline, signature, names = fitted
    lean = compile_transform(pipeline, names, signature)
    columns = _lists(credit[names].head(8))
    text = next(c for c in names if c != BOOLEAN and isinstance(columns[c][0], str))
    known = columns[text][0]
    columns[text] = [3, 2.5, True, float("nan"), None, known, f" {known}", "unseen"]
    expected = np.asarray(pipeline[:-1].transform(pd.DataFrame(columns)), dtype=np.float64)
    assert np.array_equal(lean(columns), expected, equal_nan=True)
