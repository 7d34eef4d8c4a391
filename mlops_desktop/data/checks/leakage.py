"""Leakage checks: information in the training data that will not exist when the model is used.

single_feature_leak  one feature predicts the target almost perfectly on held-out rows.
    Each feature is binned on the training part (up to 64 quantile bins for numbers and dates,
    one bin per category, missing values in their own bin), each bin predicts the training
    target distribution (or mean), and the prediction is scored on the test part. Score: 2*AUC-1
    (binary), balanced accuracy rescaled so chance is 0 (multiclass), R^2 (regression).
    Blocking at >= 0.95, warning at >= 0.80 (Deepchecks' feature-label default is 0.8).
    Sampled to at most 500,000 training and 200,000 test rows.
target_derived  a feature equals the target, a rescaling of it (|r| >= 0.9999), or two features
    sum, subtract or multiply to it on >= 99% of 20,000 sampled rows: blocking.
id_like         a feature whose values are (nearly) all unique, or named like an identifier: warning.
train_test_overlap  identical feature rows in train and test: blocking above 5% of test, else info.
group_overlap   the same group on both sides: blocking (zero tolerance).
time_leakage    test rows not after every training row: blocking (zero tolerance).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from mlops_desktop.data.checks.base import CheckData, Finding
from mlops_desktop.data.schema import ColumnType

LEAK_BLOCKING, LEAK_WARNING = 0.95, 0.80
MAX_TRAIN, MAX_TEST = 500_000, 200_000
DERIVED_SAMPLE, DERIVED_SHARE = 20_000, 0.99
OVERLAP_BAR = 0.05
N_BINS = 64
_ID_NAME = re.compile(r"(^|[_\s.-])(id|uuid|guid|key)$|^id([_\s.-]|$)", re.I)


def _finding(
    check: str,
    severity: str,
    title: str,
    columns: list[str] | tuple[str, ...],
    why: str,
    fix: str,
    **details: object,
) -> Finding:
    return Finding(check, "leakage", severity, title, tuple(columns), why, fix, details)


def _sample_index(mask: np.ndarray, limit: int, seed: int) -> np.ndarray:
    idx = np.flatnonzero(mask)
    if len(idx) > limit:
        idx = np.sort(np.random.default_rng(seed).choice(idx, limit, replace=False))
    return idx


def _bin_codes(series: pd.Series, kind: str, train_idx: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer bin per row (learned on the training rows) and the number of bins."""
    if kind in (ColumnType.NUMERIC, ColumnType.DATETIME) and not isinstance(
        series.dtype, pd.CategoricalDtype
    ):
        if kind == ColumnType.DATETIME:
            x = series.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
            x[series.isna().to_numpy()] = np.nan
        else:
            x = series.to_numpy(dtype=float, na_value=np.nan)
        train = x[train_idx]
        train = train[~np.isnan(train)]
        if len(train) == 0:
            return np.zeros(len(x), dtype=np.int64), 1
        edges = np.unique(np.quantile(train, np.linspace(0, 1, N_BINS + 1)[1:-1]))
        codes = np.searchsorted(edges, x, side="right")
        codes[np.isnan(x)] = len(edges) + 1
        return codes.astype(np.int64), len(edges) + 2
    codes = pd.factorize(series, use_na_sentinel=True)[0].astype(np.int64)
    n = int(codes.max(initial=-1)) + 2
    codes[codes < 0] = n - 1
    return codes, n


def binary_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC of ``score`` for 0/1 labels ``y`` (ties count one half), as scikit-learn's
    ``roc_auc_score`` gives it; numpy only, so scoring thousands of columns stays fast (the
    scikit-learn call spends milliseconds validating its input each time)."""
    from scipy.stats import rankdata

    positive = y == 1
    n_pos = int(positive.sum())
    n_neg = len(y) - n_pos
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def balanced_accuracy(y: np.ndarray, predicted: np.ndarray) -> float:
    """Mean recall over the classes present in ``y`` (scikit-learn's balanced accuracy)."""
    classes = np.unique(y)
    recalls = [(predicted[y == c] == c).mean() for c in classes]
    return float(np.mean(recalls))


def _score(
    codes: np.ndarray,
    n_bins: int,
    y: np.ndarray,
    tr: np.ndarray,
    te: np.ndarray,
    task: str,
    n_classes: int,
) -> tuple[float, str, float]:
    """(normalised score, metric name, metric value) of the binned one-feature model."""
    ctr, cte, ytr, yte = codes[tr], codes[te], y[tr], y[te]
    if task == "regression":
        sums = np.bincount(ctr, weights=ytr, minlength=n_bins)
        counts = np.bincount(ctr, minlength=n_bins)
        prior = ytr.mean()
        pred = ((sums + prior) / (counts + 1))[cte]
        ss_tot = np.sum((yte - yte.mean()) ** 2)
        r2 = 1 - np.sum((yte - pred) ** 2) / ss_tot if ss_tot > 0 else 0.0
        return float(r2), "R²", float(r2)
    yi = y.astype(np.int64)
    counts = np.bincount(ctr * n_classes + yi[tr], minlength=n_bins * n_classes)
    counts = counts.reshape(n_bins, n_classes).astype(float)
    prior = np.bincount(yi[tr], minlength=n_classes) / len(tr)
    proba = (counts + prior) / (counts.sum(1, keepdims=True) + 1)
    if task == "binary":
        if len(np.unique(yi[te])) < 2:
            return 0.0, "AUC", 0.5
        auc = binary_auc(yi[te], proba[cte, 1])
        return 2 * auc - 1, "AUC", auc
    bacc = balanced_accuracy(yi[te], proba[cte].argmax(1))
    chance = 1 / n_classes
    return (bacc - chance) / (1 - chance), "balanced accuracy", bacc


def single_feature_leak(data: CheckData) -> list[Finding]:
    df, roles, mask = data.df, data.roles, data.split.test_mask
    tr = _sample_index(~mask, MAX_TRAIN, data.split.seed)
    te = _sample_index(mask, MAX_TEST, data.split.seed + 1)
    target = df[roles.target]
    if roles.task == "regression":
        y = target.to_numpy(dtype=float)
        n_classes = 0
    else:
        y, uniques = pd.factorize(target, sort=True)
        n_classes = len(uniques)
    out = []
    for col in data.features:
        kind = data.kind(col)
        if kind in (ColumnType.TEXT, ColumnType.IGNORE):
            continue
        codes, n_bins = _bin_codes(df[col], kind, tr)
        score, metric, value = _score(codes, n_bins, y, tr, te, roles.task, n_classes)
        if score < LEAK_WARNING:
            continue
        severity = "blocking" if score >= LEAK_BLOCKING else "warning"
        out.append(
            _finding(
                "single_feature_leak",
                severity,
                f"'{col}' alone predicts '{roles.target}' {'almost perfectly' if severity == 'blocking' else 'very well'}",
                [col],
                f"On held-out rows '{col}' by itself reaches {metric} {value:.3f}; a single column "
                "that strong is usually recorded after the outcome (or copied from it), so the model "
                "would look excellent in testing and fail in use.",
                f"Check how '{col}' is recorded. If it is only known after the outcome, set its type "
                "to 'ignore'; if it is genuinely available at prediction time, override with a reason.",
                metric=metric,
                value=round(value, 4),
                score=round(score, 4),
                train_rows=int(len(tr)),
                test_rows=int(len(te)),
            )
        )
    return out


def _close(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Share of rows (with both values present) where ``a`` equals ``y``, per column of ``a``."""
    valid = ~np.isnan(a) & ~np.isnan(y)
    close = np.isclose(a, y, rtol=1e-6, atol=1e-8) & valid
    n = valid.sum(0)
    return np.where(n >= 30, close.sum(0) / np.maximum(n, 1), 0.0)


def _copies_of_target(
    cols: list[str],
    X: np.ndarray,
    y: np.ndarray,  # noqa: N803
) -> list[tuple[list[str], str, float]]:
    """Columns equal to the target, or a rescaled copy of it (correlation of 1)."""
    hits: list[tuple[list[str], str, float]] = []
    for j, col in enumerate(cols):
        share = float(_close(X[:, j : j + 1], y)[0])
        ok = ~np.isnan(X[:, j]) & ~np.isnan(y[:, 0])
        r = np.corrcoef(X[ok, j], y[ok, 0])[0, 1] if ok.sum() > 2 else 0.0
        if share >= DERIVED_SHARE:
            hits.append(([col], f"'{col}' equals the target", share))
        elif abs(r) >= 0.9999:
            hits.append(([col], f"'{col}' is a rescaled copy of the target (r = {r:.5f})", 1.0))
    return hits


def _pairs_giving_target(
    cols: list[str],
    X: np.ndarray,
    y: np.ndarray,
    copies: set[str],  # noqa: N803
) -> list[tuple[list[str], str, float]]:
    """Two columns (neither a copy) whose sum, product or difference equals the target."""
    hits: list[tuple[list[str], str, float]] = []
    p = len(cols)
    for i in range(p):
        rest = slice(i + 1, p)
        for op, values in (
            ("+", X[:, i : i + 1] + X[:, rest]),
            ("×", X[:, i : i + 1] * X[:, rest]),
        ):
            for k, share in enumerate(_close(values, y)):
                a, b = cols[i], cols[i + 1 + k]
                if share >= DERIVED_SHARE and not {a, b} & copies:
                    hits.append(([a, b], f"'{a}' {op} '{b}' equals the target", float(share)))
        diffs = X[:, i : i + 1] - X
        for k, share in enumerate(_close(diffs, y)):
            a, b = cols[i], cols[k]
            if k != i and share >= DERIVED_SHARE and not {a, b} & copies:
                hits.append(([a, b], f"'{a}' − '{b}' equals the target", float(share)))
    return hits


def target_derived(data: CheckData) -> list[Finding]:
    df, roles = data.df, data.roles
    if not pd.api.types.is_numeric_dtype(df[roles.target].dtype) or pd.api.types.is_bool_dtype(
        df[roles.target].dtype
    ):
        return []
    cols = [
        c
        for c in data.features
        if data.kind(c) == ColumnType.NUMERIC
        and pd.api.types.is_numeric_dtype(df[c].dtype)
        and df[c].nunique() > 1
    ]
    if not cols:
        return []
    idx = _sample_index(np.ones(len(df), dtype=bool), DERIVED_SAMPLE, 0)
    X = df[cols].to_numpy(dtype=float, na_value=np.nan)[idx]  # noqa: N806
    y = df[roles.target].to_numpy(dtype=float, na_value=np.nan)[idx][:, None]
    hits = _copies_of_target(cols, X, y)
    copies = {columns[0] for columns, _, _ in hits}
    hits += _pairs_giving_target(cols, X, y, copies)
    return [
        _finding(
            "target_derived",
            "blocking",
            f"{what} — derived from the target",
            columns,
            "A column computed from the target gives the answer away: the model learns the "
            "arithmetic, scores perfectly in testing, and cannot work when the target is unknown.",
            f"Set {' and '.join(repr(c) for c in columns)} to 'ignore' (they are parts or copies of "
            f"'{roles.target}'), or choose the column you really want to predict as the target.",
            relation=what,
            share_of_rows=round(share, 4),
            rows_checked=int(len(idx)),
        )
        for columns, what, share in hits
    ]


def id_like(data: CheckData) -> list[Finding]:
    df, out = data.df, []
    n = len(df)
    for col in data.features:
        kind = data.kind(col)
        if kind in (ColumnType.BOOLEAN, ColumnType.TEXT, ColumnType.DATETIME):
            continue
        series = df[col]
        if (
            kind == ColumnType.NUMERIC
            and pd.api.types.is_float_dtype(series.dtype)
            and not np.all(np.mod(series.dropna().to_numpy()[:10_000], 1) == 0)
        ):
            continue  # measurements with decimals are often unique without being identifiers
        ratio = series.nunique() / max(1, series.notna().sum())
        named = bool(_ID_NAME.search(str(col)))
        if (n >= 50 and ratio >= 0.99) or (named and ratio >= 0.5):
            out.append(
                _finding(
                    "id_like",
                    "warning",
                    f"'{col}' looks like an identifier",
                    [col],
                    f"{ratio:.0%} of its values are distinct{' and its name says ID' if named else ''}: "
                    "a model can memorise identifiers instead of learning patterns, and new rows bring "
                    "identifiers it has never seen.",
                    f"Mark '{col}' as an ID column on the roles step (it is then kept out of the "
                    "features), or set its type to 'ignore'.",
                    unique_share=round(ratio, 4),
                )
            )
    return out


def train_test_overlap(data: CheckData) -> list[Finding]:
    if not data.features:
        return []
    mask = data.split.test_mask
    hashes = data.feature_hashes
    in_train = np.isin(hashes[mask], np.unique(hashes[~mask]))
    share = float(in_train.mean()) if mask.any() else 0.0
    if share == 0:
        return []
    severity = "blocking" if share > OVERLAP_BAR else "info"
    return [
        _finding(
            "train_test_overlap",
            severity,
            f"{share:.1%} of test rows also appear in the training part",
            [],
            "Rows the model has already seen make the test score optimistic: it measures memory, not "
            "how the model does on new data.",
            "Remove duplicate rows before importing, or use a group split on the entity the "
            "duplicates come from. If identical rows are genuinely separate cases (few, coarse "
            "features), override with that reason.",
            test_rows_in_train=int(in_train.sum()),
            share=round(share, 4),
            bar=OVERLAP_BAR,
        )
    ]


def group_overlap(data: CheckData) -> list[Finding]:
    col = data.roles.group_column
    if not col:
        return []
    mask = data.split.test_mask
    groups = data.df[col]
    shared = np.intersect1d(pd.unique(groups[mask].dropna()), pd.unique(groups[~mask].dropna()))
    if len(shared) == 0:
        return []
    rows = int(groups[mask].isin(shared).sum())
    return [
        _finding(
            "group_overlap",
            "blocking",
            f"{len(shared):,} '{col}' groups are in both train and test",
            [col],
            f"{rows:,} test rows belong to a '{col}' the model also trains on, so the test score "
            "rewards recognising known entities rather than predicting for new ones.",
            "Use the group split (no entity on both sides).",
            shared_groups=int(len(shared)),
            test_rows=rows,
            examples=[str(v) for v in shared[:5]],
        )
    ]


def time_leakage(data: CheckData) -> list[Finding]:
    col = data.roles.time_column
    if not col:
        return []
    mask = data.split.test_mask
    t = data.df[col]
    last_train = t[~mask].max()
    early = int((t[mask] <= last_train).sum())
    if early == 0:
        return []
    return [
        _finding(
            "time_leakage",
            "blocking",
            f"{early:,} test rows are not after the training period",
            [col],
            f"The model would train on rows from after some of its test rows (by '{col}'), so it "
            "sees the future during training and the test score is better than it will be in use.",
            "Use the time split, which trains on the past and tests on the most recent part.",
            test_rows_not_after_train=early,
            last_train_time=str(last_train),
        )
    ]


CHECKS = (
    target_derived,
    single_feature_leak,
    id_like,
    train_test_overlap,
    group_overlap,
    time_leakage,
)
