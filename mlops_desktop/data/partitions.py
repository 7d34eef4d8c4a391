"""A file split into partitions of whole rows that other processes read on their own: the
reading side of batch scoring with dask.dataframe on a cluster's workers.

``plan_partitions`` does what ``stream.iter_frames`` does before its first row (sniff, settle
the column types over the whole file, choose the text columns kept as categories) and notes
where every partition starts: a Parquet file by its row groups' sizes; a CSV file by one scan
of its bytes for the line ends outside quotes (a quoted value may hold a line break, which is
why a split at any line end, as dask's own ``read_csv`` makes, is not one). ``read_partition``
then reads one partition anywhere the file is, typed exactly as the stream types it, and the
1,000-row chunks cut from it equal the stream's.

Files it cannot split this way (Excel, a text encoding that is not a superset of ASCII, a
CSV whose line ends the scan does not count as the reader does) get no plan: the caller
streams them instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from mlops_desktop.data.sniff import ReadOptions, check_readable, sniff
from mlops_desktop.errors import InputError

SCAN_BLOCK = 16 << 20  # bytes scanned at once for line ends
_QUOTE, _NEWLINE, _RETURN = 34, 10, 13
_ASCII_SUPERSETS = ("utf-8", "utf-8-sig", "utf8", "ascii", "cp1252", "latin-1", "iso-8859-1")


@dataclass(frozen=True)
class Partition:
    """Rows ``start`` to ``start + rows`` of the file (and, for a CSV file, their bytes)."""

    start: int
    rows: int
    first_byte: int = 0
    end_byte: int = 0


@dataclass(frozen=True)
class FilePlan:
    """Everything a process needs to read any partition of ``path`` as the stream would."""

    path: str
    format: str  # "csv" or "parquet"
    size: int  # the file's bytes when planned
    rows: int
    partitions: tuple[Partition, ...]
    gap_types: dict
    encode: tuple[int, ...] = ()  # CSV: the text columns dictionary-encoded (categories)
    opts: ReadOptions | None = None
    names: tuple[str, ...] = ()
    types: dict | None = None
    parquet_columns: tuple[str, ...] = ()
    fingerprint: str = ""  # of the file when planned: a process finding another has another file

    @property
    def columns(self) -> tuple[str, ...]:
        """The file's column names, in order."""
        return self.names or self.parquet_columns


FINGERPRINT_BYTES = 64 << 10


def fingerprint(path: Path | str) -> str:
    """The file's size and a SHA-256 of its first and last 64 KiB: cheap, and another file
    (or this one changed) at the same path almost surely differs. Empty if it cannot be read."""
    import hashlib

    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            digest = hashlib.sha256(handle.read(FINGERPRINT_BYTES))
            handle.seek(max(0, size - FINGERPRINT_BYTES))
            digest.update(handle.read(FINGERPRINT_BYTES))
    except OSError:
        return ""
    return f"{size}:{digest.hexdigest()}"


def plan_partitions(
    path: Path | str, options: ReadOptions | dict | None, rows: int
) -> FilePlan | None:
    """Partitions of ``rows`` rows each (the last may be shorter), or None when the file
    cannot be split so (it is streamed instead). Raises what ``iter_frames`` would for a
    file it cannot read at all."""
    from mlops_desktop.data import stream

    path = Path(path)
    opts = sniff(path, options)
    check_readable(path)
    size = path.stat().st_size
    if opts.format == "parquet":
        return _parquet_plan(path, size, rows)
    if opts.format != "csv" or (opts.encoding or "utf-8").lower() not in _ASCII_SUPERSETS:
        return None
    settled = stream.settle_csv(path, opts, options)
    starts = _csv_row_starts(path, rows, bool(settled.opts.header))
    if starts is None or starts[1] != settled.count:
        return None  # the scan and the reader disagree on where rows end: stream it instead
    offsets = starts[0]
    ends = [*offsets[1:], size]
    parts = tuple(
        Partition(i * rows, min(rows, settled.count - i * rows), first, end)
        for i, (first, end) in enumerate(zip(offsets, ends, strict=True))
    )
    return FilePlan(
        str(path),
        "csv",
        size,
        settled.count,
        parts,
        settled.gap_types,
        settled.encode,
        settled.opts,
        tuple(settled.names),
        {field.name: field.type for field in settled.schema},  # a partition infers nothing
        fingerprint=fingerprint(path),
    )


def _parquet_plan(path: Path, size: int, rows: int) -> FilePlan:
    import pyarrow.parquet as pq

    from mlops_desktop.data import stream

    gap_types, count = stream.settle_parquet(path)  # the stream's own checks and types
    parts = tuple(Partition(s, min(rows, count - s)) for s in range(0, count, rows))
    columns = tuple(pq.read_schema(path).names)
    return FilePlan(
        str(path),
        "parquet",
        size,
        count,
        parts,
        gap_types,
        parquet_columns=columns,
        fingerprint=fingerprint(path),
    )


class _LineEnds:
    """The running state of a scan for row ends: quotes seen (odd: inside a quoted value),
    the start of the row being scanned, and the rows found so far."""

    def __init__(self, every: int, header: bool) -> None:
        self.every = every
        self.inside = 0
        self.row_start = 0
        self.rows = -1 if header else 0  # the header is no data row
        self.starts: list[int] = [] if header else [0]
        self.last_byte = -1

    def block(self, data: np.ndarray, base: int) -> None:
        """Count the rows ending in ``data`` (the file's bytes from ``base``)."""
        quotes = np.cumsum(data == _QUOTE) + self.inside
        lines = np.flatnonzero(data == _NEWLINE)
        ends = lines[(quotes[lines] & 1) == 0] + base  # line breaks outside quotes
        self.inside = int(quotes[-1] & 1) if len(quotes) else self.inside
        if len(ends):
            starts = np.r_[self.row_start, ends[:-1] + 1]
            lengths = ends - starts
            before = data[np.maximum(ends - 1 - base, 0)].astype(np.int16)  # byte before each
            before[ends - 1 < base] = self.last_byte  # ... in the block before
            empty = (lengths == 0) | ((lengths == 1) & (before == _RETURN))
            self.rows_ended(ends[~empty] + 1)
            self.row_start = int(ends[-1] + 1)
        if len(data):
            self.last_byte = int(data[-1])

    def rows_ended(self, next_starts: np.ndarray) -> None:
        """Rows ended just before ``next_starts``: note where every ``every``-th data row
        starts (the header's end starts data row 0)."""
        first = self.rows + 1  # the data row each next start begins
        index = np.arange(first, first + len(next_starts))
        self.rows += len(next_starts)
        picked = next_starts[(index % self.every == 0) & (index >= 0)]
        self.starts.extend(int(x) for x in picked)


def _csv_row_starts(path: Path, every: int, header: bool) -> tuple[list[int], int] | None:
    """Byte offsets of data rows 0, ``every``, 2 x ``every``... and the data rows counted,
    or None for a file whose last quote never closes."""
    scan = _LineEnds(every, header)
    base = 0
    with open(path, "rb") as handle:
        while block := handle.read(SCAN_BLOCK):
            scan.block(np.frombuffer(block, dtype=np.uint8), base)
            base += len(block)
    if scan.inside:
        return None
    if base > scan.row_start and not _blank(path, scan.row_start, base):
        scan.rows_ended(np.array([base]))  # a last row without a line break
    rows = max(scan.rows, 0)
    del scan.starts[-(-rows // every) :]  # no partition begins after the last row
    if scan.starts:
        scan.starts[0] = 0  # the first partition is read from the top, header (or BOM) and all
    return scan.starts, rows


def _blank(path: Path, start: int, end: int) -> bool:
    with open(path, "rb") as handle:
        handle.seek(start)
        return handle.read(end - start).strip(b"\r") == b""


def read_partition(plan: FilePlan, index: int) -> pd.DataFrame:
    """Partition ``index`` of ``plan``'s file as a DataFrame typed as the stream types it."""
    from mlops_desktop.data import stream

    part = plan.partitions[index]
    if fingerprint(plan.path) != plan.fingerprint:
        raise _changed(plan, part, "another file")
    frames = (
        _csv_partition(plan, index, part)
        if plan.format == "csv"
        else _parquet_partition(plan, part)
    )
    frame = stream.concat_frames([stream.as_whole_file(b, plan.gap_types) for b in frames])
    if len(frame) != part.rows:
        raise _changed(plan, part, f"{len(frame):,} rows")
    return frame.reset_index(drop=True)


def _changed(plan: FilePlan, part: Partition, found: str) -> InputError:
    return InputError(
        f"{Path(plan.path).name} changed while it was being scored: rows {part.start + 1:,} to "
        f"{part.start + part.rows:,} read as {found}. Nothing was written; score a copy that "
        "stays in place."
    )


def _csv_partition(plan: FilePlan, index: int, part: Partition) -> list:
    from mlops_desktop.data.readers import csv_batches, encode_text

    with open(plan.path, "rb") as handle:
        handle.seek(part.first_byte)
        data = handle.read(part.end_byte - part.first_byte)
    opts = plan.opts if index == 0 else replace(plan.opts, header=False)  # the header is in 0
    batches = csv_batches(Path(plan.path), opts, list(plan.names), plan.types, part=data)
    return [encode_text(b, list(plan.encode)) for b in batches]


def _parquet_partition(plan: FilePlan, part: Partition) -> list:
    import pyarrow.parquet as pq

    with pq.ParquetFile(plan.path) as handle:
        sizes = [handle.metadata.row_group(g).num_rows for g in range(handle.num_row_groups)]
        firsts = np.r_[0, np.cumsum(sizes)[:-1]]
        end = part.start + part.rows
        groups = [
            g for g in range(len(sizes)) if firsts[g] < end and firsts[g] + sizes[g] > part.start
        ]
        table = handle.read_row_groups(groups)
    table = table.slice(part.start - int(firsts[groups[0]]), part.rows) if groups else table
    return table.to_batches()


def chunks_of(frame: pd.DataFrame, rows: int) -> list[pd.DataFrame]:
    """``frame`` (a partition) cut into chunks of ``rows`` rows, each as the stream yields it."""
    from mlops_desktop.data.stream import own_categories

    return [
        own_categories(frame.iloc[i : i + rows].reset_index(drop=True))
        for i in range(0, len(frame), rows)
    ]
