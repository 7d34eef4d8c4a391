"""Read CSV/TSV (streamed in blocks), Excel .xlsx and Parquet into a pandas DataFrame.

Reading reports progress through the job context (which also raises JobCancelled when the user
cancels) and turns every way a file can be unusable into an InputError with a specific message.
Before reading, the in-memory size is estimated and compared with the memory available, so a
file that cannot fit is refused up front instead of swapping the machine to a halt.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from mlops_desktop.data.memory import check_fits, estimate_frame_bytes
from mlops_desktop.data.sniff import ReadOptions, check_readable, csv_rows, sniff
from mlops_desktop.data.tables import (
    Progress,
    check_unique,
    header_names,
    read_excel,
    read_parquet,
    to_pandas,
)
from mlops_desktop.errors import InputError

BLOCK_SIZE = 8 << 20
USE_THREADS = False
_CONVERSION = re.compile(
    r"In CSV column #(\d+): (?:Row #\d+: )?CSV conversion error to (\w+): invalid value '(.*)'",
    re.S,
)
_LEADING_ZERO = re.compile(r"^0\d+$")
_NUMERIC = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


class _Retype(Exception):
    def __init__(self, index: int, new_type: pa.DataType) -> None:
        super().__init__(index)
        self.index, self.new_type = index, new_type


class _BadEncoding(Exception):
    pass


def _noop(_fraction: float, _message: str) -> None:
    return None


def _leading_zero_columns(path: Path, options: ReadOptions, names: list[str]) -> list[str]:
    """Columns whose sampled values have leading zeros (postcodes, codes): read them as text."""

    from mlops_desktop.data.sniff import _head

    text = _head(path).decode(options.encoding or "utf-8", errors="replace").lstrip("\ufeff")
    lines = text.splitlines()[1 if options.header else 0 : -1]
    found: set[str] = set()
    for row in csv_rows("\n".join(lines), options.delimiter or ",", path.name):
        for name, value in zip(names, row, strict=False):
            if _LEADING_ZERO.match(value.strip()):
                found.add(name)
    return [n for n in names if n in found]


def _csv_header(path: Path, options: ReadOptions) -> list[str]:

    from mlops_desktop.data.sniff import _head

    text = _head(path).decode(options.encoding or "utf-8", errors="replace").lstrip("\ufeff")
    first = next(iter(csv_rows(text, options.delimiter or ",", path.name)), [])
    if options.header:
        return header_names(first, path.name)
    return [f"column_{i}" for i in range(1, len(first) + 1)]


def _stat(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _vanished(path: Path, rows: int) -> InputError:
    return InputError(
        f"The file {path.name} disappeared or changed while it was being read "
        f"(after about {rows:,} rows), so the data may be incomplete. Nothing was "
        "saved; make sure the file stays in place (copy it locally) and import again."
    )


def read_frame(
    path: Path | str,
    options: ReadOptions | dict | None = None,
    *,
    progress: Progress | None = None,
    max_rows: int | None = None,
    memory_limit: int | None = None,
) -> tuple[pd.DataFrame, ReadOptions]:
    """Read the whole file (or its first ``max_rows``); return the frame and the options used.

    ``progress(fraction, message)`` is called as blocks arrive (fraction 0..1 of the file).
    ``memory_limit`` (bytes) replaces the memory-available figure, for tests and cautious users.
    """
    path = Path(path)
    progress = progress or _noop
    opts = sniff(path, options)
    size = check_readable(path)
    if max_rows is None:
        check_fits(path, estimate_frame_bytes(path, opts.format or "csv", size), memory_limit)
    before = _stat(path)
    reader = {"csv": _read_csv, "excel": read_excel, "parquet": read_parquet}[opts.format or "csv"]
    try:
        frame, opts = reader(path, opts, progress, max_rows, ReadOptions.from_dict(options))
    except FileNotFoundError as exc:
        raise _vanished(path, 0) from exc
    except InputError:
        raise
    except OSError as exc:
        raise InputError(
            f"Reading {path.name} failed: {exc.strerror or exc}. The file may have "
            "been moved, or its drive disconnected. Nothing was saved."
        ) from exc
    try:
        after = _stat(path)
    except FileNotFoundError as exc:
        raise _vanished(path, len(frame)) from exc
    if after != before:
        raise _vanished(path, len(frame))
    check_unique(list(frame.columns), path.name)  # Parquet may hold two columns of one name
    if frame.shape[1] == 0:
        raise InputError(f"{path.name} has no columns. Choose a file that holds a table.")
    if len(frame) == 0:
        raise InputError(
            f"{path.name} has a header row ({', '.join(map(str, frame.columns[:5]))}"
            f"{'…' if frame.shape[1] > 5 else ''}) but no data rows. Choose a file "
            "that holds data."
        )
    return frame, opts


def preview(
    path: Path | str, options: ReadOptions | dict | None = None, rows: int = 200
) -> tuple[pd.DataFrame, ReadOptions]:
    """The first ``rows`` rows, read with the sniffed (or given) options."""
    frame, opts = read_frame(path, options, max_rows=rows)
    return frame.head(rows), opts


# -- CSV ----------------------------------------------------------------------------------------


def _read_csv(
    path: Path, opts: ReadOptions, progress: Progress, max_rows: int | None, given: ReadOptions
) -> tuple[pd.DataFrame, ReadOptions]:
    return read_settled_csv(
        path,
        opts,
        given,
        lambda o, names, types: _read_csv_once(path, o, names, types, progress, max_rows),
    )


def read_settled_csv(
    path: Path,
    opts: ReadOptions,
    given: ReadOptions,
    read: Callable[[ReadOptions, list[str], dict[str, pa.DataType]], Any],
) -> tuple[Any, ReadOptions]:
    """``read(opts, names, types)`` retried until the column types and the encoding hold for
    the whole file (a value far down may turn a number column into text); its result and the
    options that held."""
    names = _csv_header(path, opts)
    types: dict[str, pa.DataType] = {
        n: pa.string() for n in _leading_zero_columns(path, opts, names)
    }
    for _attempt in range(len(names) + 2):
        try:
            return read(opts, names, types), opts
        except _Retype as retype:
            types[names[retype.index]] = retype.new_type
        except _BadEncoding as exc:
            if given.encoding is None and opts.encoding in ("utf-8", "utf-8-sig"):
                opts = replace(opts, encoding="cp1252")  # sniffed too early: text further on
                continue
            raise InputError(
                f"{path.name} is not valid {opts.encoding} text: some bytes cannot be decoded. "
                "Choose the file's encoding in the import options (often cp1252 or latin-1 for "
                "files saved by Excel on Windows)."
            ) from exc
    raise InputError(f"{path.name} could not be read: the column types kept changing.")


def _arrow_options(
    opts: ReadOptions,
    names: list[str],
    types: dict[str, pa.DataType],
    max_rows: int | None,
    on_invalid: Callable[[Any], str],
) -> tuple[pcsv.ReadOptions, pcsv.ParseOptions, pcsv.ConvertOptions]:
    """PyArrow's read, parse and convert options for ``opts`` and the column types so far."""
    encoding = opts.encoding or "utf-8"
    read_options = pcsv.ReadOptions(
        encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
        block_size=BLOCK_SIZE if max_rows is None else 1 << 20,
        column_names=names,
        skip_rows=1 if opts.header else 0,
        use_threads=USE_THREADS,
    )
    parse_options = pcsv.ParseOptions(
        delimiter=opts.delimiter or ",", newlines_in_values=True, invalid_row_handler=on_invalid
    )
    convert_options = pcsv.ConvertOptions(
        null_values=["", *opts.na_values],
        strings_can_be_null=True,
        decimal_point=opts.decimal or ".",
        column_types=types,
        true_values=["true", "True", "TRUE"],
        false_values=["false", "False", "FALSE"],
    )
    return read_options, parse_options, convert_options


def csv_batches(
    path: Path,
    opts: ReadOptions,
    names: list[str],
    types: dict[str, pa.DataType],
    max_rows: int | None = None,
    part: bytes | None = None,
) -> Iterator[pa.RecordBatch]:
    """The file's blocks as Arrow record batches, read with ``opts`` and the column ``types``
    so far; a value that does not fit its column raises ``_Retype`` (``read_settled_csv``
    retries), every other problem an InputError that says what to fix. ``part``: read these
    bytes of the file (whole rows) instead of the file."""
    bad_rows: list[Any] = []

    def on_invalid(row: Any) -> str:
        bad_rows.append(row)
        return "error"

    read_options, parse_options, convert_options = _arrow_options(
        opts, names, types, max_rows, on_invalid
    )
    try:
        with pa.OSFile(str(path), "rb") if part is None else pa.BufferReader(part) as source:
            reader = pcsv.open_csv(
                source,
                read_options=read_options,
                parse_options=parse_options,
                convert_options=convert_options,
            )
            _check_types(reader.schema)
            yield from reader
    except pa.ArrowInvalid as exc:
        _explain_arrow_error(path, exc, bad_rows, names)
    except UnicodeDecodeError as exc:  # a transcoded encoding (utf-16, cp1252) met bad bytes
        raise _BadEncoding(0) from exc


def _read_csv_once(
    path: Path,
    opts: ReadOptions,
    names: list[str],
    types: dict[str, pa.DataType],
    progress: Progress,
    max_rows: int | None,
) -> pd.DataFrame:
    total_rows = _estimate_rows(path)
    batches: list[pa.RecordBatch] = []
    rows = 0
    encode: list[int] | None = None
    for batch in csv_batches(path, opts, names, types, max_rows):
        if encode is None:
            encode = repetitive_text(batch)
        batches.append(encode_text(batch, encode))
        rows += batch.num_rows
        # The reader reads ahead, so the file position says little: count rows.
        progress(min(0.99, rows / total_rows), f"Read {rows:,} rows")
        if max_rows is not None and rows >= max_rows:
            break
    table = (
        pa.Table.from_batches(batches, schema=batches[0].schema)
        if batches
        else pa.table({n: pa.array([], pa.string()) for n in names})
    )
    del batches
    _check_types(table.schema)
    return to_pandas(table)


def _estimate_rows(path: Path) -> int:
    """Rows in the file, estimated from the line length in its first bytes (for progress)."""
    from mlops_desktop.data.sniff import _head

    head = _head(path, 1 << 20)
    lines = max(1, head.count(b"\n"))
    return max(1, int(os.path.getsize(path) / (len(head) / lines)))


def repetitive_text(batch: pa.RecordBatch) -> list[int]:
    """Text columns of the first block with few distinct values (stored as categories)."""
    import pyarrow.compute as pc

    n = max(1, batch.num_rows)
    return [
        i
        for i, fld in enumerate(batch.schema)
        if pa.types.is_string(fld.type)
        and pc.count_distinct(batch.column(i)).as_py() <= max(50, 0.05 * n)
    ]


def encode_text(batch: pa.RecordBatch, columns: list[int]) -> pa.RecordBatch:
    """Dictionary-encode the chosen text columns of one block as it arrives.

    The text of a repetitive column then never exists in full, neither in Arrow nor as a
    pandas string column, which keeps the read's peak memory near the typed frame's size.
    """
    import pyarrow.compute as pc

    if not columns:
        return batch
    arrays = list(batch.columns)
    for i in columns:
        if pa.types.is_string(arrays[i].type):
            arrays[i] = pc.dictionary_encode(arrays[i])
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _check_types(schema: pa.Schema) -> None:
    for i, fld in enumerate(schema):
        if pa.types.is_binary(fld.type):
            raise _BadEncoding(i)


def _explain_arrow_error(
    path: Path, exc: pa.ArrowInvalid, bad_rows: list[Any], names: list[str]
) -> None:
    text = str(exc)
    if bad_rows:
        row = bad_rows[0]
        where = f"Row {row.number:,}" if row.number else "A row"
        sample = (row.text or "")[:80]
        raise InputError(
            f"{where} of {path.name} has {row.actual_columns} fields where the header has "
            f'{row.expected_columns} ("{sample}"). Fix that row (often a delimiter inside an '
            "unquoted value), or choose another delimiter in the import options.",
            details=text,
        ) from exc
    if "invalid UTF8" in text:
        raise _BadEncoding(0) from exc
    match = _CONVERSION.search(text)
    if match:
        index, value = int(match.group(1)), match.group(3)
        new_type = (
            pa.float64()
            if _NUMERIC.match(value) and match.group(2) in ("int64", "null", "uint64")
            else pa.string()
        )
        if index < len(names):
            raise _Retype(index, new_type) from exc
    if "Expected" in text and "columns" in text:
        raise InputError(
            f"{path.name} has rows with different numbers of fields. Fix the ragged "
            "rows, or choose another delimiter in the import options.",
            details=text,
        ) from exc
    raise InputError(
        f"{path.name} cannot be read as CSV: {text.splitlines()[0][:200]}", details=text
    ) from exc
