"""Column roles (target, IDs, time, group, personal data) and the task the target implies."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.data.schema import ColumnType
from mlops_desktop.errors import InputError

TASKS = ("binary", "multiclass", "regression")
MAX_CLASSES = 100
_ID_NAME = re.compile(
    r"(^|[_\s.-])(id|uuid|guid|key|code|number|no|nr)$|^id([_\s.-]|$)|^index$", re.I
)
_TIME_NAME = re.compile(
    r"date|time|timestamp|datetime|created|updated|_at$|^ts$|period|month_start", re.I
)
_ENTITY = (
    r"(customer|client|user|patient|account|member|household|store|shop|"
    r"entity|person|device|subject|session|family|group)"
)
_ID_SUFFIX = r"([_\s.-]?(id|key|no|nr|number|code|ref))"
# The whole name is an entity ("customer", "store_id") or ends in an entity's identifier
# ("home_store_id"); a name that merely mentions one ("status_of_checking_account") is not.
_GROUP_NAME = re.compile(
    rf"^{_ENTITY}{_ID_SUFFIX}?$|(^|[_\s.-]){_ENTITY}{_ID_SUFFIX}$",
    re.I,
)
MIN_GROUPS = 5  # fewer groups than folds cannot be split by group


@dataclass(frozen=True)
class Roles:
    """Which column plays which part. ``task`` is binary, multiclass or regression."""

    target: str
    task: str
    id_columns: tuple[str, ...] = ()
    time_column: str | None = None
    group_column: str | None = None
    pii_columns: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["id_columns"] = list(self.id_columns)
        data["pii_columns"] = list(self.pii_columns)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Roles:
        return cls(
            target=data["target"],
            task=data["task"],
            id_columns=tuple(data.get("id_columns") or ()),
            time_column=data.get("time_column"),
            group_column=data.get("group_column"),
            pii_columns=tuple(data.get("pii_columns") or ()),
        )

    @property
    def non_features(self) -> set[str]:
        """Columns a model must not use as inputs: target, IDs, time and group."""
        cols = {self.target, *self.id_columns}
        cols.update(c for c in (self.time_column, self.group_column) if c)
        return cols

    def features(self, df: pd.DataFrame) -> list[str]:
        return [c for c in df.columns if c not in self.non_features]


@dataclass(frozen=True)
class RoleSuggestions:
    """What the wizard pre-fills on its roles step, each with the reason shown beside it."""

    id_columns: dict[str, str] = field(default_factory=dict)
    time_column: tuple[str, str] | None = None
    group_column: tuple[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id_columns": self.id_columns,
            "time_column": list(self.time_column) if self.time_column else None,
            "group_column": list(self.group_column) if self.group_column else None,
        }


def infer_task(series: pd.Series) -> str:
    """binary (2 values), multiclass (a few labels) or regression (many numbers)."""
    values = series.dropna()
    n_unique = values.nunique()
    if n_unique <= 2:
        return "binary"
    numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    )
    if not numeric:
        return "multiclass"
    arr = values.to_numpy(dtype=float)
    whole = bool(np.all(np.mod(arr, 1) == 0))
    if whole and n_unique <= 20 and n_unique <= max(3, 0.05 * len(values)):
        return "multiclass"
    return "regression"


def check_target(df: pd.DataFrame, target: str, task: str | None, schema: dict[str, str]) -> str:
    """Validate the target column and return the task (inferred when ``task`` is None)."""
    if target not in df.columns:
        raise InputError(
            f"The target column {target!r} is not in the data. Its columns: "
            f"{', '.join(map(str, df.columns[:30]))}."
        )
    if schema.get(target) in (ColumnType.IGNORE, ColumnType.TEXT):
        raise InputError(
            f"The target {target!r} is typed '{schema.get(target)}'; a target must be "
            "numeric, categorical or boolean. Change its type on the preview step."
        )
    y = df[target]
    missing = int(y.isna().sum())
    if missing:
        raise InputError(
            f"The target {target!r} is missing in {missing:,} of {len(y):,} rows. "
            "Drop or fill those rows before importing; a model cannot learn from "
            "rows without a label."
        )
    n_unique = int(y.nunique())
    if n_unique < 2:
        value = y.iloc[0]
        value = value.item() if hasattr(value, "item") else value
        raise InputError(
            f"The target {target!r} has only one value ({value!r}) in all "
            f"{len(y):,} rows, so there is nothing to predict. Choose another target "
            "or a file with more than one outcome."
        )
    task = task or infer_task(y)
    if task not in TASKS:
        raise InputError(f"'{task}' is not a task. Use one of: {', '.join(TASKS)}.")
    if task == "binary" and n_unique != 2:
        raise InputError(
            f"The target {target!r} has {n_unique} distinct values, so the task "
            "cannot be binary. Choose multiclass or regression."
        )
    if task == "multiclass" and n_unique > MAX_CLASSES:
        raise InputError(
            f"The target {target!r} has {n_unique:,} distinct values, too many for "
            f"classification (at most {MAX_CLASSES}). Choose regression if it is "
            "a number."
        )
    if task == "regression" and not pd.api.types.is_numeric_dtype(y.dtype):
        raise InputError(
            f"The target {target!r} is not numeric, so the task cannot be "
            "regression. Choose binary or multiclass, or type the column numeric."
        )
    return task


def make_roles(
    df: pd.DataFrame,
    schema: dict[str, str],
    target: str,
    task: str | None = None,
    id_columns: tuple[str, ...] | list[str] = (),
    time_column: str | None = None,
    group_column: str | None = None,
    pii_columns: tuple[str, ...] | list[str] = (),
) -> Roles:
    """Validated roles: every named column exists, no column plays two parts."""
    task = check_target(df, target, task, schema)
    named = [*id_columns, *(c for c in (time_column, group_column) if c), *pii_columns]
    missing = [c for c in named if c not in df.columns]
    if missing:
        raise InputError(
            f"Column(s) {', '.join(map(repr, missing))} are not in the data (after "
            "ignored columns were dropped). Check the spelling or the column types."
        )
    parts = {
        "ID": list(id_columns),
        "time": [time_column] if time_column else [],
        "group": [group_column] if group_column else [],
    }
    for part, cols in parts.items():
        if target in cols:
            raise InputError(f"The target {target!r} cannot also be the {part} column.")
    if time_column and time_column in id_columns:
        raise InputError(f"{time_column!r} cannot be both the time column and an ID column.")
    if time_column and not (
        pd.api.types.is_datetime64_any_dtype(df[time_column].dtype)
        or pd.api.types.is_numeric_dtype(df[time_column].dtype)
    ):
        raise InputError(
            f"The time column {time_column!r} is neither a date nor a number. Type it "
            "as datetime on the preview step, or choose another column."
        )
    return Roles(
        target=target,
        task=task,
        id_columns=tuple(dict.fromkeys(id_columns)),
        time_column=time_column,
        group_column=group_column,
        pii_columns=tuple(dict.fromkeys(pii_columns)),
    )


def _unique_ratio(series: pd.Series) -> float:
    values = series.dropna()
    return values.nunique() / len(values) if len(values) else 0.0


def suggest_roles(df: pd.DataFrame, schema: dict[str, str]) -> RoleSuggestions:
    """ID columns, a time column and a group column, guessed from names and values."""
    ids: dict[str, str] = {}
    time_col: tuple[str, str] | None = None
    group_col: tuple[str, str] | None = None
    for col in df.columns:
        kind, name = schema.get(col), str(col)
        if kind in (ColumnType.IGNORE, ColumnType.BOOLEAN):
            continue
        ratio = _unique_ratio(df[col])
        if _ID_NAME.search(name) and ratio >= 0.95 and kind != ColumnType.DATETIME:
            ids[name] = "its name says identifier and nearly every value is unique"
        elif kind in (ColumnType.CATEGORICAL, ColumnType.TEXT) and ratio >= 0.999 and len(df) >= 50:
            ids[name] = "every value is unique, like an identifier"
        elif (
            kind == ColumnType.NUMERIC
            and ratio >= 0.999
            and len(df) >= 50
            and pd.api.types.is_integer_dtype(df[col].dtype)
            and df[col].is_monotonic_increasing
        ):
            ids[name] = "a running number: unique and increasing, like a row number"
        if time_col is None and kind == ColumnType.DATETIME:
            time_col = (name, "it holds dates")
        elif time_col is None and _TIME_NAME.search(name) and kind == ColumnType.NUMERIC:
            time_col = (name, "its name suggests time")
        if (
            group_col is None
            and name not in ids
            and _GROUP_NAME.search(name)
            and 0.0 < ratio < 0.5
            and df[col].nunique() >= MIN_GROUPS
            and kind in (ColumnType.CATEGORICAL, ColumnType.NUMERIC)
        ):
            group_col = (name, "its name suggests an entity that has several rows")
    return RoleSuggestions(id_columns=ids, time_column=time_col, group_column=group_col)
