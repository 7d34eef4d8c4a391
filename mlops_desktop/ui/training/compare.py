"""Compare runs side by side: metrics with differences, the parameter diff and overlaid charts.

The curves come from the ``comparison_curves`` job (each run's pipeline scored on its holdout in
a worker); the tables are built at once from the runs' registry records.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.formatting import MISSING, number, signed, significant
from mlops_desktop.registry.entities import Job, Run
from mlops_desktop.training.comparison import comparison_curves, metric_table, param_diff
from mlops_desktop.training.run_summary import METRIC_LABELS
from mlops_desktop.ui.kit.dialogs import error_box, job_error_text
from mlops_desktop.ui.kit.icons import dot_pixmap
from mlops_desktop.ui.kit.labels import scaled_font
from mlops_desktop.ui.kit.legends import LegendFitter, legend_below
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

#: Okabe–Ito: distinguishable for colour-blind viewers and on a projector, light or dark.
RUN_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#999999",
)
SOURCE_LABELS = {"holdout": "holdout", "cv": "CV mean", "baseline": "dummy baseline"}
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CHARTS = {
    "classification": (
        ("roc", "ROC curve", "False positive rate", "True positive rate"),
        ("pr", "Precision–recall curve", "Recall", "Precision"),
    ),
    "regression": (
        ("scatter", "Predicted vs actual", "Actual", "Predicted"),
        ("residuals", "Residuals (actual − predicted)", "Residual", "Rows"),
    ),
}


def color_of(index: int) -> QColor:
    return QColor(RUN_COLORS[index % len(RUN_COLORS)])


def _read_only_table(columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


class CompareDialog(QDialog):
    """Side-by-side view of two or more runs (non-modal; one job computes the curves)."""

    def __init__(
        self,
        model: WorkspaceModel,
        runs: list[Run],
        dataset_refs: dict[int, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.runs = runs
        self.dataset_refs = dataset_refs
        self.curves: dict[str, Any] | None = None
        self.job_id: str | None = None
        self.charts: dict[str, pg.PlotWidget] = {}
        self.series: dict[str, list[pg.PlotDataItem]] = {}
        self.setObjectName("compareDialog")
        self.setWindowTitle(f"Compare {len(runs)} Runs")
        self.resize(1280, 860)
        layout = QVBoxLayout(self)
        heading = QLabel(
            "Comparing " + ", ".join(f"<b>{r.id}</b> ({r.model_family})" for r in runs)
        )
        heading.setWordWrap(True)
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(heading)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self._build_charts())

        splitter.addWidget(self._build_tables())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([480, 330])
        layout.addWidget(splitter, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self._failed_job: Job | None = None
        self.fill_tables()

    def _build_charts(self) -> QWidget:
        """The grid the curves go in; meanwhile it says they are being computed."""
        charts = QWidget()
        self.chart_grid = QGridLayout(charts)
        self.chart_grid.setContentsMargins(0, 0, 0, 0)
        self.status = QLabel("Computing curves on each run's holdout…")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self.chart_grid.addWidget(self.status, 0, 0, 1, 2)
        self.details_button = QPushButton("Show &details…")
        self.details_button.hide()
        self.details_button.clicked.connect(self._show_error)
        self.chart_grid.addWidget(self.details_button, 1, 0, 1, 2, Qt.AlignmentFlag.AlignCenter)
        return charts

    def _build_tables(self) -> QWidget:
        """Metrics with differences beside the parameters that differ, one column per run."""
        tables = QWidget()
        tables_layout = QHBoxLayout(tables)
        tables_layout.setContentsMargins(0, 0, 0, 0)
        run_columns = [r.id for r in self.runs]
        metrics_box = QGroupBox("Metrics (difference against the first run)")
        self.metrics_table = _read_only_table(["Metric", *run_columns])
        QVBoxLayout(metrics_box).addWidget(self.metrics_table)
        params_box = QGroupBox("Parameters that differ")
        params_layout = QVBoxLayout(params_box)
        self.params_table = _read_only_table(["Parameter", *run_columns])
        self.params_empty = QLabel("Every setting and chosen parameter is the same.")
        params_layout.addWidget(self.params_table)
        params_layout.addWidget(self.params_empty)
        for table in (self.metrics_table, self.params_table):
            for column, _run in enumerate(self.runs, start=1):
                item = table.horizontalHeaderItem(column)
                item.setIcon(dot_pixmap(color_of(column - 1), 10, self.devicePixelRatioF()))
        tables_layout.addWidget(metrics_box, 3)
        tables_layout.addWidget(params_box, 2)
        return tables

    # -- tables ------------------------------------------------------------------------------

    def fill_tables(self) -> None:
        rows = [r for r in metric_table(self.runs) if r["source"] != "baseline" or r["primary"]]
        table = self.metrics_table
        table.setRowCount(len(rows))
        bold = scaled_font(table, 1.0, bold=True)
        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        better = QColor("#5cc971" if dark else "#1e8e3e")
        worse = QColor("#ff7b72" if dark else "#d93025")
        for i, row in enumerate(rows):
            name = f"{METRIC_LABELS.get(row['metric'], row['metric'])} — "
            name += SOURCE_LABELS[row["source"]]
            label = QTableWidgetItem(name)
            if row["primary"]:
                label.setFont(bold)
            table.setItem(i, 0, label)
            for j, value in enumerate(row["values"]):
                text = number(value)
                if row.get("stds") and row["stds"][j] is not None:
                    text += f" ± {number(row['stds'][j])}"
                diff = row["diffs"][j]
                if diff is not None:
                    text += f"  ({signed(diff)})"
                item = QTableWidgetItem(text)
                item.setTextAlignment(RIGHT)
                if row["best"] == j:
                    item.setFont(bold)
                    item.setToolTip("Best of the compared runs")
                if diff:
                    improved = (diff > 0) == row["higher_is_better"]
                    item.setForeground(better if improved else worse)
                table.setItem(i, j + 1, item)
        table.setCurrentCell(-1, -1)
        self._fill_params()

    def _fill_params(self) -> None:
        estimator = None
        if self.curves is not None:
            estimator = {e["run_id"]: e["estimator_params"] for e in self.curves["runs"]}
        rows = param_diff(self.runs, self.dataset_refs, estimator)
        table = self.params_table
        table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(row["param"]))
            for j, value in enumerate(row["values"]):
                if value is None:
                    text = "default" if row["kind"] != "setting" else MISSING
                elif isinstance(value, float):
                    text = significant(value)
                else:
                    text = str(value)
                item = QTableWidgetItem(text)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    item.setTextAlignment(RIGHT)
                table.setItem(i, j + 1, item)
        table.setVisible(bool(rows))
        self.params_empty.setVisible(not rows)

    def param_rows(self) -> list[dict[str, Any]]:
        """What the parameter table shows (for tests and copy)."""
        estimator = None
        if self.curves is not None:
            estimator = {e["run_id"]: e["estimator_params"] for e in self.curves["runs"]}
        return param_diff(self.runs, self.dataset_refs, estimator)

    # -- curves ------------------------------------------------------------------------------

    def start(self) -> str:
        """Submit the curves job; the charts appear when it ends."""
        self.job_id = self.model.submit(
            comparison_curves,
            {"run_ids": [r.id for r in self.runs]},
            title=f"Compare {len(self.runs)} runs",
            on_finished=self._on_finished,
        )
        return self.job_id

    def _on_finished(self, job: Job) -> None:
        if job.id != self.job_id:
            return
        if job.status != "succeeded":
            self._failed_job = job
            what = "were cancelled" if job.status == "cancelled" else "could not be computed"
            self.status.setText(f"The curves {what}: {job.error or job.message}")
            self.details_button.setVisible(job.status != "cancelled")
            return
        self.show_curves(job.result)

    def _show_error(self) -> None:
        if self._failed_job is not None:
            error_box(self, job_error_text(self._failed_job)).open()

    def show_curves(self, curves: dict[str, Any]) -> None:
        self.curves = curves
        self.status.hide()
        self.details_button.hide()
        self._fill_params()
        for plot in self.charts.values():
            self.chart_grid.removeWidget(plot)
            plot.deleteLater()
        self.charts.clear()
        self.series.clear()
        specs = CHARTS[curves["kind"]]
        for column, (key, title, x_label, y_label) in enumerate(specs):
            plot = self._make_plot(title, x_label, y_label)
            self.charts[key] = plot
            self.series[key] = []
            self.chart_grid.addWidget(plot, 2, column)
        color_index = {r.id: i for i, r in enumerate(self.runs)}
        for entry in curves["runs"]:
            color = color_of(color_index.get(entry["run_id"], 0))
            if curves["kind"] == "classification":
                self._classification_series(entry, color)
            else:
                self._regression_series(entry, color)
        self._reference_lines(curves)
        if curves.get("skipped"):
            note = QLabel(
                "Not shown: "
                + "; ".join(f"{s['run_id']} ({s['reason']})" for s in curves["skipped"])
            )
            note.setWordWrap(True)
            self.chart_grid.addWidget(note, 3, 0, 1, 2)

    def _make_plot(self, title: str, x_label: str, y_label: str) -> pg.PlotWidget:
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        plot = pg.PlotWidget(background=pal.color(QPalette.ColorRole.Base))
        plot.setMinimumSize(320, 300)
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, font.pointSizeF()))
        size = f"{font.pointSizeF() * 1.15:.0f}pt"
        item = plot.getPlotItem()
        item.setTitle(title, color=text.name(), size=f"{font.pointSizeF() * 1.3:.0f}pt")
        for side, label in (("bottom", x_label), ("left", y_label)):
            axis = plot.getAxis(side)
            axis.enableAutoSIPrefix(False)  # no "(x0.001)" beside the label
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
            axis.setTickFont(font)
            axis.setLabel(label, color=text.name(), **{"font-size": size})
        item.showGrid(x=True, y=True, alpha=0.15)
        legend = legend_below(item)  # under the plot: it hides no curve, columns that fit
        legend.setLabelTextColor(text)
        legend.setLabelTextSize(size)
        plot.legend_fitter = LegendFitter(plot)
        return plot

    def _classification_series(self, entry: dict[str, Any], color: QColor) -> None:
        pen = pg.mkPen(color, width=2.5)
        roc, pr = entry["roc"], entry["pr"]
        name = f"{entry['run_id']} (AUC {number(roc['auc'])})"
        self.series["roc"].append(self.charts["roc"].plot(roc["x"], roc["y"], pen=pen, name=name))
        name = f"{entry['run_id']} (AP {number(pr['ap'])})"
        self.series["pr"].append(self.charts["pr"].plot(pr["x"], pr["y"], pen=pen, name=name))

    def _regression_series(self, entry: dict[str, Any], color: QColor) -> None:
        fill = QColor(color)
        fill.setAlpha(110)
        scatter = entry["scatter"]
        self.series["scatter"].append(
            self.charts["scatter"].plot(
                scatter["actual"],
                scatter["predicted"],
                pen=None,
                symbol="o",
                symbolSize=5,
                symbolPen=None,
                symbolBrush=fill,
                name=f"{entry['run_id']} {entry['model_family']}",
            )
        )
        hist = entry["residuals"]
        self.series["residuals"].append(
            self.charts["residuals"].plot(
                hist["edges"],
                hist["counts"],
                stepMode="center",
                pen=pg.mkPen(color, width=2.5),
                name=f"{entry['run_id']} {entry['model_family']}",
            )
        )

    def _reference_lines(self, curves: dict[str, Any]) -> None:
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        dashed = pg.mkPen(muted, width=1.5, style=Qt.PenStyle.DashLine)
        if curves["kind"] == "classification":
            self.charts["roc"].plot([0, 1], [0, 1], pen=dashed, name="chance")
            prevalence = curves["runs"][0]["pr"]["prevalence"] if curves["runs"] else None
            if prevalence is not None:
                self.charts["pr"].plot(
                    [0, 1], [prevalence, prevalence], pen=dashed, name="no skill (prevalence)"
                )
            for key in ("roc", "pr"):
                self.charts[key].setRange(xRange=(0, 1), yRange=(0, 1.02), padding=0.02)
        else:
            values = [v for e in curves["runs"] for v in e["scatter"]["actual"]]
            if values:
                low, high = min(values), max(values)
                self.charts["scatter"].plot([low, high], [low, high], pen=dashed, name="perfect")
        for plot in self.charts.values():
            plot.legend_fitter.fit()

    def closeEvent(self, event) -> None:
        if self.job_id is not None and self.curves is None:
            job = self.model.job(self.job_id)
            if job is not None and not job.finished:
                self.model.cancel(self.job_id)
        super().closeEvent(event)
