"""Run the scoring service in this process: bind, record the instance, serve, stop cleanly.

SIGTERM and Ctrl-C stop it gracefully: uvicorn stops accepting, requests in flight finish, shadow
scorings finish, the prediction log is flushed, and the instance is marked stopped.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_desktop.errors import InputError
from mlops_desktop.serving.offload_worker import one_thread_per_predict
from mlops_desktop.serving.service import DEFAULT_MAX_BODY, ScoringService, is_loopback, token_hash

if TYPE_CHECKING:
    import uvicorn

    from mlops_desktop.registry.workspace import Workspace

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5151
TOKEN_ENV = "MLOPS_DESKTOP_TOKEN"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port), or InputError saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP;
    # without it every answer waited ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(
            f"Cannot listen on {host}:{port}: {exc.strerror}. Another program (or another scoring "
            "service) may be using the port: choose another with --port, or stop the other one.",
            details=repr(exc),
        ) from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def check_bind(host: str, token: str | None) -> bool:
    """Whether every request needs the token; refuse a non-loopback bind without one."""
    if is_loopback(host):
        return False
    if not token:
        raise InputError(
            f"Listening on {host} lets other machines reach the service, so it needs a token: "
            f"set {TOKEN_ENV} (or give --token-file PATH); every request must then send "
            "'Authorization: Bearer TOKEN'."
        )
    return True


def _record(ws: Workspace, host: str, port: int, token: str | None) -> int:
    from mlops_desktop.registry.db import write

    with write(ws.db):
        instance_id = ws.services.register(host, port, token_hash(token) if token else None)
        ws.audit.record(
            "service.start", "service", f"{host}:{port}", {"pid": os.getpid(), "token": bool(token)}
        )
    return instance_id


def _set_status(ws: Workspace, instance_id: int, status: str) -> None:
    from mlops_desktop.registry.db import write

    stopped = time.time() if status in ("stopped", "crashed") else None
    with write(ws.db):
        ws.services.set_status(instance_id, status, stopped)
        if stopped:
            ws.audit.record("service.stop", "service", str(instance_id), {"status": status})


def _run_event_loop(main) -> None:
    """Run ``main`` on uvloop where it is installed (a faster event loop), else on asyncio's."""
    try:
        import uvloop
    except ImportError:  # Windows: uvloop does not exist there
        asyncio.run(main)
        return
    uvloop.run(main)


def _uvicorn_server(service: ScoringService) -> uvicorn.Server:
    """The uvicorn server for ``service``'s app (behind the fast path); stoppable by the app."""
    import uvicorn

    from mlops_desktop.serving.app import build_app
    from mlops_desktop.serving.fast_path import with_fast_path
    from mlops_desktop.serving.http_protocol import HeaderTimeoutProtocol

    server = uvicorn.Server(
        uvicorn.Config(
            with_fast_path(build_app(service), service),
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=HeaderTimeoutProtocol,
            timeout_graceful_shutdown=15,
            timeout_keep_alive=30,
        )
    )
    service.request_stop = lambda: setattr(server, "should_exit", True)
    service.watcher.on_stop_request = service.request_stop  # `stop_service` on every platform
    return server


async def _serve(
    server: uvicorn.Server, sock: socket.socket, service: ScoringService, started: Callable
) -> None:
    """Serve on ``sock`` until stopped, call ``started()`` once listening, then drain shadows."""
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if server.started:
        started()
    await task
    await service.drain()


def _swallow_signal(_sig: int, _frame) -> None:
    """uvicorn re-raises the signals it captured once it has served; they are handled by then."""


def run_server(
    workspace: Path | str,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    token: str | None = None,
    *,
    require_token: bool = False,
    default_model: str | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    on_ready: Callable[[str, int], None] | None = None,
    on_stopped: Callable[[dict[str, int]], None] | None = None,
    scoring_processes: int | None = None,
) -> int:
    """Serve until SIGTERM, Ctrl-C or ``POST /admin/stop``; return 0 after a clean stop.

    ``on_stopped`` gets the prediction log's counts (written, quarantined, dropped, pending).
    ``scoring_processes`` big requests are read and scored in (None: two on two cores or more,
    0: none, all in this process)."""
    from mlops_desktop.registry.workspace import Workspace

    if scoring_processes is not None and scoring_processes < 0:
        raise InputError(f"--scoring-processes must be 0 or more; got {scoring_processes}.")
    token = token or os.environ.get(TOKEN_ENV) or None
    require_token = check_bind(host, token) or require_token
    if require_token and not token:
        raise InputError(
            f"--require-token needs a token: set {TOKEN_ENV} or give --token-file PATH."
        )
    sock = bind(host, port)
    port = sock.getsockname()[1]
    ws = Workspace.open(workspace, create=False)
    instance_id = _record(ws, host, port, token)
    service = ScoringService(
        ws.path,
        token=token,
        require_token=require_token,
        default_model=default_model,
        max_body=max_body,
        instance_id=instance_id,
        scoring_processes=scoring_processes,
    )

    def started() -> None:
        _set_status(ws, instance_id, "running")
        if on_ready is not None:
            on_ready(host, port)

    previous = {s: signal.signal(s, _swallow_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        one_thread_per_predict()
        service.start()
        server = _uvicorn_server(service)
        gc.freeze()  # the loaded libraries, models and app never become garbage: skip them in GC
        # Hand the GIL over after 1 ms instead of 5: while worker threads decode, validate and log
        # a big request, the event loop waits less for its turn (/ping stays quick).
        sys.setswitchinterval(0.001)
        _run_event_loop(_serve(server, sock, service, started))
        status = "stopped"
    except BaseException:
        status = "crashed"
        raise
    finally:
        service.close()
        _set_status(ws, instance_id, status)
        ws.close()
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if on_stopped is not None:
        on_stopped(service.predlog.counts())
    return 0
