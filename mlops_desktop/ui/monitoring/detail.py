"""One window of one feature, reference against current: two bar sets from the window's stored
report (histogram shares on shared bins for numbers, category shares otherwise), with the
method's verdict in words. Opens when a drift point or a heat map cell is clicked."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.formatting import local_time, p_text, significant
from mlops_desktop.ui.kit.labels import scaled_font
from mlops_desktop.ui.monitoring.model import column_detail, histogram_shares
from mlops_desktop.ui.monitoring.plot import MonitorPlot, reference_color, series_color, short


def stats_line(column: dict) -> str:
    """Method, statistic against threshold, and the sample sizes, in one line."""
    method = column.get("method", "")
    if column.get("p_value") is not None:
        judged = (
            f"{method} {p_text(column['p_value'])} (drift below {significant(column['threshold'])})"
        )
    else:
        judged = (
            f"{method} {significant(column.get('statistic'))} "
            f"(drift at or above {significant(column['threshold'])})"
        )
    return (
        f"{judged} · {column.get('n_current', 0):,} current values against "
        f"{column.get('n_reference', 0):,} reference values"
    )


class DistributionChart(MonitorPlot):
    """Reference (training) and current shares side by side."""

    def __init__(self) -> None:
        super().__init__("Reference vs current", "Share of values (%)", "Value", window_axis=False)
        self.reference = pg.BarGraphItem(x=[], height=[], width=0.4)
        self.current = pg.BarGraphItem(x=[], height=[], width=0.4)
        self.item.addItem(self.reference)
        self.item.addItem(self.current)
        self.legend.addItem(self.reference, "reference (training)")
        self.legend.addItem(self.current, "current window")
        self.setMinimumSize(560, 320)
        self.apply_theme()

    def recolor(self) -> None:
        ref, cur = reference_color(self.dark), series_color(1, self.dark)
        self.reference.setOpts(brush=pg.mkBrush(ref), pen=pg.mkPen(ref))
        self.current.setOpts(brush=pg.mkBrush(cur), pen=pg.mkPen(cur))

    def show_column(self, column: dict) -> None:
        ref, cur = column.get("reference_summary") or {}, column.get("current_summary") or {}
        axis = self.getAxis("bottom")
        if "edges" in ref:
            edges, ref_shares = histogram_shares(ref)
            _, cur_shares = histogram_shares(cur)
            centres = (np.array(edges[:-1]) + np.array(edges[1:])) / 2 if edges else np.zeros(0)
            width = (edges[1] - edges[0]) if len(edges) > 1 else 1.0
            self.reference.setOpts(
                x=centres - width * 0.2, height=np.array(ref_shares) * 100, width=width * 0.4
            )
            self.current.setOpts(
                x=centres + width * 0.2, height=np.array(cur_shares) * 100, width=width * 0.4
            )
            axis.setTicks(None)
            self._x_label = column.get("column", "Value")
            if ref.get("datetime"):
                self._x_label += " (seconds since 1970)"
        else:
            names = ref.get("categories") or cur.get("categories") or []
            x = np.arange(len(names), dtype=float)
            self.reference.setOpts(
                x=x - 0.2, height=np.array(ref.get("shares") or [0] * len(names)) * 100, width=0.4
            )
            self.current.setOpts(
                x=x + 0.2, height=np.array(cur.get("shares") or [0] * len(names)) * 100, width=0.4
            )
            axis.setTicks([[(i, short(str(n), 14)) for i, n in enumerate(names)]])
            self._x_label = f"{column.get('column', 'Category')} (category)"
        self.apply_theme()
        self.item.autoRange()


class WindowDetailDialog(QDialog):
    """Reference vs current distribution of a feature in one window (non-blocking, reused).

    Signals:
        feature_changed(str): the user picked another feature of the same window.
    """

    feature_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("windowDetail")
        self.setWindowTitle("Drift in One Window")
        self.detail: dict | None = None
        self.heading = QLabel()
        self.heading.setFont(scaled_font(self, 1.2, bold=True))
        self.heading.setWordWrap(True)
        self.feature_box = QComboBox()
        self.feature_box.currentIndexChanged.connect(self._picked)
        label = QLabel("&Feature:")
        label.setBuddy(self.feature_box)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stats = QLabel()
        self.stats.setWordWrap(True)
        self.chart = DistributionChart()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.feature_box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(top)
        layout.addWidget(self.explanation)
        layout.addWidget(self.stats)
        layout.addWidget(self.chart, 1)
        layout.addWidget(buttons)
        self.resize(720, 520)

    def loading(self, text: str) -> None:
        self.heading.setText(text)
        self.explanation.setText("Loading the window's stored report…")
        self.stats.setText("")

    def failed(self, message: str) -> None:
        self.explanation.setText(message)

    def feature(self) -> str:
        return self.feature_box.currentText()

    def set_detail(self, detail: dict, feature: str | None) -> None:
        """Show ``feature`` (None: the most drifted one) of the window in ``detail``."""
        self.detail = detail
        window = detail["window"]
        columns = (detail.get("report") or {}).get("columns", [])
        order = sorted(columns, key=lambda c: not c.get("drifted"))  # drifted first
        names = [c["column"] for c in order]
        if feature not in names:
            feature = names[0] if names else None
        end = local_time(window.window_end, seconds=True)
        self.heading.setText(
            f"Window {window.id} of {window.model_name}: {window.n_rows:,} rows, ending {end}"
        )
        self.feature_box.blockSignals(True)
        self.feature_box.clear()
        self.feature_box.addItems(names)
        if feature is not None:
            self.feature_box.setCurrentText(feature)
        self.feature_box.blockSignals(False)
        self._show(feature)

    def _picked(self) -> None:
        self._show(self.feature())
        self.feature_changed.emit(self.feature())

    def _show(self, feature: str | None) -> None:
        column = column_detail(self.detail or {}, feature) if feature else None
        if column is None:
            self.explanation.setText("This window's report has no such feature.")
            return
        verdict = "Drifted" if column.get("drifted") else "No drift"
        self.explanation.setText(f"<b>{verdict}.</b> {column.get('explanation', '')}")
        self.stats.setText(stats_line(column))
        self.chart.show_column(column)
