"""HTTP helpers every route of the scoring service shares: JSON answers, error shapes, bodies.

Every client mistake is a 4xx with a JSON body whose Content-Type is exactly
``application/json``; every answer about a model names it in the ``X-Model-Name`` and
``X-Model-Version`` headers.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mlops_desktop import fast_json, json_steps
from mlops_desktop.serving.limits import BODY_READ_TIMEOUT_S, checked_id
from mlops_desktop.serving.models import LoadedModel
from mlops_desktop.serving.validation import RequestError

log = logging.getLogger(__name__)
_VERSION = re.compile(r"[0-9]{1,9}")  # ASCII digits only: '²' and '٣' are not versions
JSON = "application/json"


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    """``body`` as compact JSON with Content-Type ``application/json``."""
    if fast_json.huge(body):
        content = json_steps.dumps(body).encode()
    else:
        content = fast_json.dumps(body).encode()
    return Response(content, status_code=status, media_type=JSON, headers=headers)


def model_headers(model: LoadedModel | None, request_id: str | None = None) -> dict[str, str]:
    """The headers naming the model version that answered, and the request id."""
    headers = {}
    if model is not None:
        headers["X-Model-Name"] = model.name
        headers["X-Model-Version"] = str(model.number)
    if request_id:
        headers["X-Request-ID"] = request_id
    return headers


def error_response(exc: Exception, style: str, request_id: str | None = None) -> Response:
    """A client mistake in the protocol's own error shape (MLflow or Open Inference)."""
    message = getattr(exc, "message", None) or str(exc)
    status = getattr(exc, "status", 400)
    model = getattr(exc, "model", None)
    if style == "mlflow":
        body: dict = {"error_code": getattr(exc, "code", "BAD_REQUEST"), "message": message}
    else:
        body = {"error": message}
    if model is not None:
        body["model_name"], body["model_version"] = model.name, str(model.number)
    return json_response(body, status, model_headers(model, request_id))


async def read_body(request: Request, limit: int, timeout: float = BODY_READ_TIMEOUT_S) -> bytes:
    """The body, refusing more than ``limit`` bytes (declared or streamed) with 413, and a body
    that has not fully arrived within ``timeout`` seconds (e.g. shorter than its Content-Length)
    with 408."""
    declared = request.headers.get("content-length")
    too_big = RequestError(
        f"The request body is larger than this service accepts ({limit:,} bytes). Send fewer "
        "rows per request, or start the service with a larger --max-body-mb.",
        status=413,
        code="REQUEST_TOO_LARGE",
    )
    if declared is not None:
        if not declared.isascii() or not declared.isdigit() or len(declared) > 18:
            raise RequestError("The Content-Length header is not a number.")
        if int(declared) > limit:
            raise too_big

    async def collect() -> bytes:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        return await asyncio.wait_for(collect(), timeout)
    except asyncio.TimeoutError:  # TimeoutError itself from Python 3.11 on
        raise RequestError(
            f"The request body did not arrive within {timeout:.0f} s (is it shorter than its "
            "Content-Length?). Send the whole body at once.",
            status=408,
            code="REQUEST_TIMEOUT",
        ) from None


def version_number(text: str | None, name: str) -> int | None:
    """The version number in a path (None when the path names none), or 404."""
    if text is None:
        return None
    if not _VERSION.fullmatch(text) or int(text) < 1:
        raise RequestError(
            f"Version '{text}' of '{name}' does not exist (versions are numbers: 1, 2, ...).",
            status=404,
            code="RESOURCE_DOES_NOT_EXIST",
        )
    return int(text)


def header_request_id(request: Request) -> str | None:
    """The ``X-Request-ID`` header, checked so it can be echoed back (RequestError if not)."""
    given = request.headers.get("x-request-id")
    return None if given is None else checked_id(given, "The X-Request-ID header")


def request_id_of(request: Request, body_id: Any = None) -> str:
    """The request's id: the body's ``id``, else the ``X-Request-ID`` header, else a new one.

    A body ``id`` that is not printable ASCII (it is echoed in a header) is a RequestError.
    """
    if isinstance(body_id, str) and body_id:
        return checked_id(body_id, "'id'")
    if isinstance(body_id, int) and not isinstance(body_id, bool):
        return checked_id(str(body_id), "'id'")
    return header_request_id(request) or uuid.uuid4().hex


def unexpected_error(request: Request, exc: Exception) -> Response:
    """A failure nobody's handler caught: logged with its traceback, answered with JSON 500."""
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    return json_response(
        {"error": f"The service failed unexpectedly ({type(exc).__name__}); see its log."}, 500
    )
