"""Per-column profile shown on the Data page: type, missing share, distinct values, shape."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.data.checks.base import json_safe
from mlops_desktop.data.schema import ColumnType

MAX_BINS = 30
TOP_VALUES = 20


def _histogram(x: np.ndarray) -> dict[str, list]:
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return {"edges": [], "counts": []}
    n_unique = len(np.unique(x[:100_000])) if len(x) > 100_000 else len(np.unique(x))
    bins = int(min(MAX_BINS, max(1, n_unique)))
    counts, edges = np.histogram(x, bins=bins)
    return {"edges": edges.tolist(), "counts": counts.tolist()}


def _top(series: pd.Series) -> dict[str, Any]:
    counts = series.value_counts(dropna=True)
    top = counts.head(TOP_VALUES)
    return {
        "top_values": [{"value": str(k), "count": int(v)} for k, v in top.items()],
        "other_count": int(counts.iloc[TOP_VALUES:].sum()),
    }


def profile_column(series: pd.Series, kind: str) -> dict[str, Any]:
    n = len(series)
    missing = int(series.isna().sum())
    info: dict[str, Any] = {
        "type": kind,
        "dtype": str(series.dtype),
        "missing": missing,
        "missing_share": missing / n if n else 0.0,
        "unique": int(series.nunique(dropna=True)),
    }
    if kind == ColumnType.NUMERIC and pd.api.types.is_numeric_dtype(series.dtype):
        x = series.to_numpy(dtype=float, na_value=np.nan)
        finite = x[np.isfinite(x)]
        if len(finite):
            info.update(
                min=float(finite.min()),
                max=float(finite.max()),
                mean=float(finite.mean()),
                std=float(finite.std()),
                median=float(np.median(finite)),
            )
        info["histogram"] = _histogram(x)
    elif kind == ColumnType.DATETIME and pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.dropna()
        if len(values):
            info.update(min=values.min().isoformat(), max=values.max().isoformat())
            seconds = values.to_numpy(dtype="datetime64[ns]").astype("int64") / 1e9
            hist = _histogram(seconds)
            hist["edges"] = [pd.Timestamp(e, unit="s").isoformat() for e in hist["edges"]]
            info["histogram"] = hist
    else:
        info.update(_top(series))
        if kind == ColumnType.TEXT:
            lengths = series.dropna().astype("str").str.len()
            info["mean_length"] = float(lengths.mean()) if len(lengths) else 0.0
    return info


def profile(df: pd.DataFrame, schema: dict[str, str], progress=None) -> dict[str, Any]:
    """``{"rows", "column_order", "columns": {name: column profile}}``, JSON-safe."""
    columns = {}
    for i, col in enumerate(df.columns):
        if progress:
            progress(i / max(1, df.shape[1]), f"Profiling '{col}'")
        columns[str(col)] = profile_column(df[col], schema.get(str(col), ColumnType.CATEGORICAL))
    # The registry stores JSON with sorted keys, so the column order is kept as a list.
    return json_safe(
        {"rows": len(df), "column_order": [str(c) for c in df.columns], "columns": columns}
    )
