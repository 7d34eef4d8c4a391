"""Slice analysis: the model's metric on every category and every quantile bin of every column.

Slices reuse the overall bootstrap's resamples (each slice's rows within each resample), so all
slices cost about as much as one more metric over the whole test part.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlops_desktop.evaluation.bootstrap import MetricSet, interval
from mlops_desktop.training.metrics import HIGHER_IS_BETTER

MAX_CATEGORIES = 30
NUMERIC_BINS = 4
FEW_VALUES = 6
MISSING = "(missing)"


@dataclass(frozen=True)
class Slice:
    column: str
    label: str
    rows: np.ndarray  # positions in the test part

    @property
    def key(self) -> str:
        return f"{self.column}={self.label}"


def _num(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


def _categorical_slices(column: str, values: pd.Series) -> list[Slice]:
    text = values.astype(object).where(values.notna(), None)
    counts = text.dropna().astype(str).value_counts()
    kept = list(counts.index[:MAX_CATEGORIES])
    as_str = np.array([None if v is None else str(v) for v in text], dtype=object)
    out = [Slice(column, value, np.flatnonzero(as_str == value)) for value in kept]
    rest = counts.index[MAX_CATEGORIES:]
    if len(rest):
        mask = np.isin(as_str, np.asarray(rest, dtype=object))
        out.append(Slice(column, f"(other {len(rest)} values)", np.flatnonzero(mask)))
    missing = np.flatnonzero(pd.isna(values).to_numpy())
    if len(missing):
        out.append(Slice(column, MISSING, missing))
    return out


def _numeric_slices(column: str, values: pd.Series) -> list[Slice]:
    numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    present = ~np.isnan(numeric)
    out: list[Slice] = []
    distinct = np.unique(numeric[present])
    if len(distinct) == 0:
        pass
    elif len(distinct) <= FEW_VALUES:
        out = [Slice(column, _num(v), np.flatnonzero(numeric == v)) for v in distinct]
    else:
        edges = np.unique(np.quantile(numeric[present], np.linspace(0, 1, NUMERIC_BINS + 1)))
        inner = edges[1:-1]
        bins = np.searchsorted(inner, numeric, side="right")
        for b in range(len(edges) - 1):
            close = "]" if b == len(edges) - 2 else ")"
            label = f"[{_num(edges[b])}, {_num(edges[b + 1])}{close}"
            out.append(Slice(column, label, np.flatnonzero(present & (bins == b))))
    missing = np.flatnonzero(~present)
    if len(missing):
        out.append(Slice(column, MISSING, missing))
    return [s for s in out if len(s.rows)]


def define_slices(frame: pd.DataFrame, columns: dict[str, str]) -> list[Slice]:
    """Slices for ``columns`` (name -> numeric|categorical|boolean); datetimes are skipped."""
    slices: list[Slice] = []
    for column, kind in columns.items():
        if column not in frame.columns:
            continue
        values = frame[column].reset_index(drop=True)
        if kind == "numeric":
            slices += _numeric_slices(column, values)
        elif kind in ("categorical", "boolean"):
            slices += _categorical_slices(column, values)
    return slices


def slice_tasks(
    slices: list[Slice], metrics: MetricSet, metric: str
) -> tuple[dict[str, Callable[[np.ndarray], np.ndarray]], dict[str, MetricSet]]:
    """Bootstrap tasks (one per slice) computing ``metric`` on the slice's rows of each resample."""
    subsets = {s.key: metrics.take(s.rows, (metric,)) for s in slices}
    tasks = {
        f"slice:{s.key}": (
            lambda w, rows=s.rows, ms=subsets[s.key]: ms.weighted_columns(w, rows)[:, 0]
        )
        for s in slices
    }
    return tasks, subsets


def _gap(value: float, overall: float, metric: str) -> float | None:
    if not (math.isfinite(value) and math.isfinite(overall)):
        return None
    return overall - value if HIGHER_IS_BETTER[metric] else value - overall


def _base_rate(ms: MetricSet) -> float | None:
    if len(ms) == 0:
        return None
    if ms.task == "regression":
        return float(np.mean(ms.y.astype(float)))
    if len(ms.classes) == 2:
        positive = ms.classes[1] if ms.positive is None else ms.positive
        return float(np.mean(ms.y == positive))
    return None


def summarise_slices(
    slices: list[Slice],
    subsets: dict[str, MetricSet],
    boot: dict[str, np.ndarray],
    metric: str,
    overall: float,
    max_gap: float | None,
    min_rows: int,
) -> dict:
    """Rows sorted by harm: flagged slices first, then by how far each trails the overall."""
    rows = []
    for s in slices:
        ms = subsets[s.key]
        value = ms.point()[metric]
        lo, hi = interval(boot[f"slice:{s.key}"])
        gap = _gap(value, overall, metric)
        flagged = bool(
            max_gap is not None and gap is not None and len(s.rows) >= min_rows and gap > max_gap
        )
        rows.append(
            {
                "column": s.column,
                "label": s.label,
                "rows": int(len(s.rows)),
                "value": value if math.isfinite(value) else None,
                "ci_low": lo,
                "ci_high": hi,
                "gap": gap,
                "base_rate": _base_rate(ms),
                "flagged": flagged,
                "small": len(s.rows) < min_rows,
            }
        )
    rows.sort(key=lambda r: (not r["flagged"], -(r["gap"] if r["gap"] is not None else -math.inf)))
    return {
        "metric": metric,
        "overall": overall if math.isfinite(overall) else None,
        "max_gap": max_gap,
        "min_rows": min_rows,
        "columns": sorted({s.column for s in slices}),
        "flagged": sum(r["flagged"] for r in rows),
        "rows": rows,
    }
