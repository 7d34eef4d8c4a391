"""Human review (GDPR Art. 22(3), AI Act Art. 14): rules, decisions, contests and the stop switch.

The scoring service queues the decisions a model's rules pick (``serving.oversight``); here a
person accepts the AI's suggestion or overrides it with another outcome, always with a reason
(both the suggestion and the final outcome are kept), a person affected contests a decision by
its request id (which opens a review, or reopens the one there was), and a model is paused or
resumed. Every change is in the audit trail (by the stores in ``registry.review_store``).
"""

from __future__ import annotations

import json
import math
import time
from typing import TYPE_CHECKING, Any

from mlops_desktop import formatting
from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.registry.review_store import (
    ACCEPTED,
    OVERRIDDEN,
    PENDING,
    STATUSES,
    ModelPause,
    Review,
    ReviewRule,
)
from mlops_desktop.serving.oversight import row_score
from mlops_desktop.serving.protocols import Scored
from mlops_desktop.serving.stats import positive_index

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace


# -- rules --------------------------------------------------------------------------------------


def _model_signature(ws: Workspace, name: str) -> dict:
    """The signature of ``name``'s live version (else its newest), or NotFoundError."""
    versions = ws.models.list(name)
    if not versions:
        known = ", ".join(ws.models.names()) or "none yet"
        raise NotFoundError(f"No model named '{name}' (models: {known}).")
    live = ws.models.current_alias(name, "live")
    if live is not None:
        return ws.models.by_id(live.model_version_id).signature
    return versions[-1].signature


def parse_band(text: str) -> tuple[float, float]:
    """``"0.4:0.6"`` as ``(0.4, 0.6)``, or InputError saying what is wrong."""
    lo_text, sep, hi_text = text.partition(":")
    try:
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        lo = hi = math.nan
    if not sep or not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(f"A score band is LOW:HIGH, e.g. 0.4:0.6, not '{text}'.")
    if lo > hi:
        raise InputError(f"The band's low end {lo:g} is above its high end {hi:g}.")
    return lo, hi


def parse_slice(text: str, signature: dict) -> tuple[str, str]:
    """``"COLUMN=VALUE"`` checked against the model's inputs, or InputError."""
    column, sep, value = text.partition("=")
    column = column.strip()
    if not sep or not column:
        raise InputError(f"A slice is COLUMN=VALUE, e.g. purpose=car, not '{text}'.")
    inputs = {spec["name"]: spec for spec in signature.get("inputs") or []}
    if inputs and column not in inputs:
        raise InputError(
            f"The model has no input '{column}' (inputs: {formatting.name_list(sorted(inputs))})."
        )
    categories = (inputs.get(column) or {}).get("categories")
    if categories and value not in [str(c) for c in categories]:
        raise InputError(
            f"'{value}' is not a value of {column} the model knows "
            f"({formatting.name_list([str(c) for c in categories])})."
        )
    return column, value


def set_rules(
    ws: Workspace,
    name: str,
    band: str | None = None,
    share: float | None = None,
    slice_: str | None = None,
    user: str | None = None,
) -> ReviewRule:
    """Set which decisions of ``name`` go to a person (replacing its rules; audited)."""
    signature = _model_signature(ws, name)
    if band is None and not share and slice_ is None:
        raise InputError("Give a score band (--band 0.4:0.6), a share (--share 0.05) or a slice.")
    lo, hi = parse_band(band) if band is not None else (None, None)
    task = (signature.get("output") or {}).get("task")
    if lo is not None and task in ("binary", "multiclass") and (lo < 0 or hi > 1):
        raise InputError(f"A classifier's band lies within 0:1 (a probability), not {band}.")
    share = float(share or 0.0)
    if not (0.0 <= share <= 1.0) or not math.isfinite(share):
        raise InputError(f"The share is a fraction between 0 and 1 (0.05 is 5%), not {share:g}.")
    column, value = parse_slice(slice_, signature) if slice_ is not None else (None, None)
    rule = ReviewRule(name, lo, hi, share, column, value)
    return ws.reviews.set_rule(rule, user)


def get_rules(ws: Workspace, name: str) -> ReviewRule | None:
    """``name``'s rules (None when it has none), or NotFoundError for an unknown model."""
    _model_signature(ws, name)
    return ws.reviews.rule(name)


def clear_rules(ws: Workspace, name: str, user: str | None = None) -> bool:
    _model_signature(ws, name)
    return ws.reviews.clear_rule(name, user)


def rule_text(rule: ReviewRule | None) -> str:
    """The rules in one sentence, as the card and the CLI say them."""
    if rule is None:
        return "No review rules are set."
    picks = []
    if rule.band_lo is not None:
        band = f"{formatting.significant(rule.band_lo)} to {formatting.significant(rule.band_hi)}"
        picks.append(f"every decision scoring {band}")
    if rule.share:
        picks.append(f"a random {formatting.percent(rule.share)} of decisions (by request id)")
    where = f" where {rule.slice_column} = {rule.slice_value}" if rule.slice_column else ""
    if not picks:
        return f"A person reviews every decision{where}."
    return (
        "A person reviews " + " and ".join(picks) + (f", among those{where}" if where else "") + "."
    )


def oversight_lines(ws: Workspace, model_name: str) -> list[str]:
    """The human-oversight lines of the model card: the rules, the queue, the stop switch."""
    rule = ws.reviews.rule(model_name)
    lines = [rule_text(rule)]
    if rule is not None:
        lines.append(
            "Decisions picked answer with review: pending and wait in the review queue; a "
            "reviewer accepts or overrides each with a reason, and both the model's suggestion "
            f"and the final outcome are kept (rules set by {rule.updated_by}, "
            f"{formatting.local_time(rule.updated_at)})."
        )
    reviews = ws.reviews.reviews(model_name=model_name, limit=100_000)
    if reviews:
        counts = {s: sum(r.status == s for r in reviews) for s in STATUSES}
        contested = sum(r.contest_reason is not None for r in reviews)
        lines.append(
            f"Reviews so far: {counts[PENDING]} pending, {counts[ACCEPTED]} accepted, "
            f"{counts[OVERRIDDEN]} overridden; {formatting.counted(contested, 'contest')}."
        )
    lines.append(
        "Anyone may contest a decision by its request id (mlops-desktop review contest), which "
        "opens a review by a person."
    )
    pause = ws.pauses.get(model_name)
    if pause is not None and pause.paused:
        lines.append(f"The model is paused now: {pause.reason} (by {pause.changed_by}).")
    else:
        lines.append("A stop switch pauses the model's answers (503) until it is resumed.")
    return lines


# -- decisions ----------------------------------------------------------------------------------


def _outcome_value(ws: Workspace, review: Review, text: str) -> Any:
    """``text`` as an outcome of the review's model: one of its classes, or a number."""
    try:
        version = ws.models.get(review.ref) if review.model_version else None
    except NotFoundError:
        version = None
    output = (version.signature.get("output") or {}) if version is not None else {}
    classes = output.get("classes")
    if classes:
        for c in classes:
            if str(c) == text:
                return c
        raise InputError(
            f"'{text}' is not an outcome of {review.ref} "
            f"(its classes: {formatting.name_list([str(c) for c in classes])})."
        )
    if output.get("task") == "regression" or isinstance(review.suggestion, (int, float)):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise InputError(f"The outcome of {review.ref} is a number, not '{text}'.")
        return value
    return text


def decide(
    ws: Workspace, review_id: int, outcome: str | None, reason: str, user: str | None = None
) -> Review:
    """Accept the suggestion (``outcome`` None or equal to it) or override it, with a reason."""
    if not (reason or "").strip():
        raise InputError("A decision needs a reason (--reason TEXT): it is kept with it.")
    review = ws.reviews.get(review_id)
    if review.status != PENDING:
        raise InputError(
            f"Review {review_id} was already decided ({review.status} by {review.reviewer}). "
            f"Contest request {review.request_id} to reopen it."
        )
    value = review.suggestion if outcome is None else _outcome_value(ws, review, outcome)
    status = ACCEPTED if value == review.suggestion else OVERRIDDEN
    return ws.reviews.decide(review_id, status, value, reason.strip(), user)


def contest(
    ws: Workspace, request_id: str, reason: str, row: int = 0, user: str | None = None
) -> Review:
    """A person contests the decision of ``request_id``: its review opens (or reopens)."""
    if not (reason or "").strip():
        raise InputError("A contest needs the person's reason (--reason TEXT).")
    if row < 0:
        raise InputError("--row counts from 0 (the first row of the request).")
    opened = None
    if not any(r.row_index == row for r in ws.reviews.of_request(request_id)):
        opened = _opened_row(ws, request_id, row)
    return ws.reviews.contest(request_id, reason.strip(), opened, row, user)


def _opened_row(ws: Workspace, request_id: str, row: int) -> tuple:
    """The review a contest opens: the decision of ``request_id`` (a service answer, or one
    row ``BATCH-ROW`` of a batch run, whose id is in its output file's ``request_id`` column)."""
    found = ws.reviews.decision_of(request_id) or ws.batch_rows.decision(request_id)
    if found is None:
        raise NotFoundError(
            f"No answered request with id '{request_id}' is in the prediction log. Check the id "
            "(every answer carries it in its X-Request-ID header; a batch row's is in the "
            "request_id column of the run's output file)."
        )
    name, version_id, outputs = found
    version = ws.models.by_id(version_id) if version_id is not None else None
    predictions = (outputs or {}).get("predictions") or []
    if row >= len(predictions):
        raise InputError(f"Request '{request_id}' has {len(predictions)} row(s); no row {row}.")
    scored = Scored(predictions, outputs.get("probabilities"), outputs.get("classes"))
    positive = positive_index(version.signature) if version is not None else None
    score = row_score(scored, row, positive)
    number = version.number if version is not None else None
    return (
        request_id,
        row,
        name,
        number,
        "contest",
        score,
        json.dumps(predictions[row]),
        time.time(),
    )


def get_review(ws: Workspace, review_id: int) -> Review:
    """One review, or NotFoundError naming the id."""
    return ws.reviews.get(review_id)


def list_reviews(
    ws: Workspace, status: str | None = None, model_name: str | None = None, limit: int = 500
) -> list[Review]:
    if status is not None and status not in STATUSES:
        raise InputError(f"A review's status is one of {', '.join(STATUSES)}, not '{status}'.")
    return ws.reviews.reviews(status, model_name, limit)


# -- the stop switch ----------------------------------------------------------------------------


def pause(ws: Workspace, name: str, reason: str, user: str | None = None) -> ModelPause:
    """Stop ``name``'s answers (the service answers 503 with the reason) until resumed."""
    _model_signature(ws, name)
    if not (reason or "").strip():
        raise InputError("Pausing a model needs a reason (--reason TEXT): its callers see it.")
    current = ws.pauses.get(name)
    if current is not None and current.paused:
        raise InputError(f"'{name}' is already paused: {current.reason} (by {current.changed_by}).")
    return ws.pauses.set(name, True, reason.strip(), user)


def resume(ws: Workspace, name: str, reason: str = "", user: str | None = None) -> ModelPause:
    """Let ``name`` answer again."""
    _model_signature(ws, name)
    current = ws.pauses.get(name)
    if current is None or not current.paused:
        raise InputError(f"'{name}' is not paused.")
    return ws.pauses.set(name, False, (reason or "").strip(), user)
