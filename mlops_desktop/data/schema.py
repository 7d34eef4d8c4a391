"""Column types: infer one per column, let the user change it, and apply it to get typed data.

Canonical dtypes after ``apply_schema``: numeric -> int64 (whole numbers, no missing) or float64;
categorical -> pandas ``category``; boolean -> nullable ``boolean``; datetime -> ``datetime64``;
text -> ``str``; ignore -> the column is dropped.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.data.vocabulary import ColumnType  # noqa: F401 - re-exported
from mlops_desktop.errors import InputError

TRUE_TOKENS = {"true", "yes", "y", "t", "1", "1.0", "ja", "oui", "si", "sí"}
FALSE_TOKENS = {"false", "no", "n", "f", "0", "0.0", "nein", "non"}
INFER_SAMPLE = 20_000
CONSUME_MAX_COLUMNS = 200  # apply_schema(consume=True) frees columns one by one up to this
NUMERIC_SHARE = 0.95  # a text column whose values are at least this share numbers is numeric
_DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{4}-\d{2}-\d{2}T|\d{8}T\d{4}")

Schema = dict[str, str]


def _sample(series: pd.Series, n: int = INFER_SAMPLE) -> pd.Series:
    values = series.dropna()
    if len(values) > n:
        values = values.sample(n, random_state=0)
    return values


def _is_stringish(series: pd.Series) -> bool:
    return (
        pd.api.types.is_string_dtype(series.dtype)
        or series.dtype == object
        or isinstance(series.dtype, pd.CategoricalDtype)
    )


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype("str").str.strip()


def numeric_share(values: pd.Series) -> float:
    """Share of the (non-missing) values that read as numbers."""
    if len(values) == 0:
        return 0.0
    return float(pd.to_numeric(_as_text(values), errors="coerce").notna().mean())


def datetime_share(values: pd.Series) -> float:
    """Share of the (non-missing) values that read as dates or timestamps."""
    text = _as_text(values)
    if len(text) == 0 or text.str.contains(_DATE_LIKE).mean() < 0.9:
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(text, errors="coerce")
    return float(parsed.notna().mean())


def infer_column(series: pd.Series) -> ColumnType:
    """The most likely type of one column."""
    values = _sample(series)
    if len(values) == 0:
        return ColumnType.IGNORE
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnType.BOOLEAN
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnType.DATETIME
    if pd.api.types.is_numeric_dtype(dtype):
        uniques = pd.unique(values)
        if len(uniques) == 2 and set(np.asarray(uniques, dtype=float)) == {0.0, 1.0}:
            return ColumnType.BOOLEAN
        return ColumnType.NUMERIC
    if not _is_stringish(series):
        return ColumnType.CATEGORICAL
    text = _as_text(values)
    lowered = set(text.str.lower().unique()[:3])
    if len(lowered) == 2 and lowered & TRUE_TOKENS and lowered & FALSE_TOKENS:
        return ColumnType.BOOLEAN
    if text.str.match(r"^0\d+$").any():
        return ColumnType.CATEGORICAL  # leading zeros: codes such as postcodes, not amounts
    if numeric_share(values) >= NUMERIC_SHARE:
        return ColumnType.NUMERIC
    if datetime_share(values) >= NUMERIC_SHARE:
        return ColumnType.DATETIME
    words = text.str.count(" ") + 1
    unique_ratio = text.nunique() / len(text)
    if words.mean() >= 4 and unique_ratio >= 0.3:
        return ColumnType.TEXT
    if text.str.len().mean() >= 40 and unique_ratio >= 0.5:
        return ColumnType.TEXT
    return ColumnType.CATEGORICAL


def infer_schema(df: pd.DataFrame) -> Schema:
    """``{column: type}`` for every column, as plain strings (JSON-safe)."""
    return {str(col): infer_column(df[col]).value for col in df.columns}


def validate_schema(df: pd.DataFrame, schema: dict[str, Any]) -> Schema:
    """Check a user-edited schema: known columns, known types; fill gaps by inference."""
    known = {t.value for t in ColumnType}
    unknown = [c for c in schema if c not in df.columns]
    if unknown:
        raise InputError(
            f"The column(s) {', '.join(map(repr, unknown))} in the types are not in "
            f"the file. Its columns: {', '.join(map(str, df.columns[:20]))}."
        )
    result: Schema = {}
    for col in df.columns:
        if col in schema:
            value = str(getattr(schema[col], "value", schema[col])).lower()
            if value not in known:
                raise InputError(
                    f"'{schema[col]}' is not a column type (column {col!r}). Use one "
                    f"of: {', '.join(sorted(known))}."
                )
            result[str(col)] = value
        else:
            result[str(col)] = infer_column(df[col]).value
    return result


def _note(
    coercions: dict | None, col: str, raw: pd.Series, converted: pd.Series, kind: str
) -> None:
    lost = raw.notna().to_numpy() & converted.isna().to_numpy()
    n = int(lost.sum())
    if coercions is not None and n:
        examples = pd.unique(raw[lost].astype("str"))[:5]
        coercions[col] = {
            "count": n,
            "share": n / max(1, len(raw)),
            "as": kind,
            "examples": [str(v) for v in examples],
        }


def _to_numeric(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64") if series.hasnans else series.astype("int64")
    if pd.api.types.is_numeric_dtype(series.dtype):
        out = series
    else:
        text = series.astype("str") if not pd.api.types.is_string_dtype(series.dtype) else series
        out = pd.to_numeric(text.str.strip(), errors="coerce")
    if pd.api.types.is_extension_array_dtype(out.dtype):
        out = out.astype("float64")
    if (
        out.dtype.kind == "f"
        and not out.isna().any()
        and np.all(np.mod(out.to_numpy(), 1) == 0)
        and np.abs(out.to_numpy()).max(initial=0) < 2**53
    ):
        return out.astype("int64")
    return out


def _to_boolean(series: pd.Series, col: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean")
    text = series.astype("str").str.strip().str.lower().where(series.notna())
    mapping = {t: True for t in TRUE_TOKENS} | {f: False for f in FALSE_TOKENS}
    uniques = [u for u in pd.unique(text.dropna())]
    if uniques and not set(uniques) <= set(mapping):
        if len(uniques) != 2:
            raise InputError(
                f"Column {col!r} has {len(uniques)} distinct values, so it cannot be "
                "boolean (yes/no). Choose categorical instead."
            )
        low, high = sorted(uniques)
        mapping = {low: False, high: True}
    return text.map(mapping).astype("boolean")


def _to_datetime(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(
            series.astype("str").str.strip().where(series.notna()), errors="coerce"
        )


def _to_category(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = series.cat.categories
        return (
            series.cat.reorder_categories(sorted(cats))
            if not cats.is_monotonic_increasing
            else series
        )
    return series.astype("category")


def apply_schema(
    df: pd.DataFrame,
    schema: dict[str, Any],
    coercions: dict[str, dict] | None = None,
    *,
    consume: bool = False,
) -> pd.DataFrame:
    """A new frame with every column in its canonical dtype; 'ignore' columns dropped.

    Values that do not fit the chosen type become missing; when ``coercions`` is given, it is
    filled with ``{column: {count, share, as, examples}}`` for each column where that happened.
    ``consume=True`` removes each column from ``df`` once converted, to save memory.
    """
    schema = validate_schema(df, schema)
    # Popping a column copies the rest of its block: fine for tens of columns, quadratic for
    # thousands (10,000 columns took minutes). Wide frames keep their columns until the end.
    consume = consume and len(df.columns) <= CONSUME_MAX_COLUMNS
    out: dict[str, pd.Series] = {}
    for col in list(df.columns):
        kind = schema[str(col)]
        raw = df.pop(col) if consume else df[col]
        if kind == ColumnType.IGNORE:
            continue
        if kind == ColumnType.NUMERIC:
            new = _to_numeric(raw)
        elif kind == ColumnType.BOOLEAN:
            new = _to_boolean(raw, str(col))
        elif kind == ColumnType.DATETIME:
            new = _to_datetime(raw)
        elif kind == ColumnType.CATEGORICAL:
            new = _to_category(raw)
        else:
            new = raw.astype("str").where(raw.notna()) if raw.dtype != "str" else raw
        if kind in (ColumnType.NUMERIC, ColumnType.BOOLEAN, ColumnType.DATETIME):
            _note(coercions, str(col), raw, new, kind)
        out[str(col)] = new.reset_index(drop=True)
    return pd.DataFrame(out, copy=False)
