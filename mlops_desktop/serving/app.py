"""The ASGI app: MLflow scoring, Open Inference Protocol v2, KServe v1, outcomes, admin and docs.

``build_app`` registers the route groups; the scoring routes share one handler
(``serving.score_handler``), the JSON answers and error shapes live in ``serving.http``. Every
client mistake is a 4xx with a JSON body whose Content-Type is exactly ``application/json``.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, Response

from mlops_desktop import __version__
from mlops_desktop.serving import openapi_bodies as bodies
from mlops_desktop.serving import v2_answers
from mlops_desktop.serving.admin import add_admin_routes
from mlops_desktop.serving.docs import docs_page
from mlops_desktop.serving.explain_route import add_explain_route
from mlops_desktop.serving.http import (
    JSON,
    error_response,
    json_response,
    model_headers,
    unexpected_error,
    version_number,
)
from mlops_desktop.serving.limits import off_loop
from mlops_desktop.serving.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from mlops_desktop.serving.outcomes_route import add_outcomes_route
from mlops_desktop.serving.oversight import paused_message
from mlops_desktop.serving.score_handler import ScoreHandler
from mlops_desktop.serving.service import ScoringService
from mlops_desktop.serving.validation import RequestError


def build_app(service: ScoringService) -> FastAPI:
    """The service's FastAPI app; ``app.state.score`` is the scoring handler (for the fast path)."""
    app = FastAPI(
        title="MLOps Desktop scoring service",
        version=__version__,
        description="Score deployed model versions over MLflow, Open Inference v2 and KServe v1.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    add_error_handlers(app)
    if service.require_token:
        app.add_middleware(TokenEverywhere, service=service)
    score = ScoreHandler(service)
    app.state.score = score
    add_mlflow_routes(app, service, score)
    add_v2_routes(app, service, score)
    add_v1_routes(app, service, score)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(docs_page(app.title))

    add_outcomes_route(app, service)
    add_explain_route(app, service)
    add_admin_routes(app, service)
    return app


def add_error_handlers(app: FastAPI) -> None:
    """Errors nobody's handler caught: answered with JSON, never a traceback."""

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


def _health(service: ScoringService) -> Response:
    names = service.router.names()
    load_errors = dict(service.watcher.errors)  # "credit@2 could not be loaded: …; serving …"
    if not names:
        status = "; ".join(load_errors.values()) or "no model is deployed yet"
        return json_response({"status": status, "load_errors": load_errors}, 503)
    route = service.router.routes[names[0]] if len(names) == 1 else None
    body = {
        "status": "; ".join(load_errors.values()) if load_errors else "ok",
        "models": {n: service.router.routes[n].live.ref for n in names},
        "load_errors": load_errors,
    }
    return json_response(body, 200, model_headers(route.live if route else None))


def add_mlflow_routes(app: FastAPI, service: ScoringService, score: ScoreHandler) -> None:
    """The MLflow scoring server: ``/ping``, ``/health``, ``/version``, ``/invocations``."""

    @app.get("/ping", summary="MLflow: 200 when a model is deployed")
    async def ping() -> Response:
        return _health(service)

    @app.get("/metrics", summary="Prometheus: requests, errors, latency, classes, drift share")
    async def metrics() -> Response:
        body = await off_loop(service.metrics.render)
        return Response(body, 200, media_type=METRICS_CONTENT_TYPE)

    @app.get("/health", summary="MLflow: 200 when a model is deployed")
    async def health() -> Response:
        return _health(service)

    @app.get("/version", summary="MLflow: the server's version")
    async def version() -> Response:
        return json_response({"server": "mlops-desktop", "version": __version__})

    @app.post(
        "/invocations",
        summary="MLflow: score dataframe_split/records, instances, inputs, CSV",
        openapi_extra=bodies.body(bodies.MLFLOW, csv=True),
    )
    async def invocations(request: Request) -> Response:
        return await score(request, "mlflow", None, None)


def _metadata(
    service: ScoringService, name: str, version: str | None, ready_only: bool
) -> Response:
    try:
        route = service.route(name)
        model = route.live
        number = version_number(version, name)
        if number is not None:
            model, _ = service.resolve(route, number, "")
    except RequestError as exc:
        return error_response(exc, "v2")
    if ready_only:
        pause = service.watcher.oversight.controls.paused.get(name)
        if pause is not None:  # stopped by a person: not ready until resumed
            body = {"name": name, "ready": False, "error": paused_message(pause)}
            return json_response(body, 503, model_headers(model))
        return json_response({"name": name, "ready": True}, 200, model_headers(model))
    body = v2_answers.v2_metadata(name, route.versions, model.listed_signature())
    if version is not None:
        body["versions"] = [str(model.number)]
    return json_response(body, 200, model_headers(model))


def add_v2_routes(app: FastAPI, service: ScoringService, score: ScoreHandler) -> None:
    """Open Inference Protocol v2: server and model metadata, health, readiness, infer."""

    @app.get("/v2", summary="Open Inference: server metadata")
    async def v2_server() -> Response:
        return json_response(
            {"name": "mlops-desktop", "version": __version__, "extensions": ["binary_tensor_data"]}
        )

    @app.get("/v2/health/live", summary="Open Inference: the server is up")
    async def v2_live() -> Response:
        return json_response({"live": True})

    @app.get("/v2/health/ready", summary="Open Inference: a model is ready to score")
    async def v2_ready() -> Response:
        ready = bool(service.router.names())
        return json_response({"ready": ready}, 200 if ready else 503)

    @app.get("/v2/models/{name}", summary="Open Inference: model metadata (inputs, outputs)")
    async def v2_model(name: str) -> Response:
        return _metadata(service, name, None, False)

    @app.get("/v2/models/{name}/versions/{version}", summary="Open Inference: version metadata")
    async def v2_model_version(name: str, version: str) -> Response:
        return _metadata(service, name, version, False)

    @app.get("/v2/models/{name}/ready", summary="Open Inference: model readiness")
    async def v2_model_ready(name: str) -> Response:
        return _metadata(service, name, None, True)

    @app.get("/v2/models/{name}/versions/{version}/ready", summary="Open Inference: readiness")
    async def v2_version_ready(name: str, version: str) -> Response:
        return _metadata(service, name, version, True)

    @app.post(
        "/v2/models/{name}/infer",
        summary="Open Inference: score (Content-Type optional)",
        openapi_extra=bodies.body(bodies.V2),
    )
    async def v2_infer(name: str, request: Request) -> Response:
        return await score(request, "v2", name, None, v2=True)

    @app.post(
        "/v2/models/{name}/versions/{version}/infer",
        summary="Open Inference: score one version",
        openapi_extra=bodies.body(bodies.V2),
    )
    async def v2_infer_version(name: str, version: str, request: Request) -> Response:
        return await score(request, "v2", name, version, v2=True)


def add_v1_routes(app: FastAPI, service: ScoringService, score: ScoreHandler) -> None:
    """KServe v1: the served models, one model's readiness, ``:predict``."""

    @app.get("/", summary="KServe: the server is alive (its client's is_server_live)")
    async def v1_alive() -> Response:
        return json_response({"status": "alive"})

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

    @app.post(
        "/v1/models/{name}:predict",
        summary="KServe v1: score {instances: [...]}",
        openapi_extra=bodies.body(bodies.V1),
    )
    async def v1_predict(name: str, request: Request) -> Response:
        return await score(request, "v1", name, None)


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
