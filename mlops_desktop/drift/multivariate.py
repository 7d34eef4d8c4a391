"""Multivariate drift: can a classifier tell reference rows from current rows?

A seeded ``HistGradientBoostingClassifier`` is trained to predict "is this row from the current
data?" and scored by cross-validated ROC AUC. AUC near 0.5 means the two tables look alike;
the alert is ``AUC > 0.65`` (NannyML's upper bound). NannyML also alerts below 0.45, but for a
cross-validated domain classifier an AUC under 0.5 is noise (a classifier cannot be reliably
worse than chance on held-out rows), so it is not an alert here.

Datetime columns are left out: in monitoring they separate past from present by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlops_desktop.drift.columns import is_datetime_like, to_codes, to_float

#: Drift when the domain classifier's AUC is above this.
AUC_THRESHOLD = 0.65
#: Rows sampled (with the seed) from each side at most.
ROW_CAP = 20_000
#: Cross-validation folds.
FOLDS = 3
#: HistGradientBoosting accepts at most this many categories; rarer ones share one code.
_MAX_CATEGORIES = 250


def _sample(frame: pd.DataFrame, cap: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= cap:
        return frame
    rows = np.sort(rng.choice(len(frame), size=cap, replace=False))
    return frame.iloc[rows]


def _cap_categories(codes: np.ndarray) -> np.ndarray:
    valid = codes >= 0
    counts = np.bincount(codes[valid])
    if counts.shape[0] <= _MAX_CATEGORIES:
        out = codes.astype(float)
    else:
        keep = np.argsort(-counts, kind="stable")[: _MAX_CATEGORIES - 1]
        remap = np.full(counts.shape[0], _MAX_CATEGORIES - 1, dtype=float)
        remap[keep] = np.arange(keep.shape[0])
        out = np.where(valid, remap[np.where(valid, codes, 0)], np.nan)
    out[~valid] = np.nan
    return out


def domain_classifier_auc(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: dict[str, str],
    *,
    seed: int = 0,
    row_cap: int = ROW_CAP,
) -> float | None:
    """Cross-validated ROC AUC of a reference-vs-current classifier.

    Parameters
    ----------
    reference, current : DataFrame
        The columns to use (same names in both).
    kinds : dict of str to str
        ``'numeric'``, ``'categorical'`` or ``'boolean'`` per column.
    seed : int
        Seeds the row sampling, the folds and the classifier.
    row_cap : int
        At most this many rows per side.

    Returns
    -------
    float or None
        Mean AUC over the folds; None when a side has fewer than ``2 * FOLDS`` rows or no
        usable column is left.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    rng = np.random.default_rng(seed)
    ref = _sample(reference, row_cap, rng)
    cur = _sample(current, row_cap, rng)
    if min(len(ref), len(cur)) < 2 * FOLDS:
        return None
    blocks, categorical = _feature_blocks(ref, cur, kinds)
    if not blocks:
        return None
    x = np.column_stack(blocks)
    y = np.concatenate([np.zeros(len(ref), dtype=int), np.ones(len(cur), dtype=int)])
    model = HistGradientBoostingClassifier(
        max_iter=60,
        max_leaf_nodes=15,
        learning_rate=0.1,
        categorical_features=np.array(categorical) if any(categorical) else None,
        early_stopping=False,
        random_state=seed,
    )
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    from threadpoolctl import threadpool_limits

    # Small fits gain nothing from OpenMP threads and, on a busy machine, stall for minutes
    # waiting for them (seen: 80-170 s with default threads against 0.2 s with one).
    with threadpool_limits(1):
        scores = cross_val_score(model, x, y, cv=folds, scoring="roc_auc")
    return float(np.mean(scores))


def _feature_blocks(
    ref: pd.DataFrame, cur: pd.DataFrame, kinds: dict[str, str]
) -> tuple[list[np.ndarray], list[bool]]:
    """One column of features per usable input (both sides stacked), and which are categorical."""
    blocks: list[np.ndarray] = []
    categorical: list[bool] = []
    for name, kind in kinds.items():
        if is_datetime_like(ref[name]):
            continue
        if kind == "numeric":
            blocks.append(np.concatenate([to_float(ref[name], name), to_float(cur[name], name)]))
            categorical.append(False)
        else:
            codes_r, codes_c, _ = to_codes(ref[name], cur[name], kind)
            blocks.append(_cap_categories(np.concatenate([codes_r, codes_c])))
            categorical.append(True)
    return blocks, categorical
