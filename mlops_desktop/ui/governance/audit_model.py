"""What the Govern page's Audit trail tab shows (Qt-free): the filtered trail as table rows, the
filter menus, the model versions trained on erased data, and the verify and export results.

``read_trail``, ``verify_text`` and ``export_text`` read the registry: the tab runs them on a
pool thread (``BackgroundTasks``), never on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from mlops_desktop.errors import InputError
from mlops_desktop.formatting import counted, local_time
from mlops_desktop.governance.audit import AuditEntry, AuditFilter, entries, export, verify
from mlops_desktop.governance.erasure import erased_training
from mlops_desktop.ui.kit.specs import Column

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

COLUMNS = (
    Column("When", width=150),
    Column("Who", width=110),
    Column("Action", width=160),
    Column("Object", width=130),
    Column("What"),
)
EMPTY = "No audit event matches these filters."


@dataclass(frozen=True)
class TrailView:
    rows: list[tuple] = field(default_factory=list)
    bulk: list[bool] = field(default_factory=list)  # summarised lines, shown flagged
    users: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    erased_models: list[str] = field(default_factory=list)
    status: str = ""


def parse_when(text: str, what: str) -> float | None:
    """An ISO date or date-time typed in a filter box (local time), None when blank."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"'{text}' is not a date for '{what}': write e.g. 2026-11-30.") from exc
    return (stamp.astimezone() if stamp.tzinfo is None else stamp).timestamp()


def make_filter(since: str, until: str, who: str, action: str, object_ref: str) -> AuditFilter:
    return AuditFilter(
        since=parse_when(since, "from"),
        until=parse_when(until, "until"),
        who=who.strip() or None,
        action=action.strip() or None,
        object_ref=object_ref.strip() or None,
    )


def row_of(entry: AuditEntry) -> tuple:
    return (
        (local_time(entry.ts, seconds=True), entry.ts),
        (entry.who, entry.who),
        (entry.action, entry.action),
        (entry.object_ref, entry.object_ref),
        (entry.text, entry.text),
    )


def read_trail(ws: Workspace, filters: AuditFilter, every: bool = False) -> TrailView:
    """The trail under ``filters`` (bulk events summarised unless ``every``) and the menus."""
    found = entries(ws, filters, every=every)
    users, actions = ws.audit.users_and_actions()
    flags = erased_training(ws)
    erased = [f"{ws.models.by_id(i).ref}: {text}" for i, text in flags.items()]
    status = counted(len(found), "line") if found else EMPTY
    return TrailView(
        rows=[row_of(e) for e in found],
        bulk=[e.event_id is None for e in found],
        users=users,
        actions=actions,
        erased_models=erased,
        status=status,
    )


def verify_text(ws: Workspace) -> tuple[bool, str]:
    result = verify(ws)
    return result.ok, result.message


def export_text(ws: Workspace, path: str) -> str:
    return f"Wrote {counted(export(ws, path), 'event')} to {path}"


def erased_banner(erased: list[str]) -> str:
    """The line above the table naming the model versions trained on erased data."""
    if not erased:
        return ""
    return "Trained on erased data — retrain them on the rewritten dataset version: " + "; ".join(
        erased
    )
