"""What the Govern page's Reviews tab shows and does (Qt-free): the queue, each model's rules
and stop switch, and the reads and writes the tab runs off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_desktop.formatting import local_time, significant
from mlops_desktop.governance import review as ops
from mlops_desktop.registry.review_store import Review

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

STATUS_FILTERS = ("Pending", "Accepted", "Overridden", "All")
COLUMNS = (
    ("ID", True, 50),
    ("Status", False, 90),
    ("Model", False, 90),
    ("Picked by", False, 80),
    ("Score", True, 60),
    ("Suggestion", False, 90),
    ("Outcome", False, 90),
    ("Request", False, 160),
    ("Queued", False, 130),
    ("Reviewer", False, 90),
    ("Reason", False, 200),
)
EMPTY_TEXT = (
    "No decisions are waiting for a person. Decisions reach this queue when a model has review "
    "rules (a score band, a random share, a slice) or when someone contests a decision by its "
    "request id."
)
EMPTY_COMMAND = "mlops-desktop review rules NAME --band 0.4:0.6 --share 0.05"


@dataclass(frozen=True)
class ModelOversight:
    name: str
    rules: str  # the rules in one sentence
    paused: bool
    pause_text: str
    classes: tuple = ()  # the outcomes a reviewer can choose (a classifier's classes)


@dataclass(frozen=True)
class ReviewsView:
    reviews: list[Review]
    models: dict[str, ModelOversight] = field(default_factory=dict)
    pending: int = 0


def _classes(ws: Workspace, name: str) -> tuple:
    versions = ws.models.list(name)
    if not versions:
        return ()
    output = versions[-1].signature.get("output") or {}
    return tuple(output.get("classes") or ())


def load_reviews(ws: Workspace, status: str = "Pending", model: str | None = None) -> ReviewsView:
    """The queue filtered by status (one of ``STATUS_FILTERS``) and model, and every model's
    rules and stop switch (run on a pool thread)."""
    wanted = None if status == "All" else status.lower()
    reviews = ws.reviews.reviews(wanted, model or None)
    models = {}
    for name in ws.models.names():
        pause = ws.pauses.get(name)
        paused = bool(pause and pause.paused)
        text = f"Paused by {pause.changed_by}: {pause.reason}" if paused and pause else "Not paused"
        models[name] = ModelOversight(
            name, ops.rule_text(ws.reviews.rule(name)), paused, text, _classes(ws, name)
        )
    return ReviewsView(reviews, models, ws.reviews.pending_count())


def review_row(r: Review) -> list[Any]:
    """One table row: ``(text, sort value)`` per column of ``COLUMNS``."""
    outcome = "" if r.status == "pending" else str(r.outcome)
    trigger = "contest" if r.contest_reason and r.status == "pending" else r.trigger
    return [
        (str(r.id), r.id),
        (r.status.capitalize(), r.status),
        (r.ref, r.ref),
        (trigger, trigger),
        (significant(r.score) if r.score is not None else "", r.score),
        (str(r.suggestion), str(r.suggestion)),
        (outcome, outcome),
        (f"{r.request_id} #{r.row_index}", r.request_id),
        (local_time(r.created_at), r.created_at),
        (r.reviewer or "", r.reviewer or ""),
        (r.contest_reason if trigger == "contest" else (r.reason or ""), r.reason or ""),
    ]


def detail_text(r: Review) -> str:
    """What the selected review is, in a sentence or two."""
    text = (
        f"Review {r.id}: {r.ref} suggested {r.suggestion} for request {r.request_id} "
        f"(row {r.row_index}), picked by {r.trigger}"
        + (f" (score {significant(r.score)})" if r.score is not None else "")
        + "."
    )
    if r.contest_reason:
        text += f" Contested: {r.contest_reason}."
    if r.status != "pending":
        text += f" {r.status.capitalize()} by {r.reviewer}: {r.outcome} ({r.reason})."
    return text


def decide(ws: Workspace, review_id: int, outcome: str | None, reason: str) -> Review:
    return ops.decide(ws, review_id, outcome, reason)


def switch(ws: Workspace, name: str, pause: bool, reason: str) -> Any:
    """Pause ``name`` (with a reason) or resume it."""
    return ops.pause(ws, name, reason) if pause else ops.resume(ws, name, reason)
