"""The scoring routes' one handler, shared by the FastAPI routes and ``serving.fast_path``.

It reads the raw body (413 before parsing when it is too big), decodes it once into a ``Table``
for the service, and answers in the protocol's own shape: MLflow ``/invocations``, Open
Inference v2 ``infer`` and KServe v1 ``:predict``. Every answer names the model and version in
its headers (and in the body where the protocol has room).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mlops_desktop.serving import binary_tensors, protocols, v2_answers
from mlops_desktop.serving.bodies import parse_body
from mlops_desktop.serving.http import (
    error_response,
    header_request_id,
    json_response,
    model_headers,
    read_body,
    request_id_of,
    unexpected_error,
    version_number,
)
from mlops_desktop.serving.limits import OFF_LOOP_BYTES, OFF_LOOP_ROWS, off_loop
from mlops_desktop.serving.router import Route
from mlops_desktop.serving.service import Answer, ScoringService, ServingError
from mlops_desktop.serving.validation import RequestError


async def parse_off_loop(
    body: bytes, content_type: str, style: str, v2: bool, names: list[str], binary_header=None
) -> tuple:
    """``parse_body``, in a worker thread for bodies over OFF_LOOP_BYTES (the loop keeps serving)."""
    args = (body, content_type, style, v2, names, binary_header)
    if len(body) <= OFF_LOOP_BYTES:
        return parse_body(*args)
    return await off_loop(parse_body, *args)


def answer_response(
    answer: Answer, style: str, v2: bool, payload: Any, request_id: str
) -> Response:
    """The 200 answer in the protocol's shape (or 400 when v2 asks for an unknown output)."""
    model = answer.model
    headers = model_headers(model, answer.request_id) | {"X-Model-Arm": answer.arm}
    if answer.review:
        headers["X-Review"] = "pending"
    if not v2:
        body = protocols.mlflow_answer(answer.scored, model.name, model.number)
        return json_response(with_review(body, answer), 200, headers)
    try:
        outputs = v2_answers.v2_outputs(answer.scored, payload.get("outputs"))
    except RequestError as exc:
        return error_response(exc, style, request_id)
    body = {
        "model_name": model.name,
        "model_version": str(model.number),
        "id": answer.request_id,
        "parameters": {"arm": answer.arm},
        "outputs": outputs,
    }
    binary = binary_tensors.detach_outputs(outputs, payload)
    if not binary:
        return json_response(with_review(body, answer), 200, headers)
    head = json.dumps(with_review(body, answer), separators=(",", ":"), default=str).encode()
    headers["Inference-Header-Content-Length"] = str(len(head))
    return Response(head + binary, 200, headers=headers, media_type="application/octet-stream")


def with_review(body: dict, answer: Answer) -> dict:
    """``body`` with ``"review": "pending"`` and the rows queued (``review_rows``) when some
    row went to a person; an answer nobody reviews has no ``review`` key."""
    if answer.review:
        body["review"] = "pending"
        body["review_rows"] = [row for row, _, _ in answer.review]
    return body


class ScoreHandler:
    """``await handler(request, style, name, version, v2)``: one scoring request, answered.

    ``style`` is ``mlflow``, ``v2`` or ``v1``; ``name`` is None for MLflow's ``/invocations``
    (the default model, or the ``X-Model-Name`` header); ``version`` is the path's version text.
    """

    def __init__(self, service: ScoringService) -> None:
        self.service = service

    def _route(self, request: Request, name: str | None) -> Route:
        if name is not None:
            return self.service.route(name)
        return self.service.default_route(request.headers.get("x-model-name"))

    def _version(self, route: Route, version: str | None) -> int | None:
        number = version_number(version, route.name)
        if number is not None:
            self.service.resolve(route, number, "")  # an unknown version is 404 before parsing
        return number

    async def __call__(
        self, request: Request, style: str, name: str | None, version: str | None, v2: bool = False
    ) -> Response:
        service = self.service
        protocol = "v2" if v2 else style
        request_id = None
        route = None
        service.incoming += 1
        counted = True
        try:
            request_id = header_request_id(request)
            route = self._route(request, name)
            service.check_open(route)
            number = self._version(route, version)
            body = await read_body(request, service.max_body)
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            entity_key = request.headers.get("x-entity-key")
            answer, payload = None, None
            if service.offload.takes(body, style, v2):
                service.incoming -= 1
                counted = False
                scoring_id = request_id_of(request)
                try:
                    answer = await service.infer_offloaded(
                        route, number, body, content_type, style, scoring_id, entity_key
                    )
                except ServingError:  # read, then refused: answered under the id it is logged by
                    request_id = scoring_id
                    raise
            if answer is None:
                binary_header = request.headers.get(binary_tensors.HEADER) if v2 else None
                table, payload = await parse_off_loop(
                    body, content_type, style, v2, route.live.positional, binary_header
                )
                request_id = request_id_of(request, payload.get("id") if v2 else None)
                if counted:
                    service.incoming -= 1
                    counted = False
                answer = await service.infer(route, number, table, protocol, request_id, entity_key)
        except ServingError as exc:
            return error_response(exc, style, request_id)
        except RequestError as exc:
            if route is not None:  # a body that could not be read: logged too, without inputs
                service.log_refused(route.name, protocol, request_id, exc)
            return error_response(exc, style, request_id)
        except Exception as exc:  # noqa: BLE001 - a service error before scoring: logged as one
            service.log_refused(route.name if route else name or "", protocol, request_id, exc)
            return unexpected_error(request, exc)
        finally:
            if counted:  # refused, failed or cancelled before it was queued
                service.incoming -= 1
        if len(answer.scored.predictions) > OFF_LOOP_ROWS:  # a big answer is encoded off the loop
            return await off_loop(self._answered, request, answer, style, v2, payload, protocol)
        return self._answered(request, answer, style, v2, payload, protocol)

    def _answered(
        self, request: Request, answer: Answer, style: str, v2: bool, payload: Any, protocol: str
    ) -> Response:
        """The answer, logged with the status actually sent (500 if it cannot be formed)."""
        try:
            response = answer_response(answer, style, v2, payload, answer.request_id)
        except Exception as exc:  # noqa: BLE001 - logged with its status, answered with JSON
            self.service.log_answer(answer, protocol, 500, f"{type(exc).__name__}: {exc}")
            return unexpected_error(request, exc)
        error = None
        if response.status_code != 200:
            error = json.loads(response.body).get("error")
        self.service.log_answer(answer, protocol, response.status_code, error)
        return response
