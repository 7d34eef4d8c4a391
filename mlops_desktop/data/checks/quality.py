"""Quality checks: problems in the data itself, whatever the model.

missing_values      warning at >= 30% missing in a column (or all missing), info above 0%.
constant_column     one value only: warning. near_constant: one value in >= 99% of rows: info.
high_cardinality    a categorical feature with more than 50 distinct values: warning.
mixed_types         values that did not fit the column's type (turned into missing), or a
                    categorical column that is 50-95% numbers: warning.
duplicate_rows      identical rows: warning at >= 5% of rows, info above 0.
conflicting_labels  identical features with different labels (classification): warning at >= 1%
                    of rows, info above 0.
class_imbalance     smallest class under 5% of rows: warning; under 15%: info.
outliers            numbers beyond 10 IQR from the quartiles: warning; beyond 3 IQR: info.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlops_desktop.data.checks.base import CheckData, Finding
from mlops_desktop.data.schema import ColumnType, numeric_share
from mlops_desktop.formatting import counted

MISSING_WARNING = 0.30
NEAR_CONSTANT = 0.99
HIGH_CARDINALITY = 50
DUPLICATE_WARNING = 0.05
CONFLICT_WARNING = 0.01
IMBALANCE_WARNING, IMBALANCE_INFO = 0.05, 0.15
OUTLIER_FAR, OUTLIER_EXTREME = 3.0, 10.0


def _finding(
    check: str,
    severity: str,
    title: str,
    columns: list[str] | tuple[str, ...],
    why: str,
    fix: str,
    **details: object,
) -> Finding:
    return Finding(check, "quality", severity, title, tuple(columns), why, fix, details)


def _names(cols: list[str], limit: int = 4) -> str:
    shown = ", ".join(f"'{c}'" for c in cols[:limit])
    return shown + (f" and {len(cols) - limit} more" if len(cols) > limit else "")


def missing_values(data: CheckData) -> list[Finding]:
    shares = data.df.isna().mean()
    shares = shares[shares > 0].drop(labels=[data.roles.target], errors="ignore")
    out = []
    heavy = shares[shares >= MISSING_WARNING].index.tolist()
    light = shares[shares < MISSING_WARNING].index.tolist()
    if heavy:
        out.append(
            _finding(
                "missing_values",
                "warning",
                f"Many missing values in {_names(heavy)}",
                heavy,
                "Columns that are mostly empty give the model little to learn from, and how the gaps "
                "are filled can matter more than the data.",
                "Check why the values are missing; drop the column (type 'ignore') or keep it and let "
                "training impute the gaps with a missing-value indicator.",
                missing_share={c: round(float(shares[c]), 4) for c in heavy},
            )
        )
    if light:
        out.append(
            _finding(
                "missing_values",
                "info",
                f"Some missing values in {_names(light)}",
                light,
                "Missing values are imputed during training; if they are missing for a reason, that "
                "reason may be worth a column of its own.",
                "Nothing to do unless the gaps are errors in the source.",
                missing_share={c: round(float(shares[c]), 4) for c in light},
            )
        )
    return out


def constant_columns(data: CheckData) -> list[Finding]:
    out = []
    constant, near = [], {}
    for col in data.features:
        counts = data.df[col].value_counts(dropna=True)
        if len(counts) <= 1:
            constant.append(col)
        elif counts.iloc[0] / len(data.df) >= NEAR_CONSTANT:
            near[col] = float(counts.iloc[0] / len(data.df))
    if constant:
        out.append(
            _finding(
                "constant_column",
                "warning",
                f"{_names(constant)} hold a single value",
                constant,
                "A column with one value carries no information and only adds noise to the model.",
                "Set these columns to 'ignore'.",
                columns_constant=constant,
            )
        )
    if near:
        cols = list(near)
        out.append(
            _finding(
                "near_constant_column",
                "info",
                f"{_names(cols)} are almost constant",
                cols,
                "A column where one value fills 99% of rows tells the model little, and its rare "
                "values are easily over-learned.",
                "Keep them if the rare values matter (e.g. a fraud flag); otherwise set them to "
                "'ignore'.",
                top_value_share={c: round(s, 4) for c, s in near.items()},
            )
        )
    return out


def high_cardinality(data: CheckData) -> list[Finding]:
    cols = {
        c: int(data.df[c].nunique())
        for c in data.features
        if data.kind(c) == ColumnType.CATEGORICAL
    }
    cols = {c: n for c, n in cols.items() if n > HIGH_CARDINALITY}
    if not cols:
        return []
    names = list(cols)
    return [
        _finding(
            "high_cardinality",
            "warning",
            f"{_names(names)} have many categories",
            names,
            "Categorical columns with many distinct values create very many model inputs, learn "
            "little about rare categories and meet unseen categories in use.",
            "Group rare categories into 'other', or mark identifier-like columns as ID columns.",
            distinct_values=cols,
            limit=HIGH_CARDINALITY,
        )
    ]


def mixed_types(data: CheckData) -> list[Finding]:
    out = []
    for col, info in data.coercions.items():
        if col not in data.df.columns:
            continue
        out.append(
            _finding(
                "mixed_types",
                "warning",
                f"{info['count']:,} values in '{col}' are not {info['as']}",
                [col],
                f"'{col}' is typed {info['as']}, but some values do not read as such "
                f"(e.g. {', '.join(repr(v) for v in info['examples'][:3])}); they were treated as "
                "missing.",
                "Fix those values in the source, or change the column's type (e.g. to categorical) "
                "on the preview step.",
                **info,
            )
        )
    for col in data.features:
        if data.kind(col) != ColumnType.CATEGORICAL or col in data.coercions:
            continue
        series = data.df[col]
        values = series.dropna()
        if len(values) > 5000:
            values = values.sample(5000, random_state=0)
        if values.nunique() <= 10:
            continue
        share = numeric_share(values.astype("str"))
        if 0.5 <= share < 0.95:
            out.append(
                _finding(
                    "mixed_types",
                    "warning",
                    f"'{col}' mixes numbers and text",
                    [col],
                    f"{share:.0%} of '{col}' values are numbers and the rest are not, which usually "
                    "means codes, units or typos mixed into a numeric column.",
                    "Clean the non-numeric values and type the column numeric, or keep it "
                    "categorical if the numbers are codes.",
                    numeric_share=round(share, 4),
                )
            )
    return out


def _share_text(share: float) -> str:
    """``12.3%``; ``< 0.1%`` for a share that one decimal would show as 0.0 %."""
    return "< 0.1%" if 0 < share < 0.0005 else f"{share:.1%}"


def duplicate_rows(data: CheckData) -> list[Finding]:
    dup = pd.Series(data.row_hashes).duplicated().to_numpy()
    n = int(dup.sum())
    if n == 0:
        return []
    share = n / len(dup)
    severity = "warning" if share >= DUPLICATE_WARNING else "info"
    return [
        _finding(
            "duplicate_rows",
            severity,
            f"{counted(n, 'row')} ({_share_text(share)}) "
            f"{'is an exact duplicate' if n == 1 else 'are exact duplicates'}",
            [],
            "Duplicated rows weigh some cases more than others and can land on both sides of the "
            "split, flattering the test score.",
            "Remove duplicates in the source unless they are genuinely repeated cases.",
            duplicate_rows=n,
            share=round(share, 4),
        )
    ]


def conflicting_labels(data: CheckData) -> list[Finding]:
    if not data.classification or not data.features:
        return []
    frame = pd.DataFrame({"h": data.feature_hashes, "y": data.df[data.roles.target].to_numpy()})
    per = frame.groupby("h", sort=False)["y"].nunique()
    bad = per[per > 1].index
    if len(bad) == 0:
        return []
    rows = int(frame["h"].isin(bad).sum())
    share = rows / len(frame)
    severity = "warning" if share >= CONFLICT_WARNING else "info"
    return [
        _finding(
            "conflicting_labels",
            severity,
            f"{rows:,} rows share identical features but have different labels",
            [data.roles.target],
            "When the same inputs carry different outcomes, no model can get them all right; many "
            "such rows point at labelling errors or at a missing feature.",
            "Check the labels of these rows, or add the column that tells them apart.",
            rows=rows,
            share=round(share, 4),
            feature_groups=int(len(bad)),
        )
    ]


def class_imbalance(data: CheckData) -> list[Finding]:
    if not data.classification:
        return []
    counts = data.df[data.roles.target].value_counts()
    share = float(counts.iloc[-1] / counts.sum())
    if share >= IMBALANCE_INFO:
        return []
    severity = "warning" if share < IMBALANCE_WARNING else "info"
    minority = counts.index[-1]
    return [
        _finding(
            "class_imbalance",
            severity,
            f"Class {minority!r} is only {share:.1%} of rows",
            [data.roles.target],
            "With a rare class, accuracy looks high even for a model that never predicts it; the "
            "rare class is usually the one that matters.",
            "Judge models by balanced accuracy, recall or PR-AUC on the rare class, and consider "
            "class weights when training.",
            class_counts={str(k): int(v) for k, v in counts.items()},
            minority_share=round(share, 4),
        )
    ]


def outliers(data: CheckData) -> list[Finding]:
    extreme: dict[str, int] = {}
    far: dict[str, int] = {}
    for col in data.features:
        if data.kind(col) != ColumnType.NUMERIC:
            continue
        x = data.df[col].to_numpy(dtype=float, na_value=np.nan)
        x = x[~np.isnan(x)]
        if len(x) < 20:
            continue
        q1, q3 = np.quantile(x, [0.25, 0.75])
        iqr = q3 - q1
        if iqr <= 0:
            continue
        n_extreme = int(((x < q1 - OUTLIER_EXTREME * iqr) | (x > q3 + OUTLIER_EXTREME * iqr)).sum())
        n_far = int(((x < q1 - OUTLIER_FAR * iqr) | (x > q3 + OUTLIER_FAR * iqr)).sum())
        if n_extreme:
            extreme[col] = n_extreme
        elif n_far:
            far[col] = n_far
    out = []
    if extreme:
        cols = list(extreme)
        out.append(
            _finding(
                "outliers",
                "warning",
                f"Extreme values in {_names(cols)}",
                cols,
                "Values more than 10 interquartile ranges from the middle are often entry errors or "
                "placeholder codes (like 99999) that distort the model.",
                "Look at the largest and smallest values; fix or remove errors, or treat placeholder "
                "codes as missing.",
                rows=extreme,
                fence_iqr=OUTLIER_EXTREME,
            )
        )
    if far:
        cols = list(far)
        out.append(
            _finding(
                "outliers",
                "info",
                f"Outliers in {_names(cols)}",
                cols,
                "Values far from the rest can pull linear models around; tree models cope better.",
                "Nothing to do unless they are errors; consider a log scale for skewed amounts.",
                rows=far,
                fence_iqr=OUTLIER_FAR,
            )
        )
    return out


CHECKS = (
    missing_values,
    constant_columns,
    high_cardinality,
    mixed_types,
    duplicate_rows,
    conflicting_labels,
    class_imbalance,
    outliers,
)
