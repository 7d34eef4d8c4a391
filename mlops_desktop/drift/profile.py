"""One side of a comparison, prepared once: sorted numbers or counted categories.

A :class:`ReferenceProfile` keeps the prepared columns of a reference table, so comparing
many current windows against one reference sorts and counts the reference only once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlops_desktop.drift.columns import (
    check_kind,
    factorize,
    infer_kind,
    is_datetime_like,
    to_float,
)
from mlops_desktop.drift.methods import DriftInputError

#: Distinct values kept with a numeric sample up to this count (the per-value statistics of
#: discrete columns need them; Evidently's JS uses per-value shares up to 20 values).
DISCRETE_MAX = 20


@dataclass(frozen=True)
class NumericSample:
    """Non-missing values of a numeric column, sorted, with their moments."""

    sorted: np.ndarray
    n_rows: int
    mean: float
    std: float
    n_distinct: int
    distinct: np.ndarray | None
    datetime: bool = False

    @property
    def n(self) -> int:
        return int(self.sorted.shape[0])

    def distinct_values(self) -> np.ndarray:
        """The sorted distinct values."""
        if self.distinct is not None:
            return self.distinct
        return distinct_sorted(self.sorted)


@dataclass(frozen=True)
class CategoricalSample:
    """Category counts of a column: ``counts[i]`` values equal ``labels[i]``."""

    labels: list
    counts: np.ndarray
    n_rows: int
    kind: str

    def index(self) -> pd.Index:
        """The labels as an Index, to look other samples' labels up in."""
        return pd.Index(self.labels, dtype=object)


def distinct_sorted(sorted_values: np.ndarray) -> np.ndarray:
    """Distinct values of a sorted array."""
    if sorted_values.shape[0] == 0:
        return sorted_values
    keep = np.empty(sorted_values.shape[0], dtype=bool)
    keep[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=keep[1:])
    return sorted_values[keep]


def numeric_sample(values: np.ndarray, *, datetime: bool = False) -> NumericSample:
    """Prepare float values (NaN = missing): drop NaN, moments, sort once (in a copy)."""
    missing = np.isnan(values)
    # A copy either way, so sorting it in place is safe.
    kept = values[~missing] if missing.any() else values.copy()
    n = kept.shape[0]
    mean = float(np.mean(kept)) if n else float("nan")
    std = float(np.std(kept)) if n else float("nan")
    kept.sort()
    n_distinct = int(np.count_nonzero(kept[1:] != kept[:-1])) + 1 if n else 0
    distinct = distinct_sorted(kept) if n_distinct <= DISCRETE_MAX else None
    return NumericSample(kept, int(values.shape[0]), mean, std, n_distinct, distinct, datetime)


def categorical_sample(series: pd.Series, kind: str) -> CategoricalSample:
    """Count the categories of a column (missing values are not counted)."""
    codes, uniques = factorize(series, kind)
    counts = np.bincount(codes + 1, minlength=len(uniques) + 1)[1:]
    return CategoricalSample(uniques, counts, len(series), kind)


def align_counts(
    reference: CategoricalSample, current: CategoricalSample
) -> tuple[np.ndarray, np.ndarray, list]:
    """Both samples' counts over shared labels: the reference's, then new ones in the order
    the current sample first shows them (the order factorising both together gives)."""
    k_ref = len(reference.labels)
    where = reference.index().get_indexer(pd.Index(current.labels, dtype=object))
    new = np.flatnonzero(where < 0)
    where[new] = k_ref + np.arange(new.shape[0])
    cnt_r = np.zeros(k_ref + new.shape[0], dtype=np.int64)
    cnt_r[:k_ref] = reference.counts
    cnt_c = np.zeros_like(cnt_r)
    np.add.at(cnt_c, where, current.counts)
    labels = list(reference.labels) + [current.labels[i] for i in new]
    return cnt_r, cnt_c, labels


def prepare(series: pd.Series, kind: str, column: str) -> NumericSample | CategoricalSample:
    """Prepare one side of a column of the given kind."""
    if kind == "numeric":
        return numeric_sample(to_float(series, column), datetime=is_datetime_like(series))
    return categorical_sample(series, kind)


class ReferenceProfile:
    """A reference table whose columns are prepared once and reused by :func:`compare`.

    Pass it to ``compare`` in place of the reference DataFrame: each column is sorted (numeric)
    or counted (categorical) on first use and kept, so later comparisons only prepare the
    current data. Results equal those of comparing with the DataFrame itself. Treat the frame
    as read-only while the profile is in use.

    Parameters
    ----------
    frame : DataFrame
        The reference data.
    column_kinds : dict of str to str, optional
        Kinds of columns (others are inferred from the dtype, as in ``compare``).
    """

    def __init__(self, frame: pd.DataFrame, column_kinds: dict[str, str] | None = None) -> None:
        if not isinstance(frame, pd.DataFrame):
            raise DriftInputError(
                f"The reference data must be a pandas DataFrame, got {type(frame)}."
            )
        self.frame = frame
        self._kinds = {c: check_kind(str(c), k) for c, k in (column_kinds or {}).items()}
        self._sides: dict[tuple[object, str], NumericSample | CategoricalSample] = {}
        self._lock = threading.Lock()

    def kind(self, column: object) -> str:
        """The column's kind (given, else inferred from the dtype)."""
        if column not in self._kinds:
            self._kinds[column] = infer_kind(self.frame[column])
        return self._kinds[column]

    def side(self, column: object, kind: str) -> NumericSample | CategoricalSample:
        """The prepared column (prepared on first use, thread-safe)."""
        key = (column, kind)
        found = self._sides.get(key)
        if found is None:
            found = prepare(self.frame[column], kind, str(column))
            with self._lock:
                found = self._sides.setdefault(key, found)
        return found
