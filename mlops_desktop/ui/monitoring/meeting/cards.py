"""Meeting mode's health cards: a big traffic light and the key numbers of one deployed model.

Fonts scale with the space the board has (``BoardGrid`` picks a base size from its width and
height), so a card stays readable from the back of the room on a projector and still fits on a
laptop. Colours are saturated enough for both palettes; the light also carries a symbol and a
word, so colour is never the only signal.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from mlops_desktop.formatting import MISSING
from mlops_desktop.monitoring.board import BoardCard
from mlops_desktop.ui.kit.theme import is_dark
from mlops_desktop.ui.monitoring.meeting.chart import DriftChart, light_color
from mlops_desktop.ui.monitoring.meeting.data import (
    LIGHT_WORDS,
    DriftHistory,
    alerts_text,
    drift_text,
    quality_source,
    quality_text,
    reasons_text,
    rollout_text,
)

SYMBOLS = {"green": "✓", "amber": "!", "red": "✕"}
#: Font size factors of each label role, relative to the board's base point size.
ROLES = {"title": 2.1, "big": 2.0, "value": 1.15, "body": 1.0, "caption": 0.8}


class TrafficLight(QWidget):
    """A filled circle in the light's colour with a symbol inside."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.light = "amber"
        self.diameter = 96
        self.setAccessibleName("Traffic light")

    def set_light(self, light: str) -> None:
        self.light = light
        self.setAccessibleDescription(LIGHT_WORDS.get(light, light))
        self.update()

    def set_diameter(self, diameter: int) -> None:
        self.diameter = diameter
        self.setFixedSize(diameter + 6, diameter + 6)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(self.diameter + 6, self.diameter + 6)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = light_color(self.light, is_dark(self.palette()))
        rect = QRectF(3, 3, self.diameter, self.diameter)
        painter.setPen(QPen(color.darker(140), 3))
        painter.setBrush(color)
        painter.drawEllipse(rect)
        font = QFont(self.font())
        font.setBold(True)
        font.setPixelSize(max(10, int(self.diameter * 0.55)))
        painter.setFont(font)
        painter.setPen(QColor("#1b1b1b" if self.light == "amber" else "#ffffff"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, SYMBOLS.get(self.light, "?"))
        painter.end()


def _label(role: str, parent: QWidget, name: str = "") -> QLabel:
    label = QLabel(parent)
    label.setProperty("role", role)
    label.setWordWrap(role not in ("title", "big"))
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    return label


class HealthCard(QFrame):
    """One deployed model: traffic light, name, live version, quality, drift, traffic, alerts."""

    def __init__(self, model: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.card: BoardCard | None = None
        self.base_pt = 12.0
        self._painting = False
        self.setObjectName("healthCard")
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.light = TrafficLight(self)
        self.name = _label("title", self, "cardModel")
        self.name.setText(model)
        self.verdict = _label("value", self, "cardVerdict")
        self.live = _label("body", self, "cardLive")
        self.rollout = _label("body", self, "cardRollout")
        self.quality = _label("value", self, "cardQuality")
        self.quality_note = _label("caption", self)
        self.drift = _label("value", self, "cardDrift")
        self.drift_note = _label("caption", self)
        self.requests = _label("big", self, "cardRequests")
        self.requests_caption = _label("caption", self)
        self.requests_caption.setText("requests today")
        self.alerts = _label("body", self, "cardAlerts")
        self.reasons = _label("body", self, "cardReasons")
        self.chart_caption = _label("caption", self)
        self.chart_caption.setText("DRIFTED FEATURES PER WINDOW (LATEST ON THE RIGHT)")
        self.chart = DriftChart(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 14, 22, 12)
        layout.setSpacing(8)
        layout.addLayout(self._build_head())
        layout.addLayout(self._build_figures())
        layout.addWidget(self.reasons)
        layout.addSpacing(4)
        layout.addWidget(self.chart_caption)
        layout.addWidget(self.chart, 1)

    def _build_head(self) -> QHBoxLayout:
        """The traffic light, the model's name, verdict and live version, requests today."""
        head = QHBoxLayout()
        head.setSpacing(16)
        head.addWidget(self.light, 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.name)
        names.addWidget(self.verdict)
        names.addWidget(self.live)
        head.addLayout(names, 1)
        traffic = QVBoxLayout()
        traffic.setSpacing(0)
        for label in (self.requests, self.requests_caption):
            label.setAlignment(Qt.AlignmentFlag.AlignRight)
            traffic.addWidget(label)
        traffic.addStretch(1)
        head.addLayout(traffic)
        return head

    def _build_figures(self) -> QGridLayout:
        """Quality, drift, rollout and alerts, each under its caption."""
        figures = QGridLayout()
        figures.setHorizontalSpacing(18)
        figures.setVerticalSpacing(2)
        self.captions = []
        rows = (
            ("Quality", self.quality, self.quality_note),
            ("Drift", self.drift, self.drift_note),
            ("Rollout", self.rollout, None),
            ("Alerts", self.alerts, None),
        )
        for row, (caption, value, note) in enumerate(rows):
            label = _label("caption", self)
            label.setText(caption.upper())
            self.captions.append(label)
            figures.addWidget(label, 2 * row, 0, Qt.AlignmentFlag.AlignTop)
            figures.addWidget(value, 2 * row, 1)
            if note is not None:
                figures.addWidget(note, 2 * row + 1, 1)
        figures.setColumnStretch(1, 1)
        return figures

    def set_card(self, card: BoardCard, history: DriftHistory | None = None) -> None:
        """Show ``card``'s figures and colour (and the drift chart of ``history``)."""
        self.card = card
        if history is not None:
            self.chart.set_history(history)
        self.light.set_light(card.light)
        self.verdict.setText(LIGHT_WORDS.get(card.light, card.light))
        self.live.setText(f"Live: {card.live_version or MISSING}")
        self.rollout.setText(rollout_text(card))
        self.quality.setText(quality_text(card))
        self.quality_note.setText(quality_source(card))
        self.quality_note.setVisible(bool(self.quality_note.text()))
        head, detail = drift_text(card)
        self.drift.setText(head)
        self.drift_note.setText(detail)
        self.requests.setText(f"{card.requests_today:,}")
        self.alerts.setText(alerts_text(card))
        self.reasons.setText(reasons_text(card))
        self.reasons.setToolTip("\n".join(card.reasons))
        self._paint_state()

    def apply_scale(self, base_pt: float) -> None:
        """Set every label's font from the board's base point size."""
        self.base_pt = base_pt
        for label in self.findChildren(QLabel):
            factor = ROLES.get(label.property("role") or "body", 1.0)
            font = QFont(label.font())
            font.setPointSizeF(base_pt * factor)
            font.setBold(label.property("role") in ("title", "big", "value"))
            label.setFont(font)
        self.light.set_diameter(int(base_pt * 5.2))
        self.chart.set_point_size(base_pt)  # read from the back of the room like the body
        self._paint_state()

    def _paint_state(self) -> None:
        """Border in the light's colour; muted captions; coloured verdict."""
        if self._painting or not hasattr(self, "reasons"):
            return
        self._painting = True
        try:
            self._apply_colors()
        finally:
            self._painting = False

    def _apply_colors(self) -> None:
        dark = is_dark(self.palette())
        color = light_color(self.card.light if self.card else "amber", dark)
        width = max(3, int(self.base_pt / 3))
        self.setStyleSheet(
            f"#healthCard {{ border: {width}px solid {color.name()}; border-radius: 14px;"
            " background-color: palette(base); }"
        )
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        text = self.palette().color(QPalette.ColorRole.Text)
        muted = muted if abs(muted.lightness() - text.lightness()) > 60 else text
        for label in self.findChildren(QLabel):
            pal = label.palette()
            role = label.property("role")
            pal.setColor(QPalette.ColorRole.WindowText, muted if role == "caption" else text)
            label.setPalette(pal)
        pal = self.verdict.palette()
        pal.setColor(QPalette.ColorRole.WindowText, color if self.card else text)
        self.verdict.setPalette(pal)

    def changeEvent(self, event) -> None:
        if event.type() == event.Type.PaletteChange:
            self._paint_state()
        super().changeEvent(event)


CHART_SHARE = 0.36  # of a card's height at least, so the drift chart reads from the back


class BoardGrid(QWidget):
    """The cards in a grid (one, two or three columns) with fonts scaled to the space.

    Signals:
        base_changed(float): the cards' base point size (the bars below scale with it).
    """

    base_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: dict[str, HealthCard] = {}
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(20)
        self._order: list[str] = []

    def set_cards(
        self, cards: list[BoardCard], history: dict[str, DriftHistory] | None = None
    ) -> None:
        """Show one card per model in ``cards`` (in order), reusing the existing widgets."""
        names = [c.model for c in cards]
        for name in list(self.cards):
            if name not in names:
                widget = self.cards.pop(name)
                self.grid.removeWidget(widget)
                widget.deleteLater()
        for card in cards:
            if card.model not in self.cards:
                self.cards[card.model] = HealthCard(card.model, self)
            self.cards[card.model].set_card(card, (history or {}).get(card.model))
        if names != self._order:
            self._order = names
            self._relayout()

    def columns(self) -> int:
        n = len(self._order)
        return 1 if n <= 1 else 2 if n <= 4 else 3

    def _relayout(self) -> None:
        for widget in self.cards.values():
            self.grid.removeWidget(widget)
        cols = self.columns()
        for i, name in enumerate(self._order):
            self.grid.addWidget(self.cards[name], i // cols, i % cols)
        for c in range(3):
            self.grid.setColumnStretch(c, 1 if c < cols else 0)
        self._rescale()

    def base_point_size(self) -> float:
        """A base font size that fills the cards without overflowing them."""
        cols = self.columns()
        rows = max(1, -(-len(self._order) // cols))
        by_height = (self.height() / rows - 100) / 40  # the chart takes 14 of these
        by_width = self.width() / cols / 38
        return max(9.0, min(22.0, by_height, by_width))

    def _rescale(self) -> None:
        base = self.base_point_size()
        rows = max(1, -(-len(self._order) // self.columns()))
        chart_min = max(int(base * 14), int(self.height() / rows * CHART_SHARE))
        for card in self.cards.values():
            if abs(card.base_pt - base) > 0.25 or card.light.diameter != int(base * 5.2):
                card.apply_scale(base)
            card.chart.setMinimumHeight(chart_min)
        if self.cards:
            self.base_changed.emit(base)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rescale()
