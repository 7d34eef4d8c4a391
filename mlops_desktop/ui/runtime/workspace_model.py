"""The GUI's single handle on the open workspace and its job pool.

Pages never touch SQL: they read from this object (``summary``, ``jobs()``, ``workspace``
stores) and start work through ``submit``. Job changes arrive from the pool's thread through a
JobBridge and are re-emitted here on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from mlops_desktop.errors import NotFoundError, WorkspaceError
from mlops_desktop.jobs.pool import JobPool
from mlops_desktop.registry.entities import Job, WorkspaceSummary
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.runtime.job_bridge import JobBridge

log = logging.getLogger(__name__)

SUMMARY_INTERVAL_MS = 2000
SLOW_SUMMARY_MS = 50.0
JobCallback = Callable[[Job], None]

_shutdown_threads: list[threading.Thread] = []


def open_workspace(path: Path, create: bool = True) -> Workspace:
    """``Workspace.open`` that also turns stray OS errors into a WorkspaceError."""
    try:
        return Workspace.open(path, create=create)
    except WorkspaceError:
        raise
    except OSError as exc:
        raise WorkspaceError(
            f"Cannot use the folder {path}: {exc.strerror or exc}. Check that it exists and that "
            "you may read and write it.",
            details=repr(exc),
        ) from exc


def wait_for_pool_shutdowns(timeout: float = 15.0) -> None:
    """Wait for pools closed in the background (called once as the app exits)."""
    deadline = time.monotonic() + timeout
    for thread in list(_shutdown_threads):
        thread.join(max(0.0, deadline - time.monotonic()))
    _shutdown_threads[:] = [t for t in _shutdown_threads if t.is_alive()]


class WorkspaceModel(QObject):
    """The open Workspace plus its JobPool, with Qt signals for the GUI.

    Signals:
        workspace_changed(): another workspace was opened (or the current one closed).
        summary_changed(WorkspaceSummary): counts changed (polled every 2 s and after jobs end).
        job_changed(Job): any job of the pool changed (GUI thread).
        job_finished(Job): a job reached an end state (GUI thread).
        job_submitted(str): ``submit`` queued a job (its id).
        registry_changed(): the registry changed (any write, by this app or another process)
            while the counts stayed the same; ``revision`` counts such changes.
    """

    workspace_changed = Signal()
    summary_changed = Signal(object)
    job_changed = Signal(object)
    job_finished = Signal(object)
    job_submitted = Signal(str)
    registry_changed = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        pool_options: dict[str, Any] | None = None,
        summary_interval_ms: int = SUMMARY_INTERVAL_MS,
    ) -> None:
        super().__init__(parent)
        self._workspace: Workspace | None = None
        self._pool: JobPool | None = None
        self._pool_options = dict(pool_options or {})
        self._summary: WorkspaceSummary | None = None
        self._stamp: tuple[int, int] | None = None
        #: Grows whenever the registry changed (any writer); pages key their caches on it.
        self.revision = 0
        self._callbacks: dict[str, JobCallback] = {}
        self._live: dict[str, Job] = {}
        self.last_summary_ms = 0.0
        self.max_summary_ms = 0.0
        self._bridge: JobBridge | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(summary_interval_ms)
        self._timer.timeout.connect(self.refresh_summary)

    # -- state -------------------------------------------------------------------------------

    @property
    def workspace(self) -> Workspace | None:
        """The open Workspace (its stores are for reads on the GUI thread; keep them quick)."""
        return self._workspace

    @property
    def path(self) -> Path | None:
        return self._workspace.path if self._workspace else None

    @property
    def pool(self) -> JobPool | None:
        return self._pool

    @property
    def summary(self) -> WorkspaceSummary | None:
        """The latest counts (refreshed every 2 s and when a job ends)."""
        return self._summary

    def is_open(self) -> bool:
        return self._workspace is not None

    # -- opening and closing -----------------------------------------------------------------

    def open(self, path: Path | str, create: bool = True) -> None:
        """Open the workspace at ``path`` in place of the current one.

        Raises WorkspaceError (the current workspace stays open then). Running jobs of the
        previous workspace are cancelled; ask the user first (see ``running_count``).
        """
        workspace = open_workspace(Path(path), create=create)
        self.close(wait=False)
        self._workspace = workspace
        self._pool = JobPool(workspace.path, **self._pool_options)
        # One bridge per pool, so changes still queued from a previous pool are recognised
        # (by their sender) and dropped instead of showing up in this workspace.
        self._bridge = JobBridge(self)
        self._bridge.job_changed.connect(self._on_job_changed)
        self._bridge.attach(self._pool)
        self._summary = None
        self._stamp = None
        self.revision += 1
        self.refresh_summary()
        self._timer.start()
        self.workspace_changed.emit()
        self._build_demo_if_needed()

    def demo_build(self) -> Job | None:
        """The demo's build job while it is queued or running, else None."""
        if self._workspace is None:
            return None
        # Submitted jobs are known here before the pool has stored them.
        jobs = [*self._live.values(), *self.jobs(limit=20)]
        return next((j for j in jobs if j.kind == "build_demo" and not j.finished), None)

    def _build_demo_if_needed(self) -> None:
        """The demo workspace fills itself in the background on first use (Jobs panel shows it)."""
        from mlops_desktop.demo.workspace import build_demo, is_built
        from mlops_desktop.paths import demo_workspace_dir

        workspace = self._workspace
        if workspace is None or workspace.path != demo_workspace_dir().resolve():
            return
        if not is_built(workspace) and self.demo_build() is None:
            self.submit(build_demo, title="Build the demo workspace")

    def close(self, wait: bool = True) -> None:
        """Cancel running jobs, stop the pool and close the database.

        With ``wait=False`` the pool stops on a background thread, so the GUI does not wait
        for workers to exit; ``wait_for_pool_shutdowns`` joins those threads at app exit.
        """
        self._timer.stop()
        if self._bridge is not None:
            self._bridge.detach()
            self._bridge.deleteLater()
            self._bridge = None
        self._callbacks.clear()
        self._live.clear()
        pool, self._pool = self._pool, None
        if pool is not None:
            if wait:
                pool.shutdown()
            else:
                thread = threading.Thread(target=pool.shutdown, name="pool-shutdown")
                thread.start()
                _shutdown_threads.append(thread)
        if self._workspace is not None:
            self._workspace.close()
            self._workspace = None
            self._summary = None

    # -- reading -----------------------------------------------------------------------------

    @Slot()
    def refresh_summary(self) -> WorkspaceSummary | None:
        """Re-read the counts (a few indexed COUNT queries; timed in ``last_summary_ms``) and
        tell the pages when anything in the registry changed since the last look."""
        if self._workspace is None:
            return None
        start = time.perf_counter()
        stamp = self._workspace.change_stamp()
        summary = self._workspace.summary()
        self.last_summary_ms = (time.perf_counter() - start) * 1000
        self.max_summary_ms = max(self.max_summary_ms, self.last_summary_ms)
        if self.last_summary_ms > SLOW_SUMMARY_MS:
            log.warning("workspace summary took %.0f ms", self.last_summary_ms)
        moved = stamp != self._stamp
        if moved:
            self._stamp = stamp
            self.revision += 1
        if summary != self._summary:
            self._summary = summary
            self.summary_changed.emit(summary)
        elif moved:
            self.registry_changed.emit()
        return summary

    def jobs(self, limit: int = 200) -> list[Job]:
        """Jobs of this workspace, newest first: the registry's records overlaid with live state."""
        if self._workspace is None:
            return []
        stored = self._workspace.jobs.list(limit=limit)
        return [self._live.get(job.id, job) for job in stored]

    def job(self, job_id: str) -> Job | None:
        """The latest known state of one job."""
        if job_id in self._live:
            return self._live[job_id]
        if self._pool is not None and (snapshot := self._pool.snapshot(job_id)) is not None:
            return snapshot
        if self._workspace is None:
            return None
        try:
            return self._workspace.jobs.get(job_id)
        except NotFoundError:
            return None

    def running_count(self) -> int:
        """Jobs of this app's pool that are queued or running."""
        return self._pool.active_count() if self._pool is not None else 0

    # -- jobs --------------------------------------------------------------------------------

    def submit(
        self,
        fn: Callable[..., Any] | str,
        kwargs: dict[str, Any] | None = None,
        *,
        kind: str | None = None,
        title: str | None = None,
        on_finished: JobCallback | None = None,
    ) -> str:
        """Run ``fn(ctx, **kwargs)`` in a worker process; return the job id at once.

        ``fn`` must be a top-level function of an importable module (or ``"module:name"``).
        ``on_finished(job)`` is called on the GUI thread when the job ends, whatever the end
        state; the function's return value is ``job.result`` when ``job.status == "succeeded"``.
        """
        if self._pool is None:
            raise WorkspaceError("No workspace is open, so there is nowhere to run this job.")
        job_id = self._pool.submit(fn, kwargs, kind=kind, title=title)
        if on_finished is not None:
            self._callbacks[job_id] = on_finished
        snapshot = self._pool.snapshot(job_id)
        if snapshot is not None:
            self._live[job_id] = snapshot
            self.job_changed.emit(snapshot)
        self.job_submitted.emit(job_id)
        return job_id

    def cancel(self, job_id: str) -> None:
        """Ask a queued or running job to stop (it ends as cancelled)."""
        if self._pool is not None:
            self._pool.cancel(job_id)

    @Slot(object)
    def _on_job_changed(self, job: Job) -> None:
        if self._bridge is None or self.sender() is not self._bridge:
            return  # queued before the workspace changed
        previous = self._live.get(job.id)
        if previous is not None and previous.finished and not job.finished:
            return  # a late progress message after the end state: keep the end state
        self._live[job.id] = job
        self.job_changed.emit(job)
        if job.finished:
            self.job_finished.emit(job)
            callback = self._callbacks.pop(job.id, None)
            if callback is not None:
                try:
                    callback(job)
                except Exception:  # noqa: BLE001 - a page's bug must not break the others
                    log.exception("on_finished callback for job %s failed", job.id)
            self.refresh_summary()
