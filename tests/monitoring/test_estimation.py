"""Performance estimation without labels (CBPE, DLE), checked against labels drawn at random:
the estimates equal the realized values in expectation, follow a shift in the inputs, and the
95% bands hold the realized value about 95% of the time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlops_desktop.errors import InputError
from mlops_desktop.monitoring.estimation import PerformanceEstimator

COLUMNS = ["a", "b", "c", "d"]


def _frame(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    x = rng.normal(size=(n, len(COLUMNS)))
    x[:, 0] += shift
    return pd.DataFrame(x, columns=COLUMNS)


def _own_labels(model, frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Labels drawn from the model's own probabilities: the model is calibrated by design."""
    proba = model.predict_proba(frame)
    cumulative = proba.cumsum(axis=1)
    drawn = (rng.random(len(frame))[:, None] > cumulative[:, :-1]).sum(axis=1)
    return model.classes_[drawn]


def _classifier(rng, classes: int):
    x = _frame(rng, 3000)
    logit = np.column_stack([x.a * 1.5 - x.b, x.c - 0.5 * x.a, 0.3 * x.d][: classes - 1])
    logit = np.column_stack([np.zeros(len(x)), logit])
    p = np.exp(logit) / np.exp(logit).sum(axis=1, keepdims=True)
    y = np.array(["no", "yes", "maybe"][:classes])[
        (rng.random(len(x))[:, None] > p.cumsum(axis=1)[:, :-1]).sum(axis=1)
    ]
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(x, y)


@pytest.mark.parametrize("classes", [2, 3])
def test_estimates_equal_realized_values_in_expectation(classes):
    rng = np.random.default_rng(classes)
    model = _classifier(rng, classes)
    # The calibration is fitted on the holdout: its noise is the estimate's bias (a 4,000-row
    # holdout can say a calibrated model is off by 0.005), so the holdout is large here.
    holdout = _frame(rng, 12000)
    est = PerformanceEstimator.fit(
        model, holdout, _own_labels(model, holdout, rng), "binary" if classes == 2 else "multiclass"
    )
    monitored = _frame(rng, 40 * 400)
    chunks = est.estimate(monitored, chunk_size=400, y=_own_labels(model, monitored, rng))
    assert len(chunks) == 40 and all(c["rows"] == 400 for c in chunks)
    for metric in ("accuracy", "f1", "roc_auc", "precision", "recall"):
        pairs = np.array(
            [(c["metrics"][metric]["estimate"], c["metrics"][metric]["realized"]) for c in chunks]
        )
        gap = pairs[:, 0] - pairs[:, 1]
        assert abs(gap.mean()) < 0.012, (metric, gap.mean())  # unbiased
        assert np.abs(gap).mean() < 0.05, metric
        inside = [
            c["metrics"][metric]["low"]
            <= c["metrics"][metric]["realized"]
            <= c["metrics"][metric]["high"]
            for c in chunks
        ]
        assert 0.8 <= np.mean(inside) <= 1.0, (metric, np.mean(inside))


def test_the_estimate_follows_a_shift_in_the_inputs():
    rng = np.random.default_rng(7)
    model = _classifier(rng, 2)
    holdout = _frame(rng, 4000)
    est = PerformanceEstimator.fit(model, holdout, _own_labels(model, holdout, rng), "binary")
    calm = _frame(rng, 2000)
    # rows pushed towards the decision boundary (a*1.5 - b near 0): the model gets less sure
    near = _frame(rng, 20000)
    near = near[np.abs(near.a * 1.5 - near.b) < 0.4].head(2000).reset_index(drop=True)
    before = est.estimate(calm, chunks=1, y=_own_labels(model, calm, rng))[0]["metrics"]
    after = est.estimate(near, chunks=1, y=_own_labels(model, near, rng))[0]["metrics"]
    assert after["accuracy"]["realized"] < before["accuracy"]["realized"] - 0.15
    for m in ("accuracy", "roc_auc"):
        assert after[m]["estimate"] < before[m]["estimate"] - 0.1
        assert abs(after[m]["estimate"] - after[m]["realized"]) < 0.04, m
        assert after[m]["low"] < after[m]["estimate"] < after[m]["high"], m


def test_shift_correction_reweights_the_holdout_and_stays_close():
    rng = np.random.default_rng(11)
    model = _classifier(rng, 2)
    holdout = _frame(rng, 3000)
    est = PerformanceEstimator.fit(model, holdout, _own_labels(model, holdout, rng), "binary")
    shifted = _frame(rng, 1500, shift=1.0)
    truth = _own_labels(model, shifted, rng)
    plain = est.estimate(shifted, chunks=1, y=truth)[0]
    corrected = est.estimate(shifted, chunks=1, y=truth, shift_correction=True)[0]
    assert corrected["shift_corrected"] and not plain["shift_corrected"]
    for m in ("accuracy", "roc_auc"):
        got = corrected["metrics"][m]
        assert abs(got["estimate"] - got["realized"]) < 0.04, m


def test_dle_estimates_the_error_of_a_regressor_where_noise_grows():
    rng = np.random.default_rng(5)

    def rows(n, wide):
        x = _frame(rng, n)
        if wide:
            x["b"] = rng.uniform(2, 3, n) * rng.choice([-1, 1], n)
        noise = rng.normal(size=n) * (0.2 + np.abs(x.b))
        return x, 2 * x.a - x.c + noise

    train_x, train_y = rows(3000, False)
    model = make_pipeline(StandardScaler(), LinearRegression()).fit(train_x, train_y)
    hold_x, hold_y = rows(3000, False)
    hold_x = pd.concat([hold_x, rows(600, True)[0]], ignore_index=True)
    hold_y = pd.concat(
        [
            hold_y,
            pd.Series(
                2 * hold_x.a[3000:]
                - hold_x.c[3000:]
                + rng.normal(size=600) * (0.2 + np.abs(hold_x.b[3000:]))
            ),
        ],
        ignore_index=True,
    )
    est = PerformanceEstimator.fit(model, hold_x, hold_y, "regression")
    calm_x, calm_y = rows(1000, False)
    wide_x, wide_y = rows(1000, True)
    calm = est.estimate(calm_x, chunks=1, y=calm_y)[0]["metrics"]
    wide = est.estimate(wide_x, chunks=1, y=wide_y)[0]["metrics"]
    assert wide["mae"]["realized"] > 2 * calm["mae"]["realized"]
    for got in (calm, wide):
        for m in ("mae", "rmse"):
            assert abs(got[m]["estimate"] - got[m]["realized"]) < 0.15 * got[m]["realized"], (
                m,
                got[m],
            )
    assert wide["mae"]["estimate"] > 2 * calm["mae"]["estimate"]


def test_bad_input_is_refused_by_name():
    rng = np.random.default_rng(1)
    model = _classifier(rng, 2)
    holdout = _frame(rng, 500)
    est = PerformanceEstimator.fit(model, holdout, _own_labels(model, holdout, rng), "binary")
    with pytest.raises(InputError, match="'?c'?"):
        est.estimate(holdout.drop(columns=["c"]))
    with pytest.raises(InputError, match="at least 20 rows"):
        est.estimate(holdout, chunk_size=5)
    with pytest.raises(InputError, match="no rows"):
        est.estimate(holdout.head(0))
    with pytest.raises(InputError, match="not both"):
        est.estimate(holdout, chunks=2, chunk_size=100)
    with pytest.raises(InputError, match="holdout has 5 rows"):
        PerformanceEstimator.fit(model, holdout.head(5), ["no"] * 5, "binary")


def test_calibration_keeps_the_models_own_probabilities_unless_clearly_worse():
    """A model whose probabilities already hold keeps them among the maps averaged, and its
    calibrated probabilities stay near its own; an over-confident model's own are left out,
    and its calibrated rates then hold."""
    from mlops_desktop.monitoring.cbpe import Calibrator, calibration_error

    rng = np.random.default_rng(3)
    p = rng.uniform(0.02, 0.98, 6000)
    honest = (rng.uniform(size=p.size) < p).astype(int)
    proba = np.column_stack([1 - p, p])
    kept = Calibrator.fit(proba, honest)
    assert kept.describe().startswith("the average of the model's own")
    assert np.abs(kept(proba)[:, 1] - p).max() < 0.05
    skewed = (rng.uniform(size=p.size) < p**2).astype(int)  # says 0.5 where it is 0.25
    fitted = Calibrator.fit(proba, skewed)
    assert fitted.calibrates and "the model's own" not in fitted.describe()
    weights = np.ones(p.size)
    before = calibration_error(p, skewed.astype(float), weights)
    after = calibration_error(fitted(proba)[:, 1], skewed.astype(float), weights)
    assert before > 0.1 and after < 0.03


def test_platt_scaling_recovers_an_over_confident_models_slope():
    """Probabilities twice as extreme on the logit scale as the truth (some near 0 and 1):
    the fitted slope is about one half, and no step overshoots (a full Newton step did)."""
    from mlops_desktop.monitoring.cbpe import Sigmoid

    rng = np.random.default_rng(5)
    z = rng.normal(0, 3, 20000)
    truth = 1 / (1 + np.exp(-z))
    hit = (rng.uniform(size=z.size) < truth).astype(float)
    stretched = 1 / (1 + np.exp(-2 * z))
    with np.errstate(over="raise"):
        curve = Sigmoid().fit(stretched, hit)
    assert abs(curve.a - 0.5) < 0.05 and abs(curve.b) < 0.05
