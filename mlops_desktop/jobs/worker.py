"""The body of a worker process: wait for one job, run it, report, exit.

A worker runs exactly one job and then exits, so the memory a job used is returned to the OS
when it ends. Workers are started ahead of need (warm), with heavy libraries already imported.
"""

from __future__ import annotations

import importlib
import os
import threading
import traceback
from multiprocessing.connection import Connection
from typing import Any

from mlops_desktop.errors import JobCancelled, MlopsError
from mlops_desktop.jobs.context import JobContext, resolve

WORKER_NICENESS = 5


def _json_safe(value: Any) -> Any:
    import json

    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))


def worker_main(conn: Connection, cancel_event: Any, preload: tuple[str, ...]) -> None:
    if hasattr(os, "nice"):
        try:
            os.nice(WORKER_NICENESS)  # background work yields the CPU to the window first
        except OSError:
            pass
    for module in preload:
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    send_lock = threading.Lock()

    def send(message: tuple) -> None:
        with send_lock:
            conn.send(message)

    send(("ready", os.getpid()))
    try:
        message = conn.recv()
    except EOFError:
        return
    if message[0] != "run":
        return
    _, job_id, ref, kwargs, workspace_path = message
    ctx = JobContext(job_id, workspace_path, send, cancel_event.is_set)
    try:
        fn = resolve(ref)
        result = fn(ctx, **kwargs)
        send(("succeeded", _json_safe(result)))
    except JobCancelled:
        send(("cancelled",))
    except MlopsError as exc:
        send(("failed", exc.message, exc.details or traceback.format_exc()))
    except MemoryError:
        send(("failed", "The job ran out of memory.", traceback.format_exc()))
    except BaseException as exc:  # noqa: BLE001 - report everything, the process ends anyway
        send(("failed", f"Unexpected error: {type(exc).__name__}: {exc}", traceback.format_exc()))
    finally:
        ctx.close()
        conn.close()
