"""Drift engine: compare a reference table with current data, column by column.

Qt-free and vectorised (numpy/scipy). Defaults follow Evidently (see ``methods`` for the
method/threshold table); every statistic equals its scipy reference (see ``stats``).

Conventions a caller should know:

- missing values (NaN, None, NA, NaT, +-inf) are dropped for the statistics; their shares are
  reported per column (``missing_reference``, ``missing_current``);
- Jensen-Shannon uses the natural logarithm like Evidently (``scipy.spatial.distance.
  jensenshannon`` default): distances lie in [0, 0.833], threshold 0.1;
- PSI (always computed, threshold 0.1) bins numeric columns on pooled-sample deciles, not
  Evidently's equal-width Sturges bins, so one outlier cannot put every value in one bin;
  empty bins get the share 1e-4;
- KS and Wasserstein are exact (equal to scipy) up to ``DriftSettings.exact_max_rows``
  (1,000,000) non-missing reference values; above it the reference is compressed to
  ``max_bins`` (10,000) equal-mass atoms, KS then within 1e-4 of exact;
- datetimes are compared as seconds since the epoch (UTC);
- the domain classifier alerts when its cross-validated AUC is above 0.65 only;
- ``compare(ReferenceProfile(train_df), window_df)`` gives the same report as
  ``compare(train_df, window_df)`` and keeps the reference sorted and counted for the next
  window (about half the work of a cold comparison at 100,000 rows).

>>> from mlops_desktop.drift import compare
>>> report = compare(train_df, recent_df)          # doctest: +SKIP
>>> report.dataset_drift, report.drifted_columns   # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names load on first use (PEP 562), so ``drift.methods`` (names and default thresholds, used
# by the GUI's settings) imports without pandas and scipy.
_EXPORTS = {
    "column_drift": "api",
    "compare": "api",
    "prediction_drift": "api",
    "METHODS": "methods",
    "DriftInputError": "methods",
    "DriftSettings": "methods",
    "default_method": "methods",
    "AUC_THRESHOLD": "multivariate",
    "domain_classifier_auc": "multivariate",
    "ReferenceProfile": "profile",
    "ColumnDrift": "report",
    "DriftReport": "report",
    "windows": "windows",
}

if TYPE_CHECKING:
    from mlops_desktop.drift.api import column_drift, compare, prediction_drift
    from mlops_desktop.drift.methods import (
        METHODS,
        DriftInputError,
        DriftSettings,
        default_method,
    )
    from mlops_desktop.drift.multivariate import AUC_THRESHOLD, domain_classifier_auc
    from mlops_desktop.drift.profile import ReferenceProfile
    from mlops_desktop.drift.report import ColumnDrift, DriftReport
    from mlops_desktop.drift.windows import windows


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "AUC_THRESHOLD",
    "METHODS",
    "ColumnDrift",
    "DriftInputError",
    "DriftReport",
    "DriftSettings",
    "ReferenceProfile",
    "column_drift",
    "compare",
    "default_method",
    "domain_classifier_auc",
    "prediction_drift",
    "windows",
]
