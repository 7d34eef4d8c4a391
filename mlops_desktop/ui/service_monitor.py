"""Off the GUI thread: the scoring-service monitor and short background tasks.

``ServiceCard`` shows the service with Start/Stop. ``ServiceMonitor`` polls, once a second on a pool thread, whether the workspace's scoring service
runs (``find_service``) and, while the Deploy page wants them, the live figures of a model's
canary or shadow; it emits the results as signals on the GUI thread. ``BackgroundTasks`` runs a
Qt-free function ``fn(ws, *args)`` on a pool thread with its own workspace connection (deploy,
start or stop the service: work that waits on the database or on a process for seconds).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import MlopsError
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.server import DEFAULT_PORT
from mlops_desktop.serving.ui_jobs import ServiceInfo, monitor_snapshot
from mlops_desktop.ui.deploy_panels import note
from mlops_desktop.ui.deploy_views import since_text
from mlops_desktop.ui.icons import dot_pixmap
from mlops_desktop.ui.theme import is_dark
from mlops_desktop.ui.widgets import muted_color, scaled_font

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


class _Relay(QObject):
    """Carries a pool thread's result to the GUI thread (a queued signal to its own slot)."""

    done = Signal(object, object)  # result, error (an exception or None)

    def __init__(
        self,
        parent: QObject | None = None,
        callback: Callable[[Any, BaseException | None], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.callback = callback
        if callback is not None:
            self.done.connect(self.deliver)

    @Slot(object, object)
    def deliver(self, result: Any, error: BaseException | None) -> None:
        if self.callback is not None:
            self.callback(result, error)


class _Call(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result, error = self.fn(), None
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread as it is
            result, error = None, exc
        try:
            self.relay.done.emit(result, error)
        except RuntimeError:  # the receiver is gone (window closed)
            pass


class BackgroundTasks(QObject):
    """Runs ``fn(ws, *args)`` on a pool thread; ``on_done(result, error)`` on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
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
            relay.deleteLater()
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
        return self.pool.waitForDone(timeout_ms)


class ServiceMonitor(QObject):
    """Polls the scoring service and the watched model's figures every second, off the GUI thread.

    Signals:
        service_changed(ServiceInfo | None): the service started, stopped or moved.
        figures_changed(RolloutFigures): fresh figures of the watched model (each poll).
        poll_failed(str): a poll could not read the registry (the next one tries again).
    """

    service_changed = Signal(object)
    figures_changed = Signal(object)
    poll_failed = Signal(str)

    def __init__(self, parent: QObject | None = None, interval_ms: int = POLL_MS) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)
        self._path: Path | None = None
        self.connection = PollConnection()
        self._in_flight = False
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_polled)
        self.watched: str | None = None
        self.service: ServiceInfo | None = None
        self.polls = 0
        self._known = False

    # -- control -----------------------------------------------------------------------------

    def set_workspace(self, path: Path | None) -> None:
        """Watch the workspace at ``path`` (None: stop)."""
        if path == self._path:
            return
        self._path = path
        self._close_ws()
        self._known = False
        self.service = None
        if path is None:
            self._timer.stop()
        else:
            self._timer.start()
            self.poll()

    def watch(self, name: str | None) -> None:
        """Also compute rollout figures for model ``name`` on each poll (None: only the service)."""
        self.watched = name

    def stop(self) -> None:
        self._timer.stop()
        self.pool.waitForDone(5000)
        self._close_ws()

    def _close_ws(self) -> None:
        self.connection.close()

    # -- polling -----------------------------------------------------------------------------

    @Slot()
    def poll(self) -> None:
        """Start one poll now unless one is still running."""
        if self._path is None or self._in_flight:
            return
        self._in_flight = True
        path, watched = self._path, self.watched

        def work() -> tuple[Path, dict]:
            return path, self.connection.run(path, lambda ws: monitor_snapshot(ws, watched))

        self.pool.start(_Call(work, self._relay))

    @Slot(object, object)
    def _on_polled(self, result: Any, error: BaseException | None) -> None:
        self._in_flight = False
        if error is not None:
            message = error.message if isinstance(error, MlopsError) else str(error)
            log.warning("service monitor poll failed: %s", message)
            self.poll_failed.emit(message)
            return
        path, snapshot = result
        if path != self._path:
            return  # polled the previous workspace
        self.polls += 1
        service = snapshot["service"]
        if not self._known or service != self.service:
            self._known = True
            self.service = service
            self.service_changed.emit(service)
        if "figures" in snapshot:
            self.figures_changed.emit(snapshot["figures"])


class ServiceCard(QFrame):
    """The scoring service: state, address with a Copy button, Start/Stop, a warning banner
    when it listens beyond this machine.

    Signals:
        start_requested(int): start on this port; stop_requested().
    """

    start_requested = Signal(int)
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serviceCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.dot = QLabel()
        self.state = QLabel("Looking for a running scoring service…")
        self.state.setObjectName("serviceState")
        self.state.setFont(scaled_font(self, 1.1, bold=True))
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail = note()
        self.copy_button = QPushButton("&Copy URL")
        self.copy_button.clicked.connect(self._copy)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.port.setAccessibleName("Port")
        self.port_label = QLabel("Po&rt:")
        self.port_label.setBuddy(self.port)
        self.start_button = QPushButton("&Start service")
        self.start_button.setObjectName("startService")
        self.start_button.clicked.connect(lambda: self.start_requested.emit(self.port.value()))
        self.stop_button = QPushButton("S&top service")
        self.stop_button.setObjectName("stopService")
        self.stop_button.clicked.connect(self.stop_requested)
        self.banner = QLabel()
        self.banner.setObjectName("serviceWarning")
        self.banner.setWordWrap(True)
        self.banner.setMargin(8)
        self.banner.setAutoFillBackground(True)
        self.banner.hide()
        self.url = ""

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.dot)
        texts = QVBoxLayout()
        texts.setSpacing(0)
        texts.addWidget(self.state)
        texts.addWidget(self.detail)
        top.addLayout(texts, 1)
        for widget in (self.copy_button, self.port_label, self.port):
            top.addWidget(widget)
        top.addWidget(self.start_button)
        top.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        self.set_service(None)

    def set_service(self, info: ServiceInfo | None, busy: str = "") -> None:
        """Show the running service (None: stopped); ``busy`` says what is being done to it."""
        self.url = info.url if info else ""
        running = info is not None
        color = QColor("#1e8e3e") if running else muted_color(self)
        self.dot.setPixmap(dot_pixmap(color, 12, self.devicePixelRatioF()))
        if busy:
            self.state.setText(busy)
        elif running:
            self.state.setText(f"Running at {info.url}")
        else:
            self.state.setText("Scoring service: not running")
        if running:
            self.detail.setText(
                f"pid {info.pid} · {since_text(info.started_at)} · API docs at {info.url}/docs · "
                "keeps serving when this window closes"
            )
        else:
            self.detail.setText("Deploy a version, or start the service to serve what is live.")
        self.copy_button.setVisible(running)
        for widget in (self.port_label, self.port, self.start_button):
            widget.setVisible(not running)
        self.stop_button.setVisible(running)
        self.start_button.setEnabled(not busy)
        self.stop_button.setEnabled(not busy)
        self.banner.setVisible(running and not info.loopback)
        if running and not info.loopback:
            self.banner.setText(
                f"⚠  The service listens on {info.host}, so other machines can reach it. "
                "Every request needs the token; stop it if that is not intended."
            )
            pal = self.banner.palette()
            dark = is_dark()
            pal.setColor(QPalette.ColorRole.Window, QColor("#4a3a0a" if dark else "#fef3c7"))
            pal.setColor(QPalette.ColorRole.WindowText, QColor("#fde68a" if dark else "#78350f"))
            self.banner.setPalette(pal)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.url)
        self.copy_button.setText("Copied")
        QTimer.singleShot(1500, lambda: self.copy_button.setText("&Copy URL"))
