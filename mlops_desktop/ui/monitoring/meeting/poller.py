"""Meeting mode's polling: the board every second and a monitoring pass every few seconds.

Both run on pool threads with their own workspace connections (two ``Poller``s), so the board
never blocks the window and drift and alerts appear while the simulator sends traffic.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from mlops_desktop.ui.monitoring.meeting.data import snapshot
from mlops_desktop.ui.monitoring.model import background_pass
from mlops_desktop.ui.runtime.background import Poller

POLL_MS = 1000
MONITOR_MS = 5000
PASS_WINDOWS = 20  # windows a monitoring pass computes at most (the simulator is quick)


class BoardPoller(QObject):
    """Reads the board every second and runs a monitoring pass every few seconds, each on its
    own pool thread and workspace connection (two ``Poller``s).

    Signals:
        snapshot_ready(Snapshot); poll_failed(str); monitored(list[Alert]): the alerts a pass
        opened.
    """

    snapshot_ready = Signal(object)
    poll_failed = Signal(str)
    monitored = Signal(object)

    def __init__(
        self,
        path: Path,
        parent: QObject | None = None,
        interval_ms: int = POLL_MS,
        monitor_ms: int = MONITOR_MS,
    ) -> None:
        super().__init__(parent)
        self.board = Poller(snapshot, self, interval_ms, what="meeting board poll")
        self.passes = Poller(
            partial(background_pass, max_windows=PASS_WINDOWS),
            self,
            monitor_ms,
            what="meeting monitoring pass",
        )
        for poller in (self.board, self.passes):
            poller.set_path(path)
        self.board.polled.connect(self.snapshot_ready)
        self.board.poll_failed.connect(self.poll_failed)
        self.passes.polled.connect(self._on_monitored)

    def start(self) -> None:
        self.board.start()
        self.passes.start()

    def stop(self) -> None:
        self.board.stop()
        self.passes.stop()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Wait for the work under way (tests; the window does not block on it)."""
        return self.board.wait(timeout_ms) and self.passes.wait(timeout_ms)

    def poll(self) -> None:
        """Read the board now."""
        self.board.poll()

    def _on_monitored(self, opened: list) -> None:
        self.monitored.emit(opened)
        self.board.poll()
