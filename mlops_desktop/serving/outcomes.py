"""Real outcomes, arriving after the predictions: import a file, or record rows POSTed to the service.

An outcome names a prediction by its request id (the ``X-Request-Id`` the service answered with,
or the ``id`` of a v2 request) or by an entity key (the ``X-Entity-Key`` header, e.g. a loan
number). Its label is one value for a one-row request, or a list with one label per row.

Every outcome with a label is stored, matched or not: one that matches no logged prediction now
may match later (the service writes its log every 0.2 s, and outcomes can come before a batch
feed is logged), and the summary says how many did not match, with examples, so none is
dropped silently. Rows without a label are not stored and are counted as ``missing_labels``.
When one prediction receives several outcomes, the one received last counts (a correction).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.formatting import counted
from mlops_desktop.registry.db import write
from mlops_desktop.serving.limits import OBSERVED_AT_RANGE

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

KEY_KINDS = ("request_id", "entity")
EXAMPLES = 5


@dataclass
class OutcomeSummary:
    """What happened to a batch of outcomes."""

    model: str
    key_kind: str
    received: int
    stored: int
    matched: int
    unmatched: int
    missing_labels: int = 0
    duplicate_keys: int = 0
    unmatched_examples: list[str] = field(default_factory=list)
    missing_label_examples: list[str] = field(default_factory=list)
    source: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def audit_details(self) -> dict:
        """The counts, without the example keys: audit events never hold a person's values
        (the chain cannot be rewritten by an erasure)."""
        return {k: v for k, v in self.to_dict().items() if not k.endswith("_examples")}

    def describe(self) -> str:
        """One paragraph for the CLI and the GUI."""
        text = (
            f"Stored {self.stored:,} outcome(s) for '{self.model}' by {self.key_kind.replace('_', ' ')}: "
            f"{self.matched:,} match a logged prediction"
        )
        if self.unmatched:
            text += (
                f", {self.unmatched:,} match none yet (e.g. "
                f"{', '.join(self.unmatched_examples)}); they are kept and will count once "
                "a prediction with that key is logged — check the key column if they never do"
            )
        text += "."
        if self.missing_labels:
            text += (
                f" {counted(self.missing_labels, 'row')} had no label and were skipped (e.g. "
                f"{', '.join(self.missing_label_examples)})."
            )
        if self.duplicate_keys:
            text += f" {self.duplicate_keys:,} key(s) appear more than once; the last one counts."
        return text


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def key_text(value: Any) -> str | None:
    """A key as stored: text, with integral floats written as integers (CSV readers' doing)."""
    value = _plain(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _timestamp(value: Any) -> float | None:
    """Seconds since the epoch of an observed time, within ``limits.OBSERVED_AT_RANGE``."""
    value = _plain(value)
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return _in_range(float(value) if abs(value) < 1e300 else math.inf, value)
    if isinstance(value, datetime):
        stamp = value
    else:
        try:
            stamp = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(
                f"'{value}' is not a date-time; give observed times as ISO text "
                "(2026-03-15T09:30) or seconds since the epoch."
            ) from exc
    try:
        if stamp.tzinfo is None:
            stamp = stamp.astimezone()
        return _in_range(stamp.timestamp(), value)
    except (OverflowError, OSError, ValueError):
        return _in_range(math.inf, value)


def _in_range(seconds: float, given: Any) -> float:
    low, high = OBSERVED_AT_RANGE
    if not (math.isfinite(seconds) and low <= seconds <= high):
        shown = repr(given) if len(repr(given)) <= 40 else repr(given)[:37] + "..."
        raise InputError(
            f"observed_at {shown} is outside the accepted range (1970-01-01 to 2100-01-01, "
            f"or {low:.0f} to {high:.0f} seconds since the epoch)."
        )
    return seconds


def _check_model(ws: Workspace, model: str) -> None:
    if model not in ws.models.names():
        known = ", ".join(ws.models.names()) or "none yet"
        raise NotFoundError(f"No model named '{model}'. Registered models: {known}.")


def record_outcomes(
    ws: Workspace,
    model: str,
    rows: Iterable[dict],
    *,
    key_kind: str | None = None,
    source: str = "api",
) -> OutcomeSummary:
    """Store outcomes given as dicts and say how many match logged predictions.

    Each row holds ``request_id`` or ``entity_key`` (or ``key`` with ``key_kind``), ``label``
    (a value, or a list with one label per row of a multi-row request) and optionally
    ``observed_at`` (ISO text or seconds since the epoch; entity outcomes match the latest
    prediction made at or before it, default: when received). Raises InputError for a row with
    no key, or a mix of key kinds.
    """
    _check_model(ws, model)
    now = time.time()
    prepared, missing, kind = _prepare(rows, key_kind)
    records = [
        (
            model,
            key if kind == "request_id" else None,
            key if kind == "entity" else None,
            json.dumps(label),
            observed,
            now,
            source,
        )
        for key, label, observed in prepared
    ]
    with write(ws.db):
        ws.outcomes.insert_many(records)
        summary = _summarise(ws, model, kind, prepared, missing, source)
        ws.audit.record("outcomes.record", "model", model, summary.audit_details())
    return summary


def _prepare(
    rows: Iterable[dict], key_kind: str | None
) -> tuple[list[tuple[str, Any, float | None]], list[str], str]:
    """``(key, label, observed_at)`` of the rows with a label, the keys without one, the kind."""
    prepared, missing, kinds = [], [], set()
    for index, row in enumerate(rows):
        kind, key = _row_key(index, row, key_kind)
        kinds.add(kind)
        label = row.get("label")
        label = [_plain(v) for v in label] if isinstance(label, (list, tuple)) else _plain(label)
        if label is None or (isinstance(label, list) and not label):
            missing.append(key)
            continue
        prepared.append((key, label, _timestamp(row.get("observed_at"))))
    if len(kinds) > 1:
        raise InputError(
            "Outcomes mix request ids and entity keys; send one kind of key per batch."
        )
    kind = kinds.pop() if kinds else (key_kind or "request_id")
    if kind not in KEY_KINDS:
        raise InputError(f"Key kind must be one of {', '.join(KEY_KINDS)}, not {kind!r}.")
    return prepared, missing, kind


def _row_key(index: int, row: dict, key_kind: str | None) -> tuple[str, str]:
    """The key kind and key of outcome ``index``; raises InputError when it names none."""
    if not isinstance(row, dict):
        raise InputError(f"Outcome {index + 1} is not an object with a key and a label.")
    kind = key_kind or ("request_id" if "request_id" in row else "entity")
    raw_key = row.get("key", row.get("request_id" if kind == "request_id" else "entity_key"))
    key = key_text(raw_key)
    if key is None:
        wanted = (
            "request_id or entity_key"
            if key_kind is None
            else ("request id" if kind == "request_id" else "entity key")
        )
        raise InputError(
            f"Outcome {index + 1} has no {wanted}; every outcome must name the prediction "
            "it belongs to."
        )
    return kind, key


def _summarise(
    ws: Workspace,
    model: str,
    kind: str,
    prepared: list[tuple[str, Any, float | None]],
    missing: list[str],
    source: str,
) -> OutcomeSummary:
    """How many of the stored outcomes match a logged prediction (read inside the write)."""
    keys = list(dict.fromkeys(k for k, _, _ in prepared))
    column = "request_id" if kind == "request_id" else "entity_key"
    found = ws.predictions.existing_keys(model, keys, column)
    unmatched = [k for k in keys if k not in found]
    return OutcomeSummary(
        model=model,
        key_kind=kind,
        received=len(prepared) + len(missing),
        stored=len(prepared),
        matched=sum(1 for k, _, _ in prepared if k in found),
        unmatched=sum(1 for k, _, _ in prepared if k not in found),
        missing_labels=len(missing),
        duplicate_keys=len(prepared) - len(keys),
        unmatched_examples=unmatched[:EXAMPLES],
        missing_label_examples=missing[:EXAMPLES],
        source=source,
    )


def import_outcomes(
    ws: Workspace,
    path: str | Path,
    model: str,
    key: str,
    label: str,
    key_kind: str = "request_id",
    observed_at: str | None = None,
) -> OutcomeSummary:
    """Import outcomes from a CSV or Parquet file: column ``key`` names the prediction, ``label``
    holds the real outcome, ``observed_at`` (optional) when it was observed."""
    from mlops_desktop.data.readers import read_frame

    if key_kind not in KEY_KINDS:
        raise InputError(f"--key-kind must be one of {', '.join(KEY_KINDS)}, not {key_kind!r}.")
    _check_model(ws, model)
    path = Path(path).expanduser()
    frame, _ = read_frame(path)
    wanted = [c for c in (key, label, observed_at) if c]
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        raise InputError(
            f"{path.name} has no column(s) {', '.join(map(repr, absent))}. Its columns are: "
            f"{', '.join(map(str, frame.columns[:12]))}{'…' if frame.shape[1] > 12 else ''}."
        )
    keys = frame[key].tolist()
    labels = frame[label].tolist()
    observed = frame[observed_at].tolist() if observed_at else [None] * len(frame)
    rows = [
        {"key": k, "label": v, "observed_at": o}
        for k, v, o in zip(keys, labels, observed, strict=True)
    ]
    blank = [i + 2 for i, k in enumerate(keys) if key_text(k) is None]
    if blank:
        raise InputError(
            f"{counted(len(blank), 'row')} of {path.name} {'has' if len(blank) == 1 else 'have'} an empty {key!r} (e.g. line(s) "
            f"{', '.join(map(str, blank[:5]))}); fill them or remove those rows."
        )
    return record_outcomes(ws, model, rows, key_kind=key_kind, source=f"file:{path.name}")


def unmatched_outcomes(ws: Workspace, model: str, limit: int = EXAMPLES) -> tuple[int, list[str]]:
    """How many stored outcomes of ``model`` match no logged prediction, and some of their keys."""
    return ws.outcomes.unmatched(model, limit)
