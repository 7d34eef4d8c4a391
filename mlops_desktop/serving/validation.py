"""Request validation against a model's signature, in plain Python (no pandas per request).

A request becomes a ``Table``: one list of values per input column, all the same length. The
checks mirror ``evaluation.contracts.validate_frame`` (the same errors refuse a request: a missing
column, a value that cannot take its column's type, a column empty in every row of a multi-row
request) and add what a request can get wrong that a file cannot: unknown columns, nested values,
ragged rows. Each problem becomes a ``RequestError`` whose message names the column and row.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from datetime import date, datetime

BOOL_WORDS = {"true", "false", "yes", "no", "1", "0"}


class RequestError(Exception):
    """A client mistake: answered with ``status`` (4xx) and ``message``, never a traceback."""

    def __init__(self, message: str, status: int = 400, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass
class Table:
    """Column-major rows of one request: ``columns[name]`` is a list of ``n`` values."""

    columns: dict[str, list]
    n: int

    def records(self) -> list[dict]:
        names = list(self.columns)
        return [{c: self.columns[c][i] for c in names} for i in range(self.n)]

    def to_log(self) -> dict:
        """The ``dataframe_split`` form kept in the prediction log."""
        return {
            "columns": list(self.columns),
            "data": list(zip(*self.columns.values(), strict=True)),  # tuples: JSON arrays
        }


LISTED = 6


def _listing(names: list[str]) -> str:
    shown = ", ".join(repr(c) for c in names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _bad_type(column: str, kind: str, value, row: int) -> RequestError:
    hint = {
        "numeric": "Send a number, or null for a missing value.",
        "boolean": "Send true/false, 1/0 or yes/no, or null.",
        "datetime": "Send a date such as 2024-05-31 or 2024-05-31T13:45:00, or null.",
        "categorical": "Send a text or number, or null.",
    }.get(kind, "")
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return RequestError(
        f"Column '{column}' expects {kind} values but row {row} has {shown}. {hint}",
        code="INVALID_PARAMETER_VALUE",
    )


def _is_null(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _check_value(kind: str, value) -> bool:
    """True when ``value`` (not null) can take the column type ``kind``."""
    if isinstance(value, (list, dict, tuple)):
        return False
    if kind == "numeric":
        if isinstance(value, bool):
            return False
        if isinstance(value, (int, float)):
            return math.isfinite(value)
        if isinstance(value, str):
            try:
                return math.isfinite(float(value.strip()))
            except ValueError:
                return False
        return False
    if kind == "boolean":
        if isinstance(value, (bool, int)):
            return True
        if isinstance(value, float):
            return math.isfinite(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text in BOOL_WORDS:
                return True
            try:
                return math.isfinite(float(text))
            except ValueError:
                return False
        return False
    if kind == "datetime":
        if isinstance(value, (datetime, date)):
            return True
        if not isinstance(value, str):
            return False
        try:
            datetime.fromisoformat(value.strip())
            return True
        except ValueError:
            return _pandas_date(value)
    return isinstance(value, (str, int, float))  # categorical


def _pandas_date(text: str) -> bool:
    import pandas as pd

    try:
        return not pd.isna(pd.to_datetime(text))
    except (ValueError, TypeError, OverflowError):
        return False


def _plainly_valid(kind: str, values: list) -> bool:
    """The common case, checked at C speed: all finite numbers, or all texts, no nulls."""
    types = set(map(type, values))
    if kind == "numeric" and types and types <= {float, int}:
        try:
            return math.isfinite(math.fsum(values))  # inf or NaN anywhere makes the sum so
        except (OverflowError, ValueError):
            return False
    return kind == "categorical" and types == {str}


def validate_table(table: Table, signature: dict, model_ref: str) -> Table:
    """Check ``table`` against ``signature``; return it restricted to the model's inputs.

    Raises RequestError naming the first problem found (and how many more there are).
    """
    inputs = signature.get("inputs") or []
    expected = [spec["name"] for spec in inputs]
    output = (signature.get("output") or {}).get("name")
    missing = [c for c in expected if c not in table.columns]
    unknown = [c for c in table.columns if c not in expected and c != output]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(
                f"missing column(s) {_listing(missing)} (send them; null values are allowed)"
            )
        if unknown:
            shown = [f"{c!r}{_suggest(c, expected)}" for c in unknown[:LISTED]]
            more = f" and {len(unknown) - LISTED} more" if len(unknown) > LISTED else ""
            parts.append(f"unknown column(s) {', '.join(shown)}{more} (remove them)")
        inputs = (
            f"Its inputs are: {', '.join(expected)}."
            if len(expected) <= 2 * LISTED
            else f"GET /v2/models/{model_ref.split('@')[0]} lists its {len(expected)} inputs."
        )
        raise RequestError(
            f"The request does not match the inputs of {model_ref}: {'; '.join(parts)}. {inputs}",
            code="INVALID_PARAMETER_VALUE",
        )
    if table.n == 0:
        raise RequestError("The request has no rows to score. Send at least one row.")
    for spec in inputs:
        name, kind = spec["name"], spec.get("type", "categorical")
        values = table.columns[name]
        if _plainly_valid(kind, values):
            continue
        nulls = 0
        for row, value in enumerate(values):
            if _is_null(value):
                nulls += 1
            elif not _check_value(kind, value):
                raise _bad_type(name, kind, value, row)
        if table.n >= 2 and nulls == table.n:
            raise RequestError(
                f"Column '{name}' is empty in all {table.n} rows; the column was probably not "
                "filled. Send its values, or score rows that have them.",
                code="INVALID_PARAMETER_VALUE",
            )
    return Table({c: table.columns[c] for c in expected}, table.n)
