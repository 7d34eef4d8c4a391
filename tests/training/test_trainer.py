"""The training engine on real data: pipelines carry preprocessing, results reproduce."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.training.trainer import TrainConfig, train


def _schema(frame: pd.DataFrame) -> dict[str, str]:
    return {
        c: "numeric" if pd.api.types.is_numeric_dtype(frame[c]) else "categorical"
        for c in frame.columns
    }


@pytest.fixture(scope="module")
def credit():
    from tests.datasets import GERMAN_CREDIT, read_dataset

    frame = read_dataset(GERMAN_CREDIT)
    mask = np.random.default_rng(0).random(len(frame)) < 0.25
    return frame, mask, _schema(frame), {"target": "creditability", "task": "binary"}


def _quiet(_fraction, _message):
    return None


@pytest.mark.parametrize("model", ["logreg", "rf", "hgb"])
def test_each_family_beats_the_dummy_baseline(credit, model):
    frame, mask, schema, roles = credit
    result = train(frame, mask, schema, roles, TrainConfig(model, "binary", cv_folds=3), _quiet)
    assert result.baseline_metrics["roc_auc"] == pytest.approx(0.5)
    assert result.holdout_metrics["roc_auc"] > 0.7
    assert result.cv_metrics["roc_auc"]["mean"] > 0.7
    assert result.positive_class == "bad"  # the rarer class is the one F1 and PR AUC describe
    assert set(result.holdout_metrics) >= {
        "roc_auc",
        "pr_auc",
        "accuracy",
        "f1",
        "log_loss",
        "brier",
    }


def test_same_config_gives_same_metrics_and_fingerprint(credit):
    frame, mask, schema, roles = credit
    config = TrainConfig("hgb", "binary", search=2, cv_folds=3, seed=5)
    a = train(frame, mask, schema, roles, config, _quiet)
    b = train(frame, mask, schema, roles, config, _quiet)
    assert a.holdout_metrics == b.holdout_metrics
    assert a.params == b.params and a.params  # the search chose real parameters
    assert a.fingerprint == b.fingerprint
    other = train(
        frame,
        mask,
        schema,
        roles,
        TrainConfig("hgb", "binary", search=2, cv_folds=3, seed=6),
        _quiet,
    )
    assert other.fingerprint != a.fingerprint


def test_pipeline_scores_raw_rows_with_unseen_categories_and_missing_values(credit):
    frame, mask, schema, roles = credit
    result = train(frame, mask, schema, roles, TrainConfig("logreg", "binary", cv_folds=3), _quiet)
    rows = frame.drop(columns=["creditability"]).head(3).copy()
    rows.loc[rows.index[0], "purpose"] = "a purpose never seen in training"
    rows.loc[rows.index[1], "age_in_years"] = np.nan
    proba = result.pipeline.predict_proba(rows)
    assert proba.shape == (3, 2) and np.allclose(proba.sum(axis=1), 1)
    bad = rows.copy()
    bad["age_in_years"] = bad["age_in_years"].astype(object)
    bad.loc[bad.index[2], "age_in_years"] = "forty"
    with pytest.raises(ValueError, match="age_in_years"):
        result.pipeline.predict_proba(bad)
    with pytest.raises(ValueError, match="missing column"):
        result.pipeline.predict_proba(rows.drop(columns=["purpose"]))


def test_progress_is_reported_per_fold(credit):
    frame, mask, schema, roles = credit
    seen = []
    train(
        frame,
        mask,
        schema,
        roles,
        TrainConfig("logreg", "binary", search=2, cv_folds=3),
        lambda f, m: seen.append((f, m)),
    )
    assert any("candidate 2/2, fold 3/3" in m for _, m in seen)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_regression_with_time_ordered_folds(data_dir):
    frame = pd.read_csv(data_dir / "uci_bikeshare_2011_hourly.csv")
    frame = frame.drop(columns=["casual", "registered"])  # the target leak
    frame["when"] = frame["day"] * 24 + frame["hr"]
    mask = frame["when"] >= frame["when"].quantile(0.8)
    schema = _schema(frame)
    roles = {"target": "bikers", "task": "regression", "time_column": "when"}
    result = train(
        frame,
        mask.to_numpy(),
        schema,
        roles,
        TrainConfig("hgb", "regression", split_method="time", cv_folds=3),
        _quiet,
    )
    assert result.holdout_metrics["r2"] > 0.6
    assert result.holdout_metrics["rmse"] < result.baseline_metrics["rmse"]


def test_too_few_rows_of_a_class_for_the_folds(credit):
    frame, mask, schema, roles = credit
    small = frame.copy()
    small.loc[small.index[:-2], "creditability"] = "good"
    with pytest.raises(InputError, match="too few for 3-fold"):
        train(
            small,
            np.zeros(len(small), bool) | (np.arange(len(small)) == 0),
            schema,
            roles,
            TrainConfig("logreg", "binary", cv_folds=3),
            _quiet,
        )
