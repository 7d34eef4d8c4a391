"""Splits: sizes, stratification, time order, groups, and impossible splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.data.roles import Roles, infer_task, make_roles, suggest_roles
from mlops_desktop.data.splits import make_split
from mlops_desktop.errors import InputError


def roles(**kw) -> Roles:
    return Roles(**({"target": "y", "task": "binary"} | kw))


def test_random_split_size_and_seed():
    df = pd.DataFrame({"y": [0, 1] * 500})
    a = make_split(df, roles(task="regression"), "random", 0.2, 1)
    b = make_split(df, roles(task="regression"), "random", 0.2, 1)
    c = make_split(df, roles(task="regression"), "random", 0.2, 2)
    assert a.n_test == 200 and np.array_equal(a.test_mask, b.test_mask)
    assert not np.array_equal(a.test_mask, c.test_mask)


def test_auto_picks_stratified_for_classes_and_keeps_the_rate():
    df = pd.DataFrame({"y": ["a"] * 900 + ["b"] * 100})
    split = make_split(df, roles(), "auto", 0.3, 0)
    assert split.method == "stratified"
    assert (df["y"][split.test_mask] == "b").mean() == pytest.approx(0.1, abs=0.005)


def test_time_split_puts_every_test_row_after_every_train_row_even_with_ties():
    t = np.repeat(np.arange(10), [5, 5, 5, 5, 5, 5, 5, 5, 30, 30])
    df = pd.DataFrame({"t": t, "y": [0, 1] * 50})
    split = make_split(df, roles(time_column="t"), "auto", 0.2, 0)
    assert split.method == "time"
    assert df["t"][split.test_mask].min() > df["t"][~split.test_mask].max()


def test_group_split_keeps_groups_apart():
    df = pd.DataFrame({"g": np.repeat(np.arange(50), 4), "y": [0, 1] * 100})
    split = make_split(df, roles(group_column="g"), "auto", 0.2, 0)
    assert split.method == "group"
    assert not set(df["g"][split.test_mask]) & set(df["g"][~split.test_mask])


@pytest.mark.parametrize(
    "kw, method, match",
    [
        ({}, "stratified", "has only 1 row"),
        ({}, "time", "needs a time column"),
        ({}, "group", "needs a group column"),
        ({"group_column": "one"}, "group", "has 1 group"),
        ({"time_column": "one"}, "time", "single value"),
        ({}, "sideways", "not a split method"),
    ],
)
def test_impossible_splits(kw, method, match):
    df = pd.DataFrame({"y": ["a"] * 10 + ["b"], "one": 1})
    with pytest.raises(InputError, match=match):
        make_split(df, roles(**kw), method, 0.2, 0)


def test_bad_test_size():
    df = pd.DataFrame({"y": [0, 1] * 5})
    for size in (0, 1, 1.5, -0.1):
        with pytest.raises(InputError, match="between 0 and 1"):
            make_split(df, roles(), "random", size, 0)


def test_task_inference():
    assert infer_task(pd.Series(["a", "b", "a"])) == "binary"
    assert infer_task(pd.Series(["a", "b", "c"])) == "multiclass"
    assert infer_task(pd.Series(np.arange(1000) % 5)) == "multiclass"
    assert infer_task(pd.Series(np.linspace(0, 1, 1000))) == "regression"
    assert infer_task(pd.Series(np.arange(1000))) == "regression"


def test_roles_validation_and_suggestions():
    df = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(100)],
            "created": pd.date_range("2024-01-01", periods=100),
            "store": np.arange(100) % 7,
            "x": np.arange(100.0),
            "y": [0, 1] * 50,
        }
    )
    schema = {
        "customer_id": "categorical",
        "created": "datetime",
        "store": "numeric",
        "x": "numeric",
        "y": "boolean",
    }
    suggested = suggest_roles(df, schema)
    assert "customer_id" in suggested.id_columns
    assert suggested.time_column[0] == "created" and suggested.group_column[0] == "store"
    # A name that only mentions an entity (German credit's checking-account status) is no group.
    status = df.drop(columns=["store"]).assign(
        status_of_existing_checking_account=np.arange(100) % 4
    )
    schema_status = {**schema, "status_of_existing_checking_account": "categorical"}
    del schema_status["store"]
    assert suggest_roles(status, schema_status).group_column is None
    with pytest.raises(InputError, match="cannot also be the ID column"):
        make_roles(df, schema, "y", id_columns=["y"])
    with pytest.raises(InputError, match="not in the data"):
        make_roles(df, schema, "y", id_columns=["nope"])
    with pytest.raises(InputError, match="cannot be binary"):
        make_roles(df.assign(y=np.arange(100) % 3), schema, "y", task="binary")
    r = make_roles(df, schema, "y", id_columns=["customer_id"], time_column="created")
    assert r.features(df) == ["store", "x"]
