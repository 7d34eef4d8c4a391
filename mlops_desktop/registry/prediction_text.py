"""How a prediction-log row is written as text: a request's payload as JSON, and a row that
could not be written as capped ASCII for the quarantine."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mlops_desktop import fast_json, json_steps

QUARANTINE_TEXT_CAP = 16_384  # characters of a quarantined row (and reason) kept

Row = tuple[Any, ...]


@dataclass(frozen=True)
class LoggedJSON:
    """A payload already encoded as the log stores it (by a scoring process): kept as it is."""

    text: str


def payload_json(value: Any) -> str | None:
    """A request's inputs or answer as the log stores it (objects may offer ``to_log()``)."""
    if value is None:
        return None
    if isinstance(value, LoggedJSON):
        return value.text
    if hasattr(value, "to_log"):
        value = value.to_log()
    if fast_json.huge(value):  # a huge request's rows: in steps, so the service's loop runs
        return json_steps.dumps(value)
    return fast_json.dumps(value)


def ascii_text(value: Any) -> str:
    """Text any database accepts: non-ASCII (lone surrogates included) as JSON escapes."""
    text = value if isinstance(value, str) else str(value)
    return json.dumps(text)[1:-1]


def row_text(row: Row) -> str:
    """A quarantined row as ASCII JSON (values JSON cannot encode as their repr), capped."""
    try:
        text = json.dumps(list(row), default=repr)
    except (ValueError, TypeError, RecursionError):
        text = json.dumps([repr(v)[:QUARANTINE_TEXT_CAP] for v in row])
    if len(text) > QUARANTINE_TEXT_CAP:
        text = json.dumps({"truncated_from": len(text), "head": text[:QUARANTINE_TEXT_CAP]})
    return text
