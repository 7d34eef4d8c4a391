"""What a job function receives: progress reporting that doubles as the cancel check."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.errors import JobCancelled

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

Send = Callable[[tuple], None]
REPORT_INTERVAL_S = 0.05


class JobContext:
    """Passed to every job function as its first argument.

    ``report(fraction, message)`` publishes progress and raises JobCancelled once the user asked
    to cancel, so a job that reports regularly stops at its next report.
    """

    def __init__(
        self,
        job_id: str,
        workspace_path: Path | str | None,
        send: Send,
        is_cancelled: Callable[[], bool],
    ) -> None:
        self.job_id = job_id
        self.workspace_path = Path(workspace_path) if workspace_path else None
        self._send = send
        self._is_cancelled = is_cancelled
        self._last_sent = 0.0
        self._workspace: Workspace | None = None

    @property
    def cancelled(self) -> bool:
        return self._is_cancelled()

    def check_cancelled(self) -> None:
        """Raise JobCancelled if the user asked to cancel."""
        if self._is_cancelled():
            raise JobCancelled()

    def report(self, fraction: float, message: str = "") -> None:
        """Publish progress (0..1) and a short message; raise JobCancelled when cancelled."""
        self.check_cancelled()
        now = time.monotonic()
        if now - self._last_sent >= REPORT_INTERVAL_S or fraction >= 1.0:
            self._last_sent = now
            self._send(("progress", max(0.0, min(1.0, float(fraction))), str(message)))

    def log(self, message: str) -> None:
        """Append a line to the job's log (kept in the registry with the job)."""
        self._send(("log", str(message)))

    def workspace(self) -> Workspace:
        """The job's own connection to its workspace (opened on first use; the registry is
        imported then, to keep job start-up light)."""
        if self._workspace is None:
            from mlops_desktop.registry.workspace import Workspace

            if self.workspace_path is None:
                raise RuntimeError("This job was started without a workspace.")
            self._workspace = Workspace.open(self.workspace_path, create=False)
        return self._workspace

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()
            self._workspace: Workspace | None = None


def function_ref(fn: Callable[..., Any] | str) -> str:
    """``module:qualname`` for a top-level function, so a fresh process can import it."""
    if isinstance(fn, str):
        return fn
    module, name = fn.__module__, fn.__qualname__
    if "<" in name or module == "__main__":
        raise ValueError(f"{fn!r} must be a top-level function in an importable module")
    return f"{module}:{name}"


def resolve(ref: str) -> Callable[..., Any]:
    module, _, name = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj
