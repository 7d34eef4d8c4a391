"""A model's input signature: the columns, types, categories and ranges it was trained on.

The signature travels with the model version; contract tests, the scoring service and batch
scoring check incoming data against it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mlops_desktop.training.preprocessing import feature_columns

MAX_CATEGORIES = 1000


def input_signature(
    train: pd.DataFrame, schema: Mapping[str, str], roles: Mapping, classes: list | None = None
) -> dict:
    """Describe the feature columns of ``train`` (JSON-safe)."""
    groups = feature_columns(schema, roles)
    inputs = []
    for kind, columns in groups.items():
        for column in columns:
            values = train[column]
            entry: dict = {
                "name": column,
                "type": kind,
                "dtype": str(values.dtype),
                "nullable": bool(values.isna().any()),
            }
            if kind in ("numeric", "boolean"):
                numeric = pd.to_numeric(values, errors="coerce").astype("float64")
                if numeric.notna().any():
                    entry["min"] = float(np.nanmin(numeric))
                    entry["max"] = float(np.nanmax(numeric))
            elif kind == "categorical":
                counts = values.dropna().astype(str).value_counts()
                entry["categories"] = counts.index[:MAX_CATEGORIES].tolist()
                entry["categories_truncated"] = len(counts) > MAX_CATEGORIES
            elif kind == "datetime":
                stamps = pd.to_datetime(values, errors="coerce").dropna()
                if len(stamps):
                    entry["min"], entry["max"] = stamps.min().isoformat(), stamps.max().isoformat()
            inputs.append(entry)
    target = roles.get("target")
    output: dict = {"name": target, "task": roles.get("task")}
    if classes is not None:
        output["classes"] = [_plain(c) for c in classes]
    listed = {entry["name"] for entry in inputs}
    order = [str(column) for column in train.columns if column in listed]
    return {"inputs": inputs, "output": output, "column_order": order}


def _plain(value):
    return value.item() if hasattr(value, "item") else value
