"""The status bar: workspace path, schema version, counts, running jobs and the scoring service."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStatusBar, QToolButton, QWidget

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.kit.icons import dot_pixmap

OK_COLOR, IDLE_COLOR = QColor("#1e8e3e"), QColor("#8a8f98")


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def counts_text(summary: WorkspaceSummary) -> str:
    """``2 datasets · 5 runs · 3 models · 1 deployment`` (plus open alerts when any)."""
    parts = [
        plural(summary.datasets, "dataset"),
        plural(summary.runs, "run"),
        plural(summary.model_versions, "model version"),
        plural(summary.deployments, "deployment"),
    ]
    if summary.open_alerts:
        parts.append(plural(summary.open_alerts, "open alert"))
    return " · ".join(parts)


class ElidedLabel(QLabel):
    """A label that elides its text in the middle to fit, with the full text as tooltip."""

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle,
    ) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setMinimumWidth(60)
        self.set_full_text(text)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        hint.setWidth(QFontMetrics(self.font()).horizontalAdvance(self._full) + 8)
        return hint

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        hint.setWidth(60)
        return hint

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self.updateGeometry()
        self._elide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = QFontMetrics(self.font())
        self.setText(metrics.elidedText(self._full, self._mode, max(40, self.width() - 4)))


class ServiceState(QWidget):
    """A coloured dot and a sentence about the scoring service."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
        self.dot = QLabel()
        self.label = QLabel()
        layout.addWidget(self.dot)
        layout.addWidget(self.label)
        self.ok = False
        self.set_state("Scoring service: not running", ok=False)

    def set_state(self, text: str, ok: bool) -> None:
        self.ok = ok
        self.label.setText(text)
        self.dot.setPixmap(dot_pixmap(OK_COLOR if ok else IDLE_COLOR, 10, self.devicePixelRatioF()))


def _separator() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.VLine)
    line.setFrameShadow(QFrame.Shadow.Plain)
    line.setForegroundRole(QPalette.ColorRole.Mid)
    line.setFixedHeight(14)
    return line


class WorkspaceStatusBar(QStatusBar):
    """Permanent widgets on the right; transient messages on the left as usual."""

    jobs_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        self.path_label = ElidedLabel()
        self.path_label.setObjectName("workspacePath")
        self.path_label.setContentsMargins(6, 0, 6, 0)
        self.schema_label = QLabel()
        self.counts_label = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        self.jobs_button = QToolButton()
        self.jobs_button.setAutoRaise(True)
        self.jobs_button.setToolTip("Show the Jobs panel (Ctrl+J)")
        self.jobs_button.clicked.connect(self.jobs_clicked)
        self.service = ServiceState()
        self.addPermanentWidget(self.path_label, 1)
        for widget in (self.schema_label, self.counts_label, self.jobs_button, self.service):
            self.addPermanentWidget(_separator())
            self.addPermanentWidget(widget)
        self.set_running(0)

    def set_summary(self, summary: WorkspaceSummary | None) -> None:
        if summary is None:
            self.path_label.set_full_text("No workspace open")
            self.schema_label.clear()
            self.counts_label.set_full_text("")
            return
        self.path_label.set_full_text(summary.path)
        self.schema_label.setText(f"Schema {summary.schema_version}")
        self.counts_label.set_full_text(counts_text(summary))

    def set_running(self, count: int) -> None:
        self.jobs_button.setText(f"{plural(count, 'job')} running" if count else "No jobs running")

    def set_service_state(self, text: str, ok: bool) -> None:
        self.service.set_state(text, ok)
