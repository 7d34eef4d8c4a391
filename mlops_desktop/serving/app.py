"""The ASGI app: MLflow scoring, Open Inference Protocol v2, KServe v1, outcomes, admin and docs.

Handlers read the raw body (413 before parsing when it is too big), decode it once, and hand a
``Table`` to the service. Every answer names the model and version in its headers (and in the
body where the protocol has room); every client mistake is a 4xx with a JSON body whose
Content-Type is exactly ``application/json``.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, Response

from mlops_desktop import __version__
from mlops_desktop.serving import protocols
from mlops_desktop.serving.admin import add_admin_routes
from mlops_desktop.serving.docs import docs_page
from mlops_desktop.serving.models import LoadedModel
from mlops_desktop.serving.outcomes_route import add_outcomes_route
from mlops_desktop.serving.service import Answer, ScoringService, ServingError
from mlops_desktop.serving.validation import RequestError

log = logging.getLogger(__name__)
JSON = "application/json"


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    content = json.dumps(body, separators=(",", ":"), default=str).encode()
    return Response(content, status_code=status, media_type=JSON, headers=headers)


def model_headers(model: LoadedModel | None, request_id: str | None = None) -> dict[str, str]:
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


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refusing more than ``limit`` bytes (declared or streamed) with 413."""
    declared = request.headers.get("content-length")
    too_big = RequestError(
        f"The request body is larger than this service accepts ({limit:,} bytes). Send fewer "
        "rows per request, or start the service with a larger --max-body-mb.",
        status=413,
        code="REQUEST_TOO_LARGE",
    )
    if declared is not None:
        try:
            if int(declared) > limit:
                raise too_big
        except ValueError:
            raise RequestError("The Content-Length header is not a number.") from None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _version_number(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or int(text) < 1:
        raise RequestError(
            f"Version '{text}' of '{name}' does not exist (versions are numbers: 1, 2, ...).",
            status=404,
            code="RESOURCE_DOES_NOT_EXIST",
        )
    return int(text)


def _request_id(request: Request, body_id: Any = None) -> str:
    given = body_id if isinstance(body_id, (str, int)) and str(body_id) else None
    return str(given or request.headers.get("x-request-id") or uuid.uuid4().hex)


def unexpected_error(request: Request, exc: Exception) -> Response:
    """A failure nobody's handler caught: logged with its traceback, answered with JSON 500."""
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    return json_response(
        {"error": f"The service failed unexpectedly ({type(exc).__name__}); see its log."}, 500
    )


def build_app(service: ScoringService) -> FastAPI:
    app = FastAPI(
        title="MLOps Desktop scoring service",
        version=__version__,
        description="Score deployed model versions over MLflow, Open Inference v2 and KServe v1.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service

    # -- errors nobody's handler caught: JSON, never a traceback ----------------------------

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = (
            f"No such endpoint: {request.method} {request.url.path}. See /docs for the endpoints."
            if exc.status_code in (404, 405)
            else str(exc.detail)
        )
        return json_response({"error": message}, exc.status_code, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return json_response({"error": f"The request is malformed: {exc.errors()}"}, 400)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        return unexpected_error(request, exc)

    if service.require_token:
        app.add_middleware(TokenEverywhere, service=service)

    # -- scoring, shared by the protocols ---------------------------------------------------

    async def score(
        request: Request, style: str, name: str | None, version: str | None, v2: bool = False
    ) -> Response:
        request_id = request.headers.get("x-request-id")
        route = None
        service.incoming += 1
        counted = True
        try:
            route = (
                service.route(name)
                if name is not None
                else service.default_route(request.headers.get("x-model-name"))
            )
            number = _version_number(version, route.name)
            if number is not None:
                service.resolve(route, number, "")  # an unknown version is 404 before any parsing
            body = await read_body(request, service.max_body)
            live_names = route.live.names
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            params: dict = {}
            if style == "mlflow" and content_type == "text/csv":
                table = protocols.parse_csv(body)
            elif style == "mlflow" and content_type not in ("", JSON):
                raise RequestError(
                    f"Content-Type '{content_type}' is not supported: send application/json "
                    "or text/csv.",
                    status=415,
                    code="UNSUPPORTED_MEDIA_TYPE",
                )
            else:
                payload = protocols.decode_json(body)
                if v2:
                    table, params = protocols.parse_v2(payload, live_names)
                    request_id = _request_id(request, payload.get("id"))
                elif style == "mlflow":
                    table, params = protocols.parse_mlflow(payload, live_names)
                else:
                    if not isinstance(payload, dict) or (
                        "instances" not in payload and "inputs" not in payload
                    ):
                        raise RequestError(
                            'The body must be {"instances": [...]} (or {"inputs": [...]}).'
                        )
                    key = "instances" if "instances" in payload else "inputs"
                    table = protocols._tensor(payload[key], live_names, key)
            request_id = request_id or _request_id(request)
            service.incoming -= 1
            counted = False
            answer: Answer = await service.infer(
                route,
                number,
                table,
                style if not v2 else "v2",
                request_id,
                request.headers.get("x-entity-key"),
            )
        except ServingError as exc:
            return error_response(exc, style, request_id)
        except RequestError as exc:
            if route is not None:  # a body that could not be read: logged too, without inputs
                service.log_refused(route.name, "v2" if v2 else style, request_id, exc)
            return error_response(exc, style, request_id)
        finally:
            if counted:  # refused, failed or cancelled before it was queued
                service.incoming -= 1
        headers = model_headers(answer.model, answer.request_id) | {"X-Model-Arm": answer.arm}
        model = answer.model
        if v2:
            try:
                outputs = protocols.v2_outputs(answer.scored, payload.get("outputs"))
            except RequestError as exc:
                return error_response(exc, style, request_id)
            body = {
                "model_name": model.name,
                "model_version": str(model.number),
                "id": answer.request_id,
                "parameters": {"arm": answer.arm},
                "outputs": outputs,
            }
        else:
            body = protocols.mlflow_answer(answer.scored, model.name, model.number)
        return json_response(body, 200, headers)

    app.state.score = score  # the scoring routes' handler, for serving.fast_path

    # -- MLflow scoring server --------------------------------------------------------------

    def _health() -> Response:
        names = service.router.names()
        if not names:
            return json_response({"status": "no model is deployed yet"}, 503)
        route = service.router.routes[names[0]] if len(names) == 1 else None
        body = {"status": "ok", "models": {n: service.router.routes[n].live.ref for n in names}}
        return json_response(body, 200, model_headers(route.live if route else None))

    @app.get("/ping", summary="MLflow: 200 when a model is deployed")
    async def ping() -> Response:
        return _health()

    @app.get("/health", summary="MLflow: 200 when a model is deployed")
    async def health() -> Response:
        return _health()

    @app.get("/version", summary="MLflow: the server's version")
    async def version() -> Response:
        return json_response({"server": "mlops-desktop", "version": __version__})

    @app.post(
        "/invocations", summary="MLflow: score dataframe_split/records, instances, inputs, CSV"
    )
    async def invocations(request: Request) -> Response:
        return await score(request, "mlflow", None, None)

    # -- Open Inference Protocol v2 ---------------------------------------------------------

    @app.get("/v2", summary="Open Inference: server metadata")
    async def v2_server() -> Response:
        return json_response({"name": "mlops-desktop", "version": __version__, "extensions": []})

    @app.get("/v2/health/live", summary="Open Inference: the server is up")
    async def v2_live() -> Response:
        return json_response({"live": True})

    @app.get("/v2/health/ready", summary="Open Inference: a model is ready to score")
    async def v2_ready() -> Response:
        ready = bool(service.router.names())
        return json_response({"ready": ready}, 200 if ready else 503)

    def _metadata(name: str, version: str | None, ready_only: bool) -> Response:
        try:
            route = service.route(name)
            model = route.live
            number = _version_number(version, name)
            if number is not None:
                model, _ = service.resolve(route, number, "")
        except RequestError as exc:
            return error_response(exc, "v2")
        if ready_only:
            return json_response({"name": name, "ready": True}, 200, model_headers(model))
        body = protocols.v2_metadata(name, route.versions, model.signature)
        if version is not None:
            body["versions"] = [str(model.number)]
        return json_response(body, 200, model_headers(model))

    @app.get("/v2/models/{name}", summary="Open Inference: model metadata (inputs, outputs)")
    async def v2_model(name: str) -> Response:
        return _metadata(name, None, False)

    @app.get("/v2/models/{name}/versions/{version}", summary="Open Inference: version metadata")
    async def v2_model_version(name: str, version: str) -> Response:
        return _metadata(name, version, False)

    @app.get("/v2/models/{name}/ready", summary="Open Inference: model readiness")
    async def v2_model_ready(name: str) -> Response:
        return _metadata(name, None, True)

    @app.get("/v2/models/{name}/versions/{version}/ready", summary="Open Inference: readiness")
    async def v2_version_ready(name: str, version: str) -> Response:
        return _metadata(name, version, True)

    @app.post("/v2/models/{name}/infer", summary="Open Inference: score (Content-Type optional)")
    async def v2_infer(name: str, request: Request) -> Response:
        return await score(request, "v2", name, None, v2=True)

    @app.post(
        "/v2/models/{name}/versions/{version}/infer", summary="Open Inference: score one version"
    )
    async def v2_infer_version(name: str, version: str, request: Request) -> Response:
        return await score(request, "v2", name, version, v2=True)

    # -- KServe v1 --------------------------------------------------------------------------

    @app.get("/v1/models", summary="KServe v1: the served models")
    async def v1_models() -> Response:
        return json_response({"models": service.router.names()})

    @app.get("/v1/models/{name}", summary="KServe v1: model readiness")
    async def v1_model(name: str) -> Response:
        try:
            route = service.route(name)
        except RequestError as exc:
            return error_response(exc, "v1")
        body = {"name": name, "ready": True, "version": str(route.live.number)}
        return json_response(body, 200, model_headers(route.live))

    @app.post("/v1/models/{name}:predict", summary="KServe v1: score {instances: [...]}")
    async def v1_predict(name: str, request: Request) -> Response:
        return await score(request, "v1", name, None)

    # -- docs and admin ---------------------------------------------------------------------

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(docs_page(app.title))

    add_outcomes_route(app, service)
    add_admin_routes(app, service)
    return app


class TokenEverywhere:
    """ASGI middleware: every request must carry ``Authorization: Bearer TOKEN``."""

    def __init__(self, app, service: ScoringService) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None
        )
        if self.service.token_ok(header):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "error": "This service requires a token on every request: send the header "
                "'Authorization: Bearer TOKEN' with the token it was started with."
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b"Bearer"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
