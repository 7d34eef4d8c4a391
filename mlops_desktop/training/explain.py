"""Additive explanations of our pipelines: per input column, base + contributions = raw output.

The raw output is what the model adds up before any final link: the log-odds of the positive
class for a binary logistic regression or gradient boosting, each class's score for a
multiclass one, the probability of the class for a random forest (the mean of its trees' votes)
and the prediction for a regression. Contributions are computed on the transformed inputs the
estimator sees and summed back to the ORIGINAL column each came from (one-hot parts, datetime
parts), so they read in the user's columns.

- Linear models (logistic / ridge regression): exact, ``coef_k * (x_k - mean_k)`` with the
  mean of the transformed training rows (``background``); base = the model at that mean.
- Tree ensembles (random forest, histogram gradient boosting): path-dependent TreeSHAP
  (``training.treeshap``, our own numpy code), from the covers stored in the trees.
- The dummy baseline: everything is its base value.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError
from mlops_desktop.training import treeshap
from mlops_desktop.training.preprocessing import DATETIME_PARTS

EXACT = "exact (linear model)"
TREESHAP = "TreeSHAP (path-dependent)"
CONSTANT = "constant (baseline model)"

_ensembles: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


@dataclass(frozen=True)
class Explanation:
    """Contributions of ``rows`` x ``columns`` x ``outputs``; ``base + values.sum(1) == raw``."""

    columns: list[str]
    outputs: list[str]  # one name per raw output: the class it scores, or the target
    output_kind: str  # "log-odds", "score", "probability" or "prediction"
    method: str
    base: np.ndarray  # (outputs,)
    values: np.ndarray  # (rows, columns, outputs)
    raw: np.ndarray  # (rows, outputs): the model's own raw output

    @property
    def max_error(self) -> float:
        """Largest gap between base + contributions and the raw output (should be ~1e-12)."""
        if not len(self.raw):
            return 0.0
        return float(np.abs(self.base + self.values.sum(axis=1) - self.raw).max())


def explain(
    pipeline,
    frame: pd.DataFrame,
    background: pd.DataFrame | None = None,
    positive=None,
) -> Explanation:
    """Explain ``pipeline``'s raw output on every row of ``frame`` (inputs as scored).

    ``background``: training rows, needed by linear models for the mean they are explained
    from. ``positive``: a binary classifier's class of interest (default: ``classes_[1]``).
    """
    prepare_step(pipeline)
    X = np.asarray(pipeline[:-1].transform(frame), dtype=np.float64)  # noqa: N806
    mean = background_mean(pipeline, background) if _is_linear(pipeline.steps[-1][1]) else None
    return explain_matrix(pipeline, X, mean=mean, positive=positive)


def background_mean(pipeline, background: pd.DataFrame | None) -> np.ndarray:
    """The mean of the transformed ``background`` rows, which a linear model is explained from."""
    if background is None or not len(background):
        raise InputError(
            "A linear model is explained against its training rows: pass background rows."
        )
    return np.asarray(pipeline[:-1].transform(background), dtype=np.float64).mean(axis=0)


def explain_matrix(pipeline, X: np.ndarray, mean: np.ndarray | None = None, positive=None):  # noqa: N803
    """``explain`` of rows already transformed by ``pipeline[:-1]`` (``X``: rows x features);
    ``mean`` is the transformed background's (see :func:`background_mean`), for linear models."""
    model = pipeline.steps[-1][1]
    X = np.asarray(X, dtype=np.float64)  # noqa: N806
    columns, owner = feature_owners(pipeline)
    if X.shape[1] != len(owner):
        raise InputError(f"The model's inputs have {X.shape[1]} parts, expected {len(owner)}.")
    output = _raw_output(model, positive)
    raw = output.of(X)
    if _is_linear(model):
        base, per_feature = _linear(model, X, mean, output)
        method = EXACT
    elif _is_tree(model):
        ensemble = _ensemble(model, X.shape[1])
        base, per_feature = ensemble.base, ensemble.shap_values(X)
        if output.flip:  # the trees explain classes_[1]: turn to classes_[0]
            base = (1.0 - base) if output.kind == "probability" else -base
            per_feature = -per_feature
        method = TREESHAP
    else:
        base = output.of(X[:1])[0] if len(X) else np.zeros(raw.shape[1])
        per_feature = np.zeros((len(X), X.shape[1], raw.shape[1]))
        method = CONSTANT
    values = _by_column(per_feature, owner, len(columns))
    return Explanation(columns, output.names, output.kind, method, np.asarray(base), values, raw)


def prepare_step(pipeline):
    """The pipeline's preprocessing step; InputError for a model fitted elsewhere (imported)."""
    prepare = dict(getattr(pipeline, "named_steps", {})).get("prepare")
    if prepare is None:
        raise InputError(
            "This model was fitted outside MLOps Desktop (imported), so the app does not know "
            "its preprocessing well enough to take it apart: its decisions cannot be explained "
            "per input yet."
        )
    return prepare


def feature_owners(pipeline) -> tuple[list[str], np.ndarray]:
    """The original input columns, and for each transformed feature the index of its column."""
    prepare = prepare_step(pipeline)
    columns: list[str] = []
    owner: list[int] = []
    for name, transformer, cols in prepare.transformers_:
        if name == "remainder" or transformer == "drop" or not len(cols):
            continue
        widths = _widths(name, transformer, list(cols))
        start = prepare.output_indices_[name].start
        if start != len(owner):
            raise InputError(f"Unexpected layout of the model's '{name}' inputs.")
        for col, width in zip(cols, widths, strict=True):
            index = columns.index(col) if col in columns else len(columns)
            if index == len(columns):
                columns.append(col)
            owner.extend([index] * width)
    return columns, np.asarray(owner, dtype=np.int64)


def _widths(name: str, transformer, cols: list[str]) -> list[int]:
    if name == "datetime":
        return [len(DATETIME_PARTS)] * len(cols)
    encoder = getattr(transformer, "named_steps", {}).get("encode")
    if encoder is not None and hasattr(encoder, "_n_features_outs"):
        return [int(n) for n in encoder._n_features_outs]  # one-hot: parts per column
    return [1] * len(cols)


def _by_column(per_feature: np.ndarray, owner: np.ndarray, n_columns: int) -> np.ndarray:
    rows, _, outputs = per_feature.shape
    values = np.zeros((rows, n_columns, outputs))
    for column in range(n_columns):
        values[:, column, :] = per_feature[:, owner == column, :].sum(axis=1)
    return values


# -- the raw output ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Output:
    names: list
    kind: str
    of: Callable[[np.ndarray], np.ndarray]  # transformed inputs -> (rows, outputs)
    flip: bool = False  # a binary model explained for classes_[0]


def _raw_output(model, positive) -> _Output:
    """What is explained: the names of the raw outputs, their kind, and how to compute them."""
    classes = getattr(model, "classes_", None)
    if classes is None:
        return _Output(["prediction"], "prediction", lambda X: model.predict(X).reshape(-1, 1))  # noqa: N803
    classes = [_plain(c) for c in classes]
    binary = len(classes) == 2
    flip = binary and positive is not None and str(positive) == str(classes[0])
    names = [classes[0] if flip else classes[1]] if binary else classes
    if hasattr(model, "decision_function"):

        def raw(X):  # noqa: N803
            out = np.asarray(model.decision_function(X), dtype=np.float64)
            return (-out if flip else out).reshape(len(X), -1)

        return _Output(names, "log-odds" if binary else "score", raw, flip)

    def proba(X):  # noqa: N803
        p = np.asarray(model.predict_proba(X), dtype=np.float64)
        return p[:, [0 if flip else 1]] if binary else p

    return _Output(names, "probability", proba, flip)


def _plain(value):
    return value.item() if hasattr(value, "item") else value


# -- linear models ----------------------------------------------------------------------------


def _is_linear(model) -> bool:
    return hasattr(model, "coef_") and hasattr(model, "intercept_")


def _linear(model, X, mean, output: _Output):  # noqa: N803
    """Exact contributions ``coef * (x - mean)``; base = the raw output at the mean."""
    if mean is None:
        raise InputError(
            "A linear model is explained against its training rows: pass background rows."
        )
    base = output.of(mean[None, :])[0]
    coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))  # (outputs, features)
    per_feature = (X - mean)[:, :, None] * coef.T[None, :, :]
    return base, -per_feature if output.flip else per_feature


# -- trees ------------------------------------------------------------------------------------


def _is_tree(model) -> bool:
    return hasattr(model, "_predictors") or hasattr(model, "estimators_")


def _ensemble(model, n_features: int) -> treeshap.TreeEnsemble:
    """The model's flattened leaves, built once per fitted model (kept while it lives)."""
    with _lock:
        cached = _ensembles.get(model)
    if cached is not None and cached.n_features == n_features:
        return cached
    if hasattr(model, "_predictors"):
        built = treeshap.hgb_ensemble(model, n_features)
    else:
        binary = len(getattr(model, "classes_", ())) == 2
        built = treeshap.forest_ensemble(model, n_features, slice(1, 2) if binary else None)
    with _lock:
        _ensembles[model] = built
    return built
