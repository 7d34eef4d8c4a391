"""One worker process as the pool sees it: start it, hear that it is ready, stop it, and say
in words why it ended."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from mlops_desktop.jobs.worker import worker_main


@dataclass
class WorkerHandle:
    """A started worker process, its end of the pipe and its cancel event."""

    process: Any
    conn: Connection
    cancel_event: Any
    ready: bool = False

    @classmethod
    def spawn(cls, mp_context: Any, preload: tuple[str, ...]) -> WorkerHandle:
        """Start a daemon worker that imports ``preload`` and waits for jobs."""
        parent_conn, child_conn = mp_context.Pipe()
        cancel_event = mp_context.Event()
        process = mp_context.Process(
            target=worker_main,
            args=(child_conn, cancel_event, preload),
            name="mlops-desktop-worker",
            daemon=True,
        )
        process.start()
        child_conn.close()
        return cls(process, parent_conn, cancel_event)

    def read_idle(self) -> bool:
        """Read what an idle worker sent (its "ready"); False once its pipe is closed."""
        try:
            while self.conn.poll():
                message = self.conn.recv()
                if message[0] == "ready":
                    self.ready = True
        except (EOFError, OSError):
            return False
        return True

    def stop(self) -> None:
        """Ask the worker to exit; kill it if it has not within a second."""
        try:
            self.conn.send(("exit",))
        except (OSError, ValueError):
            pass
        self.process.join(1.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1.0)
        self.conn.close()


def describe_exit(exitcode: int | None) -> str:
    """Explain a worker's exit code in words."""
    if exitcode is None:
        return "it stopped responding"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " This often means it ran out of memory or was killed." if name == "SIGKILL" else ""
        return f"it was ended by {name}.{hint}"
    return f"it exited with code {exitcode}."
