"""Train/test splits: random, stratified, time-based and group-based, as a boolean test mask."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.data.roles import Roles
from mlops_desktop.data.vocabulary import SPLIT_METHODS
from mlops_desktop.errors import InputError
from mlops_desktop.formatting import counted

METHODS = SPLIT_METHODS


@dataclass(frozen=True)
class Split:
    """``test_mask[i]`` is True when row ``i`` is in the test part."""

    method: str
    test_size: float
    seed: int
    test_mask: np.ndarray = field(repr=False)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def n_test(self) -> int:
        return int(self.test_mask.sum())

    @property
    def n_train(self) -> int:
        return int(len(self.test_mask) - self.test_mask.sum())

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description (the mask itself is stored with the data)."""
        return {
            "method": self.method,
            "test_size": self.test_size,
            "seed": self.seed,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "details": self.details,
        }


def choose_method(df: pd.DataFrame, roles: Roles) -> str:
    """The split 'auto' means: time > group > stratified (classification) > random."""
    if roles.time_column:
        return "time"
    if roles.group_column:
        return "group"
    if roles.task in ("binary", "multiclass") and df[roles.target].value_counts().min() >= 2:
        return "stratified"
    return "random"


def _check_size(n: int, test_size: float) -> None:
    if not isinstance(test_size, (int, float)) or not 0.0 < float(test_size) < 1.0:
        raise InputError(
            f"The test fraction must be between 0 and 1 (exclusive), not {test_size}. "
            "0.2 keeps a fifth of the rows for testing."
        )
    n_test = math.ceil(n * test_size)
    if n < 2 or n_test < 1 or n - n_test < 1:
        raise InputError(
            f"{counted(n, 'row')} cannot be split into a training and a test part with a test "
            f"fraction of {test_size}. Import more rows or change the fraction."
        )


def make_split(
    df: pd.DataFrame, roles: Roles, method: str = "auto", test_size: float = 0.2, seed: int = 42
) -> Split:
    """Split ``df`` into train and test; raise InputError when the split is impossible."""
    n = len(df)
    _check_size(n, test_size)
    method = choose_method(df, roles) if method in (None, "auto") else method
    if method not in METHODS:
        raise InputError(
            f"'{method}' is not a split method. Use one of: {', '.join(METHODS)} or auto."
        )
    if method == "random":
        rng = np.random.default_rng(seed)
        mask = np.zeros(n, dtype=bool)
        mask[rng.permutation(n)[: math.ceil(n * test_size)]] = True
        return Split(method, float(test_size), int(seed), mask)
    if method == "stratified":
        return _stratified(df, roles, test_size, seed)
    if method == "time":
        return _by_time(df, roles, test_size, seed)
    return _by_group(df, roles, test_size, seed)


def _stratified(df: pd.DataFrame, roles: Roles, test_size: float, seed: int) -> Split:
    from sklearn.model_selection import train_test_split

    if roles.task == "regression":
        raise InputError(
            "A stratified split needs classes, but the task is regression. Use a "
            "random, time or group split."
        )
    y = df[roles.target]
    counts = y.value_counts()
    rare = counts[counts < 2]
    if len(rare):
        raise InputError(
            f"Class {rare.index[0]!r} of {roles.target!r} has only {int(rare.iloc[0])} "
            "row, and a stratified split needs at least 2 rows of every class (one "
            "on each side). Use a random split, or remove or merge the rare class."
        )
    try:
        _, test_idx = train_test_split(
            np.arange(len(df)), test_size=test_size, stratify=y.to_numpy(), random_state=seed
        )
    except ValueError as exc:
        raise InputError(
            f"A stratified split is impossible here: {exc} Increase the test "
            "fraction or use a random split."
        ) from exc
    mask = np.zeros(len(df), dtype=bool)
    mask[test_idx] = True
    return Split("stratified", float(test_size), int(seed), mask)


def _by_time(df: pd.DataFrame, roles: Roles, test_size: float, seed: int) -> Split:
    col = roles.time_column
    if not col:
        raise InputError(
            "A time-based split needs a time column. Choose one on the roles step, "
            "or use another split."
        )
    t = df[col]
    missing = int(t.isna().sum())
    if missing:
        raise InputError(
            f"The time column {col!r} is missing in {missing:,} rows, so those rows "
            "cannot be placed before or after the cut. Fill or drop them first."
        )
    values = np.sort(t.to_numpy())
    n = len(values)
    k = n - math.ceil(n * test_size)  # index of the first test row if there were no ties
    candidates = []
    for mask in (t.to_numpy() > values[k - 1], t.to_numpy() >= values[k]):
        if 0 < mask.sum() < n:
            candidates.append(mask)
    if not candidates:
        raise InputError(
            f"The time column {col!r} has a single value, so there is no past and "
            "recent part to split. Choose another time column or split."
        )
    mask = min(candidates, key=lambda m: abs(m.mean() - test_size))
    cut = t[mask].min()
    return Split(
        "time",
        float(test_size),
        int(seed),
        np.asarray(mask, dtype=bool),
        {"time_column": col, "test_from": str(cut), "train_until": str(t[~mask].max())},
    )


def _by_group(df: pd.DataFrame, roles: Roles, test_size: float, seed: int) -> Split:
    from sklearn.model_selection import GroupShuffleSplit

    col = roles.group_column
    if not col:
        raise InputError(
            "A group-based split needs a group column (e.g. customer id). Choose one "
            "on the roles step, or use another split."
        )
    groups = df[col]
    missing = int(groups.isna().sum())
    if missing:
        raise InputError(
            f"The group column {col!r} is missing in {missing:,} rows, so those rows "
            "belong to no group. Fill or drop them first."
        )
    n_groups = int(groups.nunique())
    if n_groups < 2:
        raise InputError(
            f"The group column {col!r} has {n_groups} group(s); a group split needs "
            "at least two. Choose another column or split."
        )
    codes = pd.factorize(groups, sort=True)[0]
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    _, test_idx = next(splitter.split(np.zeros(len(df)), groups=codes))
    mask = np.zeros(len(df), dtype=bool)
    mask[test_idx] = True
    return Split(
        "group",
        float(test_size),
        int(seed),
        mask,
        {
            "group_column": col,
            "groups": n_groups,
            "test_groups": int(pd.Series(codes[mask]).nunique()),
        },
    )
