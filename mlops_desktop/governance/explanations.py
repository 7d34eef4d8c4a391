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

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_desktop.formatting import local_time, signed, significant
from mlops_desktop.registry.batch_row_store import row_id
from mlops_desktop.serving.integrity import load_verified
from mlops_desktop.training.decisions import (
    DecisionExplanation,
    cached_pipeline,
    explain_logged,
    find,
)

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import Prediction
    from mlops_desktop.registry.workspace import Workspace

#: Contributions listed per row in the text form (all of them are in the JSON form).
LISTED = 8
#: Rows of a many-row request shown in the text form.
ROWS_SHOWN = 5
#: Scored rows of each model's latest batch run among the recent requests.
BATCH_ROWS = 10


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


def recent_requests(
    ws: Workspace, limit: int = 50, model_name: str | None = None
) -> list[RecentRequest]:
    """The latest answered requests and batch rows (of ``model_name`` when given), newest
    first (the ids a reviewer picks from): the service's decisions, and the first scored rows of
    each model's latest batch run (any other row is explained by its id, the output file's
    request_id column)."""
    refs: dict[int, str] = {}

    def ref(version_id) -> str:
        if version_id not in refs:
            refs[version_id] = ws.models.by_id(int(version_id)).ref
        return refs[version_id]

    out = [
        RecentRequest(request_id, ts, ref(version_id), arm)
        for request_id, ts, _name, version_id, arm in ws.predictions.recent_decisions(
            limit, model_name
        )
    ]
    for name in [model_name] if model_name is not None else ws.models.names():
        summary = ws.predictions.latest_batch(name)
        if summary is not None and summary.status == 200:
            out.extend(_batch_rows(ws, summary, ref))
    out.sort(key=lambda r: -r.ts)  # stable: a run's rows stay in file order
    return out[:limit]


def _batch_rows(
    ws: Workspace, summary: Prediction, ref: Callable[[int], str], listed: int = BATCH_ROWS
) -> list[RecentRequest]:
    """The first ``listed`` scored rows of the batch run ``summary`` (rejected and erased rows
    have no id to explain: the next scored ones are listed)."""
    batch_id, total = summary.request_id, int((summary.inputs or {}).get("rows") or 0)
    out: list[RecentRequest] = []
    number, looks = 1, 0
    while number <= total and len(out) < listed and looks < 2 * listed:
        looks += 1
        chunk = ws.batch_rows.chunk_of(batch_id, number)
        if chunk is None or chunk.model_version_id is None:
            number += 1
            continue
        rows = [n for n in (chunk.outputs or {}).get("rows") or [] if n >= number]
        version = ref(int(chunk.model_version_id))
        out += [
            RecentRequest(row_id(batch_id, n), summary.ts, version, "batch")
            for n in rows[: listed - len(out)]
        ]
        number = max(rows, default=number) + 1
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
