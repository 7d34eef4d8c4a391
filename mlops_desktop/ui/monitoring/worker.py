"""The Monitor page's poll: once a second, on a pool thread with its own workspace connection,
compute the due windows of the watched model, evaluate its alert rules and read what the charts
draw; the snapshot arrives on the GUI thread as a signal (see ``ui.monitoring.model``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject

from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.monitoring.model import MonitorSnapshot, SnapshotReader
from mlops_desktop.ui.runtime.background import POLL_MS, Poller


class MonitorPoller(Poller):
    """Polls the watched model every second while running, never two polls at once.

    Signals:
        polled(MonitorSnapshot): a fresh snapshot (GUI thread).
        poll_failed(str): a poll could not read the registry (the next one tries again).
    """

    def __init__(self, parent: QObject | None = None, interval_ms: int = POLL_MS) -> None:
        super().__init__(None, parent, interval_ms, what="monitor poll")
        self._reader = SnapshotReader()
        self.model: str | None = None
        #: False while a ``monitor_model`` job computes the backlog (the poll only reads then).
        self.compute = True

    def set_workspace(self, path: Path | None) -> None:
        """Poll the workspace at ``path`` (None: none)."""
        if self.set_path(path):
            self.model = None
            self._reader = SnapshotReader()

    def set_model(self, name: str | None) -> None:
        """Watch ``name`` (None: the first live model) and poll now."""
        self.model = name
        self.poll()

    def reader(self) -> Callable[[Workspace], MonitorSnapshot]:
        snapshots, model, compute = self._reader, self.model, self.compute
        return lambda ws: snapshots.read(ws, model, compute)
