"""Meeting mode's traffic simulator bar.

``SimulatorBar`` chooses the model, the dataset version (the live model's
training data by default), the rate, the duration and an optional gradual drift of one column;
it says when the scoring service is not running and offers to start it. The replay itself runs
on ``SimulationRunner``'s thread.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import MlopsError
from mlops_desktop.formatting import duration, elapsed
from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.monitoring.meeting.data import (
    ModelChoice,
    Snapshot,
    pace_text,
    parse_progress,
)
from mlops_desktop.ui.monitoring.meeting.runner import SimulationRunner
from mlops_desktop.ui.runtime.background import BackgroundTasks
from mlops_desktop.ui.serving.model import start_local_service


def _spin(low: float, high: float, value: float, suffix: str, decimals: int = 0) -> QWidget:
    box = QDoubleSpinBox() if decimals else QSpinBox()
    if decimals:
        box.setDecimals(decimals)
        box.setSingleStep(0.5)
    box.setRange(low, high)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


class SimulatorBar(QFrame):
    """Choose and run the traffic simulator; shows the service state and live progress.

    Signals:
        refresh_requested(): the board should poll now (the service started, a run ended).
    """

    refresh_requested = Signal()

    def __init__(self, path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("simulatorBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.setAutoFillBackground(True)
        self.path = path
        self.service_port = AppSettings().service_port(path)  # the Deploy page's choice
        self.service = None
        self.choices: dict[str, ModelChoice] = {}
        self.history: dict[str, Any] = {}  # model -> DriftHistory, from the latest snapshot
        self.kinds: dict[str, str] = {}
        self.runner = SimulationRunner(self)
        self.runner.started.connect(self._on_started)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.tasks = BackgroundTasks(self)
        self.runs = 0
        self.sent = self.failed = 0
        self.started_at: float | None = None
        self.last_result = None
        self.last_error: BaseException | None = None
        self._clock = QTimer(self)
        self._clock.setInterval(250)
        self._clock.timeout.connect(self._show_progress)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(6)
        layout.addLayout(self._build_controls())
        layout.addLayout(self._build_state())
        self._on_drift_column()
        self._update_buttons()

    def _build_controls(self) -> QHBoxLayout:
        """Model, data, rate, duration and drift, with Start and Stop."""
        self.model = QComboBox()
        self.model.setAccessibleName("Model")
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.model.currentIndexChanged.connect(self._on_model)
        self.dataset = QComboBox()
        self.dataset.setAccessibleName("Dataset version to replay")
        self.dataset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.rate = _spin(1, 500, 10, " req/s")
        self.rate.setAccessibleName("Requests per second")
        self.rate.valueChanged.connect(self._show_pace)
        self.duration = _spin(5, 3600, 120, " s")
        self.duration.setAccessibleName("Duration in seconds")
        self.drift_column = QComboBox()
        self.drift_column.setAccessibleName("Column to drift")
        self.drift_column.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.drift_column.setMinimumContentsLength(18)
        self.drift_column.currentIndexChanged.connect(self._on_drift_column)
        self.shift = _spin(0, 20, 3.0, "", decimals=2)
        self.shift.setAccessibleName("Drift amount")
        self.shift_unit = QLabel()
        self.start_button = QPushButton("&Start traffic")
        self.start_button.setObjectName("startSimulation")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("S&top")
        self.stop_button.setObjectName("stopSimulation")
        self.stop_button.clicked.connect(self.stop)
        controls = QHBoxLayout()
        controls.setSpacing(8)
        for caption, widget in (
            ("&Model", self.model),
            ("&Data", self.dataset),
            ("&Rate", self.rate),
            ("D&uration", self.duration),
            ("Dri&ft", self.drift_column),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget)
        controls.addWidget(self.shift)
        controls.addWidget(self.shift_unit)
        controls.addStretch(1)
        controls.addWidget(self.start_button)
        controls.addWidget(self.stop_button)
        return controls

    def _build_state(self) -> QHBoxLayout:
        """The service's state (Start the service), the run's status and its progress."""
        self.service_label = QLabel()
        self.service_label.setObjectName("simulatorService")
        self.start_service_button = QPushButton("Start the &service")
        self.start_service_button.setObjectName("startServiceFromMeeting")
        self.start_service_button.clicked.connect(self.start_service)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.hide()  # an idle, empty bar reads as a blank text box: shown from a run
        self.pace = QLabel()
        self.pace.setObjectName("simulatorPace")
        self.status = QLabel("Traffic simulator: replays held-out rows to the live service.")
        self.status.setObjectName("simulatorStatus")
        self.status.setWordWrap(True)  # the board fits 1280 px wide (a long status wraps)
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        state = QHBoxLayout()
        state.setSpacing(10)
        state.addWidget(self.service_label)
        state.addWidget(self.start_service_button)
        state.addWidget(self.pace)
        state.addWidget(self.status, 1)  # takes the free width; wraps only when it must
        state.addWidget(self.progress_bar)
        return state

    # -- choices -----------------------------------------------------------------------------

    def set_snapshot(self, shot: Snapshot) -> None:
        """Refresh the service state and the choices (keeping the user's selection)."""
        self.service = shot.service
        self.history = dict(shot.history)
        choices = {m.name: m for m in shot.models}
        datasets = [self.dataset.itemText(i) for i in range(self.dataset.count())]
        if datasets != shot.datasets:
            current = self.dataset.currentText()
            self.dataset.clear()
            self.dataset.addItems(shot.datasets)
            if current in shot.datasets:
                self.dataset.setCurrentText(current)
        if choices != self.choices:
            first = not self.choices
            self.choices = choices
            current = self.model.currentText()
            self.model.blockSignals(True)
            self.model.clear()
            self.model.addItems(list(choices))
            if current in choices:
                self.model.setCurrentText(current)
            self.model.blockSignals(False)
            if first or current not in choices:
                self._on_model()
            else:
                self._fill_columns()
        if shot.service is None:
            self.service_label.setText("⚠  The scoring service is not running: no traffic to send.")
        else:
            self.service_label.setText(f"●  Service running at {shot.service.url}")
        self.start_service_button.setVisible(shot.service is None)
        self._update_buttons()
        self._show_pace()

    def _show_pace(self, _value: float = 0.0) -> None:
        """How often the chosen rate closes a drift window of the chosen model."""
        history = self.history.get(self.model.currentText())
        text = pace_text(history, float(self.rate.value()))
        self.pace.setText(f"·  {text}" if text else "")

    def _on_model(self, _index: int = 0) -> None:
        """A model was chosen: offer its training data and its columns."""
        choice = self.choices.get(self.model.currentText())
        if choice is None:
            return
        if choice.dataset and self.dataset.findText(choice.dataset) >= 0:
            self.dataset.setCurrentText(choice.dataset)
        self._fill_columns()

    def _fill_columns(self) -> None:
        """The drift column choices of the current model (keeping the chosen one)."""
        choice = self.choices.get(self.model.currentText())
        current = self.drift_column.currentData()
        self.drift_column.blockSignals(True)
        self.drift_column.clear()
        self.drift_column.addItem("No drift", None)
        self.kinds = dict(choice.columns) if choice else {}
        for name, kind in self.kinds.items():
            self.drift_column.addItem(f"{name} ({kind})", name)
        index = self.drift_column.findData(current) if current is not None else 0
        self.drift_column.setCurrentIndex(max(0, index))
        self.drift_column.blockSignals(False)
        self._on_drift_column()

    def _on_drift_column(self, _index: int = 0) -> None:
        data = self.drift_column.currentData()
        self.shift.setEnabled(data is not None)
        kind = self.kinds.get(data) if data is not None else None
        if data is None:
            self.shift_unit.setText("")
            self.shift.setToolTip("Choose a column to drift first.")
        elif kind == "numeric":
            self.shift.setRange(0.0, 20.0)
            self.shift.setValue(3.0 if self.shift.value() <= 1.0 else self.shift.value())
            self.shift_unit.setText("std devs, growing")
            self.shift.setToolTip("Moves the column by this many standard deviations by the end.")
        else:
            self.shift.setRange(0.0, 1.0)
            self.shift.setValue(min(self.shift.value(), 1.0) or 0.8)
            self.shift_unit.setText("of rows, growing")
            self.shift.setToolTip("Replaces up to this share of rows by the rarest category.")

    def drift(self) -> dict[str, float]:
        data = self.drift_column.currentData()
        if data is None or self.shift.value() == 0:
            return {}
        return {data: float(self.shift.value())}

    def _update_buttons(self) -> None:
        running = self.runner.running()
        ready = bool(self.model.currentText() and self.dataset.currentText())
        can_start = ready and self.service is not None and not running and self.path is not None
        self.start_button.setEnabled(can_start)
        self.stop_button.setEnabled(running)
        for widget in (self.model, self.dataset, self.rate, self.duration, self.drift_column):
            widget.setEnabled(not running)
        self.shift.setEnabled(not running and self.drift_column.currentData() is not None)
        if self.service is None:
            self.start_button.setToolTip("Start the scoring service first.")
        else:
            self.start_button.setToolTip("Send the chosen rows to the live service.")

    # -- running -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start replaying with the chosen settings."""
        if self.path is None or self.runner.running():
            return
        self.runs += 1
        self.sent = self.failed = 0
        self.last_result, self.last_error = None, None
        self.started_at = time.monotonic()
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.status.setText("Loading the data…")
        self.runner.start(
            self.path,
            self.model.currentText(),
            self.dataset.currentText(),
            rate=float(self.rate.value()),
            duration=float(self.duration.value()),
            drift=self.drift(),
            seed=self.runs,
        )
        self._clock.start()
        self._update_buttons()

    def stop(self) -> None:
        """Ask the running simulation to stop (it ends after the request in flight)."""
        if self.runner.running():
            self.runner.stop()
            self.status.setText("Stopping…")
            self.stop_button.setEnabled(False)

    def shutdown(self, timeout: float = 3.0) -> bool:
        """Stop the simulation and wait for its thread (the window is closing)."""
        self.runner.stop()
        self._clock.stop()
        return self.runner.join(timeout)

    def _on_started(self, text: str) -> None:
        self.status.setToolTip(text)
        self._show_progress()

    def _on_progress(self, fraction: float, message: str) -> None:
        counts = parse_progress(message)
        if counts is not None:
            self.sent, self.failed = counts
        self.progress_bar.setValue(int(1000 * fraction))
        self._show_progress()

    def _show_progress(self) -> None:
        if self.started_at is None or not self.runner.running():
            return
        seconds = time.monotonic() - self.started_at
        self.status.setText(
            f"{self.sent:,} requests sent · {self.failed:,} errors · {elapsed(seconds)} elapsed"
        )
        if self.progress_bar.value() == 0 and self.duration.value():
            self.progress_bar.setValue(int(1000 * min(1.0, seconds / self.duration.value())))

    def _on_finished(self, result: Any, error: BaseException | None) -> None:
        self._clock.stop()
        self.last_result, self.last_error = result, error
        if error is not None:
            text = error.message if isinstance(error, MlopsError) else str(error)
            self.status.setText(f"Stopped: {text}")
        else:
            self.sent, self.failed = result.requests, result.failed
            self.progress_bar.setValue(1000)
            self.status.setText(
                f"Done: {result.requests:,} requests in {duration(result.seconds)}, "
                f"{result.failed:,} errors, {result.outcomes_sent:,} outcomes recorded"
            )
        self._update_buttons()
        self.refresh_requested.emit()

    # -- the service -------------------------------------------------------------------------

    def start_service(self) -> None:
        """Start the workspace's scoring service on ``service_port`` (off the GUI thread)."""
        if self.path is None:
            return
        self.start_service_button.setEnabled(False)
        self.service_label.setText("Starting the scoring service…")
        self.tasks.run(
            self.path,
            start_local_service,
            kwargs={"port": self.service_port},
            on_done=self._started,
        )

    def _started(self, info: Any, error: BaseException | None) -> None:
        self.start_service_button.setEnabled(True)
        if error is not None:
            text = error.message if isinstance(error, MlopsError) else str(error)
            self.service_label.setText(f"⚠  The service did not start: {text}")
            return
        self.service = info
        self.service_label.setText(f"●  Service running at {info.url}")
        self.start_service_button.hide()
        self._update_buttons()
        self.refresh_requested.emit()
