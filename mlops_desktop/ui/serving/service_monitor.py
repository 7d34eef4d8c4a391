"""The scoring service, seen from the GUI: its card with Start/Stop, and its monitor.

``ServiceMonitor`` polls, once a second on a pool thread (see ``background.Poller``), whether
the workspace's scoring service runs (``find_service``) and, while the Deploy page wants them,
the live figures of a model's canary or shadow; it emits the results as signals on the GUI
thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
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

from mlops_desktop.formatting import local_time
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.kit.icons import dot_pixmap
from mlops_desktop.ui.kit.labels import muted_color, muted_label, scaled_font
from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.kit.theme import is_dark
from mlops_desktop.ui.runtime.background import POLL_MS, Poller
from mlops_desktop.ui.serving.model import ServiceInfo, monitor_snapshot


class ServiceMonitor(Poller):
    """Polls the scoring service and the watched model's figures every second, off the GUI thread.

    Signals:
        service_changed(ServiceInfo | None): the service started, stopped or moved.
        figures_changed(RolloutFigures): fresh figures of the watched model (each poll).
        poll_failed(str): a poll could not read the registry (the next one tries again).
    """

    service_changed = Signal(object)
    figures_changed = Signal(object)

    def __init__(self, parent: QObject | None = None, interval_ms: int = POLL_MS) -> None:
        super().__init__(None, parent, interval_ms, what="service monitor poll")
        self.watched: str | None = None
        self.service: ServiceInfo | None = None
        self._known = False
        self.polled.connect(self._deliver)

    def set_workspace(self, path: Path | None) -> None:
        """Watch the workspace at ``path`` (None: stop); the next poll reports its service even
        when it is the workspace watched already (opened again: the page forgot its service)."""
        changed = self.set_path(path)
        self._known = False
        self.service = None
        if path is None:
            self.pause()
        elif changed or not self.running():
            self.start()
        else:
            self.poll()

    def watch(self, name: str | None) -> None:
        """Also compute rollout figures for model ``name`` on each poll (None: only the service)."""
        self.watched = name

    def reader(self) -> Callable[[Workspace], dict]:
        watched = self.watched
        return lambda ws: monitor_snapshot(ws, watched)

    def _deliver(self, snapshot: dict) -> None:
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
        self.detail = muted_label()
        self.copy_button = QPushButton("&Copy URL")
        self.copy_button.clicked.connect(self._copy)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.workspace: Path | None = None  # whose port the spin box shows and remembers
        self.port.setValue(AppSettings().service_port())  # the port chosen last time
        self.port.valueChanged.connect(
            lambda port: AppSettings().set_service_port(port, self.workspace)
        )
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

    def set_workspace(self, path: Path | None) -> None:
        """Show (and remember from now on) the port of the workspace at ``path``; forget the
        previous workspace's service until the monitor has looked for this one's."""
        self.workspace = path
        self.port.blockSignals(True)
        self.port.setValue(AppSettings().service_port(path))
        self.port.blockSignals(False)
        self.set_service(None)
        if path is not None:  # until the monitor's first look (Start stays usable meanwhile)
            self.state.setText("Looking for a running scoring service…")

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
            since = local_time(info.started_at, now=time.time())
            self.detail.setText(
                f"pid {info.pid} · since {since} · API docs at {info.url}/docs · "
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
