"""Work off the GUI thread: the pool-thread plumbing every page and window shares.

``BackgroundTasks`` runs a Qt-free function ``fn(ws, *args)`` once, with a fresh workspace
connection, and hands ``on_done(result, error)`` to the GUI thread. ``Poller`` runs a read every
second on its own pool thread and connection, never two at once, and emits the result: the
Deploy page's service monitor, the Monitor page and meeting mode are pollers.
"""

from __future__ import annotations

import _thread
import logging
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from mlops_desktop.errors import MlopsError
from mlops_desktop.registry.workspace import Workspace

log = logging.getLogger(__name__)
POLL_MS = 1000


class PollConnection:
    """A poller's own workspace connection, used and closed on pool threads only."""

    def __init__(self) -> None:
        self._ws: Workspace | None = None
        self._lock = threading.Lock()

    def run(self, path: Path, fn: Callable[[Workspace], Any]) -> Any:
        """``fn(ws)`` with a connection to the workspace at ``path`` (opened when it changed)."""
        with self._lock:
            if self._ws is None or self._ws.path != path.resolve():
                if self._ws is not None:
                    self._ws.close()
                self._ws = Workspace.open(path, create=False)
            return fn(self._ws)

    def close(self) -> None:
        with self._lock:
            if self._ws is not None:
                self._ws.close()
                self._ws = None


class _Hub(QObject):
    """The one object pool threads emit on: created on the GUI thread, never deleted.

    A pool thread must not touch a QObject the GUI thread may delete meanwhile (a page closed
    while its read runs): emitting on a half-destroyed object crashed PySide6. Results go
    through this hub instead, and each delivery checks that its owner still exists.
    """

    delivered = Signal(object, object, object)  # relay, result, error (an exception or None)

    def __init__(self) -> None:
        super().__init__()
        self.delivered.connect(self._deliver)

    @Slot(object, object, object)
    def _deliver(self, relay: _Relay, result: Any, error: BaseException | None) -> None:
        relay.deliver(result, error)


_HUB: _Hub | None = None


def _hub() -> _Hub:
    """The process's hub (made on first use, which is on the GUI thread)."""
    global _HUB
    if _HUB is None:
        _HUB = _Hub()
    return _HUB


class _Relay:
    """Carries a pool thread's result to ``callback`` on the GUI thread while ``owner`` lives."""

    def __init__(
        self,
        owner: QObject,
        callback: Callable[[Any, BaseException | None], None] | None = None,
    ) -> None:
        self.owner = owner
        self.callback = callback
        self.hub = _hub()

    def emit(self, result: Any, error: BaseException | None) -> None:
        """Hand ``result`` or ``error`` over (any thread)."""
        self.hub.delivered.emit(self, result, error)

    def deliver(self, result: Any, error: BaseException | None) -> None:
        """Run the callback (GUI thread), unless the owner has been deleted."""
        if self.callback is not None and shiboken6.isValid(self.owner):
            self.callback(result, error)


class _Call:
    """One piece of pool work: ``fn()``, its result or error handed to ``relay``."""

    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result, error = self.fn(), None
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread as it is
            result, error = None, exc
        self.relay.emit(result, error)


class WorkThreads:
    """A first-in first-out queue served by at most ``max_threads`` Python threads.

    Not a QThreadPool: its C++ destructor waits for running work while the GUI thread may hold
    the GIL that work needs, which froze whole test runs with the CPU idle. Threads here end
    when the queue is empty, so nothing is left to wait for when the owner goes away.
    """

    def __init__(self, max_threads: int) -> None:
        self.max_threads = max_threads
        self._queue: deque[_Call] = deque()
        self._runners = 0
        self._idle = threading.Condition()

    def start(self, call: _Call) -> None:
        """Queue ``call``; a thread starts for it unless ``max_threads`` already run."""
        with self._idle:
            self._queue.append(call)
            if self._runners >= self.max_threads:
                return
            self._runners += 1
        # _thread, not threading.Thread: Thread.start() waits on the GUI thread until the new
        # thread runs. Such threads are daemonic: they never hold up the app's exit.
        _thread.start_new_thread(self._serve, ())

    def _serve(self) -> None:
        while True:
            with self._idle:
                if not self._queue:
                    self._runners -= 1
                    self._idle.notify_all()
                    return
                call = self._queue.popleft()
            call.run()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Wait until the queue is empty and no work runs; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._runners == 0, timeout_ms / 1000)


class BackgroundTasks(QObject):
    """Runs ``fn(ws, *args)`` on a pool thread; ``on_done(result, error)`` on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = WorkThreads(2)
        self._relays: set[_Relay] = set()

    def run(
        self,
        path: Path,
        fn: Callable[..., Any],
        args: tuple = (),
        kwargs: dict | None = None,
        on_done: Callable[[Any, BaseException | None], None] | None = None,
    ) -> None:
        def finished(result: Any, error: BaseException | None) -> None:
            self._relays.discard(relay)
            if on_done is not None:
                on_done(result, error)

        relay = _Relay(self, finished)
        self._relays.add(relay)

        def call() -> Any:
            ws = Workspace.open(path, create=False)
            try:
                return fn(ws, *args, **(kwargs or {}))
            finally:
                ws.close()

        self.pool.start(_Call(call, relay))

    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self.pool.wait(timeout_ms)


class Poller(QObject):
    """Runs ``reader()(ws)`` on its own pool thread and workspace connection, every
    ``interval_ms`` while started; never two reads at once (one asked for meanwhile follows the
    read under way).

    Signals (GUI thread):
        polled(object): the read's result, for the current workspace.
        poll_failed(str): a read failed (the next one tries again).
    """

    polled = Signal(object)
    poll_failed = Signal(str)

    def __init__(
        self,
        read: Callable[[Workspace], Any] | None = None,
        parent: QObject | None = None,
        interval_ms: int = POLL_MS,
        what: str = "poll",
    ) -> None:
        super().__init__(parent)
        self._read = read
        self.what = what
        self.path: Path | None = None
        self.polls = 0
        self.pool = WorkThreads(1)
        self.connection = PollConnection()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)
        self._in_flight = self._again = False
        self._relay = _Relay(self, self._on_polled)
        self._quiet = _Relay(self)

    def reader(self) -> Callable[[Workspace], Any]:
        """What one poll runs (subclasses bind their current choices here, on the GUI thread)."""
        if self._read is None:
            raise NotImplementedError
        return self._read

    def set_path(self, path: Path | None) -> bool:
        """Read the workspace at ``path`` from now on; False when it is the same."""
        if path == self.path:
            return False
        self.path = path
        self._close_later()
        return True

    def start(self) -> None:
        """Poll now and then every interval."""
        if self.path is not None:
            self._timer.start()
            self.poll()

    def pause(self) -> None:
        """Stop the timer; a read under way still delivers."""
        self._timer.stop()

    def running(self) -> bool:
        return self._timer.isActive()

    def stop(self) -> None:
        """Stop polling and close the connection after the read under way (never waits here)."""
        self.pause()
        self._close_later()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Wait for the read under way (tests; the GUI never blocks on it)."""
        return self.pool.wait(timeout_ms)

    def _close_later(self) -> None:
        self.pool.start(_Call(self.connection.close, self._quiet))

    @Slot()
    def poll(self) -> None:
        """Read now; when a read is under way, another follows it at once."""
        if self.path is None:
            return
        if self._in_flight:
            self._again = True
            return
        self._in_flight, self._again = True, False
        path, read = self.path, self.reader()
        self.pool.start(_Call(lambda: (path, self.connection.run(path, read)), self._relay))

    @Slot(object, object)
    def _on_polled(self, result: Any, error: BaseException | None) -> None:
        self._in_flight = False
        if error is not None:
            message = error.message if isinstance(error, MlopsError) else str(error)
            log.warning("%s failed: %s", self.what, message)
            self.poll_failed.emit(message)
        elif result[0] == self.path:  # not a read of the previous workspace
            self.polls += 1
            self.polled.emit(result[1])
        if self._again:
            self.poll()
