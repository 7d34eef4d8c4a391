"""The audit trail as people read it: filtered, with bulk events summarised, verified, exported.

"Who deployed what, when, and why" must not drown in the events machines record in bulk (every
POST of outcomes, every cron batch, every hourly retention pass): those are summarised per day
and action ("312 outcome events on 2026-11-30"), unless every event is asked for.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_desktop.errors import InputError
from mlops_desktop.formatting import counted, local_time

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import AuditEvent
    from mlops_desktop.registry.workspace import Workspace

#: Actions recorded in bulk by machines, with the noun a day's summary uses.
BULK_ACTIONS: dict[str, str] = {
    "outcomes.record": "outcome event",
    "batch.score": "batch scoring event",
    "batch.fail": "failed batch scoring event",
    "retention.apply": "retention pass",
}
EXPORT_FORMATS = (".csv", ".jsonl")
EXPORT_COLUMNS = (
    "id",
    "ts",
    "os_user",
    "action",
    "object_type",
    "object_ref",
    "details",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class AuditFilter:
    """What ``audit list`` and the Audit trail tab filter on (None: no filter)."""

    since: float | None = None
    until: float | None = None
    object_ref: str | None = None
    who: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One line of the trail: an event, or one day's bulk events of one action (``count`` > 1,
    ``event_id`` None)."""

    ts: float
    who: str
    action: str
    object_ref: str
    text: str
    count: int = 1
    event_id: int | None = None
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def events(ws: Workspace, filters: AuditFilter = AuditFilter()) -> list[AuditEvent]:
    """The events matching ``filters``, newest first."""
    return ws.audit.find(
        since=filters.since,
        until=filters.until,
        object_ref=filters.object_ref,
        user=filters.who,
        action=filters.action,
    )


def entries(
    ws: Workspace, filters: AuditFilter = AuditFilter(), *, every: bool = False
) -> list[AuditEntry]:
    """The trail as read: decisions one per line, bulk events one line per day and action
    (``every``: one line per event), newest first."""
    return summarise(events(ws, filters), every=every)


def summarise(found: Iterable[AuditEvent], *, every: bool = False) -> list[AuditEntry]:
    """``found`` (newest first) as entries, bulk actions grouped by local day unless ``every``."""
    out: list[AuditEntry] = []
    groups: dict[tuple[str, str], list[AuditEvent]] = {}
    for event in found:
        if every or event.action not in BULK_ACTIONS:
            out.append(_single(event))
            continue
        day = datetime.fromtimestamp(event.ts).strftime("%Y-%m-%d")
        groups.setdefault((day, event.action), []).append(event)
    out.extend(_group(day, action, group) for (day, action), group in groups.items())
    out.sort(key=lambda e: e.ts, reverse=True)
    return out


def _single(event: AuditEvent) -> AuditEntry:
    return AuditEntry(
        ts=event.ts,
        who=event.os_user,
        action=event.action,
        object_ref=event.object_ref,
        text=describe(event),
        event_id=event.id,
        details=event.details,
    )


def _group(day: str, action: str, group: list[AuditEvent]) -> AuditEntry:
    """One day's events of a bulk ``action`` (newest first) as one entry."""
    users = sorted({e.os_user for e in group})
    objects = sorted({e.object_ref for e in group})
    text = f"{counted(len(group), BULK_ACTIONS[action])} on {day}"
    if action == "outcomes.record":
        stored = sum(int(e.details.get("stored") or 0) for e in group)
        text += f" ({counted(stored, 'outcome')} stored)"
    return AuditEntry(
        ts=group[0].ts,
        who=", ".join(users),
        action=action,
        object_ref=", ".join(objects),
        text=text,
        count=len(group),
        details={"day": day, "first_id": group[-1].id, "last_id": group[0].id},
    )


def describe(event: AuditEvent) -> str:
    """One line saying what an event recorded: its action, object and reason if any."""
    details = event.details or {}
    text = f"{event.action} {event.object_ref}".strip()
    reason = details.get("reason") or details.get("note")
    if reason:
        text += f": {reason}"
    return text


def entry_line(entry: AuditEntry) -> str:
    """An entry as one line of ``audit list``."""
    when = local_time(entry.ts, seconds=True)
    ident = f"#{entry.event_id}" if entry.event_id is not None else "   "
    return f"{when}  {ident:>6}  {entry.who:<12}  {entry.text}"


@dataclass(frozen=True)
class Verification:
    """What ``audit verify`` found: ``ok``, how many events, and the first broken one."""

    ok: bool
    events: int
    message: str
    first_bad_id: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def verify(ws: Workspace) -> Verification:
    """Walk the hash chain; name the first event that does not fit."""
    check = ws.audit.verify()
    if check.ok:
        return Verification(True, check.events, f"{counted(check.events, 'event')}, chain intact")
    where = f"event #{check.first_bad_id}"
    try:
        bad = ws.audit.get(check.first_bad_id)
        where += f" ({bad.action} {bad.object_ref}, {local_time(bad.ts, seconds=True)})"
    except StopIteration:
        pass
    return Verification(
        False,
        check.events,
        f"The audit chain is broken at {where}: {check.problem}. "
        "Events from there on cannot be trusted.",
        check.first_bad_id,
    )


def export(ws: Workspace, path: Path | str) -> int:
    """Write every event (with its hashes) to ``path`` (.csv or .jsonl); return how many."""
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise InputError(f"{path.name}: export the audit trail to a .csv or .jsonl file.")
    if not path.parent.is_dir():
        raise InputError(f"The folder {path.parent} does not exist.")
    tmp = path.with_name(f".{path.name}.tmp")
    written = 0
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle) if suffix == ".csv" else None
        if writer is not None:
            writer.writerow(EXPORT_COLUMNS)
        for event in ws.audit.every():
            record = asdict(event)
            if writer is not None:
                record["details"] = json.dumps(record["details"], sort_keys=True)
                writer.writerow([record[c] for c in EXPORT_COLUMNS])
            else:
                handle.write(json.dumps({c: record[c] for c in EXPORT_COLUMNS}) + "\n")
            written += 1
    tmp.replace(path)
    return written
