"""Model families users choose from, their labels, and the search ranges used by random search.

Importable without scikit-learn or scipy (the window and the CLI read the labels): estimators
and search distributions are built on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlops_desktop.errors import InputError

CLASSIFICATION = ("binary", "multiclass")

#: What the CLI, the test report and every page call each family.
FAMILY_LABELS = {
    "logreg": "Logistic regression",
    "linear": "Ridge regression",
    "rf": "Random forest",
    "hgb": "Histogram gradient boosting",
    "dummy": "Dummy baseline",
    "imported": "Imported scikit-learn model",
}


def family_label(key: str) -> str:
    """The family's name in words (an unknown key reads as itself)."""
    return FAMILY_LABELS.get(key, key)


@dataclass(frozen=True)
class Family:
    key: str
    scale: bool
    one_hot: bool

    @property
    def label(self) -> str:
        return family_label(self.key)

    @property
    def search_space(self) -> dict[str, Any]:
        """Random-search ranges: scipy distributions or lists (empty: nothing to search)."""
        from scipy.stats import loguniform, randint, uniform

        return {
            "logreg": {"C": loguniform(1e-3, 1e2)},
            "linear": {"alpha": loguniform(1e-3, 1e3)},
            "rf": {
                "n_estimators": randint(100, 400),
                "max_depth": [None, 6, 10, 16],
                "min_samples_leaf": randint(1, 20),
                "max_features": ["sqrt", 0.5, 1.0],
            },
            "hgb": {
                "learning_rate": loguniform(0.02, 0.3),
                "max_leaf_nodes": randint(15, 64),
                "min_samples_leaf": randint(10, 100),
                "l2_regularization": uniform(0, 1),
            },
        }.get(self.key, {})


FAMILIES = {
    "logreg": Family("logreg", scale=True, one_hot=True),
    "linear": Family("linear", scale=True, one_hot=True),
    "rf": Family("rf", scale=False, one_hot=False),
    "hgb": Family("hgb", scale=False, one_hot=False),
    "dummy": Family("dummy", scale=False, one_hot=False),
}


def family(key: str, task: str) -> Family:
    """The family for ``key``, checked against the task (logreg is for classification, linear for
    regression; both names are accepted for the other task and mapped to its linear model)."""
    if key not in FAMILIES:
        raise InputError(f"Unknown model '{key}'. Choose one of: logreg, linear, rf, hgb.")
    if key == "logreg" and task not in CLASSIFICATION:
        return FAMILIES["linear"]
    if key == "linear" and task in CLASSIFICATION:
        return FAMILIES["logreg"]
    return FAMILIES[key]


def make_estimator(key: str, task: str, seed: int, params: dict[str, Any] | None = None):
    """A fresh, seeded estimator for the family and task."""
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LogisticRegression, Ridge

    params = dict(params or {})
    classify = task in CLASSIFICATION
    key = family(key, task).key
    if key == "dummy":
        return DummyClassifier(strategy="prior") if classify else DummyRegressor(strategy="mean")
    if key == "logreg":
        return LogisticRegression(max_iter=2000, random_state=seed, **params)
    if key == "linear":
        return Ridge(random_state=seed, **params)
    if key == "rf":
        cls = RandomForestClassifier if classify else RandomForestRegressor
        params.setdefault("n_estimators", 200)
        params.setdefault("min_samples_leaf", 2)
        return cls(random_state=seed, n_jobs=1, **params)
    cls = HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
    return cls(random_state=seed, **params)
