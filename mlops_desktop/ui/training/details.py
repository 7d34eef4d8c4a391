"""The selected run in detail: metrics, parameters, lineage, reproducibility and log, with the
run's next-step actions (Register…, Retrain on newer data…, Run tests)."""

from __future__ import annotations

import html
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
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.registry.entities import ModelVersion, Run
from mlops_desktop.training.metric_names import CLASSIFICATION_METRICS, REGRESSION_METRICS
from mlops_desktop.training.run_summary import (
    FAMILY_LABELS,
    METRIC_LABELS,
    TASK_LABELS,
    LineageStep,
    RunRow,
    format_duration,
    format_number,
    primary_metric,
    task_of,
)
from mlops_desktop.ui.kit.labels import muted_color, scaled_font

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LINEAGE_CAPTIONS = {
    "dataset": "Dataset",
    "run": "Run",
    "model": "Model version",
    "parent": "Retrained from",
}


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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(8)

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
        layout.addLayout(top)

        self.reason = QLabel()
        self.reason.setObjectName("runFailureReason")
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.reason)

        body = QHBoxLayout()
        body.setSpacing(12)
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
        body.addWidget(metrics_box, 3)

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
        body.addLayout(middle, 3)

        self.tabs = QTabWidget()
        repro = QWidget()
        self.repro_form = QFormLayout(repro)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.tabs.addTab(repro, "Reproducibility")
        self.tabs.addTab(self.log_view, "Log")
        body.addWidget(self.tabs, 4)
        layout.addLayout(body, 1)
        self.lineage: list[LineageStep] = []
        self.versions: list[ModelVersion] = []
        self._apply_colors()

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
        family = FAMILY_LABELS.get(row.family, row.family)
        self.title.setText(row.run_id or f"Job {row.job_id}")
        task = TASK_LABELS.get(row.task, row.task)
        when = f" in {format_duration(row.duration_s)}" if row.duration_s is not None else ""
        parts = [f"{family} on {row.dataset}"] + ([task] if task else [])
        self.subtitle.setText(" · ".join(parts) + f" · {row.status}{when}")
        failed = row.status in ("failed", "cancelled", "interrupted")
        self.reason.setVisible(failed)
        if failed:
            what = {"cancelled": "Cancelled", "interrupted": "Interrupted"}.get(
                row.status, "Failed"
            )
            self.reason.setText(f"<b>{what}:</b> {html.escape(row.note)}")
        succeeded = row.status == "succeeded" and run is not None and bool(run.artifact_hash)
        refs = [v.ref for v in versions]
        self.registered_label.setText(f"Registered as <b>{', '.join(refs)}</b>" if refs else "")
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
        self.retrain_button.setToolTip(
            "Re-run this version's config on a newer dataset version and register the result"
            if can_retrain
            else f"No newer version of {row.dataset.partition('@')[0]} yet: import one on the "
            "Data page first"
        )
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
        metrics = (run.metrics if run is not None else None) or {}
        holdout = metrics.get("holdout") or {}
        baseline = metrics.get("baseline") or {}
        cv = metrics.get("cv") or {}
        task = task_of(run) if run is not None else "binary"
        order = REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS
        primary = primary_metric(run) if run is not None else ""
        names = [m for m in order if m in holdout or m in cv]
        table.setRowCount(len(names))
        bold = scaled_font(table, 1.0, bold=True)
        for i, name in enumerate(names):
            fold = cv.get(name) or {}
            cv_text = ""
            if fold.get("mean") is not None:
                cv_text = f"{format_number(fold.get('mean'))} ± {format_number(fold.get('std'))}"
            cells = [
                METRIC_LABELS.get(name, name),
                format_number(holdout.get(name)),
                format_number(baseline.get(name)),
                cv_text,
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(RIGHT)
                if name == primary:
                    item.setFont(bold)
                table.setItem(i, col, item)
        table.setToolTip("" if names else "No metrics: the run did not finish.")

    def _fill_lineage(self, row: RunRow, lineage: list[LineageStep]) -> None:
        if not lineage:
            self.lineage_label.setText(
                f"Dataset {html.escape(row.dataset)} → no run recorded (the job ended first)."
            )
            return
        lines = []
        for step in lineage:
            caption = LINEAGE_CAPTIONS.get(step.kind, step.kind)
            ref = html.escape(step.ref)
            if step.kind == "parent" and step.run_id:
                ref = f'<a href="{step.run_id}">{ref}</a>'
            detail = f" <span>({html.escape(step.detail)})</span>" if step.detail else ""
            arrow = "↳ " if step.kind != "dataset" else ""
            lines.append(f"{arrow}{caption}: <b>{ref}</b>{detail}")
        self.lineage_label.setText("<br>".join(lines))

    def _fill_params(self, run: Run | None) -> None:
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        if run is None:
            return
        params = run.params or {}
        if not params:
            search = run.config.get("search", 0)
            text = "The family's defaults (no search)." if not search else "The defaults won."
            self.params_form.addRow(QLabel(text))
        for key, value in sorted(params.items()):
            shown = format_number(value) if isinstance(value, float) else str(value)
            self.params_form.addRow(f"{key}:", _mono(QLabel(shown)))
        config = run.config or {}
        self.params_form.addRow(
            "Search:",
            QLabel(
                f"{config.get('search', 0)} candidates, {config.get('cv_folds', '?')} folds, "
                f"{config.get('split_method', 'random')} split"
            ),
        )

    def _fill_repro(self, row: RunRow, run: Run | None) -> None:
        while self.repro_form.rowCount():
            self.repro_form.removeRow(0)
        self.repro_form.addRow("Seed:", _mono(QLabel("" if row.seed is None else str(row.seed))))
        if run is None:
            self.repro_form.addRow("Job:", _mono(QLabel(row.job_id or "")))
            return
        fingerprint = run.fingerprint or "—"
        label = _mono(QLabel(fingerprint[:16] + "…" if len(fingerprint) > 16 else fingerprint))
        label.setToolTip(fingerprint)
        self.repro_form.addRow("Fingerprint:", label)
        for name, version in (run.library_versions or {}).items():
            self.repro_form.addRow(f"{name}:", _mono(QLabel(str(version))))
        timings = (run.config or {}).get("timings") or {}
        if timings:
            text = ", ".join(
                f"{k.removesuffix('_s')} {format_duration(v)}" for k, v in timings.items()
            )
            self.repro_form.addRow("Timings:", QLabel(text))

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
