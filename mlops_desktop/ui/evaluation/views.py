"""The verdict banner of a stored test report: passed, failed or no gate, rule by rule."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from mlops_desktop.ui.evaluation.model import verdict_texts
from mlops_desktop.ui.kit.labels import scaled_font
from mlops_desktop.ui.kit.theme import status_colors


class VerdictBanner(QFrame):
    """Passed / failed / no gate, in colour, with the reason for every rule of the gate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        self.heading = QLabel()
        self.heading.setFont(scaled_font(self, 1.35, bold=True))
        self.heading.setWordWrap(True)
        self.lines = QLabel()
        self.lines.setWordWrap(True)
        self.lines.setTextFormat(Qt.TextFormat.RichText)
        self.lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.heading)
        layout.addWidget(self.lines)
        self.state = "none"
        self._painting = False

    def set_report(self, report: dict | None) -> None:
        self.state, heading, lines = verdict_texts(report)
        self.heading.setText(heading)
        self.lines.setText(lines)
        self.lines.setVisible(bool(lines))
        self._paint()

    def failed_reasons(self) -> list[str]:
        return [t for t in self.lines.text().split("<br>") if t.startswith("<b>✘")]

    def _paint(self) -> None:
        bg, fg = status_colors(self, self.state)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, bg)
        pal.setColor(QPalette.ColorRole.WindowText, fg)
        self.setPalette(pal)

    def changeEvent(self, event) -> None:
        if event.type() == event.Type.PaletteChange and not self._painting:
            self._painting = True
            self._paint()
            self._painting = False
        super().changeEvent(event)
