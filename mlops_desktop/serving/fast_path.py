"""Scoring requests straight to their handler, past the web framework's routing machinery.

FastAPI's router, dependency solver, middleware stack and exception wrappers cost about as much
per one-row request as parsing it. ``with_fast_path`` wraps the app in a thin ASGI layer that
sends ``POST`` requests for the four scoring routes (MLflow ``/invocations``, Open Inference
``/v2/models/{name}[/versions/{v}]/infer``, KServe ``/v1/models/{name}:predict``) directly to
the handler the routes use (``serving.score_handler``), with the same error answers; every other
request (docs, metadata, admin, outcomes, wrong methods) goes through FastAPI as before. A
service that needs a token on every request keeps the full stack, so the token check stays in
one place.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request

from mlops_desktop.serving.http import unexpected_error
from mlops_desktop.serving.service import ScoringService

# path -> (style, model name, version, Open Inference v2)
_ROUTES: list[tuple[re.Pattern, Callable[[re.Match], tuple[str, Any, Any, bool]]]] = [
    (re.compile(r"/invocations"), lambda m: ("mlflow", None, None, False)),
    (re.compile(r"/v2/models/([^/]+)/infer"), lambda m: ("v2", m[1], None, True)),
    (
        re.compile(r"/v2/models/([^/]+)/versions/([^/]+)/infer"),
        lambda m: ("v2", m[1], m[2], True),
    ),
    (re.compile(r"/v1/models/([^/]+):predict"), lambda m: ("v1", m[1], None, False)),
]


def scoring_target(path: str) -> tuple[str, Any, Any, bool] | None:
    """``(style, name, version, v2)`` of a scoring route, or None for any other path."""
    for pattern, target in _ROUTES:
        match = pattern.fullmatch(path)
        if match is not None:
            return target(match)
    return None


class FastPath:
    """ASGI app: scoring POSTs to ``score``, everything else to ``app``."""

    def __init__(self, app: Any, score: Callable[..., Awaitable[Any]]) -> None:
        self.app = app
        self.score = score

    async def __call__(self, scope, receive, send) -> None:
        target = None
        if scope["type"] == "http" and scope["method"] == "POST":
            target = scoring_target(scope["path"])
        if target is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        style, name, version, v2 = target
        try:
            response = await self.score(request, style, name, version, v2=v2)
        except Exception as exc:  # noqa: BLE001 - answered as FastAPI's handler would
            response = unexpected_error(request, exc)
        await response(scope, receive, send)


def with_fast_path(app: Any, service: ScoringService) -> Any:
    """``app`` behind the fast path (or ``app`` itself when every request needs a token)."""
    score = getattr(app.state, "score", None)
    if service.require_token or score is None:
        return app
    return FastPath(app, score)
