"""Preprocessing built from the dataset schema, saved inside the same Pipeline as the model.

Scoring therefore cleans data exactly as training did: imputation, categorical encoding that
survives unseen categories, scaling where the model needs it, and datetime features.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

ROLE_COLUMNS = ("target", "time_column", "group_column")
MISSING_CATEGORY = "__missing__"
DATETIME_PARTS = ("year", "month", "day", "dayofweek", "hour")
_PART_ATTRIBUTES = {"dayofweek": "day_of_week"}  # pandas 3 deprecates .dt.dayofweek


class DatetimeFeatures(TransformerMixin, BaseEstimator):
    """Turn datetime columns into numeric parts (year, month, day, day of week, hour)."""

    def fit(self, X, y=None):  # noqa: N803 - scikit-learn naming
        self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        return self

    def transform(self, X):  # noqa: N803
        parts = []
        for column in X.columns:
            values = pd.to_datetime(X[column], errors="coerce")
            parts.extend(
                getattr(values.dt, _PART_ATTRIBUTES.get(part, part)).astype("float64").to_numpy()
                for part in DATETIME_PARTS
            )
        return np.column_stack(parts) if parts else np.empty((len(X), 0))

    def get_feature_names_out(self, input_features=None):
        return np.asarray(
            [f"{c}_{p}" for c in self.feature_names_in_ for p in DATETIME_PARTS], dtype=object
        )


class ToObject(TransformerMixin, BaseEstimator):
    """Categorical values as plain Python objects with missing values filled by a marker."""

    def fit(self, X, y=None):  # noqa: N803
        self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        return self

    def transform(self, X):  # noqa: N803
        frame = pd.DataFrame(X).astype(object)
        return frame.where(frame.notna(), MISSING_CATEGORY).astype(str).to_numpy(dtype=object)

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_in_


def feature_columns(schema: Mapping[str, str], roles: Mapping) -> dict[str, list[str]]:
    """Columns used as features, grouped by type; roles (target, IDs, group, time) are left out."""
    excluded = {roles.get(key) for key in ROLE_COLUMNS} | set(roles.get("id_columns") or [])
    groups: dict[str, list[str]] = {"numeric": [], "categorical": [], "boolean": [], "datetime": []}
    for column, kind in schema.items():
        if column in excluded or kind not in groups:
            continue
        groups[kind].append(column)
    return groups


def build_preprocessor(
    schema: Mapping[str, str], roles: Mapping, *, scale: bool, one_hot: bool
) -> ColumnTransformer:
    """A ColumnTransformer for the feature columns of ``schema``.

    ``scale`` adds standard scaling (linear models); ``one_hot`` chooses one-hot encoding
    (linear models) over ordinal codes (tree models). Unseen categories never fail at scoring.
    """
    groups = feature_columns(schema, roles)
    numeric_steps: list = [("impute", SimpleImputer(strategy="median", keep_empty_features=True))]
    if scale:
        numeric_steps.append(("scale", StandardScaler()))
    if one_hot:
        encoder = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            min_frequency=5,
            max_categories=50,
            sparse_output=False,
        )
    else:
        encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=-1,
            encoded_missing_value=-1,
            max_categories=255,
        )
    transformers = []
    if groups["numeric"] or groups["boolean"]:
        transformers.append(
            ("numeric", Pipeline(numeric_steps), groups["numeric"] + groups["boolean"])
        )
    if groups["categorical"]:
        transformers.append(
            (
                "categorical",
                Pipeline([("as_text", ToObject()), ("encode", encoder)]),
                groups["categorical"],
            )
        )
    if groups["datetime"]:
        datetime_steps = [
            ("parts", DatetimeFeatures()),
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ]
        if scale:
            datetime_steps.append(("scale", StandardScaler()))
        transformers.append(("datetime", Pipeline(datetime_steps), groups["datetime"]))
    if not transformers:
        from mlops_desktop.errors import InputError

        raise InputError(
            "The dataset has no feature columns left once the target, ID, group and "
            "time columns are set aside. Mark at least one column as a feature."
        )
    return ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=False)


class SchemaCoercer(TransformerMixin, BaseEstimator):
    """First pipeline step: keep the feature columns and give each its training type.

    Missing columns and values that cannot take the column's type raise a ValueError naming the
    column, so garbage never turns silently into predictions.
    """

    def __init__(self, feature_types: dict[str, str] | None = None) -> None:
        self.feature_types = feature_types

    def fit(self, X, y=None):  # noqa: N803
        return self

    def transform(self, X):  # noqa: N803
        types = self.feature_types or {}
        missing = [c for c in types if c not in X.columns]
        if missing:
            raise ValueError(f"missing column(s): {', '.join(missing)}")
        dtypes = X.dtypes
        if list(X.columns) == list(types) and all(
            kind in ("numeric", "boolean") and dtypes[column] == np.float64
            for column, kind in types.items()
        ):
            return X  # already the training types (the scoring service's frames): no copy
        out = {}
        for column, kind in types.items():
            values = X[column]
            if kind in ("numeric", "boolean"):
                if values.dtype == np.float64:
                    out[column] = values
                    continue
                out[column] = _as_float(values, column, kind)
            elif kind == "datetime":
                out[column] = pd.to_datetime(values, errors="coerce")
            else:
                out[column] = values.astype(object)
        return pd.DataFrame(out, index=X.index)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(list(self.feature_types or {}), dtype=object)


def _as_float(values: pd.Series, column: str, kind: str) -> pd.Series:
    if kind == "boolean" and (values.dtype == object or pd.api.types.is_string_dtype(values)):
        mapped = values.map(
            lambda v: BOOL_WORDS.get(str(v).strip().lower(), v) if pd.notna(v) else v
        )
        values = mapped
    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna() & values.notna()
    if bad.any():
        example = values[bad].iloc[0]
        raise ValueError(f"column '{column}' expects {kind} values, got {example!r}")
    return converted.astype("float64")


BOOL_WORDS = {"true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0, "1": 1.0, "0": 0.0}


def build_pipeline(
    schema: Mapping[str, str], roles: Mapping, estimator, *, scale: bool, one_hot: bool
) -> Pipeline:
    """The full scoring pipeline: type coercion, preprocessing and the estimator."""
    groups = feature_columns(schema, roles)
    feature_types = {c: kind for kind, cols in groups.items() for c in cols}
    return Pipeline(
        [
            ("types", SchemaCoercer(feature_types)),
            ("prepare", build_preprocessor(schema, roles, scale=scale, one_hot=one_hot)),
            ("model", estimator),
        ]
    )
