"""Meeting mode: a full-screen model-health board with a traffic simulator, for a projector.

``MeetingWindow`` shows one ``HealthCard`` per deployed model, refreshed every second by a
``BoardPoller`` (``meeting.poller``), so drift and alerts appear while the simulator sends
traffic. The head, banner and bars grow with the window (the cards scale themselves). Under the cards, ``ActionBar`` retrains to a
canary, promotes, rolls back and opens the latest report, so the whole journey stays on the
board. Esc or F11 leaves the window; closing it stops the simulator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.formatting import local_time
from mlops_desktop.ui.kit.labels import muted_color, scaled_font
from mlops_desktop.ui.kit.specs import EmptyStateSpec
from mlops_desktop.ui.kit.theme import is_dark
from mlops_desktop.ui.kit.widgets import EmptyState
from mlops_desktop.ui.monitoring.meeting.actions import ActionBar
from mlops_desktop.ui.monitoring.meeting.cards import BoardGrid
from mlops_desktop.ui.monitoring.meeting.data import Snapshot, short_reason
from mlops_desktop.ui.monitoring.meeting.poller import BoardPoller
from mlops_desktop.ui.monitoring.meeting.simulator import SimulatorBar

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import Alert

LEAVE_KEYS = ("Esc", "F11", "Ctrl+Shift+M")
#: The screen the board's chrome is sized for; on a larger window its fonts grow with it.
DESIGN_SIZE = (1280, 800)
MAX_SCALE = 2.0
MIN_SIZE = (1024, 640)
BANNER_MS = 20_000  # how long a new alert's banner stays up while the alert is open

NOTHING_DEPLOYED = EmptyStateSpec(
    "Nothing is deployed yet",
    "Deploy a model on the Deploy page, then come back: each live model gets a card here with "
    "its traffic light, quality against its gate, drift and requests today.",
    "mlops-desktop deploy credit@1",
    "Open the &Deploy page",
    "deploy",
)
NO_WORKSPACE = EmptyStateSpec(
    "No workspace is open",
    "Open a workspace (File ▸ Open Workspace…) or the demo workspace, then start meeting mode.",
)


class MeetingWindow(QWidget):
    """The full-screen health board. ``navigate_requested(page)`` asks the app for a page.

    ``path`` is the workspace (None: the empty state says to open one); ``submit`` the app's job
    submission, for the board's Retrain to canary (``ActionBar``).
    """

    navigate_requested = Signal(str)

    def __init__(
        self,
        path: Path | None,
        parent: QWidget | None = None,
        submit: Callable[..., str] | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("meetingWindow")
        self.setWindowTitle("Meeting mode — MLOps Desktop")
        self.path = path
        self.last: Snapshot | None = None
        self.seen_alerts: set[int] = set()
        self.banner_alert: int | None = None  # the alert the banner tells of
        self.banner_at = 0.0  # when it was put up (a snapshot read before then is older news)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 20, 28, 16)
        layout.setSpacing(14)
        layout.addLayout(self._build_head(path))
        layout.addWidget(self._build_banner())
        layout.addWidget(self._build_stack(path), 1)
        self.actions_bar = ActionBar(path, submit)
        self.actions_bar.refresh_requested.connect(self.refresh)
        layout.addWidget(self.actions_bar)
        self.simulator = SimulatorBar(path)
        self.simulator.refresh_requested.connect(self.refresh)
        self.simulator.model.currentTextChanged.connect(self._choose_card)
        layout.addWidget(self.simulator)
        self._connect_leaving()
        self._apply_colors()
        self.scale = 0.0
        self.card_pt = 0.0  # the cards' body size (BoardGrid.base_changed)
        self.apply_scale(1.0)
        # Fonts follow the window's size, so its contents must not hold it at a larger one.
        self.setMinimumSize(MIN_SIZE[0], MIN_SIZE[1])

        self.poller: BoardPoller | None = None
        if path is not None:
            self.poller = BoardPoller(path, self)
            self.poller.snapshot_ready.connect(self._on_snapshot)
            self.poller.poll_failed.connect(self._on_poll_failed)
            self.poller.monitored.connect(self._on_monitored)
        else:
            self.updated.setText("")
            self.simulator.hide()
            self.actions_bar.hide()

    def _build_head(self, path: Path | None) -> QHBoxLayout:
        """The title, the workspace's name, when the board was read, and Leave."""
        self.title = QLabel("Model health")
        self.title.setObjectName("meetingTitle")
        self.subtitle = QLabel(path.name if path else "")
        self.updated = QLabel("Reading the workspace…")
        self.updated.setObjectName("meetingUpdated")
        self.leave = QPushButton("&Leave meeting mode (Esc)")
        self.leave.setObjectName("leaveMeeting")
        self.leave.clicked.connect(self.close)
        head = QHBoxLayout()
        head.setSpacing(16)
        head.addWidget(self.title)
        head.addWidget(self.subtitle, 0, Qt.AlignmentFlag.AlignBottom)
        head.addStretch(1)
        head.addWidget(self.updated)
        head.addWidget(self.leave)
        return head

    def _build_banner(self) -> QLabel:
        """The notice of a new alert (hidden again after 20 seconds)."""
        self.banner = QLabel()
        self.banner.setObjectName("meetingBanner")
        self.banner.setWordWrap(True)
        self.banner.setMargin(12)
        self.banner.setAutoFillBackground(True)
        self.banner.hide()
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.timeout.connect(self.banner.hide)
        return self.banner

    def _build_stack(self, path: Path | None) -> QStackedWidget:
        """The board of health cards, or the empty state (nothing deployed, no workspace)."""
        self.board = BoardGrid()
        self.board.base_changed.connect(self._scale_bars)
        self.empty = EmptyState("deploy")
        self.empty.setObjectName("meetingEmpty")
        self.empty.action_requested.connect(self._navigate)
        self.empty.set_spec(NOTHING_DEPLOYED if path else NO_WORKSPACE)
        self._enlarge_empty_state()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.board)
        return self.stack

    def _connect_leaving(self) -> None:
        """Esc, F11 and Ctrl+Shift+M leave; quitting the app stops the simulator."""
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        for keys in LEAVE_KEYS:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.close)

    # -- data --------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the board now."""
        if self.poller is not None:
            self.poller.poll()

    def showing_empty_state(self) -> bool:
        return self.stack.currentWidget() is self.empty

    def _on_snapshot(self, shot: Snapshot) -> None:
        first = self.last is None
        self.last = shot
        for card in shot.cards:  # an alert opened by any monitor (the app's, cron's) is news
            newest = card.open_alert_ids[0] if card.open_alert_ids else None
            if newest is not None and newest not in self.seen_alerts and not first:
                alert = card.newest_alert
                self._show_banner(
                    card.model, alert.get("severity", ""), alert.get("message", ""), newest
                )
            self.seen_alerts.update(card.alert_ids)
        self._retire_banner(shot)
        self.board.set_cards(shot.cards, shot.history)
        self.stack.setCurrentWidget(self.board if shot.cards else self.empty)
        self.simulator.set_snapshot(shot)
        self.simulator.setVisible(bool(shot.cards))
        self.actions_bar.setVisible(bool(shot.cards))
        self._choose_card()
        self.updated.setText(f"Updated {local_time(shot.at, now=time.time())}")

    def _choose_card(self, _model: str = "") -> None:
        """The actions apply to the model chosen in the simulator bar (else the first)."""
        cards = self.last.cards if self.last is not None else []
        chosen = self.simulator.model.currentText()
        card = next((c for c in cards if c.model == chosen), cards[0] if cards else None)
        trials = self.last.trials if self.last is not None else {}
        self.actions_bar.set_card(card, trials.get(card.model) if card is not None else None)

    def _on_poll_failed(self, message: str) -> None:
        self.updated.setText(f"Could not read the workspace: {message}")

    def _on_monitored(self, opened: list[Alert]) -> None:
        if not opened:
            return
        alert = opened[-1]
        more = f"  (+{len(opened) - 1} more)" if len(opened) > 1 else ""
        self.seen_alerts.update(a.id for a in opened)
        self._show_banner(alert.model_name, alert.severity, alert.message, alert.id, more)

    def _show_banner(
        self, model: str, severity: str, message: str, alert_id: int, more: str = ""
    ) -> None:
        text = short_reason(message, 140)
        self.banner.setText(f"New {severity} alert on {model}: {text}{more}")
        self.banner_alert, self.banner_at = alert_id, time.time()
        self._banner_colors(severity)
        self.banner.show()
        self._banner_timer.start(BANNER_MS)

    def _retire_banner(self, shot: Snapshot) -> None:
        """Hide the banner once its alert is no longer open (acknowledged, resolved, or its
        model no longer deployed): the board shows what is true now, not what was."""
        if self.banner_alert is None or self.banner.isHidden() or shot.at < self.banner_at:
            return
        still_open = any(self.banner_alert in card.open_alert_ids for card in shot.cards)
        if not still_open:
            self.banner.hide()
            self._banner_timer.stop()
            self.banner_alert = None

    # -- look --------------------------------------------------------------------------------

    def scale_for(self, width: int, height: int) -> float:
        """How much larger than on a 1280 x 800 screen the head and the bars are drawn."""
        factor = min(width / DESIGN_SIZE[0], height / DESIGN_SIZE[1])
        return max(1.0, min(MAX_SCALE, round(factor * 8) / 8))

    def apply_scale(self, scale: float) -> None:
        """Fonts of the head, the banner and the bars at ``scale`` times their 1280 x 800 size
        (the cards scale themselves with the space they get: ``BoardGrid``)."""
        if abs(scale - self.scale) < 0.01:
            return
        self.scale = scale
        base = QApplication.font()
        for widget, factor, bold in (
            (self.title, 2.4, True),
            (self.subtitle, 1.3, False),
            (self.updated, 1.2, False),
            (self.leave, 1.0, False),
            (self.banner, 1.5, True),
        ):
            font = QFont(base)
            font.setPointSizeF(
                (base.pointSizeF() if base.pointSizeF() > 0 else 10.0) * factor * scale
            )
            font.setBold(bold)
            widget.setFont(font)
        self._scale_bars()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.apply_scale(self.scale_for(self.width(), self.height()))

    def _scale_bars(self, card_pt: float | None = None) -> None:
        """The action and simulator bars: their ``apply_scale`` size, and never smaller than
        the cards' body text (``card_pt``, from the board), so they read like the board."""
        if card_pt is not None:
            self.card_pt = card_pt
        app_pt = QApplication.font().pointSizeF()
        app_pt = app_pt if app_pt > 0 else 10.0
        for bar, factor, card_factor in ((self.actions_bar, 1.2, 1.0), (self.simulator, 1.0, 0.95)):
            wanted = max(app_pt * factor * self.scale, self.card_pt * card_factor)
            if abs(bar.font().pointSizeF() - wanted) > 0.05:
                font = QFont(bar.font())
                font.setPointSizeF(wanted)
                bar.setFont(font)

    def _enlarge_empty_state(self, width: int = 700) -> None:
        """Projector-sized empty state: larger texts in a wider column that fits them."""
        self.empty.heading.setFont(scaled_font(self, 2.2, bold=True))
        self.empty.text.setFont(scaled_font(self, 1.4))
        column = self.empty.column
        column.setMinimumWidth(width)
        column.setMaximumWidth(width)
        margins = column.layout().contentsMargins()
        inner = width - margins.left() - margins.right()
        for label in (self.empty.heading, self.empty.text):
            label.setMinimumHeight(label.heightForWidth(inner))

    def _apply_colors(self) -> None:
        pal = self.updated.palette()
        pal.setColor(QPalette.ColorRole.WindowText, muted_color(self))
        for label in (self.updated, self.subtitle):
            label.setPalette(pal)

    def _banner_colors(self, severity: str) -> None:
        dark = is_dark(self.palette())
        if severity == "critical":
            back, text = ("#5c1612", "#ffd7d3") if dark else ("#fce8e6", "#8c1d18")
        else:
            back, text = ("#4a3a0a", "#fde68a") if dark else ("#fef3c7", "#78350f")
        pal = self.banner.palette()
        pal.setColor(QPalette.ColorRole.Window, QColor(back))
        pal.setColor(QPalette.ColorRole.WindowText, QColor(text))
        self.banner.setPalette(pal)

    def changeEvent(self, event) -> None:
        if event.type() == event.Type.PaletteChange:
            self._apply_colors()
        super().changeEvent(event)

    # -- leaving -----------------------------------------------------------------------------

    def _navigate(self, page: str) -> None:
        self.navigate_requested.emit(page)
        self.close()

    def shutdown(self) -> bool:
        """Stop polling and the simulator; True when the simulator's thread has ended."""
        if self.poller is not None:
            self.poller.stop()
        return self.simulator.shutdown()

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        """Wait for background reads, passes and service starts (tests)."""
        done = self.poller.wait(timeout_ms) if self.poller is not None else True
        return (
            done
            and self.simulator.tasks.wait(timeout_ms)
            and self.actions_bar.wait_idle(timeout_ms)
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc or F11 leaves (also when a shortcut cannot fire: the window is not active)."""
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            self.close()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        if self.poller is not None:
            self.poller.start()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        event.accept()
