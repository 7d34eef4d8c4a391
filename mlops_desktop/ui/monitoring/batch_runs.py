"""Batch scoring runs on the Monitor page: each published run is a window of its own (the
``batch`` arm), with its drift and its estimated quality, so a nightly batch is watched too."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.formatting import (
    MISSING,
    count,
    local_time,
    metric_label,
    number,
    percent,
)
from mlops_desktop.monitoring.batch_windows import BatchRun

TRAFFIC_TAB = 4  # the Monitor page's tab that lists the runs
HEADERS = ("Published", "Run", "Rows", "Drifted features", "Estimated quality")
ROW_HEIGHT_ROWS = 8  # rows shown before the table scrolls


def drift_text(run: BatchRun) -> str:
    """``25.0% (dataset drift)``, or ``—`` when the run had no comparable rows."""
    if run.drift_share is None:
        return MISSING
    return percent(run.drift_share) + (" (dataset drift)" if run.dataset_drift else "")


def estimate_text(run: BatchRun) -> str:
    """``ROC AUC 0.871 (0.842 – 0.899), CBPE`` or why there is none."""
    if run.metric is None or run.estimate is None:
        return "no estimate (too few rows, or the model has none)"
    band = f" ({number(run.low)} – {number(run.high)})" if run.low is not None else ""
    return f"{metric_label(run.metric)} {number(run.estimate)}{band}, {run.method}"


class BatchRuns(QWidget):
    """The latest monitored batch runs of the shown model (hidden while it has none)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("batchRuns")
        self.title = QLabel("<b>Batch scoring runs</b> — each run is a window of its own")
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("batchRunsTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table)
        self.setVisible(False)

    def show_runs(self, runs: list[BatchRun]) -> None:
        self.table.setRowCount(len(runs))
        row_height = self.table.verticalHeader().defaultSectionSize()
        self.table.setFixedHeight(row_height * (min(len(runs), ROW_HEIGHT_ROWS) + 1) + 6)
        for r, run in enumerate(runs):
            cells = (
                local_time(run.published),
                run.batch_id,
                count(run.rows),
                drift_text(run),
                estimate_text(run),
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 1:
                    item.setToolTip(f"mlops-desktop explain {run.batch_id}-ROW explains a row")
                self.table.setItem(r, c, item)
        self.setVisible(bool(runs))
