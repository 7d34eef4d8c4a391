"""Explain one logged decision by its request id, for a person who asks why (GDPR Art. 15,
AI Act Art. 86): the additive contributions of every input, the three main reasons in plain
words, and which of them are personal data.

The model version's artifact is loaded verified (``serving.integrity.load_verified``), its
logged inputs are read back from the prediction log and the contributions are computed again
(``training.decisions``); nothing is stored. ``mlops-desktop explain`` and the Govern page's
"Explain a decision" tab call :func:`explain_request`; the service answers ``POST /explain``
from the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_desktop.formatting import local_time, signed, significant
from mlops_desktop.serving.integrity import load_verified
from mlops_desktop.training.decisions import (
    DecisionExplanation,
    cached_pipeline,
    explain_logged,
    find,
)

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

#: Contributions listed per row in the text form (all of them are in the JSON form).
LISTED = 8
#: Rows of a many-row request shown in the text form.
ROWS_SHOWN = 5


@dataclass(frozen=True)
class RecentRequest:
    request_id: str
    ts: float
    model: str  # NAME@N
    arm: str


def explain_request(ws: Workspace, request_id: str) -> DecisionExplanation:
    """The explanation of the decision logged as ``request_id`` (NotFoundError when unknown)."""
    request_id = str(request_id).strip()
    prediction = find(ws, request_id)
    version = ws.models.by_id(int(prediction.model_version_id))
    pipeline = cached_pipeline(version, lambda: load_verified(ws, version))
    return explain_logged(ws, prediction, version, pipeline)


def recent_requests(ws: Workspace, limit: int = 50) -> list[RecentRequest]:
    """The latest answered requests, newest first (the ids a reviewer picks from)."""
    refs: dict[int, str] = {}
    out = []
    for request_id, ts, _name, version_id, arm in ws.predictions.recent_decisions(limit):
        if version_id not in refs:
            refs[version_id] = ws.models.by_id(int(version_id)).ref
        out.append(RecentRequest(request_id, ts, refs[version_id], arm))
    return out


def text_lines(result: DecisionExplanation) -> list[str]:
    """The explanation as a terminal reads it."""
    personal = ", ".join(f"{c} ({k.replace('_', ' ')})" for c, k in result.personal.items())
    lines = [
        f"Request {result.request_id}: {result.model} ({result.arm}), {local_time(result.ts)}",
        f"Method: {result.method}; explained output: {result.output_kind}.",
        f"Personal data among the inputs: {personal or 'none marked on ' + str(result.dataset)}",
    ]
    if result.background_note:
        lines.append(result.background_note)
    for number, row in enumerate(result.rows[:ROWS_SHOWN], start=1):
        head = f"Row {number}: " if result.rows_total > 1 else ""
        lines.append(
            f"{head}{result.output_kind} of '{row.output}' = {significant(row.raw, 4)} "
            f"(base {significant(row.base, 4)} + contributions)"
        )
        lines.append("  Main reasons:")
        lines.extend(f"  {i}. {r.text}" for i, r in enumerate(row.reasons, start=1))
        lines.append("  Contributions:")
        for column, value in list(row.contributions.items())[:LISTED]:
            mark = " *" if column in result.personal else ""
            lines.append(f"    {signed(value, 4):>9}  {column}{mark}")
        if len(row.contributions) > LISTED:
            lines.append(f"    … {len(row.contributions) - LISTED} more (--json lists them)")
    if result.rows_total > ROWS_SHOWN:
        lines.append(f"{result.rows_total - ROWS_SHOWN} more rows: see --json.")
    if result.personal:
        lines.append("* personal data")
    return lines
