"""The Monitor page's "Monitoring settings…": a model's windows, dataset-drift share, multivariate
check and per-method drift thresholds, edited in a dialog and saved with an optional reason.

``MonitorSettingsAction`` owns the page's button and runs loading and saving off the GUI thread
(the page's ``BackgroundTasks``); ``MonitorSettingsDialog`` is the form. Only thresholds that
differ from the defaults (``drift.methods.METHODS``) are stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.drift.methods import DISPLAY_NAMES, METHODS
from mlops_desktop.errors import InputError, MlopsError
from mlops_desktop.monitoring.settings import (
    MIN_SIZE,
    MonitorSettings,
    get_settings,
    save_settings,
)
from mlops_desktop.ui.kit.charts import severity_color
from mlops_desktop.ui.kit.dialogs import set_primary
from mlops_desktop.ui.kit.labels import muted_label, scaled_font

FREQS = ("5min", "15min", "1h", "6h", "1D")
MAX_SIZE = 1_000_000
SAVED_MS = 8_000
P_VALUE = "p-value below"
DISTANCE = "distance above"
APPLIES_FROM_NOW = (
    "New settings apply to windows computed from now on; stored windows keep their verdicts."
)

#: Method -> (minimum, maximum, decimals, step) of its threshold's spin box.
RANGES: dict[str, tuple[float, float, int, float]] = {
    "ks": (0.0001, 0.5, 4, 0.005),
    "chisquare": (0.0001, 0.5, 4, 0.005),
    "z": (0.0001, 0.5, 4, 0.005),
    "wasserstein": (0.001, 10.0, 3, 0.05),
    "jensenshannon": (0.001, 0.83, 3, 0.01),  # at most sqrt(ln 2) with natural logarithms
    "psi": (0.001, 10.0, 3, 0.05),
    "missing_share": (0.001, 1.0, 3, 0.05),
}

#: What each method judges, for the tooltips (Evidently's choice of test).
USED_FOR = {
    "ks": "Numeric columns with more than 5 values, reference of at most 1,000 rows.",
    "chisquare": "Categorical columns (or numeric with at most 5 values), small reference.",
    "z": "Two-valued columns (binary, boolean), small reference.",
    "wasserstein": "Numeric columns, reference above 1,000 rows; normed by the reference's std.",
    "jensenshannon": "Categorical, boolean or few-valued columns, reference above 1,000 rows.",
    "psi": "Population stability index; always computed, the test only when chosen.",
    "missing_share": "A column with no values on one side: change of its missing share.",
}


def is_p_value(method: str) -> bool:
    """Whether ``method`` drifts when its p-value falls below the threshold."""
    return METHODS[method][2] is not None


def changed_thresholds(values: dict[str, float]) -> dict[str, float]:
    """The thresholds of ``values`` that differ from their defaults (at the shown precision)."""
    changed = {}
    for method, value in values.items():
        decimals = RANGES[method][2]
        if round(float(value), decimals) != round(METHODS[method][0], decimals):
            changed[method] = round(float(value), decimals)
    return changed


class MonitorSettingsDialog(QDialog):
    """Edit one model's monitoring settings; emits ``save_requested(settings, reason)``.

    The owner saves off the GUI thread and calls ``saved()`` or ``failed(error)``.
    """

    save_requested = Signal(object, str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName("monitorSettingsDialog")
        self.setWindowTitle(f"Monitoring Settings of {name}")
        self.setMinimumWidth(560)
        head = QLabel(f"<b>How {name}'s traffic is cut into windows and judged</b>")
        head.setFont(scaled_font(self, 1.05))
        head.setWordWrap(True)
        self.status = muted_label("Loading the saved settings…")
        self.status.setObjectName("monitorSettingsStatus")
        self.error_label = QLabel()
        self.error_label.setObjectName("monitorSettingsError")
        self.error_label.setWordWrap(True)
        pal = self.error_label.palette()
        pal.setColor(QPalette.ColorRole.WindowText, severity_color("blocking", pal))
        self.error_label.setPalette(pal)
        self.error_label.hide()

        self.form = QWidget()
        form = QVBoxLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        form.addWidget(self._windows_box())
        form.addWidget(self._drift_box())
        form.addWidget(self._thresholds_box())
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("e.g. Fewer false alarms on the small weekday batches.")
        reason = QLabel("Re&ason (optional, kept in the audit trail):")
        reason.setBuddy(self.reason_edit)
        form.addWidget(reason)
        form.addWidget(self.reason_edit)
        self.form.setEnabled(False)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("&Save", QDialogButtonBox.ButtonRole.ApplyRole)
        set_primary(self.save_button)
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.request_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.form)
        layout.addWidget(muted_label(APPLIES_FROM_NOW))
        layout.addWidget(self.error_label)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    # -- building --------------------------------------------------------------------------------

    def _windows_box(self) -> QGroupBox:
        self.by_rows = QRadioButton("By &rows:")
        self.by_time = QRadioButton("By &time:")
        group = QButtonGroup(self)
        group.addButton(self.by_rows)
        group.addButton(self.by_time)
        self.size_spin = QSpinBox()
        self.size_spin.setRange(MIN_SIZE, MAX_SIZE)
        self.size_spin.setSingleStep(50)
        self.size_spin.setGroupSeparatorShown(True)
        self.size_spin.setSuffix(" rows")
        self.size_spin.setAccessibleName("Rows per window")
        self.freq_box = QComboBox()
        self.freq_box.setEditable(True)
        self.freq_box.addItems(FREQS)
        self.freq_box.setAccessibleName("Window length")
        self.freq_box.setToolTip("A fixed length: seconds (30s), minutes (5min), hours (1h), days")
        self.by_rows.toggled.connect(self.size_spin.setEnabled)
        self.by_time.toggled.connect(self.freq_box.setEnabled)
        grid = QGridLayout()
        grid.addWidget(self.by_rows, 0, 0)
        grid.addWidget(self.size_spin, 0, 1)
        grid.addWidget(
            muted_label(f"a window closes every N scored rows (at least {MIN_SIZE})"), 0, 2
        )
        grid.addWidget(self.by_time, 1, 0)
        grid.addWidget(self.freq_box, 1, 1)
        grid.addWidget(muted_label("e.g. 5min, 15min, 1h, 6h, 1D; aligned to UTC"), 1, 2)
        grid.setColumnStretch(2, 1)
        box = QGroupBox("Windows")
        box.setLayout(grid)
        return box

    def _drift_box(self) -> QGroupBox:
        self.share_spin = QSpinBox()
        self.share_spin.setRange(1, 100)
        self.share_spin.setSuffix(" %")
        self.share_spin.setAccessibleName("Dataset drift share")
        share = QLabel("Dataset &drift when at least")
        share.setBuddy(self.share_spin)
        line = QHBoxLayout()
        line.addWidget(share)
        line.addWidget(self.share_spin)
        line.addWidget(QLabel("of the features drift"))
        line.addStretch(1)
        self.multivariate = QCheckBox("&Multivariate check (domain classifier)")
        explain = muted_label(
            "Trains a small classifier per window to tell current rows from training rows; it "
            "catches changes in feature combinations but costs about half a second per window."
        )
        self.shift_correction = QCheckBox("&Correct estimates for shifted inputs (PAPE)")
        shift_explain = muted_label(
            "Re-weights the test rows to look like each window before estimating performance; "
            "follows strong input shifts better, costs about a second per window."
        )
        layout = QVBoxLayout()
        layout.addLayout(line)
        layout.addWidget(self.multivariate)
        layout.addWidget(explain)
        layout.addWidget(self.shift_correction)
        layout.addWidget(shift_explain)
        box = QGroupBox("Dataset drift")
        box.setLayout(layout)
        return box

    def _thresholds_box(self) -> QGroupBox:
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        for col, title in enumerate(("Test", "Drift when", "Default", "Threshold")):
            label = QLabel(f"<b>{title}</b>")
            grid.addWidget(label, 0, col)
        self.threshold_spins: dict[str, QDoubleSpinBox] = {}
        for row, (method, (default, _stat, _p)) in enumerate(METHODS.items(), start=1):
            lo, hi, decimals, step = RANGES[method]
            spin = QDoubleSpinBox()
            spin.setObjectName(f"threshold_{method}")
            spin.setRange(lo, hi)
            spin.setDecimals(decimals)
            spin.setSingleStep(step)
            spin.setValue(default)
            spin.setAccessibleName(f"{DISPLAY_NAMES[method]} threshold")
            spin.setToolTip(USED_FOR[method])
            name = QLabel(DISPLAY_NAMES[method][:1].upper() + DISPLAY_NAMES[method][1:])
            name.setToolTip(USED_FOR[method])
            grid.addWidget(name, row, 0)
            grid.addWidget(QLabel(P_VALUE if is_p_value(method) else DISTANCE), row, 1)
            grid.addWidget(QLabel(f"{default:g}"), row, 2)
            grid.addWidget(spin, row, 3)
            self.threshold_spins[method] = spin
        grid.setColumnStretch(1, 1)
        self.reset_button = QPushButton("R&eset to defaults")
        self.reset_button.setToolTip("Set every threshold back to its default")
        self.reset_button.clicked.connect(self.reset_thresholds)
        reset = QHBoxLayout()
        reset.addWidget(muted_label("A lower p-value or a higher distance means fewer alarms."), 1)
        reset.addWidget(self.reset_button)
        layout = QVBoxLayout()
        layout.addLayout(grid)
        layout.addLayout(reset)
        box = QGroupBox("Thresholds per test")
        box.setLayout(layout)
        return box

    # -- state -----------------------------------------------------------------------------------

    def loaded(self, settings: MonitorSettings | None, error: BaseException | None = None) -> None:
        """Fill the form from the saved settings (or say why they could not be read)."""
        if error is not None or settings is None:
            self.status.setText("")
            self.show_error(error or InputError("No settings were read."), "Could not load")
            return
        self.set_settings(settings)
        self.status.setText("")
        self.form.setEnabled(True)
        self.save_button.setEnabled(True)

    def set_settings(self, settings: MonitorSettings) -> None:
        (self.by_rows if settings.kind == "count" else self.by_time).setChecked(True)
        self.size_spin.setValue(int(settings.size))
        self.size_spin.setEnabled(settings.kind == "count")
        if self.freq_box.findText(settings.freq) < 0:
            self.freq_box.addItem(settings.freq)
        self.freq_box.setCurrentText(settings.freq)
        self.freq_box.setEnabled(settings.kind == "time")
        self.share_spin.setValue(round(float(settings.drift_share) * 100))
        self.multivariate.setChecked(bool(settings.multivariate))
        self.shift_correction.setChecked(bool(settings.shift_correction))
        for method, spin in self.threshold_spins.items():
            spin.setValue(float(settings.thresholds.get(method, METHODS[method][0])))

    def reset_thresholds(self) -> None:
        for method, spin in self.threshold_spins.items():
            spin.setValue(METHODS[method][0])

    def thresholds(self) -> dict[str, float]:
        """The thresholds that differ from the defaults."""
        return changed_thresholds({m: s.value() for m, s in self.threshold_spins.items()})

    def settings(self) -> MonitorSettings:
        """The settings of the form; InputError when a value cannot be used."""
        return MonitorSettings(
            kind="count" if self.by_rows.isChecked() else "time",
            size=self.size_spin.value(),
            freq=self.freq_box.currentText().strip(),
            multivariate=self.multivariate.isChecked(),
            drift_share=self.share_spin.value() / 100,
            thresholds=self.thresholds(),
            shift_correction=self.shift_correction.isChecked(),
        )

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def request_save(self) -> None:
        """Validate the form, then ask the owner to save it (nothing is stored on an error)."""
        try:
            settings = self.settings()
        except MlopsError as exc:
            self.show_error(exc, "Not saved")
            return
        self.error_label.hide()
        self.set_busy(True)
        self.status.setText("Saving…")
        self.save_requested.emit(settings, self.reason())

    def set_busy(self, busy: bool) -> None:
        self.form.setEnabled(not busy)
        self.save_button.setEnabled(not busy)

    def saved(self) -> None:
        self.status.setText("Saved.")
        self.accept()

    def failed(self, error: BaseException) -> None:
        self.set_busy(False)
        self.status.setText("")
        self.show_error(error, "Not saved")

    def show_error(self, error: BaseException, headline: str) -> None:
        message = error.message if isinstance(error, MlopsError) else str(error)
        self.error_label.setText(f"<b>{headline}:</b> {message}")
        self.error_label.show()


class MonitorSettingsAction(QObject):
    """The page's "Monitoring settings…" button and its dialog, loaded and saved off the GUI
    thread with the page's ``BackgroundTasks``; the page's poll re-reads after a save.

    ``page`` provides ``model`` (the workspace model), ``model_box``, ``tasks``, ``poller`` and
    ``status_message``.
    """

    settings_saved = Signal(str, object)  # model name, MonitorSettings

    def __init__(self, page: Any) -> None:
        super().__init__(page)
        self.page = page
        self.dialog: MonitorSettingsDialog | None = None
        self.button = QPushButton("Monitoring setti&ngs…")
        self.button.setObjectName("monitorSettingsButton")
        self.button.setToolTip("Windows, drift share and drift thresholds of the selected model")
        self.button.setEnabled(False)
        self.button.clicked.connect(self.open)
        page.model_box.currentIndexChanged.connect(self._sync)

    def _sync(self, _index: int = -1) -> None:
        self.button.setEnabled(self.page.model_box.currentData() is not None)

    def open(self) -> MonitorSettingsDialog | None:
        """Open the dialog for the selected model and load its settings off the GUI thread."""
        name, path = self.page.model_box.currentData(), self.page.model.path
        if name is None or path is None:
            return None
        if self.dialog is not None:
            self.dialog.deleteLater()
        dialog = self.dialog = MonitorSettingsDialog(name, self.page)
        dialog.save_requested.connect(
            lambda settings, reason: self.save(dialog, path, settings, reason)
        )
        dialog.open()

        def loaded(settings: Any, error: BaseException | None) -> None:
            if dialog is self.dialog:  # not replaced (and deleted) meanwhile
                dialog.loaded(settings, error)

        self.page.tasks.run(path, get_settings, (name,), on_done=loaded)
        return dialog

    def save(
        self, dialog: MonitorSettingsDialog, path: Path, settings: MonitorSettings, reason: str
    ) -> None:
        """Store ``settings`` with ``reason`` (audited) on a pool thread."""
        name = dialog.name

        def done(result: Any, error: BaseException | None) -> None:
            current = dialog is self.dialog
            if error is not None:
                if current:
                    dialog.failed(error)
                return
            if current:
                dialog.saved()
            self.settings_saved.emit(name, result)
            self.page.status_message.emit(
                f"Monitoring settings of {name} saved; they apply to new windows.", SAVED_MS
            )
            self.page.poller.poll()

        self.page.tasks.run(path, save_settings, (name, settings, reason), on_done=done)
