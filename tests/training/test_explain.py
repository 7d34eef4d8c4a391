"""Additive explanations: base + contributions = raw output (1e-6) for every family we train, on
real datasets; TreeSHAP equals brute-force exact Shapley values on small trees."""

from __future__ import annotations

import itertools
from math import factorial

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.training.explain import EXACT, TREESHAP, explain
from mlops_desktop.training.families import make_estimator
from mlops_desktop.training.preprocessing import build_pipeline
from mlops_desktop.training.treeshap import build_ensemble, sklearn_tree
from tests.datasets import ADULT, BIKESHARE, GERMAN_CREDIT

SMALL = {"rf": {"n_estimators": 15, "max_depth": 8}, "hgb": {"max_iter": 40}}
ONE_HOT = {"logreg": True, "linear": True, "rf": False, "hgb": False, "dummy": False}


def _schema(frame: pd.DataFrame, target: str) -> dict[str, str]:
    return {
        c: "numeric" if pd.api.types.is_numeric_dtype(frame[c]) else "categorical"
        for c in frame.columns
        if c != target
    } | {target: "categorical"}


def _fit(frame: pd.DataFrame, target: str, task: str, family: str):
    schema = _schema(frame, target)
    roles = {"target": target, "task": task}
    estimator = make_estimator(family, task, 0, SMALL.get(family))
    one_hot = ONE_HOT[family]
    pipeline = build_pipeline(schema, roles, estimator, scale=one_hot, one_hot=one_hot)
    y = frame[target] if task == "regression" else frame[target].astype(str)
    return pipeline.fit(frame, y)


def _datasets(data_dir) -> dict[str, tuple[pd.DataFrame, str]]:
    credit = pd.read_csv(data_dir / GERMAN_CREDIT)
    adult = pd.read_csv(data_dir / ADULT, na_values="?").sample(3000, random_state=0)
    bikes = pd.read_csv(data_dir / BIKESHARE).sample(3000, random_state=0)
    bikes = bikes.drop(columns=["casual", "registered"])
    return {
        "binary": (credit, "creditability"),
        "multiclass": (adult.drop(columns=["class"]), "relationship"),
        "regression": (bikes, "bikers"),
    }


@pytest.fixture(scope="module")
def datasets(data_dir):
    return _datasets(data_dir)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("family", ["logreg", "rf", "hgb", "dummy"])
def test_contributions_add_up_to_the_raw_output(datasets, task, family) -> None:
    frame, target = datasets[task]
    pipeline = _fit(frame, target, task, family)
    rows = frame.drop(columns=[target]).iloc[:200]
    result = explain(pipeline, rows, background=frame.iloc[:500])
    model = pipeline[-1]
    if task == "regression":
        expected = pipeline.predict(rows)[:, None]
    elif family in ("logreg", "hgb"):
        expected = np.asarray(pipeline.decision_function(rows)).reshape(len(rows), -1)
    else:
        proba = pipeline.predict_proba(rows)
        expected = proba[:, 1:] if task == "binary" else proba
    np.testing.assert_allclose(result.raw, expected, atol=1e-9)
    assert result.max_error < 1e-6
    features = [c for c in frame.columns if c != target]
    assert sorted(result.columns) == sorted(features)  # ORIGINAL columns, one-hot parts summed
    assert result.values.shape == (len(rows), len(features), expected.shape[1])
    if task == "multiclass":
        assert result.outputs == list(model.classes_)
    if family in ("rf", "hgb"):
        assert result.method == TREESHAP
        assert np.abs(result.values).sum() > 0
    if family == "logreg":
        assert result.method == EXACT


def test_a_binary_model_is_explained_for_the_class_of_interest(datasets) -> None:
    frame, target = datasets["binary"]
    rows = frame.drop(columns=[target]).iloc[:50]
    for family in ("logreg", "rf", "hgb"):
        pipeline = _fit(frame, target, "binary", family)
        good = explain(pipeline, rows, background=frame, positive="good")
        bad = explain(pipeline, rows, background=frame, positive="bad")
        assert good.outputs == ["good"] and bad.outputs == ["bad"]
        assert bad.max_error < 1e-6 and good.max_error < 1e-6
        np.testing.assert_allclose(bad.values, -good.values, atol=1e-12)


def test_logistic_regression_is_exact_in_log_odds(datasets) -> None:
    """Linear: the contribution of a column is coef * (x - mean) over its one-hot parts."""
    frame, target = datasets["binary"]
    pipeline = _fit(frame, target, "binary", "logreg")
    rows = frame.drop(columns=[target]).iloc[:3]
    result = explain(pipeline, rows, background=frame)
    prepared = pipeline[:-1].transform(rows)
    mean = pipeline[:-1].transform(frame).mean(axis=0)
    names = list(pipeline[:-1].get_feature_names_out())
    parts = [i for i, n in enumerate(names) if n.startswith("purpose_")]
    coef = pipeline[-1].coef_[0]
    manual = ((prepared[:, parts] - mean[parts]) * coef[parts]).sum(axis=1)
    np.testing.assert_allclose(result.values[:, result.columns.index("purpose"), 0], manual)


def test_a_linear_model_needs_its_training_rows(datasets) -> None:
    frame, target = datasets["binary"]
    pipeline = _fit(frame, target, "binary", "logreg")
    with pytest.raises(InputError, match="training rows"):
        explain(pipeline, frame.iloc[:2])


def test_toy_multiclass_and_regression_trees() -> None:
    from sklearn.datasets import load_diabetes, load_iris

    for loader, task in ((load_iris, "multiclass"), (load_diabetes, "regression")):
        data = loader(as_frame=True)
        frame = data.frame.rename(columns={"target": "y"})
        if task == "multiclass":
            frame["y"] = data.target_names[data.target]
        for family in ("rf", "hgb", "logreg"):
            pipeline = _fit(frame, "y", task, family)
            result = explain(pipeline, frame.drop(columns=["y"]), background=frame)
            assert result.max_error < 1e-6, (task, family)


# -- TreeSHAP against the definition -----------------------------------------------------------


def _conditional(tree, x, subset, node=0) -> float:
    """The path-dependent expectation of the tree given the features in ``subset``."""
    if tree.left[node] < 0:
        return float(tree.value[node, 0])
    left, right = tree.left[node], tree.right[node]
    if tree.feature[node] in subset:
        below = np.float32(x[tree.feature[node]]) <= tree.threshold[node]
        return _conditional(tree, x, subset, left if below else right)
    weights = tree.cover[left], tree.cover[right]
    values = _conditional(tree, x, subset, left), _conditional(tree, x, subset, right)
    return (weights[0] * values[0] + weights[1] * values[1]) / tree.cover[node]


def _brute_force_shapley(tree, x, n_features: int) -> np.ndarray:
    phi = np.zeros(n_features)
    for i in range(n_features):
        others = [j for j in range(n_features) if j != i]
        for k in range(n_features):
            weight = factorial(k) * factorial(n_features - k - 1) / factorial(n_features)
            for subset in itertools.combinations(others, k):
                with_i = _conditional(tree, x, {*subset, i})
                phi[i] += weight * (with_i - _conditional(tree, x, set(subset)))
    return phi


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_treeshap_equals_exact_shapley_values_on_a_tiny_tree(seed: int) -> None:
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 5))  # noqa: N806
    X[:, 3] = rng.integers(0, 3, 300)  # repeated splits on a few values
    y = 2 * X[:, 0] + X[:, 1] * X[:, 2] - (X[:, 3] > 1) + rng.normal(scale=0.1, size=300)
    fitted = DecisionTreeRegressor(max_depth=5, random_state=seed).fit(X, y)
    tree = sklearn_tree(fitted)
    ensemble = build_ensemble([tree], 5, np.zeros(1), float32_inputs=True)
    values = ensemble.shap_values(X[:12])[:, :, 0]
    for x, phi in zip(X[:12], values, strict=True):
        np.testing.assert_allclose(phi, _brute_force_shapley(tree, x, 5), atol=1e-10)
    assert ensemble.base[0] == pytest.approx(_conditional(tree, X[0], set()))
    np.testing.assert_allclose(ensemble.base[0] + values.sum(axis=1), fitted.predict(X[:12]))


def test_the_leaf_tables_and_the_direct_algebra_agree(datasets, monkeypatch) -> None:
    """Leaves of many path features skip the pattern table: both ways give the same values."""
    from mlops_desktop.training import treeshap

    frame, target = datasets["multiclass"]
    pipeline = _fit(frame, target, "multiclass", "hgb")
    X = pipeline[:-1].transform(frame.drop(columns=[target]).iloc[:40])  # noqa: N806
    tabled = treeshap.hgb_ensemble(pipeline[-1], X.shape[1])
    monkeypatch.setattr(treeshap, "TABLE_VALUES", 0)
    direct = treeshap.hgb_ensemble(pipeline[-1], X.shape[1])
    assert all(g.table is not None for g in tabled.groups)
    assert all(g.table is None for g in direct.groups)
    np.testing.assert_allclose(direct.shap_values(X), tabled.shap_values(X), atol=1e-10)


def test_missing_values_follow_each_split_s_missing_direction() -> None:
    """HGB learns where a missing value goes; its explanations add up on rows with NaNs."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from mlops_desktop.training.treeshap import hgb_ensemble

    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 4))  # noqa: N806
    y = (X[:, 0] + np.nan_to_num(X[:, 1]) > 0).astype(int)
    X[rng.random(X.shape) < 0.2] = np.nan
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y)
    ensemble = hgb_ensemble(model, 4)
    values = ensemble.shap_values(X)[:, :, 0]
    assert np.isnan(X).any(axis=1).sum() > 100
    np.testing.assert_allclose(
        ensemble.base[0] + values.sum(axis=1), model.decision_function(X), atol=1e-9
    )
