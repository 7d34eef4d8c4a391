"""Deploy page panels: the canary rollout (slider, both arms' live figures side by side, Promote
and Abort) and the shadow switch with its agreement panel and histogram."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.formatting import MISSING, count, local_time, number, percent
from mlops_desktop.serving.deployments import LiveAt
from mlops_desktop.serving.stats import ShadowAgreement
from mlops_desktop.ui.kit.labels import muted_label, scaled_font
from mlops_desktop.ui.serving.model import (
    RolloutFigures,
    figure_lines,
    rollout_sentence,
)

KEYBOARD_APPLY_MS = 900
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class FiguresGrid(QWidget):
    """Live and candidate figures side by side: one row per figure, one column per arm."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(24)
        self.grid.setVerticalSpacing(4)
        self.heads = [QLabel(), QLabel()]
        labels = [name for name, _ in figure_lines(None)]
        self.values: dict[str, list[QLabel]] = {}
        for col, head in enumerate(self.heads, start=1):
            head.setFont(scaled_font(self, 1.0, bold=True))
            head.setAlignment(RIGHT)
            self.grid.addWidget(head, 0, col)
        for row, name in enumerate(labels, start=1):
            self.grid.addWidget(QLabel(name), row, 0)
            cells = []
            for col in (1, 2):
                cell = QLabel(MISSING)
                cell.setAlignment(RIGHT)
                cell.setMinimumWidth(110)
                self.grid.addWidget(cell, row, col)
                cells.append(cell)
            self.values[name] = cells
        self.grid.setColumnStretch(3, 1)

    def set_heads(self, live: str, candidate: str) -> None:
        self.heads[0].setText(live)
        self.heads[1].setText(candidate)

    def set_figures(self, figures: RolloutFigures | None) -> None:
        live = figure_lines(figures.live if figures else None)
        cand = figure_lines(figures.candidate if figures else None)
        for (name, left), (_, right) in zip(live, cand, strict=True):
            self.values[name][0].setText(left)
            self.values[name][1].setText(right)

    def value(self, figure: str, arm: int) -> str:
        """The text shown for ``figure`` ("Requests", …) in column ``arm`` (0 live, 1 candidate)."""
        return self.values[figure][arm].text()


class CanaryPanel(QGroupBox):
    """A 0-100 % slider (applied when released, after confirmation), both arms' figures side by
    side, and the decision buttons.

    Signals:
        percent_requested(int): the user let go of the slider at a new share.
        promote_requested(), abort_requested(): the decision buttons.
    """

    percent_requested = Signal(int)
    promote_requested = Signal()
    abort_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Canary: send a share of the traffic to another version", parent)
        self.applied = 0
        self.status = QLabel()
        self.status.setObjectName("rolloutStatus")
        self.status.setWordWrap(True)
        self.status.setFont(scaled_font(self, 1.05, bold=True))

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("canarySlider")
        self.slider.setRange(0, 100)
        self.slider.setSingleStep(5)
        self.slider.setPageStep(10)
        self.slider.setTickInterval(10)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setAccessibleName("Canary share of traffic, percent")
        self.share = QLabel("0 %")
        self.share.setMinimumWidth(48)
        self.share.setAlignment(RIGHT)
        self.share.setFont(scaled_font(self, 1.2, bold=True))
        slider_label = QLabel("Canary &share:")
        slider_label.setBuddy(self.slider)
        self.slider.valueChanged.connect(self._on_value)
        self.slider.sliderReleased.connect(self._released)
        self._keyboard = QTimer(self)
        self._keyboard.setSingleShot(True)
        self._keyboard.setInterval(KEYBOARD_APPLY_MS)
        self._keyboard.timeout.connect(self._released)

        row = QHBoxLayout()
        row.addWidget(slider_label)
        row.addWidget(self.slider, 1)
        row.addWidget(self.share)

        self.figures = FiguresGrid()
        self.figures_note = muted_label()
        self.promote_button = QPushButton("&Promote")
        self.promote_button.setObjectName("promoteButton")
        self.promote_button.setToolTip("Make the candidate live (the promotion rule applies)")
        self.promote_button.clicked.connect(self.promote_requested)
        self.abort_button = QPushButton("A&bort")
        self.abort_button.setObjectName("abortButton")
        self.abort_button.setToolTip("End the canary or shadow; all traffic stays on live")
        self.abort_button.clicked.connect(self.abort_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.abort_button)
        buttons.addWidget(self.promote_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self.status)
        layout.addLayout(row)
        layout.addWidget(self.figures)
        layout.addWidget(self.figures_note)
        layout.addLayout(buttons)

    def _on_value(self, value: int) -> None:
        self.share.setText(f"{value} %")
        if not self.slider.isSliderDown():
            self._keyboard.start()  # keys and clicks: apply once the user stops pressing

    def _released(self) -> None:
        self._keyboard.stop()
        if self.slider.value() != self.applied:
            self.percent_requested.emit(self.slider.value())

    def set_applied(self, value: int) -> None:
        """Show the share in force (also puts the slider back after a cancelled change)."""
        self.applied = value
        self._keyboard.stop()
        self.slider.blockSignals(True)
        self.slider.setValue(value)
        self.slider.blockSignals(False)
        self.share.setText(f"{value} %")

    def set_decision(self, open_candidate: bool, primary: bool) -> None:
        self.promote_button.setEnabled(open_candidate)
        self.abort_button.setEnabled(open_candidate)
        self.promote_button.setDefault(primary and open_candidate)


class ShadowPanel(QGroupBox):
    """The shadow switch and how the shadow's answers agree with live's on the same requests.

    Signals:
        shadow_toggled(bool): the user switched shadow scoring on or off.
    """

    shadow_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Shadow: score every request with another version too, silently", parent)
        self.switch = QCheckBox("S&hadow the selected version")
        self.switch.setObjectName("shadowSwitch")
        self.switch.setToolTip("Its answers are logged for comparison, never returned to clients")
        self.switch.clicked.connect(self.shadow_toggled)
        self.summary = QLabel("No shadow is running.")
        self.summary.setObjectName("shadowSummary")
        self.summary.setWordWrap(True)
        self.cards: dict[str, QLabel] = {}
        cards = QHBoxLayout()
        for key, caption in (
            ("agreement", "agreement rate"),
            ("pairs", "requests compared"),
            ("mean", "mean |difference|"),
            ("p95", "p95 |difference|"),
        ):
            box = QFrame()
            box.setFrameShape(QFrame.Shape.StyledPanel)
            inner = QVBoxLayout(box)
            inner.setContentsMargins(12, 6, 12, 6)
            value = QLabel(MISSING)
            value.setFont(scaled_font(self, 1.5, bold=True))
            value.setAlignment(RIGHT)
            label = QLabel(caption)
            label.setAlignment(RIGHT)
            inner.addWidget(value)
            inner.addWidget(label)
            cards.addWidget(box)
            self.cards[key] = value
        cards.addStretch(1)
        self.plot = self._make_plot()
        self.bars: pg.BarGraphItem | None = None
        self.figures = QWidget()  # shown only while a shadow runs
        figures = QVBoxLayout(self.figures)
        figures.setContentsMargins(0, 0, 0, 0)
        figures.addLayout(cards)
        figures.addWidget(self.plot)
        self.figures.hide()
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self.switch)
        layout.addWidget(self.summary)
        layout.addWidget(self.figures)

    def _make_plot(self) -> pg.PlotWidget:
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        plot = pg.PlotWidget(background=pal.color(QPalette.ColorRole.Base))
        plot.setObjectName("shadowHistogram")
        plot.setMinimumHeight(220)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        item = plot.getPlotItem()
        item.setTitle("Score difference, shadow − live", color=text.name())
        font = QFont(self.font())
        for side, label in (("bottom", "difference in positive-class score"), ("left", "rows")):
            axis = plot.getAxis(side)
            axis.enableAutoSIPrefix(False)  # no "(x0.001)" beside the label
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
            axis.setTickFont(font)
            axis.setLabel(label, color=text.name())
        item.showGrid(x=False, y=True, alpha=0.15)
        return plot

    def set_agreement(self, agreement: ShadowAgreement | None) -> None:
        """Show the agreement figures and histogram (None: no shadow figures yet)."""
        if agreement is None or agreement.pairs == 0:
            for value in self.cards.values():
                value.setText(MISSING)
            if self.bars is not None:
                self.plot.removeItem(self.bars)
                self.bars = None
            return
        a = agreement
        self.cards["agreement"].setText(percent(a.agreement_rate))
        self.cards["pairs"].setText(count(a.pairs))
        self.cards["mean"].setText(number(a.mean_abs_difference))
        self.cards["p95"].setText(number(a.p95_abs_difference))
        edges, counts = a.histogram_edges, a.histogram_counts
        if self.bars is not None:
            self.plot.removeItem(self.bars)
            self.bars = None
        if counts:
            centres = [(lo + hi) / 2 for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
            width = (edges[1] - edges[0]) * 0.9 if len(edges) > 1 else 0.1
            color = self.palette().color(QPalette.ColorRole.Highlight)
            self.bars = pg.BarGraphItem(
                x=centres, height=counts, width=width, brush=color, pen=pg.mkPen(color)
            )
            self.plot.addItem(self.bars)

    def histogram_counts(self) -> list[int]:
        if self.bars is None:
            return []
        return [int(h) for h in self.bars.opts["height"]]


class RolloutView(QWidget):
    """The canary and shadow panels of one model, filled from its deployment state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canary = CanaryPanel()
        self.shadow = ShadowPanel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.canary)
        layout.addWidget(self.shadow)
        layout.addStretch(1)

    def show_state(
        self, state: LiveAt, target: str | None, idle: bool, since: float | None, fresh: bool
    ) -> None:
        """Show ``state``; ``target`` is the version a new canary or shadow would use, ``fresh``
        says the figures on screen belong to another model (so they are cleared)."""
        canary, shadow = self.canary, self.shadow
        live, cand, mode = state.live, state.candidate, state.mode
        open_candidate = cand is not None and mode in ("canary", "shadow")
        canary.status.setText(rollout_sentence(state, target))
        usable = idle and live is not None and target is not None
        canary.slider.setEnabled(usable)
        if not canary.slider.isSliderDown():
            canary.set_applied(int(round(state.canary_percent)) if mode == "canary" else 0)
        canary.set_decision(open_candidate and idle, primary=True)
        canary.figures.set_heads(
            f"{live} (live)" if live else "live",
            f"{cand} ({mode})" if open_candidate else "candidate",
        )
        if fresh:
            canary.figures.set_figures(None)
        canary.figures_note.setText(
            "Live figures since this deployment started, refreshed every second." if live else ""
        )
        shadow.switch.setEnabled(usable)
        shadow.switch.setChecked(mode == "shadow")
        shadow.switch.setText(f"S&hadow {target}" if target else "S&hadow a version")
        shadow.figures.setVisible(mode == "shadow" and cand is not None)
        if mode == "shadow" and cand:
            shadow.summary.setText(
                f"{cand}'s answers compared with {live}'s on the same requests since "
                f"{local_time(since, seconds=True, empty='now')}."
            )
        else:
            shadow.summary.setText("No shadow is running.")
            shadow.set_agreement(None)

    def set_figures(self, figures: RolloutFigures) -> None:
        self.canary.figures.set_figures(figures)
        if figures.mode == "shadow":
            self.shadow.set_agreement(figures.agreement)
