"""Turn a pandas column of any dtype into what the statistics need.

- numeric (numpy, nullable ``Int64``/``Float64``, pyarrow numbers): float64 with NaN for
  missing values; ``inf`` and ``-inf`` count as missing too (Evidently drops them as well).
- datetime (naive or tz-aware, any unit) and timedelta: float seconds (since the epoch, UTC).
- boolean (numpy ``bool``, nullable ``boolean``, object columns of True/False): categories.
- anything else (``str`` / pyarrow strings, ``category``, object): categories.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from mlops_desktop.drift.methods import KINDS, DriftInputError

_EPOCH = np.datetime64("1970-01-01T00:00:00", "ns")


def is_datetime_like(series: pd.Series) -> bool:
    """Whether the column holds datetimes or timedeltas (compared as seconds)."""
    return pdt.is_datetime64_any_dtype(series.dtype) or pdt.is_timedelta64_dtype(series.dtype)


def infer_kind(series: pd.Series) -> str:
    """``'numeric'``, ``'categorical'`` or ``'boolean'`` from the dtype (and values if object)."""
    dtype = series.dtype
    if pdt.is_bool_dtype(dtype):
        return "boolean"
    if is_datetime_like(series):
        return "numeric"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pdt.is_numeric_dtype(dtype):
        return "numeric"
    if pdt.is_object_dtype(dtype):
        inferred = pdt.infer_dtype(series, skipna=True)
        if inferred == "boolean":
            return "boolean"
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
            return "numeric"
        if inferred in ("datetime64", "datetime", "timedelta64", "timedelta"):
            return "numeric"
    return "categorical"


def check_kind(column: str, kind: str) -> str:
    """Validate a user-given kind."""
    if kind not in KINDS:
        raise DriftInputError(
            f"Column {column!r}: kind must be one of {', '.join(KINDS)}, got {kind!r}."
        )
    return kind


def to_float(series: pd.Series, column: str) -> np.ndarray:
    """Float64 values with NaN for anything missing or infinite (datetimes as seconds)."""
    dtype = series.dtype
    if pdt.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        values = series.to_numpy(dtype="datetime64[ns]")
        out = (values - _EPOCH) / np.timedelta64(1, "s")
    elif pdt.is_timedelta64_dtype(dtype):
        out = series.to_numpy(dtype="timedelta64[ns]") / np.timedelta64(1, "s")
    elif pdt.is_bool_dtype(dtype) or pdt.is_numeric_dtype(dtype):
        out = series.to_numpy(dtype="float64", na_value=np.nan)
    else:
        inferred = pdt.infer_dtype(series, skipna=True)
        if inferred in ("datetime64", "datetime"):
            return to_float(pd.to_datetime(series, utc=True), column)
        try:
            out = pd.to_numeric(series, errors="raise").to_numpy(dtype="float64", na_value=np.nan)
        except (ValueError, TypeError) as exc:
            raise DriftInputError(
                f"Column {column!r} is treated as numeric but holds non-numeric values "
                f"({exc}); give it the kind 'categorical'."
            ) from exc
    out = np.asarray(out, dtype="float64")
    finite = np.isfinite(out)
    if not finite.all():
        out = np.where(finite, out, np.nan)
    return out


def to_codes(
    reference: pd.Series, current: pd.Series, kind: str
) -> tuple[np.ndarray, np.ndarray, list]:
    """Integer category codes for both samples (-1 = missing) and the category labels.

    Codes index ``labels``; labels are in order of first appearance, reference first.
    """
    if kind == "boolean":
        reference = _as_boolean(reference)
        current = _as_boolean(current)
    elif isinstance(reference.dtype, pd.CategoricalDtype) or isinstance(
        current.dtype, pd.CategoricalDtype
    ):
        reference = reference.astype(object)
        current = current.astype(object)
    n_ref = len(reference)
    pooled = pd.concat([reference, current], ignore_index=True)
    codes, uniques = pd.factorize(pooled, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    return codes[:n_ref], codes[n_ref:], list(uniques)


def factorize(series: pd.Series, kind: str) -> tuple[np.ndarray, list]:
    """Category codes of one sample (-1 = missing) and its labels in order of appearance.

    Labels compare as in :func:`to_codes`, so factorising the two samples apart and matching
    their labels gives the same categories as factorising them together.
    """
    if kind == "boolean":
        series = _as_boolean(series)
    elif isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.intp), list(uniques)


def _as_boolean(series: pd.Series) -> pd.Series:
    if pdt.is_bool_dtype(series.dtype):
        return series.astype("boolean")
    try:
        return series.astype("boolean")
    except (ValueError, TypeError):
        return series.astype(object)


def label_text(label: object) -> str:
    """A category label as JSON-safe text (``True``, ``3``, ``'red'`` -> ``'True'``, ...)."""
    if isinstance(label, (float, np.floating)) and float(label).is_integer():
        return str(int(label))
    return str(label)
