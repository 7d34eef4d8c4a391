"""Guess how a file is written: format, encoding, delimiter, decimal mark and header.

Only the first bytes are read. Every guess lands in ``ReadOptions``, which the user can
override in the wizard (or with ``read_options`` on the command line) before the full read.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from mlops_desktop.errors import InputError

SNIFF_BYTES = 256 * 1024
SNIFF_MAX_BYTES = 16 * 1024 * 1024  # read this far for a few whole lines of a wide file
SNIFF_LINES = 4
DELIMITERS = (",", ";", "\t", "|")
#: Tokens read as missing values, on top of the empty string.
NA_TOKENS = (
    "?",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "n/a",
    "nan",
    "null",
    "<NA>",
    "None",
)
FORMATS = ("csv", "excel", "parquet")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file. ``None`` fields are sniffed; set them to override the guess."""

    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    header: bool | None = None
    sheet: str | int | None = None
    na_values: tuple[str, ...] = field(default=NA_TOKENS)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["na_values"] = list(self.na_values)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | ReadOptions | None) -> ReadOptions:
        if data is None:
            return cls()
        if isinstance(data, ReadOptions):
            return data
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "na_values" in known and known["na_values"] is not None:
            known["na_values"] = tuple(known["na_values"])
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise InputError(
                f"Unknown read option(s): {', '.join(unknown)}. "
                f"Known options: {', '.join(cls.__dataclass_fields__)}."
            )
        return cls(**known)


def check_readable(path: Path) -> int:
    """Return the file size; raise InputError when the path is missing, a folder or unreadable."""
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise InputError(
            f"The file {path} does not exist (it may have been moved or deleted). "
            "Choose the file again."
        ) from exc
    except OSError as exc:
        raise InputError(f"The file {path} cannot be opened: {exc.strerror}.") from exc
    if not os.path.isfile(path):
        raise InputError(
            f"{path} is a folder, not a file. Choose a CSV, TSV, Excel or Parquet file."
        )
    if not os.access(path, os.R_OK):
        raise InputError(
            f"The file {path} cannot be read: permission denied. "
            "Check its permissions or copy it somewhere you can read."
        )
    return st.st_size


def _head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    """The first ``n`` bytes, or more for a wide file: enough for a few whole lines (at most
    ``SNIFF_MAX_BYTES``)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(n)
            while head.count(b"\n") < SNIFF_LINES and len(head) < SNIFF_MAX_BYTES:
                more = handle.read(len(head))
                if not more:
                    break
                head += more
            return head
    except FileNotFoundError as exc:
        raise InputError(
            f"The file {path} disappeared before it could be read "
            "(it was moved or deleted). Choose the file again."
        ) from exc
    except OSError as exc:
        raise InputError(f"The file {path} cannot be read: {exc.strerror}.") from exc


def detect_format(path: Path, head: bytes) -> str:
    """'csv', 'excel' or 'parquet', from the file's first bytes (then its extension)."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        if (
            path.suffix.lower() in (".xlsx", ".xlsm")
            or b"xl/" in head[:4096]
            or b"[Content_Types]" in head[:4096]
        ):
            return "excel"
        raise InputError(
            f"{path.name} is a ZIP archive, not a data file. Unzip it and import "
            "the CSV, Excel or Parquet file inside."
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{path.name} is an old Excel 97-2003 (.xls) file, which cannot be read. "
            "Open it in Excel or LibreOffice and save it as .xlsx or CSV."
        )
    if head.startswith(b"\x1f\x8b") or head.startswith(b"BZh") or head.startswith(b"\xfd7zXZ"):
        raise InputError(
            f"{path.name} is compressed. Decompress it first, then import the CSV file inside."
        )
    return "csv"


def detect_encoding(head: bytes, name: str) -> str:
    """BOM first, then strict UTF-8, then Windows-1252; refuse bytes that are not text."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:65536]
    if b"\x00" in sample or _control_share(sample) > 0.05:
        raise InputError(
            f"{name} looks like a binary file, not text (it contains control bytes "
            "that never appear in CSV). Choose a CSV, TSV, Excel or Parquet file."
        )
    trimmed = head
    # The sample may end inside a multi-byte character: let up to 3 trailing bytes go.
    for cut in range(4):
        try:
            (trimmed[: len(trimmed) - cut] if cut else trimmed).decode("utf-8")
            return "utf-8"
        except UnicodeDecodeError as exc:
            if exc.start < len(trimmed) - 4:
                break
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _control_share(sample: bytes) -> float:
    if not sample:
        return 0.0
    allowed = {9, 10, 12, 13}
    bad = sum(1 for b in sample if b < 32 and b not in allowed)
    return bad / len(sample)


def csv_rows(text: str, delimiter: str, name: str) -> list[list[str]]:
    """The sample's rows split by ``delimiter``; a field past the CSV limit is an InputError."""
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(
            f"{name} cannot be read as CSV: a field is longer than {csv.field_size_limit():,} "
            "characters (often a quote that is never closed, or a wrong delimiter). Check the "
            "file's quotes, or choose the delimiter in the import options.",
            details=str(exc),
        ) from exc


def _lines(text: str, limit: int = 200) -> list[str]:
    lines = text.splitlines()
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of the sample may be cut short
    return [ln for ln in lines[:limit] if ln.strip()]


def detect_delimiter(lines: list[str], suffix: str, name: str = "The file") -> str:
    """The candidate that splits the lines into the same number (>1) of fields most often."""
    best, best_score = ("\t" if suffix in (".tsv", ".tab") else ","), (0.0, 0)
    for delim in DELIMITERS:
        try:
            counts = [len(row) for row in csv_rows("\n".join(lines), delim, name)]
        except InputError:  # a whole wide line read as one field: not this delimiter
            continue
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _rows(lines: list[str], delimiter: str, name: str) -> list[list[str]]:
    return csv_rows("\n".join(lines), delimiter, name)


def detect_decimal(rows: list[list[str]], delimiter: str) -> str:
    """',' when numbers are written 1,5 (only possible when ',' is not the delimiter)."""
    if delimiter == ",":
        return "."
    comma = dot = 0
    for row in rows[1:]:
        for value in row:
            value = value.strip()
            comma += bool(_COMMA_DECIMAL.match(value))
            dot += bool(_DOT_DECIMAL.match(value))
    return "," if comma > dot else "."


def detect_header(rows: list[list[str]]) -> bool:
    """A first row made only of numbers is data, not a header."""
    if not rows:
        return True
    first = [v.strip() for v in rows[0]]
    return not all(v and _NUMBER.match(v) for v in first)


def sniff(path: Path | str, options: ReadOptions | dict | None = None) -> ReadOptions:
    """Fill every unset field of ``options`` from the file's first bytes."""
    path = Path(path)
    options = ReadOptions.from_dict(options)
    size = check_readable(path)
    if size == 0:
        raise InputError(f"{path.name} is empty (0 bytes). Choose a file that holds data.")
    head = _head(path)
    fmt = options.format or detect_format(path, head)
    if fmt not in FORMATS:
        raise InputError(f"Unknown format '{fmt}'. Use one of: {', '.join(FORMATS)}.")
    if fmt != "csv":
        return replace(
            options, format=fmt, header=True if options.header is None else options.header
        )
    encoding = options.encoding or detect_encoding(head, path.name)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise InputError(
            f"'{encoding}' is not a known text encoding. Try utf-8, cp1252 or latin-1."
        ) from exc
    text = head.decode(encoding, errors="replace")
    if encoding.startswith("utf-16") or encoding == "utf-8-sig":
        text = text.lstrip("\ufeff")
    lines = _lines(text)
    if not lines:
        raise InputError(
            f"{path.name} is empty (it holds only blank lines). Choose a file that holds data."
        )
    delimiter = options.delimiter or detect_delimiter(lines, path.suffix.lower(), path.name)
    rows = _rows(lines, delimiter, path.name)
    decimal = options.decimal or detect_decimal(rows, delimiter)
    header = detect_header(rows) if options.header is None else options.header
    return replace(
        options,
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        decimal=decimal,
        header=header,
    )
