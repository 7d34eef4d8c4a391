"""``POST /outcomes``: real outcomes for logged predictions, sent to the scoring service.

Body: ``{"model": "credit", "outcomes": [{"request_id": "...", "label": ...,
"observed_at": ...}, ...]}`` (or ``entity_key`` instead of ``request_id``). The rows are stored
by ``serving.outcomes.record_outcomes`` in a worker thread, so the event loop keeps scoring
while SQLite writes; the answer is its summary (how many matched a logged prediction).

Outcomes are data writes like scoring requests: when the service requires a token on every
request (a non-loopback bind, or ``--require-token``), the app's middleware asks for it here too.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.serving.http import error_response, json_response, read_body
from mlops_desktop.serving.limits import MAX_OUTCOMES, OBSERVED_AT_RANGE, OFF_LOOP_BYTES
from mlops_desktop.serving.openapi_bodies import OUTCOMES, body
from mlops_desktop.serving.protocols import decode_json
from mlops_desktop.serving.service import ScoringService
from mlops_desktop.serving.validation import RequestError

BODY_FIELDS = ("model", "outcomes")
OUTCOME_FIELDS = ("request_id", "entity_key", "label", "observed_at")
_SCALARS = (str, int, float, bool)


def _key_ok(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip()


def _epoch_ok(seconds: float) -> bool:
    low, high = OBSERVED_AT_RANGE
    return math.isfinite(seconds) and low <= seconds <= high


def _check_outcome(index: int, row: Any) -> None:
    """Refuse an outcome whose fields are missing or of the wrong type (RequestError)."""
    where = f"Outcome {index + 1}"
    if not isinstance(row, dict):
        raise RequestError(f"{where} is not an object with a key and a label.")
    unknown = sorted(set(row) - set(OUTCOME_FIELDS))
    if unknown:
        raise RequestError(
            f"{where} has unknown field(s) {', '.join(map(repr, unknown))}; an outcome holds "
            f"{', '.join(OUTCOME_FIELDS)}."
        )
    keys = [k for k in ("request_id", "entity_key") if k in row]
    if not keys:
        raise RequestError(
            f"{where} has no request_id or entity_key; every outcome must name the prediction "
            "it belongs to."
        )
    if len(keys) > 1:
        raise RequestError(f"{where} has both request_id and entity_key; give one of them.")
    if not _key_ok(row[keys[0]]):
        raise RequestError(f"{where}: '{keys[0]}' must be a non-empty string or an integer.")
    if "label" not in row:
        raise RequestError(f"{where} has no 'label' (send null when the outcome is not known yet).")
    label = row["label"]
    values = label if isinstance(label, list) else [label]
    if not all(v is None or isinstance(v, _SCALARS) for v in values):
        raise RequestError(
            f"{where}: 'label' must be a value (text, number, true/false) or a list of values, "
            "one per row of the request."
        )
    observed = row.get("observed_at")
    if observed is not None and (
        isinstance(observed, bool)
        or not isinstance(observed, (str, int, float))
        or (isinstance(observed, (int, float)) and not _epoch_ok(observed))
    ):
        raise RequestError(
            f"{where}: 'observed_at' must be ISO date-time text (2026-03-15T09:30) or seconds "
            "since the epoch, between 1970-01-01 and 2100-01-01 (finite)."
        )


def parse_outcomes(payload: Any) -> tuple[str, list[dict]]:
    """The model name and outcome rows of a decoded body, or RequestError naming the problem."""
    if not isinstance(payload, dict):
        raise RequestError('The body must be a JSON object: {"model": ..., "outcomes": [...]}.')
    unknown = sorted(set(payload) - set(BODY_FIELDS))
    if unknown:
        raise RequestError(
            f"Unknown field(s) {', '.join(map(repr, unknown))}; the body holds model and outcomes."
        )
    missing = [k for k in BODY_FIELDS if k not in payload]
    if missing:
        raise RequestError(f"The body lacks {' and '.join(missing)}.")
    model = payload["model"]
    if not isinstance(model, str) or not model.strip():
        raise RequestError("'model' must be the name of a registered model, e.g. \"credit\".")
    outcomes = payload["outcomes"]
    if not isinstance(outcomes, list):
        raise RequestError("'outcomes' must be a list of objects.")
    if not outcomes:
        raise RequestError("'outcomes' is empty; send at least one outcome.")
    if len(outcomes) > MAX_OUTCOMES:
        raise RequestError(
            f"'outcomes' holds {len(outcomes):,} rows; this service takes at most "
            f"{MAX_OUTCOMES:,} per request. Send them in several requests.",
            status=413,
            code="REQUEST_TOO_LARGE",
        )
    for index, row in enumerate(outcomes):
        _check_outcome(index, row)
    return model.strip(), outcomes


def _record(service: ScoringService, model: str, outcomes: list[dict]) -> dict:
    """Store the outcomes (runs in a worker thread with its own connection)."""
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.outcomes import record_outcomes

    with Workspace.open(service.workspace_path, create=False) as ws:
        return record_outcomes(ws, model, outcomes, source="api").to_dict()


def add_outcomes_route(app: FastAPI, service: ScoringService) -> None:
    """Register ``POST /outcomes`` on ``app``."""

    @app.post(
        "/outcomes",
        summary='Record real outcomes: {"model": "credit", "outcomes": [{"request_id", "label"}]}',
        openapi_extra=body(OUTCOMES),
    )
    async def outcomes(request: Request) -> Response:
        try:
            body = await read_body(request, service.max_body)
            if len(body) > OFF_LOOP_BYTES:  # a big body is decoded off the event loop
                payload = await asyncio.to_thread(decode_json, body)
            else:
                payload = decode_json(body)
            model, rows = parse_outcomes(payload)
            summary = await asyncio.to_thread(_record, service, model, rows)
        except RequestError as exc:
            return error_response(exc, "outcomes")
        except NotFoundError as exc:
            return json_response({"error": exc.message}, 404)
        except InputError as exc:  # from record_outcomes: a bad observed_at, mixed key kinds
            return json_response({"error": exc.message}, 400)
        return json_response(summary)
