"""Cross-validation folds that respect how the dataset was split."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit

from mlops_desktop.errors import InputError


def cv_splits(
    train: pd.DataFrame,
    y: pd.Series,
    roles: dict,
    split_method: str,
    task: str,
    n_splits: int,
    seed: int,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Index pairs for cross-validation on the training part.

    Time splits use time-ordered folds (train on the past), group splits keep each group in one
    fold, classification is stratified, everything else is shuffled K-fold.
    """
    positions = np.arange(len(train))
    if split_method == "time" and roles.get("time_column"):
        order = np.argsort(train[roles["time_column"]].to_numpy(), kind="stable")
        return [(order[a], order[b]) for a, b in TimeSeriesSplit(n_splits=n_splits).split(order)]
    if split_method == "group" and roles.get("group_column"):
        groups = train[roles["group_column"]].to_numpy()
        if len(pd.unique(groups)) < n_splits:
            raise InputError(
                f"Only {len(pd.unique(groups))} groups in the training part: too few "
                f"for {n_splits} group folds."
            )
        return list(GroupKFold(n_splits=n_splits).split(positions, groups=groups))
    if task != "regression":
        counts = y.value_counts()
        if counts.min() < n_splits:
            raise InputError(
                f"Class '{counts.idxmin()}' has only {int(counts.min())} rows in the training part, "
                f"too few for {n_splits}-fold cross-validation. Add data or merge rare classes."
            )
        return list(
            StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed).split(positions, y)
        )
    return list(KFold(n_splits=n_splits, shuffle=True, random_state=seed).split(positions))
