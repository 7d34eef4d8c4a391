"""The public entry points: :func:`compare` two tables, :func:`prediction_drift` of a model."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from mlops_desktop.drift.analysis import Analysis, analyse_categorical, analyse_numeric
from mlops_desktop.drift.columns import check_kind, infer_kind
from mlops_desktop.drift.explain import explain
from mlops_desktop.drift.methods import (
    METHODS,
    DriftInputError,
    DriftSettings,
    check_method,
    default_method,
)
from mlops_desktop.drift.multivariate import AUC_THRESHOLD, domain_classifier_auc
from mlops_desktop.drift.profile import (
    CategoricalSample,
    NumericSample,
    ReferenceProfile,
    align_counts,
    prepare,
)
from mlops_desktop.drift.report import ColumnDrift, DriftReport

#: Columns are compared on this many threads (numpy's sorts release the GIL) once the two
#: tables hold at least ``_THREADED_ROWS`` rows together.
THREADS = max(1, min(4, os.cpu_count() or 1))
_THREADED_ROWS = 50_000


def _as_frame(data: object, name: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(data, pd.Series):
        frame = data.to_frame()
    else:
        raise DriftInputError(f"The {name} data must be a pandas DataFrame, got {type(data)}.")
    if len(frame) == 0:
        raise DriftInputError(
            f"The {name} data has no rows, so there is nothing to compare"
            + (" yet." if name == "current" else ".")
        )
    return frame


def _judge(column: str, analysis: Analysis, settings: DriftSettings) -> ColumnDrift:
    if analysis.empty_side:
        method = "missing_share"
        statistic = abs(analysis.missing_current - analysis.missing_reference)
        analysis.stats = {"missing_share_change": statistic}
        p_value = None
    else:
        method = settings.method.get(column) or default_method(
            analysis.kind, analysis.n_reference, analysis.n_unique, settings.small_sample
        )
        check_method(column, method, analysis.kind, analysis.n_unique)
        _, key, p_key = METHODS[method]
        statistic = float(analysis.stats[key])
        p_value = float(analysis.stats[p_key]) if p_key else None
    threshold = settings.threshold(method)
    drifted = bool(p_value < threshold) if p_value is not None else bool(statistic >= threshold)
    return ColumnDrift(
        column=column,
        kind=analysis.kind,
        method=method,
        statistic=statistic,
        p_value=p_value,
        threshold=threshold,
        drifted=drifted,
        stats={k: float(v) for k, v in analysis.stats.items()},
        reference_summary=analysis.reference_summary,
        current_summary=analysis.current_summary,
        n_reference=analysis.n_reference,
        n_current=analysis.n_current,
        missing_reference=analysis.missing_reference,
        missing_current=analysis.missing_current,
        explanation=explain(column, analysis, method, statistic, p_value, threshold, drifted),
    )


def column_drift(
    reference: pd.Series,
    current: pd.Series,
    *,
    column: str | None = None,
    kind: str | None = None,
    settings: DriftSettings | None = None,
) -> ColumnDrift:
    """Drift of one column (the work :func:`compare` does per column).

    Parameters
    ----------
    reference, current : Series
    column : str, optional
        Name shown in the result (default: the reference Series' name).
    kind : {"numeric", "categorical", "boolean"}, optional
        Inferred from the reference dtype when not given.
    settings : DriftSettings, optional

    Returns
    -------
    ColumnDrift
    """
    settings = settings or DriftSettings()
    name = str(column if column is not None else reference.name)
    kind = check_kind(name, kind) if kind else infer_kind(reference)
    return _drift(name, prepare(reference, kind, name), prepare(current, kind, name), settings)


def _drift(
    name: str,
    reference: NumericSample | CategoricalSample,
    current: NumericSample | CategoricalSample,
    settings: DriftSettings,
) -> ColumnDrift:
    """Judge one column from its two prepared samples."""
    if isinstance(reference, NumericSample):
        analysis = analyse_numeric(reference, current, settings)
    else:
        cnt_r, cnt_c, labels = align_counts(reference, current)
        n_rows = (reference.n_rows, current.n_rows)
        analysis = analyse_categorical(cnt_r, cnt_c, labels, reference.kind, n_rows)
    return _judge(name, analysis, settings)


def compare(
    reference: pd.DataFrame | ReferenceProfile,
    current: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    column_kinds: dict[str, str] | None = None,
    settings: DriftSettings | None = None,
    multivariate: bool = False,
    seed: int = 0,
) -> DriftReport:
    """Compare the distribution of every column of ``current`` with ``reference``.

    Parameters
    ----------
    reference : DataFrame or ReferenceProfile
        The baseline, e.g. the training data. A :class:`ReferenceProfile` of it gives the
        same result and keeps its prepared (sorted, counted) columns for the next call, for
        comparing many windows with one reference.
    current : DataFrame
        The data to check, e.g. a window of logged prediction inputs.
    columns : list of str, optional
        Columns to compare; default: the columns both tables share, in reference order.
    column_kinds : dict of str to str, optional
        ``'numeric'``, ``'categorical'`` or ``'boolean'`` per column; others are inferred from
        the dtype (numbers, datetimes -> numeric; bool -> boolean; text, category ->
        categorical). Numeric columns with few distinct values still get the categorical tests
        by Evidently's rules (see ``methods``).
    settings : DriftSettings, optional
        Thresholds and method overrides.
    multivariate : bool
        Also train a domain classifier (a second or two on large tables).
    seed : int
        Seed of the domain classifier.

    Returns
    -------
    DriftReport

    Raises
    ------
    DriftInputError
        A table is empty or not a DataFrame, named columns are missing, a kind or method
        does not fit a column.
    """
    settings = settings or DriftSettings()
    profile = reference if isinstance(reference, ReferenceProfile) else None
    reference = _as_frame(profile.frame if profile else reference, "reference")
    current = _as_frame(current, "current")
    columns = _columns_to_compare(reference, current, columns)
    kinds_in = column_kinds or {}
    kinds = {
        c: check_kind(str(c), kinds_in[c])
        if c in kinds_in
        else (profile.kind(c) if profile else infer_kind(reference[c]))
        for c in columns
    }

    def one(c: object) -> ColumnDrift:
        name, kind = str(c), kinds[c]
        side = profile.side(c, kind) if profile else prepare(reference[c], kind, name)
        return _drift(name, side, prepare(current[c], kind, name), settings)

    if THREADS > 1 and len(columns) > 1 and len(reference) + len(current) >= _THREADED_ROWS:
        with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="drift") as pool:
            results = list(pool.map(one, columns))
    else:
        results = [one(c) for c in columns]
    return _report(results, reference, current, columns, kinds, settings, multivariate, seed)


def _columns_to_compare(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str] | None
) -> list:
    """The named columns (each checked on both sides), or the shared ones in reference order."""
    if columns is None:
        shared = set(current.columns)
        columns = [c for c in reference.columns if c in shared]
        if not columns:
            raise DriftInputError("The reference and current data have no column in common.")
        return columns
    columns = list(columns)
    for name, frame in (("reference", reference), ("current", current)):
        absent = [str(c) for c in columns if c not in frame.columns]
        if absent:
            raise DriftInputError(
                f"Column{'s' if len(absent) > 1 else ''} {', '.join(map(repr, absent))} "
                f"{'are' if len(absent) > 1 else 'is'} missing in the {name} data."
            )
    if not columns:
        raise DriftInputError("No columns to compare.")
    return columns


def _report(
    results: list[ColumnDrift],
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: list,
    kinds: dict,
    settings: DriftSettings,
    multivariate: bool,
    seed: int,
) -> DriftReport:
    """The dataset verdict over the judged columns, with the multivariate check if asked."""
    n_drifted = sum(r.drifted for r in results)
    share = n_drifted / len(results)
    auc = None
    if multivariate:
        auc = domain_classifier_auc(reference[columns], current[columns], kinds, seed=seed)
    return DriftReport(
        columns=results,
        drift_share=float(share),
        dataset_drift=bool(share >= settings.drift_share),
        share_threshold=float(settings.drift_share),
        n_reference=len(reference),
        n_current=len(current),
        multivariate_auc=auc,
        multivariate_drift=None if auc is None else bool(auc > AUC_THRESHOLD),
        settings=settings.to_dict(),
    )


def prediction_drift(
    reference_predictions: object,
    current_predictions: object,
    kind: str | None = None,
    *,
    column: str = "prediction",
    settings: DriftSettings | None = None,
) -> ColumnDrift:
    """Drift of a model's outputs.

    Parameters
    ----------
    reference_predictions, current_predictions : array-like or Series
        1-D labels, scores or probabilities; a 2-D ``predict_proba`` array is reduced to the
        positive-class probability (two columns) or the top-class probability (more).
    kind : {"probability", "numeric", "label", "categorical", "boolean"}, optional
        "probability" is numeric and "label" categorical. Default: numeric for non-integer
        floats, categorical otherwise.
    column : str
        Name shown in the result.
    settings : DriftSettings, optional

    Returns
    -------
    ColumnDrift
    """
    ref = _prediction_series(reference_predictions, "reference")
    cur = _prediction_series(current_predictions, "current")
    kind = {"probability": "numeric", "label": "categorical"}.get(kind, kind)
    if kind is None:
        values = ref.dropna()
        floats = pd.api.types.is_float_dtype(values.dtype)
        integral = floats and bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
        kind = "numeric" if floats and not integral else infer_kind(ref)
        if kind == "numeric" and not floats:
            kind = "categorical" if pd.api.types.is_integer_dtype(values.dtype) else kind
    return column_drift(ref, cur, column=column, kind=kind, settings=settings)


def _prediction_series(values: object, name: str) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        values = values.to_numpy()
    if not isinstance(values, pd.Series):
        arr = np.asarray(values)
        if arr.ndim == 2:
            arr = arr[:, 1] if arr.shape[1] == 2 else arr.max(axis=1)
        elif arr.ndim != 1:
            raise DriftInputError(f"The {name} predictions must be 1-D or 2-D.")
        values = pd.Series(arr)
    if len(values) == 0:
        raise DriftInputError(f"The {name} predictions are empty, so there is nothing to compare.")
    return values.reset_index(drop=True)
