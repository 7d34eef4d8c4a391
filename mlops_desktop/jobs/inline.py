"""Run a job function in the current process (the CLI's way), recording it like the pool does."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from mlops_desktop.errors import JobCancelled, MlopsError
from mlops_desktop.jobs.context import JobContext, function_ref
from mlops_desktop.registry.entities import Job
from mlops_desktop.registry.workspace import Workspace

ProgressPrinter = Callable[[float, str], None]


def run_inline(
    ws: Workspace,
    fn: Callable[..., Any],
    kwargs: dict[str, Any] | None = None,
    *,
    kind: str | None = None,
    title: str | None = None,
    on_progress: ProgressPrinter | None = None,
) -> tuple[Job, Any]:
    """Run ``fn(ctx, **kwargs)`` here; return the finished job and the function's result.

    Ctrl-C ends the job as cancelled. Errors are recorded on the job and re-raised.
    """
    kwargs = dict(kwargs or {})
    ref = function_ref(fn)
    kind = kind or ref.rpartition(":")[2]
    job = ws.jobs.create(kind, title or kind.replace("_", " ").capitalize(), kwargs)
    ws.jobs.mark_running(job.id, job.owner_pid or 0)
    state = {"progress": 0.0, "message": ""}
    logs: list[str] = []

    def send(message: tuple) -> None:
        if message[0] == "progress":
            state["progress"], state["message"] = message[1], message[2]
            ws.jobs.update_progress(job.id, message[1], message[2], logs)
            logs.clear()
            if on_progress:
                on_progress(message[1], message[2])
        elif message[0] == "log":
            logs.append(message[1])

    ctx = JobContext(job.id, ws.path, send, lambda: False)
    try:
        result = fn(ctx, **kwargs)
    except (JobCancelled, KeyboardInterrupt):
        ws.jobs.update_progress(job.id, state["progress"], state["message"], logs)
        ws.jobs.finish(job.id, "cancelled", message="Cancelled")
        raise
    except MlopsError as exc:
        ws.jobs.update_progress(job.id, state["progress"], state["message"], logs)
        ws.jobs.finish(job.id, "failed", error=exc.message, error_details=exc.details)
        raise
    except Exception as exc:
        ws.jobs.update_progress(job.id, state["progress"], state["message"], logs)
        ws.jobs.finish(
            job.id,
            "failed",
            error=f"Unexpected error: {type(exc).__name__}: {exc}",
            error_details=traceback.format_exc(),
        )
        raise
    finally:
        ctx.close()
    ws.jobs.update_progress(job.id, state["progress"], state["message"], logs)
    return ws.jobs.finish(job.id, "succeeded", result=result, message="Done"), result
