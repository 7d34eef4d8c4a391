"""The ``Finding`` record every check returns, and the shared inputs checks work from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.data.roles import Roles
from mlops_desktop.data.schema import ColumnType
from mlops_desktop.data.splits import Split

CATEGORIES = ("leakage", "quality", "representativeness")
SEVERITIES = ("blocking", "warning", "info")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    """One result of a check: what, how serious, which columns, why it matters, what to do."""

    check: str
    category: str
    severity: str
    title: str
    columns: tuple[str, ...]
    why: str
    fix: str
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES or self.severity not in SEVERITIES:
            raise ValueError(f"bad finding {self.check}: {self.category}/{self.severity}")

    @property
    def blocking(self) -> bool:
        return self.severity == "blocking"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["columns"] = list(self.columns)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(**{**data, "columns": tuple(data.get("columns") or ())})


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Blocking first, then warnings, then info; stable within a severity."""
    return sorted(findings, key=lambda f: SEVERITY_RANK[f.severity])


def json_safe(value: Any) -> Any:
    """Numbers, strings, lists and dicts only (numpy scalars and timestamps converted)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else round(float(value), 6)
    if value is None or isinstance(value, (int, str)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


@dataclass
class CheckData:
    """What every check reads: the typed frame, its schema, roles and split, plus shared work."""

    df: pd.DataFrame
    schema: dict[str, str]
    roles: Roles
    split: Split
    coercions: dict[str, dict] = field(default_factory=dict)

    @cached_property
    def features(self) -> list[str]:
        return [c for c in self.roles.features(self.df) if c in self.schema]

    def kind(self, col: str) -> str:
        return self.schema.get(col, ColumnType.CATEGORICAL.value)

    @property
    def classification(self) -> bool:
        return self.roles.task in ("binary", "multiclass")

    @cached_property
    def feature_hashes(self) -> np.ndarray:
        """One 64-bit hash per row over the feature columns (IDs, time, group, target left out)."""
        if not self.features:
            return np.zeros(len(self.df), dtype=np.uint64)
        return pd.util.hash_pandas_object(self.df[self.features], index=False).to_numpy()

    @cached_property
    def row_hashes(self) -> np.ndarray:
        """One 64-bit hash per row over every column."""
        return pd.util.hash_pandas_object(self.df, index=False).to_numpy()
