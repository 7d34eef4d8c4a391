"""Bridge from the Qt-free JobPool's listener (its own thread) to a Qt signal on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from mlops_desktop.jobs.pool import JobPool
from mlops_desktop.registry.entities import Job


class JobBridge(QObject):
    """Re-emits every job change from a JobPool as ``job_changed(Job)``.

    The pool calls the listener on its monitor thread. Emitting a signal from there on this
    object, which lives on the GUI thread, makes Qt queue the call to receivers on the GUI
    thread, so slots connected to ``job_changed`` may touch widgets. Call ``detach`` before the
    bridge is destroyed.
    """

    job_changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool: JobPool | None = None

    @property
    def pool(self) -> JobPool | None:
        return self._pool

    def attach(self, pool: JobPool) -> None:
        """Start forwarding ``pool``'s job changes (detaching from any previous pool)."""
        self.detach()
        self._pool = pool
        pool.add_listener(self._on_job)

    def detach(self) -> None:
        """Stop forwarding; changes the pool publishes afterwards are not delivered."""
        if self._pool is not None:
            self._pool.remove_listener(self._on_job)
            self._pool = None

    def _on_job(self, job: Job) -> None:  # runs on the pool's thread
        self.job_changed.emit(job)
