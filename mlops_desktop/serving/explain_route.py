"""``POST /explain`` ``{"id": "REQUEST_ID"}``: why the service answered a logged request as it did.

The answer is what ``mlops-desktop explain REQUEST_ID --json`` prints: each input column's
additive contribution (base value + contributions = the model's raw output), the three main
reasons in plain words and which of them are personal data. Computed from the prediction log's
inputs and the version's verified artifact (``training.decisions``), in a worker thread.

When the service has a token, the request must carry it (``Authorization: Bearer TOKEN``), as
the admin routes do: an explanation repeats the person's inputs.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request
from starlette.responses import Response

from mlops_desktop.errors import ArtifactError, InputError, NotFoundError
from mlops_desktop.serving.admin import require_bearer
from mlops_desktop.serving.http import error_response, json_response, read_body
from mlops_desktop.serving.limits import checked_id
from mlops_desktop.serving.openapi_bodies import body
from mlops_desktop.serving.protocols import decode_json
from mlops_desktop.serving.service import ScoringService
from mlops_desktop.serving.validation import RequestError

EXPLAIN_BODY_LIMIT = 4096
EXPLAIN_SCHEMA = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string", "description": "the X-Request-ID of an answer"}},
}


def _check_token(service: ScoringService, request: Request) -> None:
    if service.token is not None:
        require_bearer(service, request, "Explanations")


def parse_request_id(payload) -> str:
    """The request id of ``{"id": "..."}`` (RequestError otherwise)."""
    if not isinstance(payload, dict) or "id" not in payload:
        raise RequestError('Send {"id": "REQUEST_ID"}: the X-Request-ID of a logged answer.')
    request_id = payload["id"]
    if not isinstance(request_id, str) or not request_id.strip():
        raise RequestError("'id' must be a request id: the X-Request-ID of a logged answer.")
    return checked_id(request_id.strip(), "'id'")


def _explain(service: ScoringService, request_id: str) -> dict:
    """The explanation as JSON (runs in a worker thread with its own connection)."""
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.integrity import load_verified
    from mlops_desktop.training.decisions import cached_pipeline, explain_logged, find

    with Workspace.open(service.workspace_path, create=False) as ws:
        prediction = find(ws, request_id)
        version = ws.models.by_id(int(prediction.model_version_id))
        pipeline = cached_pipeline(version, lambda: load_verified(ws, version))
        return explain_logged(ws, prediction, version, pipeline).to_dict()


def add_explain_route(app: FastAPI, service: ScoringService) -> None:
    """Register ``POST /explain`` on ``app``."""

    @app.post(
        "/explain",
        summary='Explain a logged decision: {"id": "REQUEST_ID"}',
        openapi_extra=body(EXPLAIN_SCHEMA),
    )
    async def explain(request: Request) -> Response:
        try:
            _check_token(service, request)
            request_id = parse_request_id(decode_json(await read_body(request, EXPLAIN_BODY_LIMIT)))
            answer = await asyncio.to_thread(_explain, service, request_id)
        except RequestError as exc:
            return error_response(exc, "explain")
        except NotFoundError as exc:
            return json_response({"error": exc.message}, 404)
        except ArtifactError as exc:
            return json_response({"error": exc.message}, 409)
        except InputError as exc:
            return json_response({"error": exc.message}, 400)
        except ValueError as exc:  # logged inputs the model version cannot take any more
            message = f"The logged inputs of this request cannot be explained: {exc}"
            return json_response({"error": message}, 422)
        return json_response(answer)
