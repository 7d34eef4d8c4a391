"""Admin endpoints (token required): deploy, rollback, canary, shadow, promote, abort, reload, stop.

They change the registry exactly as the CLI and the desktop app do (``deployments.py``), then
make the service pick the change up at once instead of at its next poll.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from mlops_desktop.errors import (
    ArtifactError,
    CheckFailed,
    MlopsError,
    NotFoundError,
    PromotionRefused,
)
from mlops_desktop.serving.http import error_response, json_response, read_body
from mlops_desktop.serving.openapi_bodies import admin_body, body
from mlops_desktop.serving.protocols import decode_json
from mlops_desktop.serving.service import ScoringService
from mlops_desktop.serving.validation import RequestError

ADMIN_BODY_LIMIT = 64 * 1024


def _check_token(service: ScoringService, request: Request) -> None:
    if service.token is None:
        raise RequestError(
            "Admin operations are disabled: this service was started without a token. Restart "
            "it with MLOPS_DESKTOP_TOKEN set (or --token-file PATH), or change deployments with the CLI or the "
            "desktop app; the service follows the registry within a second.",
            status=403,
            code="PERMISSION_DENIED",
        )
    require_bearer(service, request, "This admin operation")


def require_bearer(service: ScoringService, request: Request, what: str) -> None:
    """Refuse a request without the service's token (401) or with a wrong one (403)."""
    header = request.headers.get("authorization")
    if not header:
        raise RequestError(
            f"{what} needs the service token: send 'Authorization: Bearer TOKEN'.",
            status=401,
            code="UNAUTHENTICATED",
        )
    if not service.token_ok(header):
        raise RequestError(
            "The token is wrong: use the token the service was started with.",
            status=403,
            code="PERMISSION_DENIED",
        )


def _check_fields(payload: dict, needs: tuple[str, ...]) -> None:
    """Refuse a field of the wrong type before the registry sees it (RequestError)."""
    missing = [k for k in needs if k not in payload]
    if missing:
        raise RequestError(f"The body lacks {', '.join(missing)}.")
    if not isinstance(payload["model"], str) or not payload["model"].strip():
        raise RequestError("'model' must be text: NAME or NAME@VERSION, e.g. \"credit@3\".")
    percent = payload.get("percent", 0)
    if (
        isinstance(percent, bool)
        or not isinstance(percent, (int, float))
        or not 0 <= percent <= 100
    ):
        raise RequestError("'percent' must be a number between 0 and 100.")
    if not isinstance(payload.get("reason", ""), str):
        raise RequestError("'reason' must be text.")


def _status_of(exc: MlopsError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, (CheckFailed, ArtifactError)):  # a gate, or an artifact that won't load
        return 409
    return 400


def _run(service: ScoringService, action: str, args: dict[str, Any]) -> dict:
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving import deployments as ops

    functions = {
        "deploy": lambda ws: ops.deploy(
            ws, args["model"], bool(args.get("force")), str(args.get("reason", ""))
        ),
        "rollback": lambda ws: ops.rollback(ws, args["model"], str(args.get("reason", ""))),
        "canary": lambda ws: ops.canary(
            ws,
            args["model"],
            float(args["percent"]),
            str(args.get("reason", "")),
            bool(args.get("force")),
        ),
        "shadow": lambda ws: ops.shadow(
            ws, args["model"], str(args.get("reason", "")), bool(args.get("force"))
        ),
        "promote": lambda ws: ops.promote(
            ws, args["model"], bool(args.get("force")), str(args.get("reason", ""))
        ),
        "abort": lambda ws: ops.abort(ws, args["model"], str(args.get("reason", ""))),
        "undeploy": lambda ws: ops.undeploy(ws, args["model"], str(args.get("reason", ""))),
    }
    with Workspace.open(service.workspace_path, create=False) as ws:
        deployment = functions[action](ws)
    service.watcher.sync()
    return {"deployment": asdict(deployment), "service": service.status()["models"]}


def add_admin_routes(app: FastAPI, service: ScoringService) -> None:
    async def operation(request: Request, action: str, needs: tuple[str, ...]) -> Response:
        try:
            _check_token(service, request)
            payload = decode_json(await read_body(request, ADMIN_BODY_LIMIT))
            if not isinstance(payload, dict):
                raise RequestError("The body must be a JSON object.")
            _check_fields(payload, needs)
            result = await asyncio.to_thread(_run, service, action, payload)
        except RequestError as exc:
            return error_response(exc, "admin")
        except PromotionRefused as exc:
            hint = 'To override the rule, send "force": true with a "reason" (kept in the audit).'
            return json_response({"error": f"{exc.message} {hint}"}, 409)
        except MlopsError as exc:
            return json_response({"error": exc.message}, _status_of(exc))
        return json_response(result)

    def register(action: str, needs: tuple[str, ...], summary: str) -> None:
        async def endpoint(request: Request) -> Response:
            return await operation(request, action, needs)

        endpoint.__name__ = f"admin_{action}"
        app.post(f"/admin/{action}", summary=summary, openapi_extra=body(admin_body(needs)))(
            endpoint
        )

    register("deploy", ("model",), 'Make a version live: {"model": "credit@3"}')
    register("rollback", ("model",), 'Return live to the previous version: {"model": "credit"}')
    register("canary", ("model", "percent"), 'Canary: {"model": "credit@4", "percent": 10}')
    register("shadow", ("model",), 'Shadow a version silently: {"model": "credit@4"}')
    register("promote", ("model",), 'Make the candidate live: {"model": "credit"}')
    register("abort", ("model",), 'End the canary or shadow: {"model": "credit"}')
    register("undeploy", ("model",), 'Stop serving a model: {"model": "credit"}')

    @app.post("/admin/reload", summary="Re-read the registry now and swap models")
    async def admin_reload(request: Request) -> Response:
        try:
            _check_token(service, request)
        except RequestError as exc:
            return error_response(exc, "admin")
        changed = await asyncio.to_thread(service.watcher.sync)
        await asyncio.to_thread(service.watcher.refresh_oversight)  # review rules and pauses
        return json_response({"changed": changed, "service": service.status()["models"]})

    @app.get("/admin/status", summary="Routes, batching and prediction-log figures")
    async def admin_status(request: Request) -> Response:
        try:
            _check_token(service, request)
        except RequestError as exc:
            return error_response(exc, "admin")
        return json_response(service.status())

    @app.post("/admin/stop", summary="Stop the service gracefully (in-flight requests finish)")
    async def admin_stop(request: Request) -> Response:
        try:
            _check_token(service, request)
        except RequestError as exc:
            return error_response(exc, "admin")
        if service.request_stop is not None:
            service.request_stop()
        return json_response({"stopping": True}, 202)
