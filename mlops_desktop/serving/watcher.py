"""The service's registry watcher: picks up alias and deployment changes, and beats its heart.

Every ``interval`` seconds (0.25 s) it reads the routing table; when it changed, it loads the
new versions (off the request path), then swaps the router's table in one assignment. Requests
in flight finish on the models they started with.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from mlops_desktop.serving.deployments import RouteSpec, routing_table
from mlops_desktop.serving.load_failures import LoadFailures
from mlops_desktop.serving.models import LoadedModel, ModelCache
from mlops_desktop.serving.oversight import Oversight
from mlops_desktop.serving.router import Route, Router

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.25
HEARTBEAT_INTERVAL_S = 1.0


class Watcher:
    def __init__(
        self,
        workspace_path: Path,
        router: Router,
        instance_id: int | None = None,
        interval: float = POLL_INTERVAL_S,
    ) -> None:
        from mlops_desktop.registry.workspace import Workspace

        self.ws = Workspace.open(workspace_path, create=False)
        self.router = router
        self.cache = ModelCache(self.ws)
        self.instance_id = instance_id
        self.interval = interval
        self.specs: dict[str, RouteSpec] = {}
        self.errors: dict[str, str] = {}  # model name: what could not be loaded, what serves
        self.failures = LoadFailures()
        self.oversight = Oversight()  # review rules and pauses, refreshed with the routes
        self._sync_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_beat = 0.0
        self.on_stop_request: Callable[[], None] | None = None  # a stop asked through the registry

    def start(self) -> None:
        self.sync()
        self.refresh_oversight()
        self._thread = threading.Thread(target=self._run, name="registry-watcher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.sync()
                self.refresh_oversight()
                self.heartbeat()
            except Exception:  # noqa: BLE001 - a busy or locked registry: try again next time
                log.exception("registry watcher poll failed")

    def heartbeat(self, force: bool = False) -> None:
        now = time.time()
        if self.instance_id is None or (not force and now - self._last_beat < HEARTBEAT_INTERVAL_S):
            return
        self._last_beat = now
        with self._sync_lock:
            self.ws.services.heartbeat(self.instance_id, now)
            stop = self.ws.services.stop_requested(self.instance_id)
        if stop and self.on_stop_request is not None:
            self.on_stop_request()

    def refresh_oversight(self) -> None:
        """Re-read the review rules and paused models (two small queries)."""
        with self._sync_lock:
            self.oversight.refresh(self.ws)

    def sync(self) -> bool:
        """Read the routing table and swap models if it changed (or a failed load is due)."""
        with self._sync_lock:
            specs = routing_table(self.ws)
            if specs == self.specs and not self.failures.due():
                return False
            routes: dict[str, Route] = {}
            errors: dict[str, str] = {}
            for name, spec in specs.items():
                route = self._route(spec)
                if route is not None:
                    routes[name] = route
                ids = [spec.live_id] + ([spec.candidate_id] if spec.candidate_id else [])
                message = self.failures.message(ids, route.live.ref if route else None, name)
                if message is not None:
                    errors[name] = message
                    log.error("%s", message)
            if routes != self.router.routes:
                self.router.replace(routes)
            self.errors = errors  # one assignment: status readers see a whole dict
            self.specs = specs
            self.failures.keep_only(
                {i for s in specs.values() for i in (s.live_id, s.candidate_id)}
            )
            used = {r.live.version.id for r in routes.values()} | {
                r.candidate.version.id for r in routes.values() if r.candidate is not None
            }
            self.cache.keep_only(used)
            return True

    def _load(self, version_id: int) -> LoadedModel | None:
        """The loaded version, or None after recording why it could not be loaded."""
        try:
            version = self.ws.models.by_id(version_id)
        except Exception as exc:  # noqa: BLE001 - a row gone: reported like a failed load
            self.failures.record(version_id, f"version id {version_id}", Path(), exc)
            return None
        try:
            model = self.cache.get(version)
        except Exception as exc:  # noqa: BLE001 - keep serving what we had, and retry
            path = self.ws.artifacts.root / version.artifact_hash[:2] / version.artifact_hash
            self.failures.record(version_id, version.ref, path, exc)
            return None
        self.failures.cleared(version_id)
        return model

    def _route(self, spec: RouteSpec) -> Route | None:
        """The route to serve for ``spec``; what was served before when its live version fails.

        A candidate that fails is left out (live serves everything) until it loads.
        """
        live = self._load(spec.live_id)
        candidate = self._load(spec.candidate_id) if spec.candidate_id is not None else None
        if live is None:
            return self.router.get(spec.name)
        if spec.candidate_id is not None and candidate is None:
            return Route(spec.name, live)
        return Route(spec.name, live, candidate, spec.mode, spec.percent)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
        self.ws.close()
