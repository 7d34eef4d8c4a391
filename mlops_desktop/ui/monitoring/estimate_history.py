"""The estimate's track record: per recent window with outcomes, the estimated value and band
beside the realized one and their difference, so a user can judge how far to trust it."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from mlops_desktop.formatting import local_time, number
from mlops_desktop.monitoring.estimated_series import EstimatedSeries

ROWS = 6
HEADERS = ("Window to", "Estimated", "95 % band", "Realized", "Estimated − realized")


class EstimateHistory(QTableWidget):
    """The latest windows that have both an estimate and a realized value (hidden when none)."""

    def __init__(self) -> None:
        super().__init__(0, len(HEADERS))
        self.setObjectName("estimateHistory")
        self.setHorizontalHeaderLabels(HEADERS)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setMaximumHeight(self.verticalHeader().defaultSectionSize() * (ROWS + 1) + 6)
        self.setVisible(False)

    def show_windows(self, estimated: EstimatedSeries | None, metric: str) -> None:
        """Fill with ``metric``'s latest windows where both values exist."""
        if estimated is None or metric not in estimated.estimate:
            self.setVisible(False)
            return
        both = np.isfinite(estimated.estimate[metric]) & np.isfinite(estimated.realized[metric])
        rows = np.flatnonzero(both)[-ROWS:][::-1]
        self.setRowCount(len(rows))
        for r, j in enumerate(rows.tolist()):
            cells = (
                local_time(float(estimated.end[j]), seconds=True),
                number(estimated.estimate[metric][j]),
                f"{number(estimated.low[metric][j])} – {number(estimated.high[metric][j])}",
                number(estimated.realized[metric][j]),
                f"{estimated.error[metric][j]:+.3f}",
            )
            for c, text in enumerate(cells):
                self.setItem(r, c, QTableWidgetItem(text))
        self.setVisible(len(rows) > 0)
