"""Result dataclasses of a drift comparison, JSON round-trippable for storage in SQLite."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np


def _json_safe(value: Any) -> Any:
    """Plain Python types only; NaN and infinities become None."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


@dataclass(frozen=True)
class ColumnDrift:
    """Drift verdict and statistics of one column.

    Attributes
    ----------
    column : str
    kind : {"numeric", "categorical", "boolean"}
    method : str
        The method that judged the column (see ``methods.METHODS``).
    statistic : float
        The method's statistic (KS D, chi-square, z, normed Wasserstein, JS distance, PSI).
    p_value : float or None
        For the tests (ks, chisquare, z); None for distances.
    threshold : float
        Tests drift when ``p_value < threshold``, distances when ``statistic >= threshold``.
    drifted : bool
    stats : dict of str to float
        Every statistic computed for the column: ``ks, ks_p, wasserstein, wasserstein_norm,
        jensen_shannon, psi, chi2, chi2_p`` for numeric columns, ``chi2, chi2_p,
        jensen_shannon, psi`` for categorical ones, plus ``z, z_p`` with two distinct values.
    reference_summary, current_summary : dict
        Numeric: ``edges`` (shared, <= 30 bins; the end bins also count values beyond them),
        ``counts``, ``mean, std, min, q05, q25, median, q75, q95, max`` (datetimes in seconds
        since the epoch, flagged ``datetime: True``). Categorical: ``categories`` (top 20 of
        both samples, same order in both), ``shares``, ``other_share``, ``n_categories``; the
        current one adds ``unseen_categories``, ``unseen_share``, ``unseen_examples``.
    n_reference, n_current : int
        Non-missing values compared.
    missing_reference, missing_current : float
        Share of missing (or infinite) values.
    explanation : str
        One plain-English sentence for the UI.
    """

    column: str
    kind: str
    method: str
    statistic: float
    p_value: float | None
    threshold: float
    drifted: bool
    stats: dict[str, float] = field(default_factory=dict)
    reference_summary: dict = field(default_factory=dict)
    current_summary: dict = field(default_factory=dict)
    n_reference: int = 0
    n_current: int = 0
    missing_reference: float = 0.0
    missing_current: float = 0.0
    explanation: str = ""

    def to_dict(self) -> dict:
        """JSON-safe dict (no numpy types, no NaN)."""
        return _json_safe({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def from_dict(cls, data: dict) -> ColumnDrift:
        """Inverse of :meth:`to_dict`."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["stats"] = {
            k: (float("nan") if v is None else float(v)) for k, v in values.get("stats", {}).items()
        }
        return cls(**values)


@dataclass(frozen=True)
class DriftReport:
    """Drift of a whole table: one :class:`ColumnDrift` per compared column.

    Attributes
    ----------
    columns : list of ColumnDrift
    drift_share : float
        Share of compared columns that drifted.
    dataset_drift : bool
        ``drift_share >= share_threshold`` (Evidently's dataset-drift rule).
    share_threshold : float
    n_reference, n_current : int
        Rows of the two tables.
    multivariate_auc : float or None
        Cross-validated ROC AUC of a classifier telling reference rows from current rows
        (None when not asked for or not computable).
    multivariate_drift : bool or None
        ``multivariate_auc > 0.65``.
    settings : dict
        The settings used, for the record.
    """

    columns: list[ColumnDrift]
    drift_share: float
    dataset_drift: bool
    share_threshold: float
    n_reference: int
    n_current: int
    multivariate_auc: float | None = None
    multivariate_drift: bool | None = None
    settings: dict = field(default_factory=dict)

    @property
    def drifted_columns(self) -> list[str]:
        """Names of the columns that drifted, in report order."""
        return [c.column for c in self.columns if c.drifted]

    def column(self, name: str) -> ColumnDrift:
        """The result of one column by name."""
        for col in self.columns:
            if col.column == name:
                return col
        raise KeyError(name)

    def to_dict(self) -> dict:
        """JSON-safe dict (``json.dumps`` works on it as is)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "columns"}
        data = _json_safe(data)
        data["columns"] = [c.to_dict() for c in self.columns]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> DriftReport:
        """Inverse of :meth:`to_dict`."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["columns"] = [ColumnDrift.from_dict(c) for c in data.get("columns", [])]
        return cls(**values)
