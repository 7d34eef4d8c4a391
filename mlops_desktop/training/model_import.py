"""Register a scikit-learn model fitted elsewhere (a notebook) as a model version.

The model is checked against a dataset version before anything is written: it must be fitted,
fit the dataset's task and classes, and use only the dataset's feature columns. Its signature
comes from the dataset; it is evaluated on the dataset's holdout beside a dummy baseline, like a
run trained here. Only then are the run, the artifact and the version written, and the
registration's audit event records where the model came from and the file's SHA-256.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError
from mlops_desktop.training.metrics import positive_class, score
from mlops_desktop.training.preprocessing import ROLE_COLUMNS, SchemaCoercer, feature_columns
from mlops_desktop.training.signature import input_signature

#: The ``model_family`` of a run that registers a model fitted elsewhere.
IMPORTED = "imported"


@dataclass
class ImportEvaluation:
    pipeline: Any
    holdout: dict[str, float]
    baseline: dict[str, float]
    signature: dict
    fingerprint: str
    positive_class: str | None


def _check_fitted(model: Any) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if not (hasattr(model, "predict") and hasattr(model, "get_params")):
        raise InputError(
            f"The file holds a {type(model).__name__}, not a scikit-learn estimator or pipeline."
        )
    try:
        check_is_fitted(model)
    except (NotFittedError, TypeError) as exc:
        raise InputError(
            f"The {type(model).__name__} is not fitted: fit it on the data before saving it."
        ) from exc


def model_columns(model: Any, schema: dict[str, str], roles: dict) -> list[str]:
    """The dataset columns the model takes, in the order it was fitted on."""
    groups = feature_columns(schema, roles)
    features = [c for c in schema if any(c in cols for cols in groups.values())]
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        expected = getattr(model, "n_features_in_", None)
        if expected is not None and int(expected) != len(features):
            raise InputError(
                f"The model was fitted on {int(expected)} unnamed columns but the dataset has "
                f"{len(features)} feature columns; fit it on a DataFrame with the dataset's "
                "column names."
            )
        return features
    names = [str(n) for n in names]
    lacking = [n for n in names if n not in schema]
    if lacking:
        raise InputError(f"The model uses columns the dataset lacks: {', '.join(lacking)}.")
    role_of = {roles.get(k): k.replace("_", " ") for k in ROLE_COLUMNS if roles.get(k)}
    role_of.update({c: "ID column" for c in roles.get("id_columns") or []})
    misused = [
        f"{n} (the {role_of.get(n, schema[n] + ' column')})" for n in names if n not in features
    ]
    if misused:
        raise InputError(
            f"The model uses columns that are not features of the dataset: {', '.join(misused)}."
        )
    return names


def check_task(model: Any, task: str, labels: list[str]) -> None:
    """Refuse a model whose kind (classifier or regressor) or classes do not fit the dataset."""
    from sklearn.base import is_classifier

    classes = getattr(model, "classes_", None)
    if task == "regression":
        if is_classifier(model) or classes is not None:
            raise InputError("The model is a classifier but the dataset's task is regression.")
        return
    if classes is None or not hasattr(model, "predict_proba"):
        raise InputError(
            f"The model is not a classifier with predict_proba, but the dataset's task is {task} "
            "classification."
        )
    shown = [c.item() if hasattr(c, "item") else c for c in classes]
    if sorted(str(c) for c in shown) != sorted(labels):
        raise InputError(
            f"The model's classes {shown} are not the dataset's target labels {sorted(labels)}."
        )
    if not all(isinstance(c, str) for c in shown):
        raise InputError(
            f"The model's classes {shown} are numbers, but the dataset's labels are text "
            f"{sorted(labels)}: fit it on the target as text (y.astype(str))."
        )


def evaluate_import(
    model: Any, frame: pd.DataFrame, test_mask: np.ndarray, schema: dict, roles: dict
) -> ImportEvaluation:
    """Check ``model`` against the dataset and evaluate it on the holdout (nothing is written)."""
    from mlops_desktop.training.families import make_estimator
    from mlops_desktop.training.preprocessing import build_pipeline
    from mlops_desktop.training.trainer import _split_xy, fingerprint

    task = str(roles.get("task"))
    _check_fitted(model)
    columns = model_columns(model, schema, roles)
    test_mask = np.asarray(test_mask, dtype=bool)
    if not test_mask.any() or test_mask.all():
        raise InputError("The dataset version has no holdout part to evaluate the model on.")
    train_part, test_part = frame[~test_mask], frame[test_mask]
    _, y = _split_xy(train_part, roles, task)
    _, y_test = _split_xy(test_part, roles, task)
    labels = sorted(map(str, pd.concat([y, y_test]).unique())) if task != "regression" else []
    check_task(model, task, labels)
    used = {c: schema[c] for c in columns}
    kinds = {c: kind for kind, cols in feature_columns(used, roles).items() for c in cols}
    pipeline = _wrap(model, {c: kinds[c] for c in columns})
    positive = roles.get("positive_class") or (positive_class(y) if task == "binary" else None)
    try:
        holdout = score(pipeline, test_part, y_test, task, positive)
        output = (
            pipeline.predict(test_part)
            if task == "regression"
            else pipeline.predict_proba(test_part)
        )
    except Exception as exc:  # noqa: BLE001 - whatever the foreign model raises on our rows
        raise InputError(
            "The model could not predict the dataset's rows as every model here receives them "
            "(numbers and booleans as floats, categories as text; mlops_desktop.training_data "
            f"gives them to a notebook): {type(exc).__name__}: {exc}"
        ) from exc
    dummy = make_estimator("dummy", task, 0)
    baseline = build_pipeline(used, roles, dummy, scale=False, one_hot=False).fit(train_part, y)
    classes = list(pipeline.classes_) if task != "regression" else None
    ordered = train_part[columns + [roles["target"]]]
    return ImportEvaluation(
        pipeline=pipeline,
        holdout=holdout,
        baseline=score(baseline, test_part, y_test, task, positive),
        signature=input_signature(ordered, used, roles, classes),
        fingerprint=fingerprint({"imported": True}, output),
        positive_class=positive,
    )


def _wrap(model: Any, feature_types: dict[str, str]) -> Any:
    """The model behind the schema coercion every model here starts with (columns in its order)."""
    from sklearn.pipeline import Pipeline

    return Pipeline([("types", SchemaCoercer(feature_types)), ("model", model)])


def object_sha256(model: Any) -> str:
    """SHA-256 of a model object's pickle (a model handed over in memory has no file)."""
    import pickle

    return hashlib.sha256(pickle.dumps(model, protocol=5)).hexdigest()
