"""Cut logged data into monitoring windows, by row count or by calendar time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from pandas.tseries.frequencies import to_offset

from mlops_desktop.drift.methods import DriftInputError


def windows(
    df: pd.DataFrame,
    time_column: str | None = None,
    size: int | None = None,
    freq: str | None = None,
) -> Iterator[tuple[Any, Any, pd.DataFrame]]:
    """Yield ``(start, end, frame)`` windows of ``df``.

    Parameters
    ----------
    df : DataFrame
    time_column : str, optional
        Column of timestamps (datetime or text pandas can parse). Rows without a time are
        left out. Required with ``freq``.
    size : int, optional
        Rows per window. Without ``time_column`` windows follow the row order and ``start``,
        ``end`` are row positions, ``frame = df.iloc[start:end]``; with ``time_column`` rows
        are sorted by time first and ``start``, ``end`` are the first and last timestamps in
        the window (both inclusive). The last window may be shorter.
    freq : str, optional
        A pandas frequency ("h", "6h", "D", "7D", "W", "MS"): windows are the calendar
        intervals ``[start, end)`` with ``end = start + freq``; empty intervals are skipped.

    Yields
    ------
    start, end, frame
    """
    if (size is None) == (freq is None):
        raise DriftInputError("Give exactly one of size (rows per window) or freq (time).")
    if size is not None:
        if int(size) < 1:
            raise DriftInputError(f"Window size must be at least 1 row, got {size}.")
        size = int(size)
        if time_column is None:
            for start in range(0, len(df), size):
                end = min(start + size, len(df))
                yield start, end, df.iloc[start:end]
            return
        times = _times(df, time_column).reset_index(drop=True)
        order = times.dropna().sort_values(kind="stable")
        for pos in range(0, len(order), size):
            chunk = order.iloc[pos : pos + size]
            yield chunk.iloc[0], chunk.iloc[-1], df.iloc[chunk.index.to_numpy()]
        return

    if time_column is None:
        raise DriftInputError("Windows by time (freq) need a time_column.")
    try:
        offset = to_offset(freq)
    except ValueError as exc:
        raise DriftInputError(f"Unknown window frequency {freq!r}: {exc}") from exc
    times = _times(df, time_column)
    keyed = df.assign(**{"__drift_window_time__": times}).dropna(subset=["__drift_window_time__"])
    grouper = pd.Grouper(key="__drift_window_time__", freq=offset, closed="left", label="left")
    for start, frame in keyed.groupby(grouper):
        if len(frame):
            yield start, start + offset, frame.drop(columns="__drift_window_time__")


def _times(df: pd.DataFrame, time_column: str) -> pd.Series:
    if time_column not in df.columns:
        raise DriftInputError(f"The time column {time_column!r} is not in the data.")
    times = df[time_column]
    if pd.api.types.is_datetime64_any_dtype(times.dtype):
        return times
    try:
        return pd.to_datetime(times, format="mixed")
    except (ValueError, TypeError) as exc:
        raise DriftInputError(
            f"The time column {time_column!r} does not hold dates or times: {exc}"
        ) from exc
