"""A file as a stream of equal-sized DataFrames, typed as ``read_frame`` types the whole file,
in bounded memory: for files larger than memory (batch scoring on a cluster and at home).

Two passes over a CSV or Parquet file: the first settles the column types for the whole file
(a value far down may turn a number column into text) and notes which columns hold a missing
value anywhere; the second converts block by block as a whole-file read would (an integer
column with a gap anywhere is float, a boolean one holds objects). Only one block and one
chunk are in memory at a time. Excel workbooks, small by nature, are read whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from mlops_desktop.data.readers import (
    csv_batches,
    encode_text,
    read_frame,
    read_settled_csv,
    repetitive_text,
)
from mlops_desktop.data.sniff import ReadOptions, check_readable, sniff
from mlops_desktop.data.tables import check_unique
from mlops_desktop.errors import InputError

Chunk = tuple[pd.DataFrame, float]  # the rows, and the fraction of the file read so far


def iter_frames(path: Path | str, options: ReadOptions | dict | None, rows: int) -> Iterator[Chunk]:
    """``(frame, fraction read)`` for each ``rows`` rows of the file, in the file's order."""
    path = Path(path)
    opts = sniff(path, options)
    check_readable(path)
    if opts.format == "excel":
        frame, _ = read_frame(path, opts)
        yield from _rechunk(iter([frame]), rows, len(frame))
        return
    batches, total = (
        _parquet_stream(path) if opts.format == "parquet" else _csv_stream(path, opts, options)
    )
    yield from _rechunk(batches, rows, total)


def _rechunk(frames: Iterator[pd.DataFrame], rows: int, total: int) -> Iterator[Chunk]:
    """``(frame, share of the file's rows yielded so far)``: frames of exactly ``rows`` rows
    (the last may be shorter); ``total`` is the file's row count."""
    pending: list[pd.DataFrame] = []
    held = done = 0
    for frame in frames:
        pending.append(frame)
        held += len(frame)
        while held >= rows:
            joined = concat_frames(pending)
            chunk, rest = joined.iloc[:rows].reset_index(drop=True), joined.iloc[rows:]
            pending, held = ([rest] if len(rest) else []), len(rest)
            done += len(chunk)
            yield own_categories(chunk), done / total
    if held:
        yield own_categories(concat_frames(pending).reset_index(drop=True)), 1.0


def own_categories(chunk: pd.DataFrame) -> pd.DataFrame:
    """``chunk`` with each category column holding only its own values, in the order they
    first appear: a chunk then looks the same however the file was split to read it (in
    blocks here, in partitions on a cluster's workers)."""
    for name in chunk.columns:
        column = chunk[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            seen = pd.unique(column.dropna().to_numpy())
            chunk[name] = column.cat.set_categories(seen)
    return chunk


def concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``frames`` end to end; a category column keeps its type (the categories united)."""
    if len(frames) == 1:
        return frames[0]
    for name in frames[0].columns:
        if isinstance(frames[0][name].dtype, pd.CategoricalDtype):
            categories = pd.api.types.union_categoricals([f[name] for f in frames]).categories
            for f in frames:
                f[name] = f[name].cat.set_categories(categories)
    return pd.concat(frames, ignore_index=True)


def settle_batches(batches: Iterator[pa.RecordBatch]) -> tuple[pa.Schema | None, dict, int]:
    """The schema, the pandas type a whole-file read gives each column with a missing value
    somewhere (an integer column becomes float, a boolean one object), and the rows."""
    schema, gap_types, count = None, {}, 0
    for batch in batches:
        schema = batch.schema
        count += batch.num_rows
        new = [
            name
            for name, column in zip(batch.schema.names, batch.columns, strict=True)
            if column.null_count and name not in gap_types
        ]
        if new:  # at most once per column: what pandas makes of it with a gap
            converted = pa.Table.from_batches([batch]).select(new).to_pandas()
            gap_types.update(converted.dtypes.to_dict())
    return schema, gap_types, count


def check_table(path: Path, names: list[str], count: int) -> None:
    """The same refusals as ``read_frame``: no columns, repeated names, no data rows."""
    check_unique(names, path.name)
    if not names:
        raise InputError(f"{path.name} has no columns. Choose a file that holds a table.")
    if count == 0:
        raise InputError(
            f"{path.name} has a header row ({', '.join(names[:5])}"
            f"{'…' if len(names) > 5 else ''}) but no data rows. Choose a file that holds data."
        )


def as_whole_file(batch: pa.RecordBatch, gap_types: dict) -> pd.DataFrame:
    """``batch`` in pandas with the types a whole-file read gives: a column with a missing
    value elsewhere in the file takes that column's type even where this block has none."""
    frame = pa.Table.from_batches([batch]).to_pandas()
    for name, dtype in gap_types.items():
        kinds = (dtype, frame[name].dtype)
        if any(isinstance(k, pd.CategoricalDtype) for k in kinds) or kinds[0] == kinds[1]:
            continue  # a text column's categories are per block; its values are the same
        frame[name] = frame[name].astype(dtype)
    return frame


@dataclass(frozen=True)
class SettledCSV:
    """What the first pass over a CSV file settles: the options that held, the column names
    and Arrow types, the pandas type of each column with a gap somewhere, and the rows."""

    opts: ReadOptions
    names: list[str]
    types: dict  # the types given to the reader (the rest it infers from its first block)
    gap_types: dict
    count: int
    schema: pa.Schema | None = None  # every column's type as the read settled it
    encode: tuple[int, ...] = ()  # the text columns kept as categories (from the first block)


def settle_csv(path: Path, opts: ReadOptions, options: Any) -> SettledCSV:
    """The first pass over a CSV file (``opts`` sniffed, ``options`` as the user gave them)."""
    given = ReadOptions.from_dict(options)

    def first_pass(o: ReadOptions, names: list[str], types: dict) -> tuple:
        encode: list[int] = []

        def noting_first(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for i, batch in enumerate(batches):
                if i == 0:
                    encode.extend(repetitive_text(batch))
                yield batch

        settled = settle_batches(noting_first(csv_batches(path, o, names, types)))
        return (*settled, names, dict(types), tuple(encode))

    (schema, gap_types, count, names, types, encode), opts = read_settled_csv(
        path, opts, given, first_pass
    )
    check_table(path, names, count)
    return SettledCSV(opts, names, types, gap_types, count, schema, encode)


def _csv_stream(path: Path, opts: ReadOptions, options: Any) -> tuple[Iterator[pd.DataFrame], int]:
    settled = settle_csv(path, opts, options)

    def frames() -> Iterator[pd.DataFrame]:
        encode = list(settled.encode)
        for batch in csv_batches(path, settled.opts, settled.names, settled.types):
            yield as_whole_file(encode_text(batch, encode), settled.gap_types)

    return frames(), settled.count


def parquet_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """A Parquet file's record batches; a damaged file raises an InputError saying so."""
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(
            f"{path.name} cannot be read as Parquet ({exc}). The file may be damaged or incomplete."
        ) from exc
    try:
        yield from handle.iter_batches(batch_size=65536)
    except pa.ArrowInvalid as exc:
        raise InputError(f"{path.name} is a damaged Parquet file: {exc}.") from exc
    finally:
        handle.close()


def settle_parquet(path: Path) -> tuple[dict, int]:
    """The first pass over a Parquet file: each gap column's pandas type, and the rows."""
    import pyarrow.parquet as pq

    schema, gap_types, count = settle_batches(parquet_batches(path))
    check_table(
        path, list(schema.names if schema is not None else pq.read_schema(path).names), count
    )
    return gap_types, count


def _parquet_stream(path: Path) -> tuple[Iterator[pd.DataFrame], int]:
    gap_types, count = settle_parquet(path)
    return (as_whole_file(b, gap_types) for b in parquet_batches(path)), count
