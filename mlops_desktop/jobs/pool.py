"""A Qt-free pool of worker processes that runs jobs and keeps their state in the registry.

One monitor thread owns everything mutable: it starts workers, reads their messages, writes job
state to the registry and calls listeners. Other threads (the GUI) only put commands on a queue,
so ``submit`` and ``cancel`` never block on the database or on a process.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from mlops_desktop.jobs.context import function_ref
from mlops_desktop.jobs.worker_handle import WorkerHandle, describe_exit
from mlops_desktop.registry.entities import Job
from mlops_desktop.registry.job_store import new_job_id
from mlops_desktop.registry.workspace import Workspace

log = logging.getLogger(__name__)

DEFAULT_PRELOAD = ("numpy", "pandas", "sklearn", "mlops_desktop.registry")
POLL_S = 0.05
DB_WRITE_INTERVAL_S = 0.25
Listener = Callable[[Job], None]


@dataclass
class _Active:
    job: Job
    worker: WorkerHandle
    cancel_at: float | None = None
    terminated_at: float | None = None
    end_message: tuple | None = None
    pending_logs: list[str] = field(default_factory=list)
    last_db_write: float = 0.0


class JobPool:
    """Runs job functions in worker processes, one process per job.

    ``max_workers`` jobs run at once; the rest wait in order. ``warm_workers`` idle processes are
    kept started (libraries imported) so a job begins without paying start-up time.
    """

    def __init__(
        self,
        workspace_path: Path | str,
        max_workers: int = 2,
        warm_workers: int = 1,
        preload: tuple[str, ...] = DEFAULT_PRELOAD,
        cancel_grace_s: float = 3.0,
    ) -> None:
        self.workspace_path = Path(workspace_path)
        self.max_workers = max(1, max_workers)
        self.warm_workers = max(0, warm_workers)
        self.preload = preload
        self.cancel_grace_s = cancel_grace_s
        self._mp = mp.get_context("spawn")
        self._commands: queue.Queue[tuple] = queue.Queue()
        self._listeners: list[Listener] = []
        self._snapshots: dict[str, Job] = {}
        self._done_events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._queued: list[tuple[Job, str, dict]] = []
        self._active: dict[str, _Active] = {}
        self._idle: list[WorkerHandle] = []
        self._stopping = False
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-pool", daemon=True)
        self._thread.start()

    # -- API for any thread --------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(job)`` (on the pool's thread) whenever a job changes."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def submit(
        self,
        fn: Callable[..., Any] | str,
        kwargs: dict[str, Any] | None = None,
        *,
        kind: str | None = None,
        title: str | None = None,
    ) -> str:
        """Queue ``fn(ctx, **kwargs)``; return the job id at once."""
        ref = function_ref(fn)
        job_id = new_job_id()
        kind = kind or ref.rpartition(":")[2]
        job = Job(
            id=job_id,
            kind=kind,
            title=title or kind.replace("_", " ").capitalize(),
            status="queued",
            params=dict(kwargs or {}),
            owner_pid=os.getpid(),
            created_at=time.time(),
        )
        with self._lock:
            self._snapshots[job_id] = job
            self._done_events[job_id] = threading.Event()
        self._commands.put(("submit", job, ref, dict(kwargs or {})))
        return job_id

    def cancel(self, job_id: str) -> None:
        """Ask a job to stop; a job that does not stop within the grace period is killed."""
        self._commands.put(("cancel", job_id))

    def snapshot(self, job_id: str) -> Job | None:
        """The latest known state of a job submitted to this pool."""
        with self._lock:
            return self._snapshots.get(job_id)

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """Block until the job ends (for the CLI and tests, never the GUI thread)."""
        with self._lock:
            event = self._done_events[job_id]
        if not event.wait(timeout):
            raise TimeoutError(f"job {job_id} still running after {timeout} s")
        snapshot = self.snapshot(job_id)
        assert snapshot is not None
        return snapshot

    def active_count(self) -> int:
        with self._lock:
            return sum(1 for j in self._snapshots.values() if not j.finished)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel what runs, stop idle workers and the monitor thread."""
        if not self._thread.is_alive():
            return
        self._commands.put(("shutdown",))
        self._thread.join(timeout)

    # -- the monitor thread --------------------------------------------------------------------

    def _run(self) -> None:
        self._ws = Workspace.open(self.workspace_path, create=False)
        try:
            self._ws.clean_leftovers()
            self._started.set()
            while True:
                self._drain_commands()
                if self._stopping and not self._active:
                    break
                self._schedule()
                self._poll(POLL_S)
                self._enforce_cancel_deadlines()
        except Exception:  # noqa: BLE001 - keep the failure visible in logs, never silent
            log.exception("job pool monitor crashed")
            raise
        finally:
            for worker in self._idle:
                worker.stop()
            self._idle.clear()
            self._ws.close()

    def _drain_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            if command[0] == "submit":
                _, job, ref, kwargs = command
                stored = self._ws.jobs.create(job.kind, job.title, kwargs, job.owner_pid, job.id)
                self._queued.append((stored, ref, kwargs))
                self._publish(stored)
            elif command[0] == "cancel":
                self._cancel(command[1], "Cancelled by the user")
            elif command[0] == "shutdown":
                self._stopping = True
                for job, _, _ in list(self._queued):
                    self._cancel(job.id, "Cancelled because the app closed")
                for job_id in list(self._active):
                    self._cancel(job_id, "Cancelled because the app closed")

    def _cancel(self, job_id: str, message: str) -> None:
        for index, (job, _, _) in enumerate(self._queued):
            if job.id == job_id:
                del self._queued[index]
                self._finish(job, "cancelled", message=message)
                return
        active = self._active.get(job_id)
        if active and active.cancel_at is None:
            self._ws.jobs.request_cancel(job_id)
            active.worker.cancel_event.set()
            active.cancel_at = time.monotonic()
            self._publish(
                dataclasses.replace(active.job, message="Cancelling…", cancel_requested=1)
            )

    def _schedule(self) -> None:
        if self._stopping:
            return
        while self._queued and len(self._active) < self.max_workers:
            job, ref, kwargs = self._queued.pop(0)
            worker = self._idle.pop(0) if self._idle else self._spawn()
            try:
                worker.conn.send(("run", job.id, ref, kwargs, str(self.workspace_path)))
            except (OSError, ValueError) as exc:
                self._finish(job, "failed", error=f"Could not start a worker process: {exc}")
                continue
            self._ws.jobs.mark_running(job.id, worker.process.pid)
            running = dataclasses.replace(
                job,
                status="running",
                worker_pid=worker.process.pid,
                started_at=time.time(),
                message="Starting…" if worker.ready else "Starting a worker process…",
            )
            self._active[job.id] = _Active(running, worker)
            self._publish(running)
        spare = self.warm_workers if len(self._active) < self.max_workers else 0
        while len(self._idle) < spare:
            self._idle.append(self._spawn())

    def _spawn(self) -> WorkerHandle:
        return WorkerHandle.spawn(self._mp, self.preload)

    def _poll(self, timeout: float) -> None:
        handles: dict[Any, tuple[str, Any]] = {}
        for job_id, active in self._active.items():
            handles[active.worker.conn] = ("conn", job_id)
            handles[active.worker.process.sentinel] = ("exit", job_id)
        for worker in self._idle:
            handles[worker.conn] = ("idle", worker)
            handles[worker.process.sentinel] = ("idle-exit", worker)
        if not handles:
            time.sleep(timeout)
            return
        for handle in wait(list(handles), timeout):
            what, key = handles[handle]
            if what == "conn" and key in self._active:
                self._read_messages(self._active[key])
            elif what == "exit" and key in self._active:
                self._read_messages(self._active[key])
                self._on_exit(self._active[key])
            elif what == "idle":
                if not key.read_idle() and key in self._idle:
                    self._idle.remove(key)
            elif what == "idle-exit" and key in self._idle:
                self._idle.remove(key)  # a warm worker died before taking a job: spawn anew later

    def _read_messages(self, active: _Active) -> None:
        conn = active.worker.conn
        try:
            while conn.poll():
                self._handle(active, conn.recv())
        except (EOFError, OSError):
            pass

    def _handle(self, active: _Active, message: tuple) -> None:
        kind = message[0]
        if kind == "progress":
            active.job = dataclasses.replace(active.job, progress=message[1], message=message[2])
            self._flush(active)
            self._publish(active.job)
        elif kind == "log":
            active.pending_logs.append(message[1])
            active.job = dataclasses.replace(active.job, log=active.job.log + message[1] + "\n")
            self._publish(active.job)
        elif kind in ("succeeded", "failed", "cancelled"):
            active.end_message = message

    def _flush(self, active: _Active, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - active.last_db_write >= DB_WRITE_INTERVAL_S:
            self._ws.jobs.update_progress(
                active.job.id, active.job.progress, active.job.message, active.pending_logs
            )
            active.pending_logs = []
            active.last_db_write = now

    def _on_exit(self, active: _Active) -> None:
        process = active.worker.process
        process.join(1.0)
        del self._active[active.job.id]
        active.worker.conn.close()
        self._flush(active, force=True)
        message = active.end_message
        if message and message[0] == "succeeded":
            self._finish(active.job, "succeeded", result=message[1], message="Done")
        elif message and message[0] == "failed":
            self._finish(active.job, "failed", error=message[1], details=message[2])
        elif message and message[0] == "cancelled" or active.cancel_at is not None:
            text = (
                "Cancelled"
                if active.terminated_at is None
                else "Cancelled (the worker was stopped)"
            )
            self._finish(active.job, "cancelled", message=text)
        else:
            self._finish(
                active.job,
                "failed",
                error=f"The worker process ended unexpectedly: {describe_exit(process.exitcode)}",
            )

    def _enforce_cancel_deadlines(self) -> None:
        now = time.monotonic()
        for active in list(self._active.values()):
            if active.cancel_at is None:
                continue
            process = active.worker.process
            if active.terminated_at is None and now - active.cancel_at > self.cancel_grace_s:
                process.terminate()
                active.terminated_at = now
            elif (
                active.terminated_at is not None
                and now - active.terminated_at > 2.0
                and process.is_alive()
            ):
                process.kill()

    def _finish(
        self,
        job: Job,
        status: str,
        *,
        result: Any = None,
        error: str | None = None,
        details: str | None = None,
        message: str | None = None,
    ) -> None:
        stored = self._ws.jobs.finish(
            job.id, status, result=result, error=error, error_details=details, message=message
        )
        self._publish(stored)
        with self._lock:
            event = self._done_events.get(job.id)
        if event:
            event.set()

    def _publish(self, job: Job) -> None:
        with self._lock:
            self._snapshots[job.id] = job
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(job)
            except Exception:  # noqa: BLE001 - one bad listener must not stop the pool
                log.exception("job listener failed")
