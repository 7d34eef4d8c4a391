"""Explain a logged decision: the prediction log's inputs, the model version, its contributions.

Nothing is stored: the explanation is computed again from the logged inputs and the model
artifact whenever someone asks (GDPR Art. 15, AI Act Art. 86). The callers (the scoring
service's ``POST /explain``, ``governance.explanations``) find the logged row with
:func:`find` (a service request, or one row of a batch run), load the version's artifact
verified, then call :func:`explain_logged`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.registry.batch_row_store import parse_row_id
from mlops_desktop.training.decision_inputs import (
    background_mean,
    cached_pipeline,
    logged_rows,
    transformed,
)
from mlops_desktop.training.explain import explain_matrix, prepare_step
from mlops_desktop.training.explain_words import Reason, output_phrase, reasons

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import DatasetVersion, ModelVersion, Prediction
    from mlops_desktop.registry.workspace import Workspace

#: Rows of one request explained (a request may carry thousands).
MAX_ROWS = 1000
_ANSWERED = ("live", "canary", "shadow")
__all__ = ["cached_pipeline", "explain_logged", "find", "pick"]


@dataclass(frozen=True)
class RowExplanation:
    """One row of a request: what was explained, and how its contributions add up."""

    inputs: dict[str, Any]
    output: Any  # the class whose raw output is explained, or "prediction"
    raw: float
    base: float
    contributions: dict[str, float]  # largest first
    reasons: list[Reason]

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "output": self.output,
            "raw_output": self.raw,
            "base_value": self.base,
            "contributions": self.contributions,
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True)
class DecisionExplanation:
    request_id: str
    model: str  # NAME@N
    arm: str
    ts: float
    dataset: str | None
    method: str
    output_kind: str  # log-odds, score, probability or prediction
    personal: dict[str, str]  # personal-data input columns -> what they hold
    rows: list[RowExplanation] = field(default_factory=list)
    rows_total: int = 0
    max_error: float = 0.0
    #: A linear model's base is the mean of this dataset version's training rows: ``dataset``,
    #: or the version that replaced it after an erasure (None for other models).
    background: str | None = None

    @property
    def background_note(self) -> str:
        """Why the base comes from another dataset version than the model was trained on."""
        if not self.background or self.background == self.dataset:
            return ""
        return (
            f"The base value is the mean of {self.background}'s training rows: {self.dataset}, "
            "which the model was trained on, was rewritten by an erasure as that version."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.request_id,
            "model": self.model,
            "arm": self.arm,
            "ts": self.ts,
            "dataset": self.dataset,
            "method": self.method,
            "output_kind": self.output_kind,
            "personal_data": self.personal,
            "rows": [r.to_dict() for r in self.rows],
            "rows_total": self.rows_total,
            "max_additivity_error": self.max_error,
            "background": self.background,
        }


def pick(rows: list[Prediction], request_id: str) -> Prediction:
    """The logged decision of ``request_id``: the answer its client got (live or canary), else
    a shadow's. Unknown id -> NotFoundError; refused or batch-only -> InputError."""
    if not rows:
        raise NotFoundError(
            f"No logged request has the id '{request_id}'. Request ids are the X-Request-ID "
            "header (or the 'id' field) of a scoring service answer."
        )
    answered = [r for r in rows if r.arm in _ANSWERED and r.status == 200 and r.inputs]
    answered = [r for r in answered if r.model_version_id is not None]
    if answered:
        return min(answered, key=lambda r: (r.arm == "shadow", r.id))
    if any(r.arm == "batch" for r in rows):
        raise InputError(
            f"'{request_id}' is a batch scoring run, not one decision: explain one of its rows "
            f"by the id in its output file's request_id column ('{request_id}-ROW')."
        )
    first = rows[0]
    raise InputError(
        f"Request '{request_id}' was not answered (status {first.status}: "
        f"{first.error or 'no reason logged'}), so there is no decision to explain."
    )


def find(ws: Workspace, request_id: str) -> Prediction:
    """The logged decision of ``request_id``: a service request (see :func:`pick`) or one row
    of a batch run (``BATCH-ROW``, a one-row request holding the model's input columns)."""
    rows = ws.predictions.by_request(request_id)
    batch_row = parse_row_id(request_id)
    if rows or batch_row is None:
        return pick(rows, request_id)
    batch_id, number = batch_row
    chunk = ws.batch_rows.chunk_of(batch_id, number)
    if chunk is None:
        if not ws.predictions.by_request(batch_id):
            return pick(rows, request_id)
        raise NotFoundError(
            f"Batch run '{batch_id}' has no scored row {number}: the row was rejected (see the "
            "run's rejects file), erased, or is beyond the file's last row."
        )
    inputs = chunk.inputs or {}
    row = inputs["data"][chunk.outputs["rows"].index(number)]
    version = ws.models.by_id(int(chunk.model_version_id))
    wanted = [s["name"] for s in (version.signature or {}).get("inputs") or []]
    columns = list(inputs["columns"])
    keep = [c for c in wanted if c in columns] or columns
    data = [[row[columns.index(c)] for c in keep]]
    return replace(chunk, request_id=request_id, inputs={"columns": keep, "data": data})


def personal_columns(
    dataset: DatasetVersion | None, columns: list[str], confirmed: dict | None = None
) -> dict[str, str]:
    """The model's input columns that are personal data -> their kind: what a person confirmed
    (``confirmed``, column -> decision, see ``confirmed_decisions``) overrides the import's marks
    on the dataset version."""
    if dataset is None:
        return {}
    marked = list((dataset.roles or {}).get("pii_columns") or []) or list(dataset.pii or {})
    kinds = dataset.pii or {}
    found = {c: str((kinds.get(c) or {}).get("kind") or "personal") for c in columns if c in marked}
    for column, decision in (confirmed or {}).items():
        if column not in columns:
            continue
        if decision.personal:
            found[column] = decision.special_category or found.get(column, "personal")
        else:
            found.pop(column, None)
    return found


def confirmed_decisions(ws: Workspace, dataset: DatasetVersion | None) -> dict:
    """``{column: decision}`` a person made on ``dataset``'s columns, or on an earlier version
    of the same dataset when this one decided nothing on the column (decisions carry forward)."""
    if dataset is None:
        return {}
    found: dict = {}
    earlier = [v for v in ws.datasets.list(dataset.name) if v.number <= dataset.number]
    for version in sorted(earlier, key=lambda v: -v.number):
        for column, decision in ws.personal_data.latest_decisions(version.id).items():
            found.setdefault(column, decision)
    return found


def training_dataset(ws: Workspace, version: ModelVersion) -> DatasetVersion | None:
    """The dataset version ``version`` was trained on (None when its run is gone)."""
    try:
        run = ws.runs.get(version.run_id)
        return ws.datasets.get_by_id(run.dataset_version_id)
    except NotFoundError:
        return None


def explain_logged(
    ws: Workspace, prediction: Prediction, version: ModelVersion, pipeline
) -> DecisionExplanation:
    """Explain the logged ``prediction`` of ``version`` (whose verified pipeline is given)."""
    prepare_step(pipeline)  # an imported model is refused before its rows are transformed
    signature = version.signature or {}
    logged = logged_rows(prediction.inputs, MAX_ROWS)
    X = transformed(pipeline, signature, logged)  # noqa: N806
    dataset = training_dataset(ws, version)
    mean, background = None, None
    if hasattr(pipeline.steps[-1][1], "coef_"):  # linear: explained from the training mean
        mean, background = background_mean(ws, version, dataset, pipeline)
    output = signature.get("output") or {}
    result = explain_matrix(pipeline, X, mean=mean, positive=output.get("positive_class"))
    personal = personal_columns(dataset, result.columns, confirmed_decisions(ws, dataset))
    records = logged.records()
    rows = [_row(result, i, r, personal, output.get("name")) for i, r in enumerate(records)]
    return DecisionExplanation(
        request_id=prediction.request_id,
        model=version.ref,
        arm=prediction.arm,
        ts=prediction.ts,
        dataset=dataset.ref if dataset else None,
        method=result.method,
        output_kind=result.output_kind,
        personal=personal,
        rows=rows,
        rows_total=logged.total,
        max_error=result.max_error,
        background=background,
    )


def _row(result, i: int, inputs: dict, personal: dict[str, str], target) -> RowExplanation:
    k = int(np.argmax(result.raw[i])) if result.raw.shape[1] > 1 else 0
    output = result.outputs[k]
    values = result.values[i, :, k]
    order = np.argsort(-np.abs(values), kind="stable")
    contributions = {result.columns[j]: float(values[j]) for j in order}
    named = target if output == "prediction" and target else output
    phrase = output_phrase(result.output_kind, named)
    shown = {c: inputs.get(c) for c in result.columns}
    return RowExplanation(
        inputs=shown,
        output=output,
        raw=float(result.raw[i, k]),
        base=float(result.base[k]),
        contributions=contributions,
        reasons=reasons(contributions, shown, phrase, personal),
    )
