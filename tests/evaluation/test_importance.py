"""Permutation importance on German credit: a column the model ignores scores exactly 0, the
strongest input scores well above the noise, and the numbers match a plain per-column loop."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from mlops_desktop.evaluation.importance import permutation_importance
from tests.evaluation.conftest import TARGET


def test_permutation_importance_on_german_credit(credit_model):
    frame, mask, _schema, _roles, result, signature = credit_model
    pipeline, positive = result.pipeline, signature["output"]["positive_class"]
    inputs = [s["name"] for s in signature["inputs"]]
    test = frame[mask].reset_index(drop=True)
    features = test[inputs].assign(unused=np.arange(len(test)))  # not a model input
    y = test[TARGET].astype(str).to_numpy()
    classes = [str(c) for c in pipeline.classes_]
    out = permutation_importance(
        pipeline, "binary", features, y, "roc_auc", classes=classes, positive=positive, seed=3
    )
    columns = out["columns"]
    assert set(columns) == {*inputs, "unused"} and out["repeats"] == 5
    assert columns["unused"] == {"mean": 0.0, "std": 0.0}
    strongest = max(columns, key=lambda c: columns[c]["mean"])
    assert strongest == "status_of_existing_checking_account"
    assert columns[strongest]["mean"] > 4 * columns[strongest]["std"] > 0
    index = classes.index(positive)
    base = roc_auc_score(y == positive, pipeline.predict_proba(features)[:, index])
    assert abs(out["base"] - base) < 1e-12  # the vectorised metric is sklearn's

    # The same shuffles, scored one call at a time with sklearn, give the same drops.
    rng = np.random.default_rng(3)
    drops = {}
    for column in out_order(features, inputs):
        values = []
        for _ in range(out["repeats"]):
            shuffled = features.copy()
            perm = rng.permutation(len(features))
            shuffled[column] = features[column].iloc[perm].set_axis(features.index)
            p = pipeline.predict_proba(shuffled)[:, index]
            values.append(base - roc_auc_score(y == positive, p))
        drops[column] = np.mean(values)
    for column, value in drops.items():
        assert abs(columns[column]["mean"] - value) < 1e-9, column


def out_order(features, first):
    return [*first, *(c for c in features.columns if c not in first)]
