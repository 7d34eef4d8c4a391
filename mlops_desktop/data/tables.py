"""Excel (.xlsx) and Parquet readers, and helpers shared with the CSV reader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa

from mlops_desktop.data.sniff import ReadOptions
from mlops_desktop.errors import InputError

Progress = Callable[[float, str], None]


def header_names(raw: list, source: str) -> list[str]:
    """Header cells as column names: blanks named ``column_N``; duplicated names refused.

    A duplicated name is never renamed: which of the two is the target (or a feature) would be a
    guess, and a wrong guess leaks the label into the features.
    """
    names = [
        str(value).strip() if value is not None and str(value).strip() else f"column_{i}"
        for i, value in enumerate(raw, start=1)
    ]
    check_unique(names, source)
    return names


def check_unique(names: list, source: str) -> None:
    """Raise InputError naming every column name that appears more than once in ``names``."""
    counts: dict[str, int] = {}
    for name in names:
        counts[str(name)] = counts.get(str(name), 0) + 1
    repeated = [f"'{name}' ({n} times)" for name, n in counts.items() if n > 1]
    if repeated:
        raise InputError(
            f"{source} has duplicated column names: {', '.join(repeated)}. Give every column "
            "its own name in the file (nothing is renamed automatically, so the target and "
            "the features cannot be mixed up), then import again."
        )


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """Convert to pandas (dictionary columns become categories) and hand memory back."""
    frame = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    pa.default_memory_pool().release_unused()
    return frame


# -- Excel --------------------------------------------------------------------------------------


def _open_workbook(path: Path):
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on damaged files
        raise InputError(
            f"{path.name} cannot be opened as an Excel workbook ({exc}). "
            "Save it again from Excel as .xlsx, or export it as CSV."
        ) from exc


def _sheet_name(path: Path, sheet: str | int | None, sheet_names: list[str]) -> str:
    """The sheet to read (by name or number; default the first), or InputError naming them."""
    sheet = sheet if sheet is not None else sheet_names[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(sheet_names):
            raise InputError(
                f"{path.name} has {len(sheet_names)} sheet(s); sheet number {sheet} does not exist."
            )
        sheet = sheet_names[sheet]
    if sheet not in sheet_names:
        raise InputError(
            f"{path.name} has no sheet '{sheet}'. Its sheets: {', '.join(sheet_names)}."
        )
    return sheet


def _sheet_rows(
    ws, sheet: str, path: Path, opts: ReadOptions, progress: Progress, max_rows: int | None
) -> tuple[list[str], list[tuple]]:
    """The column names and the non-empty rows of a sheet, cut to the header's width."""
    total = max(1, (ws.max_row or 1) - 1)
    rows_iter = ws.iter_rows(values_only=True)
    first = next(rows_iter, None)
    if first is None:
        raise InputError(
            f"Sheet '{sheet}' of {path.name} is empty. Choose a sheet that holds a table."
        )
    width = max((i + 1 for i, v in enumerate(first) if v is not None), default=0)
    names = (
        header_names(list(first[:width]), f"Sheet '{sheet}' of {path.name}")
        if opts.header
        else [f"column_{i}" for i in range(1, width + 1)]
    )
    data: list[tuple] = [] if opts.header else [tuple(first[:width])]
    for row in rows_iter:
        if all(v is None for v in row):
            continue
        data.append(tuple(row[:width]) + (None,) * (width - len(row)))
        if len(data) % 5000 == 0:
            progress(min(1.0, len(data) / total), f"Read {len(data):,} rows")
        if max_rows is not None and len(data) >= max_rows:
            break
    return names, data


def _clean_text_cells(frame: pd.DataFrame, na_values: list[str]) -> None:
    """Missing markers and empty cells as None; text columns as str, mixed cells as text."""
    na = set(na_values)
    for col in frame.columns:
        if frame[col].dtype == object:
            values = frame[col]
            values = values.where(~values.isin(na) & values.map(lambda v: v != ""), None)
            kinds = {type(v) for v in values.dropna()}
            if kinds and kinds <= {str}:
                frame[col] = values.astype("str")
            elif len(kinds) > 1:  # mixed cells (numbers and text): keep them as text
                frame[col] = values.map(lambda v: None if v is None else str(v)).astype("str")
            else:
                frame[col] = values


def read_excel(
    path: Path, opts: ReadOptions, progress: Progress, max_rows: int | None, given: ReadOptions
) -> tuple[pd.DataFrame, ReadOptions]:
    book = _open_workbook(path)
    try:
        sheet = _sheet_name(path, opts.sheet, book.sheetnames)
        names, data = _sheet_rows(book[sheet], sheet, path, opts, progress, max_rows)
    finally:
        book.close()
    frame = (
        pd.DataFrame.from_records(data, columns=names)
        if data
        else pd.DataFrame({n: pd.Series([], dtype="str") for n in names})
    )
    _clean_text_cells(frame, opts.na_values)
    progress(1.0, f"Read {len(frame):,} rows")
    return frame, replace(opts, sheet=sheet)


# -- Parquet ------------------------------------------------------------------------------------


def read_parquet(
    path: Path, opts: ReadOptions, progress: Progress, max_rows: int | None, given: ReadOptions
) -> tuple[pd.DataFrame, ReadOptions]:
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except FileNotFoundError:
        raise
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(
            f"{path.name} cannot be read as Parquet ({exc}). The file may be damaged or incomplete."
        ) from exc
    total = max(1, handle.metadata.num_rows)
    batches: list[pa.RecordBatch] = []
    rows = 0
    try:
        for batch in handle.iter_batches(batch_size=65536):
            batches.append(batch)
            rows += batch.num_rows
            progress(rows / total, f"Read {rows:,} rows")
            if max_rows is not None and rows >= max_rows:
                break
    except pa.ArrowInvalid as exc:
        raise InputError(f"{path.name} is a damaged Parquet file: {exc}.") from exc
    finally:
        handle.close()
    table = (
        pa.Table.from_batches(batches, schema=handle.schema_arrow)
        if batches
        else handle.schema_arrow.empty_table()
    )
    del batches
    return to_pandas(table), opts
