"""The scoring service's core, shared by every protocol: route, validate, batch, log, shadow.

The HTTP layer (``app.py``) only parses bodies and formats answers; everything a request goes
through between the two happens here.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mlops_desktop.serving.batching import ModelError, batcher_for
from mlops_desktop.serving.limits import OFF_LOOP_ROWS, off_loop
from mlops_desktop.serving.metrics import ServiceMetrics
from mlops_desktop.serving.models import LoadedModel
from mlops_desktop.serving.offload import ScoringProcesses, default_processes
from mlops_desktop.serving.predlog import PredictionLog
from mlops_desktop.serving.protocols import Scored
from mlops_desktop.serving.retention import RetentionThread
from mlops_desktop.serving.router import Route, Router
from mlops_desktop.serving.validation import RequestError, Table, validate_table
from mlops_desktop.serving.watcher import Watcher

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 16 * 1024 * 1024
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


async def validated(table: Table, model: LoadedModel) -> Table:
    """``validate_table`` for ``model``; a big table is checked in a worker thread, so the event
    loop keeps answering (40,000 rows took a quarter of a second)."""
    if table.n <= OFF_LOOP_ROWS:
        return validate_table(table, model.signature, model.ref)
    return await off_loop(validate_table, table, model.signature, model.ref)


@dataclass
class Answer:
    model: LoadedModel
    arm: str
    scored: Scored
    request_id: str
    clean: Table | None = None
    latency_ms: float = 0.0
    entity_key: str | None = None
    review: list[tuple[int, str, float | None]] | None = None  # rows queued for a person


class ServingError(RequestError):
    """A RequestError that knows which model (if any) it concerns, for the answer's headers."""

    def __init__(self, error: Exception, model: LoadedModel | None, status: int | None = None):
        message = getattr(error, "message", None) or str(error)
        code = getattr(error, "code", "INTERNAL_ERROR")
        super().__init__(message, status or getattr(error, "status", 500), code)
        self.model = model


class ScoringService:
    def __init__(
        self,
        workspace_path: Path | str,
        *,
        token: str | None = None,
        require_token: bool = False,
        default_model: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        instance_id: int | None = None,
        workers: int = 2,
        scoring_processes: int | None = None,
    ) -> None:
        self.workspace_path = Path(workspace_path)
        self.token = token
        self.require_token = require_token
        self.default_model = default_model
        self.max_body = max_body
        self.instance_id = instance_id
        self.started_at = time.time()
        self.router = Router()
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="score")
        self.predlog = PredictionLog(self.workspace_path / "registry.db")
        self.metrics = ServiceMetrics(self.workspace_path / "registry.db")
        self.predlog.observer = self.metrics.observe
        self.watcher = Watcher(self.workspace_path, self.router, instance_id)
        self.retention = RetentionThread(self.workspace_path)
        processes = default_processes() if scoring_processes is None else scoring_processes
        self.offload = ScoringProcesses(self.workspace_path, processes)
        self._shadow_tasks: set[asyncio.Task] = set()
        self.incoming = 0  # requests being read and parsed, not yet queued for scoring
        self.request_stop = None  # set by the server runner: a callable that stops serving

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        self.predlog.start()
        self.watcher.start()
        self.retention.start()

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for shadow scorings still running (they are logged too)."""
        if self._shadow_tasks:
            await asyncio.wait(list(self._shadow_tasks), timeout=timeout)

    def close(self) -> None:
        self.watcher.stop()
        self.retention.stop()
        self.executor.shutdown(wait=True)
        self.offload.close()
        self.predlog.close()

    def check_open(self, route: Route) -> None:
        """503 (RequestError) with the reason when the model is paused (its stop switch)."""
        self.watcher.oversight.check_open(route.name)

    def _arriving(self) -> int:
        return self.incoming

    # -- tokens -----------------------------------------------------------------------------

    def token_ok(self, header: str | None) -> bool:
        if self.token is None or not header:
            return False
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(value.strip().encode(), self.token.encode())

    # -- routing ----------------------------------------------------------------------------

    def route(self, name: str) -> Route:
        route = self.router.get(name)
        if route is None:
            served = ", ".join(self.router.names()) or "none"
            raise RequestError(
                f"No model named '{name}' is served here (served: {served}). Deploy it with "
                f"mlops-desktop deploy {name}@N.",
                status=404,
                code="RESOURCE_DOES_NOT_EXIST",
            )
        return route

    def default_route(self, requested: str | None = None) -> Route:
        """The model ``/invocations`` scores: the header's, the service's default, or the only."""
        name = requested or self.default_model
        if name:
            return self.route(name)
        names = self.router.names()
        if len(names) == 1:
            return self.router.routes[names[0]]
        if not names:
            raise RequestError(
                "No model is deployed yet. Deploy one with mlops-desktop deploy NAME@N.",
                status=404,
                code="RESOURCE_DOES_NOT_EXIST",
            )
        raise RequestError(
            f"Several models are served here ({', '.join(names)}); name one with the "
            "X-Model-Name header, or use /v2/models/NAME/infer.",
        )

    def resolve(self, route: Route, number: int | None, request_id: str) -> tuple[LoadedModel, str]:
        if number is None:
            return Router.pick(route, request_id)
        found = Router.version(route, number)
        if found is None:
            served = ", ".join(f"{route.name}@{v}" for v in route.versions)
            raise RequestError(
                f"Version {number} of '{route.name}' is not served here (served: {served}). "
                "Use one of those, or leave the version out to reach the live one.",
                status=404,
                code="RESOURCE_DOES_NOT_EXIST",
            )
        return found

    # -- scoring ----------------------------------------------------------------------------

    async def infer(
        self,
        route: Route,
        number: int | None,
        table: Table,
        protocol: str,
        request_id: str,
        entity_key: str | None = None,
    ) -> Answer:
        """Score ``table`` on the routed model; shadow it when a shadow is set.

        The caller logs the answer with ``log_answer`` once it knows the status it sent.
        """
        start = time.perf_counter()
        try:
            model, arm = self.resolve(route, number, request_id)
        except RequestError as exc:
            self._log_error(route.name, None, "live", protocol, request_id, table, exc, start)
            raise ServingError(exc, None) from exc
        try:
            clean = await validated(table, model)
            scored = await batcher_for(model, self.executor, self._arriving).submit(clean)
        except (RequestError, ModelError) as exc:
            self._log_error(model.name, model, arm, protocol, request_id, table, exc, start)
            raise ServingError(exc, model) from exc
        latency = (time.perf_counter() - start) * 1000
        if route.shadow is not None and number is None:
            self._shadow(route.shadow, table, protocol, request_id, entity_key)
        review = await self._review_rows(model, request_id, clean, scored)
        return Answer(model, arm, scored, request_id, clean, latency, entity_key, review)

    async def infer_offloaded(
        self,
        route: Route,
        number: int | None,
        body: bytes,
        content_type: str,
        style: str,
        request_id: str,
        entity_key: str | None = None,
    ) -> Answer | None:
        """``infer`` for a big MLflow or v1 body read and scored in a scoring process; None
        when it is to be read here: a shadow or review rules need its rows, the processes are
        not ready for the model yet, or one of them died. A body that cannot be read is a
        RequestError, as when it is read here; one refused after reading is logged with its
        rows and raised as a ServingError, as ``infer`` does."""
        if route.shadow is not None and number is None:
            return None
        try:
            model, arm = self.resolve(route, number, request_id)
        except RequestError:
            return None  # read here, and refused with the unknown version's message
        if model.name in self.watcher.oversight.controls.matchers:
            return None
        if not self.offload.ready(model.version.id):
            return None
        start = time.perf_counter()
        done = await self.offload.score(
            model.version.id, body, content_type, style, route.live.positional
        )
        if done is None:
            return None
        if done.outcome == "unreadable":
            raise RequestError(done.message, done.status, done.code)
        if (
            done.outcome == "refused"
        ):  # logged under its protocol, which for MLflow and v1 is its style
            exc = RequestError(done.message, done.status, done.code)
            self._log_error(model.name, model, arm, style, request_id, done.inputs, exc, start)
            raise ServingError(exc, model)
        latency = (time.perf_counter() - start) * 1000
        scored = Scored(done.predictions, done.proba, model.classes)
        return Answer(model, arm, scored, request_id, done.inputs, latency, entity_key)

    async def _review_rows(self, model: LoadedModel, request_id: str, clean: Table, scored):
        """The rows the model's review rules pick (None: no rules, or none picked); a big
        answer is matched in a worker thread, so the event loop keeps answering."""
        oversight = self.watcher.oversight
        if model.name not in oversight.controls.matchers:
            return None
        args = (model.name, request_id, clean, scored, model.signature)
        if len(scored.predictions) <= OFF_LOOP_ROWS:
            return oversight.matches(*args)
        return await off_loop(oversight.matches, *args)

    def log_answer(
        self, answer: Answer, protocol: str, status: int = 200, error: str | None = None
    ) -> None:
        """Log a scored request with the status its client was sent."""
        self.predlog.append(
            answer.request_id,
            answer.model.name,
            answer.model.version.id,
            answer.arm,
            protocol,
            answer.clean,
            answer.scored,
            answer.latency_ms,
            status,
            error=error,
            entity_key=answer.entity_key,
        )
        if answer.review and status == 200:  # queued once its answer was sent
            self.predlog.queue_reviews(
                answer.request_id, answer.model, answer.scored, answer.review
            )

    def log_refused(self, name: str, protocol: str, request_id: str | None, exc) -> None:
        """Log a request refused or failed before scoring (malformed, too big, a service error).

        A RequestError keeps its 4xx status; anything else is a service error, logged as 500.
        """
        status = exc.status if isinstance(exc, RequestError) else 500
        self.predlog.append(
            request_id or uuid.uuid4().hex,
            name,
            None,
            "live",
            protocol,
            None,
            None,
            0.0,
            status,
            error=getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}",
        )

    def _log_error(self, name, model, arm, protocol, request_id, table, exc, start) -> None:
        status = getattr(exc, "status", 500)
        self.predlog.append(
            request_id,
            name,
            model.version.id if model is not None else None,
            arm,
            protocol,
            table,
            None,
            (time.perf_counter() - start) * 1000,
            status,
            error=getattr(exc, "message", None) or str(exc),
        )

    def _shadow(self, model: LoadedModel, table: Table, protocol: str, request_id: str, entity_key):
        async def run() -> None:
            start = time.perf_counter()
            try:
                clean = await validated(table, model)
                scored = await batcher_for(model, self.executor, self._arriving).submit(clean)
            except Exception as exc:  # noqa: BLE001 - a shadow's failure is logged, never returned
                self._log_error(
                    model.name, model, "shadow", protocol, request_id, table, exc, start
                )
                return
            self.predlog.append(
                request_id,
                model.name,
                model.version.id,
                "shadow",
                protocol,
                clean,
                scored,
                (time.perf_counter() - start) * 1000,
                200,
                entity_key=entity_key,
            )

        task = asyncio.get_running_loop().create_task(run())
        self._shadow_tasks.add(task)
        task.add_done_callback(self._shadow_tasks.discard)

    # -- state ------------------------------------------------------------------------------

    def status(self) -> dict:
        controls = self.watcher.oversight.controls
        return {
            "instance_id": self.instance_id,
            "started_at": self.started_at,
            "models": {
                name: {
                    "mode": r.mode,
                    "live": r.live.ref,
                    "candidate": r.candidate.ref if r.candidate else None,
                    "canary_percent": r.percent,
                    "paused": name in controls.paused,
                    "review_rules": name in controls.matchers,
                    "batches": {
                        m.ref: {"batches": m.batcher.batches, "requests": m.batcher.requests}
                        for m in (r.live, r.candidate)
                        if m is not None and m.batcher is not None
                    },
                }
                for name, r in self.router.routes.items()
            },
            "load_errors": dict(self.watcher.errors),
            "scoring_processes": self.offload.status(),
            "prediction_log": {**self.predlog.counts(), "last_flush": self.predlog.last_flush},
        }
