"""The selected run in detail: metrics, parameters, lineage, reproducibility and log, with the
run's next-step actions (Register…, Retrain on newer data…, Run tests)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.formatting import MISSING
from mlops_desktop.registry.entities import ModelVersion, Run
from mlops_desktop.training.run_summary import LineageStep, RunRow
from mlops_desktop.ui.kit.labels import muted_color, scaled_font
from mlops_desktop.ui.kit.widgets import code_view
from mlops_desktop.ui.training.model import (
    ENDED,
    failure_text,
    lineage_html,
    metric_rows,
    no_params_text,
    param_texts,
    retrain_tip,
    search_text,
    subtitle_text,
    timings_text,
)

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _mono(label: QLabel) -> QLabel:
    label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class RunDetails(QWidget):
    """Details of one RunRow. Signals carry the run id (or a model ref for ``tests``)."""

    register_requested = Signal(str)
    retrain_requested = Signal(str)
    tests_requested = Signal(str)
    run_link_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row: RunRow | None = None
        self.run: Run | None = None
        self.lineage: list[LineageStep] = []
        self.versions: list[ModelVersion] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(self._build_top())
        self.reason = QLabel()
        self.reason.setObjectName("runFailureReason")
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.reason)
        body = QHBoxLayout()
        body.setSpacing(12)
        body.addWidget(self._build_metrics(), 3)
        body.addLayout(self._build_middle(), 3)
        body.addWidget(self._build_tabs(), 4)
        layout.addLayout(body, 1)
        self._apply_colors()

    def _build_top(self) -> QHBoxLayout:
        """The run id with Copy, what it is, and the next-step buttons."""
        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        name_line = QHBoxLayout()
        self.title = QLabel()
        self.title.setFont(scaled_font(self, 1.25, bold=True))
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setAutoRaise(True)
        self.copy_button.setToolTip("Copy the run id to the clipboard")
        self.copy_button.clicked.connect(self._copy_id)
        name_line.addWidget(self.title)
        name_line.addWidget(self.copy_button)
        name_line.addStretch(1)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        titles.addLayout(name_line)
        titles.addWidget(self.subtitle)
        top.addLayout(titles, 1)
        self.registered_label = QLabel()
        self.register_button = QPushButton("&Register…")
        self.retrain_button = QPushButton("Retrain on ne&wer data…")
        self.tests_button = QPushButton("Run &tests →")
        self.register_button.clicked.connect(lambda: self._emit(self.register_requested))
        self.retrain_button.clicked.connect(lambda: self._emit(self.retrain_requested))
        self.tests_button.clicked.connect(self._request_tests)
        for widget in (
            self.registered_label,
            self.register_button,
            self.retrain_button,
            self.tests_button,
        ):
            top.addWidget(widget, 0, Qt.AlignmentFlag.AlignTop)
        return top

    def _build_metrics(self) -> QGroupBox:
        metrics_box = QGroupBox("Metrics")
        metrics_layout = QVBoxLayout(metrics_box)
        self.metrics_table = QTableWidget(0, 4)
        self.metrics_table.setHorizontalHeaderLabels(["Metric", "Holdout", "Baseline", "CV ± std"])
        self.metrics_table.verticalHeader().hide()
        self.metrics_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.metrics_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.metrics_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.metrics_table.setAlternatingRowColors(True)
        self.metrics_table.setShowGrid(False)
        row_height = self.metrics_table.fontMetrics().height() + 8
        self.metrics_table.verticalHeader().setDefaultSectionSize(row_height)
        self.metrics_table.verticalHeader().setMinimumSectionSize(row_height)
        header = self.metrics_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        metrics_layout.addWidget(self.metrics_table)
        return metrics_box

    def _build_middle(self) -> QVBoxLayout:
        """Lineage above the chosen parameters."""
        middle = QVBoxLayout()
        lineage_box = QGroupBox("Lineage")
        lineage_layout = QVBoxLayout(lineage_box)
        self.lineage_label = QLabel()
        self.lineage_label.setTextFormat(Qt.TextFormat.RichText)
        self.lineage_label.setWordWrap(True)
        self.lineage_label.linkActivated.connect(self.run_link_activated)
        lineage_layout.addWidget(self.lineage_label)
        lineage_layout.addStretch(1)
        params_box = QGroupBox("Chosen parameters")
        self.params_form = QFormLayout(params_box)
        middle.addWidget(lineage_box, 1)
        middle.addWidget(params_box, 1)
        return middle

    def _build_tabs(self) -> QTabWidget:
        """Reproducibility (seed, fingerprint, library versions, timings) and the run's log."""
        self.tabs = QTabWidget()
        repro = QWidget()
        self.repro_form = QFormLayout(repro)
        self.log_view = code_view()
        self.tabs.addTab(repro, "Reproducibility")
        self.tabs.addTab(self.log_view, "Log")
        return self.tabs

    # -- filling -----------------------------------------------------------------------------

    def show_run(
        self,
        row: RunRow,
        run: Run | None,
        versions: list[ModelVersion],
        lineage: list[LineageStep],
        can_retrain: bool,
    ) -> None:
        """Show ``row`` (``run`` is None for a job that never recorded a run)."""
        self.row, self.run, self.versions, self.lineage = row, run, versions, lineage
        self.title.setText(row.run_id or f"Job {row.job_id}")
        self.subtitle.setText(subtitle_text(row))
        failed = row.status in ENDED
        self.reason.setVisible(failed)
        self.reason.setText(failure_text(row))
        succeeded = row.status == "succeeded" and run is not None and bool(run.artifact_hash)
        refs = [v.ref for v in versions]
        words = "model" if len(refs) == 1 else "models"  # beside "on dataset credit@1"
        self.registered_label.setText(
            f"Registered as {words} <b>{', '.join(refs)}</b>" if refs else ""
        )
        self.registered_label.setVisible(bool(refs))
        self.register_button.setEnabled(succeeded and not refs)
        self.register_button.setVisible(not refs)
        self.register_button.setToolTip(
            "Register this run's pipeline as the next version of a model"
            if succeeded
            else "Only a run that succeeded can be registered"
        )
        self.retrain_button.setVisible(bool(refs))
        self.retrain_button.setEnabled(bool(refs) and can_retrain)
        self.retrain_button.setToolTip(retrain_tip(row, can_retrain))
        self.tests_button.setVisible(bool(refs))
        self.tests_button.setDefault(bool(refs))
        self.register_button.setDefault(succeeded and not refs)
        self.copy_button.setVisible(row.run_id is not None)
        self.copy_button.setText("Copy")
        self._fill_metrics(run)
        self._fill_lineage(row, lineage)
        self._fill_params(run)
        self._fill_repro(row, run)
        log = run.log if run is not None and run.log else ""
        self.log_view.setPlainText(log or (row.note if failed else "No log lines yet."))

    def _fill_metrics(self, run: Run | None) -> None:
        table = self.metrics_table
        rows = metric_rows(run)
        table.setRowCount(len(rows))
        bold = scaled_font(table, 1.0, bold=True)
        for i, (cells, primary) in enumerate(rows):
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(RIGHT)
                if primary:
                    item.setFont(bold)
                table.setItem(i, col, item)
        table.setToolTip("" if rows else "No metrics: the run did not finish.")
        self._fit_metrics_width()

    def _fit_metrics_width(self) -> None:
        """Wide enough for every column (the CV "mean ± std" is never cut off or scrolled)."""
        table = self.metrics_table
        table.resizeColumnsToContents()
        header = table.horizontalHeader()
        needed = sum(header.sectionSize(c) for c in range(table.columnCount()))
        table.setMinimumWidth(needed + 2 * table.frameWidth() + 4)

    def _fill_lineage(self, row: RunRow, lineage: list[LineageStep]) -> None:
        self.lineage_label.setText(lineage_html(row, lineage))

    def _fill_params(self, run: Run | None) -> None:
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        if run is None:
            return
        params = param_texts(run)
        if not params:
            self.params_form.addRow(QLabel(no_params_text(run)))
        for key, shown in params:
            self.params_form.addRow(f"{key}:", _mono(QLabel(shown)))
        caption = "Origin:" if run.model_family == "imported" else "Search:"
        self.params_form.addRow(caption, QLabel(search_text(run)))

    def _fill_repro(self, row: RunRow, run: Run | None) -> None:
        while self.repro_form.rowCount():
            self.repro_form.removeRow(0)
        self.repro_form.addRow("Seed:", _mono(QLabel("" if row.seed is None else str(row.seed))))
        if run is None:
            self.repro_form.addRow("Job:", _mono(QLabel(row.job_id or "")))
            return
        fingerprint = run.fingerprint or MISSING
        label = _mono(QLabel(fingerprint[:16] + "…" if len(fingerprint) > 16 else fingerprint))
        label.setToolTip(fingerprint)
        self.repro_form.addRow("Fingerprint:", label)
        for name, version in (run.library_versions or {}).items():
            self.repro_form.addRow(f"{name}:", _mono(QLabel(str(version))))
        timings = timings_text(run)
        if timings:
            self.repro_form.addRow("Timings:", QLabel(timings))

    # -- actions -----------------------------------------------------------------------------

    def _emit(self, signal: Any) -> None:
        if self.row is not None and self.row.run_id:
            signal.emit(self.row.run_id)

    def _request_tests(self) -> None:
        if self.versions:
            self.tests_requested.emit(self.versions[-1].ref)

    def _copy_id(self) -> None:
        if self.row is not None and self.row.run_id:
            QGuiApplication.clipboard().setText(self.row.run_id)
            self.copy_button.setText("Copied")

    def _apply_colors(self) -> None:
        pal = self.subtitle.palette()
        pal.setColor(QPalette.ColorRole.WindowText, muted_color(self))
        self.subtitle.setPalette(pal)
        red = self.reason.palette()
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        red.setColor(
            QPalette.ColorRole.WindowText, Qt.GlobalColor.red if dark else Qt.GlobalColor.darkRed
        )
        self.reason.setPalette(red)

    def changeEvent(self, event) -> None:
        if event.type() == event.Type.PaletteChange:
            self._apply_colors()
        super().changeEvent(event)
