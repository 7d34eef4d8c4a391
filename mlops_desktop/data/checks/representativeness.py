"""Representativeness: does the most recent part of the data look like the rest?

The rows are ordered by the time column when there is one, else taken in file order (assumed to
be arrival order). The most recent ``test_size`` share is compared with the earlier rows using
the monitor's own drift statistics (``mlops_desktop.drift.compare``), so what the
import flags is what monitoring will flag later. Each side is sampled to at most 200,000 rows.

drift  dataset drift (the monitor's share-of-drifted-columns rule): warning; single drifted
       columns: info. Identifier, time and group columns and free text are not compared.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mlops_desktop.data.checks.base import CheckData, Finding, json_safe
from mlops_desktop.data.schema import ColumnType
from mlops_desktop.formatting import counted

MAX_SIDE = 200_000
_KINDS = {
    ColumnType.NUMERIC: "numeric",
    ColumnType.DATETIME: "numeric",
    ColumnType.CATEGORICAL: "categorical",
    ColumnType.BOOLEAN: "boolean",
}


def recent_mask(df: pd.DataFrame, time_column: str | None, share: float) -> np.ndarray:
    """True for the most recent ``share`` of rows (by the time column, else by file order)."""
    n = len(df)
    k = max(1, math.ceil(n * share))
    order = np.argsort(df[time_column].to_numpy(), kind="stable") if time_column else np.arange(n)
    mask = np.zeros(n, dtype=bool)
    mask[order[n - k :]] = True
    return mask


def _sample(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    return frame.sample(MAX_SIDE, random_state=seed) if len(frame) > MAX_SIDE else frame


def _unmeasured(exc: Exception) -> Finding:
    return Finding(
        "drift",
        "representativeness",
        "info",
        "Drift could not be measured",
        (),
        "Without a drift measurement you cannot tell whether recent data "
        "resembles what the model trains on.",
        f"{exc}",
        {},
    )


def _details(report, drifted: list, basis: str, recent: np.ndarray) -> dict:
    """The finding's details: the drift share, the sides compared and each drifted column."""
    per_column = {
        c.column: {
            "method": c.method,
            "statistic": c.statistic,
            "p_value": c.p_value,
            "threshold": c.threshold,
            "explanation": c.explanation,
        }
        for c in drifted
    }
    return json_safe(
        {
            "drift_share": report.drift_share,
            "dataset_drift": report.dataset_drift,
            "compared_columns": len(report.columns),
            "order": basis,
            "recent_rows": int(recent.sum()),
            "earlier_rows": int((~recent).sum()),
            "columns": per_column,
        }
    )


def _drift_finding(data: CheckData, report, names: list[str], details: dict) -> Finding:
    """A warning when the dataset drifted (the monitor's rule), else a note on the columns."""
    shown = ", ".join(f"'{n}'" for n in names[:4]) + (" …" if len(names) > 4 else "")
    if report.dataset_drift:
        return Finding(
            "drift",
            "representativeness",
            "warning",
            f"The most recent {data.split.test_size:.0%} of rows differ from the rest "
            f"({len(names)} of {len(report.columns)} columns drifted)",
            tuple(names),
            "A model trained on older data is judged, and later used, on data that no longer "
            "looks like it, so its test score overstates how well it will do.",
            "Prefer the time split so the test part is the recent data, retrain on recent data, "
            "or check what changed in the drifted columns (" + shown + ").",
            details,
        )
    return Finding(
        "drift",
        "representativeness",
        "info",
        f"{counted(len(names), 'column')} drifted in the most recent rows: {shown}",
        tuple(names),
        "A few columns in the recent data differ from the earlier data; the monitor will compare "
        "live data with the same statistics.",
        "Look at the drifted columns' histograms; nothing to do if the change is expected.",
        details,
    )


def drift(data: CheckData) -> list[Finding]:
    from mlops_desktop.drift import DriftInputError, compare

    roles = data.roles
    cols = [
        c
        for c in [*data.features, roles.target]
        if _KINDS.get(ColumnType(data.kind(c))) is not None
    ]
    if not cols or len(data.df) < 20:
        return []
    recent = recent_mask(data.df, roles.time_column, data.split.test_size)
    basis = f"by '{roles.time_column}'" if roles.time_column else "in file order"
    reference = _sample(data.df.loc[~recent, cols], 0)
    current = _sample(data.df.loc[recent, cols], 1)
    kinds = {c: _KINDS[ColumnType(data.kind(c))] for c in cols}
    try:
        report = compare(reference, current, columns=cols, column_kinds=kinds)
    except DriftInputError as exc:
        return [_unmeasured(exc)]
    drifted = [c for c in report.columns if c.drifted]
    if not drifted:
        return []
    names = [c.column for c in drifted]
    return [_drift_finding(data, report, names, _details(report, drifted, basis, recent))]


CHECKS = (drift,)
