"""The Monitor page's poll: once a second, on a pool thread with its own workspace connection,
compute the due windows of the watched model, evaluate its alert rules and read what the charts
draw; the snapshot arrives on the GUI thread as a signal (see ``monitor_data``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from mlops_desktop.errors import MlopsError
from mlops_desktop.ui.monitor_data import MonitorSnapshot, SnapshotReader
from mlops_desktop.ui.service_monitor import POLL_MS, PollConnection, _Call, _Relay

log = logging.getLogger(__name__)


class MonitorPoller(QObject):
    """Polls the watched model every second while running, never two polls at once.

    Signals:
        snapshot_ready(MonitorSnapshot): a fresh snapshot (GUI thread).
        poll_failed(str): a poll could not read the registry (the next one tries again).
    """

    snapshot_ready = Signal(object)
    poll_failed = Signal(str)

    def __init__(self, parent: QObject | None = None, interval_ms: int = POLL_MS) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)
        self._path: Path | None = None
        self._reader = SnapshotReader()
        self.connection = PollConnection()
        self._in_flight = False
        self._again = False
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_polled)
        self._quiet = _Relay(self)
        self.model: str | None = None
        #: False while a ``monitor_model`` job computes the backlog (the poll only reads then).
        self.compute = True
        self.polls = 0

    # -- control ---------------------------------------------------------------------------------

    def set_workspace(self, path: Path | None) -> None:
        """Poll the workspace at ``path`` (None: none)."""
        if path == self._path:
            return
        self._path = path
        self.model = None
        self._reader = SnapshotReader()
        # Close the old connection on the pool thread, after a poll under way: never wait here.
        self.pool.start(_Call(self._close_ws, self._quiet))

    def set_model(self, name: str | None) -> None:
        """Watch ``name`` (None: the first live model) and poll now."""
        self.model = name
        self.poll()

    def start(self) -> None:
        """Poll now and then every second (the page became visible)."""
        if self._path is not None:
            self._timer.start()
            self.poll()

    def pause(self) -> None:
        """Stop the timer (the page was hidden); a poll under way still delivers."""
        self._timer.stop()

    def running(self) -> bool:
        return self._timer.isActive()

    def stop(self) -> None:
        self._timer.stop()
        self.pool.waitForDone(10_000)
        self._close_ws()

    def _close_ws(self) -> None:
        self.connection.close()

    # -- polling ---------------------------------------------------------------------------------

    @Slot()
    def poll(self) -> None:
        """Start one poll now; when one is under way, another follows it at once."""
        if self._path is None:
            return
        if self._in_flight:
            self._again = True
            return
        self._in_flight, self._again = True, False
        path, model, compute = self._path, self.model, self.compute

        def work() -> tuple[Path, MonitorSnapshot]:
            return path, self.connection.run(path, lambda ws: self._reader.read(ws, model, compute))

        self.pool.start(_Call(work, self._relay))

    @Slot(object, object)
    def _on_polled(self, result: Any, error: BaseException | None) -> None:
        self._in_flight = False
        if error is not None:
            message = error.message if isinstance(error, MlopsError) else str(error)
            log.warning("monitor poll failed: %s", message)
            self.poll_failed.emit(message)
        else:
            path, snapshot = result
            if path == self._path:
                self.polls += 1
                self.snapshot_ready.emit(snapshot)
        if self._again:
            self.poll()
