"""Bootstrap CIs: vectorised metrics equal scikit-learn's, resamples are reproducible, and the
intervals agree with a plain scikit-learn loop within Monte-Carlo error."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mlops_desktop.evaluation.bootstrap import BootstrapPlan, MetricSet, interval, run_bootstrap
from mlops_desktop.training.metrics import classification_metrics, regression_metrics


def _resampled_equal(ms: MetricSet, reference, n_check: int = 6) -> None:
    plan = BootstrapPlan(len(ms), 40, seed=3)
    indices = next(plan.index_chunks())
    counts = next(plan.count_chunks())
    values = ms.weighted(counts)
    for b in range(n_check):
        expected = reference(indices[b])
        for k, name in enumerate(ms.names):
            assert values[b, k] == pytest.approx(expected[name], abs=1e-12), (name, b)


def test_weighted_binary_metrics_equal_sklearn_on_resamples_with_ties():
    rng = np.random.default_rng(1)
    y = np.where(rng.random(300) < 0.3, "bad", "good")
    p = np.round(rng.random(300), 1)  # heavy ties exercise the tie groups
    proba = np.c_[p, 1 - p]
    classes = np.array(["bad", "good"])
    ms = MetricSet("binary", y, proba, classes, "bad")
    _resampled_equal(ms, lambda i: classification_metrics(y[i], proba[i], classes, "bad"))


def test_weighted_multiclass_metrics_equal_sklearn():
    rng = np.random.default_rng(2)
    classes = np.array(["a", "b", "c"])
    y = rng.choice(classes, 250)
    proba = np.round(rng.dirichlet([1, 1, 1], 250), 2)
    proba /= proba.sum(axis=1, keepdims=True)
    ms = MetricSet("multiclass", y, proba, classes)
    _resampled_equal(ms, lambda i: classification_metrics(y[i], proba[i], classes))


def test_weighted_regression_metrics_equal_sklearn():
    rng = np.random.default_rng(3)
    y = rng.normal(10, 3, 200)
    y[:5] = 0  # MAPE skips zero targets
    predicted = y + rng.normal(0, 1, 200)
    ms = MetricSet("regression", y, predicted)
    _resampled_equal(ms, lambda i: regression_metrics(y[i], predicted[i]))


def _model_metrics(credit_model) -> MetricSet:
    frame, mask, _schema, _roles, result, signature = credit_model
    test = frame[mask]
    proba = result.pipeline.predict_proba(test)
    return MetricSet(
        "binary",
        test["creditability"].astype(str).to_numpy(),
        proba,
        result.pipeline.classes_,
        signature["output"]["positive_class"],
    )


def test_point_estimate_is_sklearns_and_ci_contains_it(credit_model):
    ms = _model_metrics(credit_model)
    point = ms.point()
    assert point["roc_auc"] == roc_auc_score((ms.y == "bad").astype(int), ms.output[:, 0])
    weighted_all = ms.weighted(np.ones((1, len(ms))))[0]
    boot = run_bootstrap(BootstrapPlan(len(ms), 1000, seed=7), {"m": ms.weighted})["m"]
    assert boot.shape == (1000, len(ms.names))
    for k, name in enumerate(ms.names):
        assert weighted_all[k] == pytest.approx(point[name], abs=1e-12)
        lo, hi = interval(boot[:, k])
        assert lo < point[name] < hi, name


def test_same_seed_same_interval_other_seed_other_interval(credit_model):
    ms = _model_metrics(credit_model)

    def ci(seed: int, max_cells: int = 4_000_000):
        plan = BootstrapPlan(len(ms), 500, seed=seed, max_cells=max_cells)
        return interval(run_bootstrap(plan, {"m": ms.weighted})["m"][:, 0])

    assert ci(11) == ci(11)
    assert ci(11) != ci(12)
    # small chunks (bounded memory) still give 500 resamples and a close interval
    lo, hi = ci(11, max_cells=len(ms) * 7)
    assert lo == pytest.approx(ci(11)[0], abs=0.03) and hi == pytest.approx(ci(11)[1], abs=0.03)


def test_matches_a_naive_sklearn_loop_within_monte_carlo_error(credit_model):
    ms = _model_metrics(credit_model)
    y_bin = (ms.y == "bad").astype(int)
    score = ms.output[:, 0]
    rng = np.random.default_rng(2024)  # independent resamples
    naive = []
    for _ in range(1000):
        i = rng.integers(0, len(y_bin), len(y_bin))
        naive.append(roc_auc_score(y_bin[i], score[i]))
    naive_lo, naive_hi = np.percentile(naive, [2.5, 97.5])
    ours = run_bootstrap(BootstrapPlan(len(ms), 1000, seed=0), {"m": ms.weighted})["m"]
    lo, hi = interval(ours[:, ms.names.index("roc_auc")])
    assert lo == pytest.approx(naive_lo, abs=0.02)
    assert hi == pytest.approx(naive_hi, abs=0.02)
    # on the very same resamples, the loop and the vectorised pass agree exactly
    plan = BootstrapPlan(len(ms), 50, seed=5)
    same = [roc_auc_score(y_bin[i], score[i]) for i in next(plan.index_chunks())]
    vectorised = run_bootstrap(plan, {"m": ms.weighted})["m"][:, ms.names.index("roc_auc")]
    np.testing.assert_allclose(vectorised, same, atol=1e-12)


def test_undefined_resamples_are_nan_and_mostly_undefined_gives_no_interval():
    y = np.array(["a"] * 30 + ["b"])  # one 'b': about e^-1 of resamples lack it
    proba = np.tile([0.5, 0.5], (31, 1))
    ms = MetricSet("binary", y, proba, np.array(["a", "b"]), "b", ("roc_auc",))
    values = run_bootstrap(BootstrapPlan(31, 400, 0), {"m": ms.weighted})["m"][:, 0]
    assert 100 < np.isnan(values).sum() < 200
    assert interval(values) == (0.5, 0.5)
    mostly_undefined = np.r_[np.full(60, np.nan), np.linspace(0, 1, 40)]
    assert interval(mostly_undefined) == (None, None)


def test_slice_shortcut_equals_gathering_the_columns(credit_model):
    ms = _model_metrics(credit_model)
    rows = np.flatnonzero(np.arange(len(ms)) % 3 == 0)
    counts = next(BootstrapPlan(len(ms), 30, seed=9).count_chunks())
    for names in (("roc_auc",), ("roc_auc", "pr_auc"), ("accuracy",)):
        subset = ms.take(rows, names)
        np.testing.assert_allclose(
            subset.weighted_columns(counts, rows), subset.weighted(counts[:, rows]), atol=1e-12
        )
