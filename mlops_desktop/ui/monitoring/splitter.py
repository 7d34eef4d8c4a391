"""The Monitor page's splitter: the charts get the height, the alerts keep their rows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget


class ChartsSplitter(QSplitter):
    """Charts above, alerts below: until the user drags the handle, the alerts get a quarter
    of the height (at least their three-row minimum, at most ``ALERTS_MAX``), charts the rest."""

    ALERTS_MAX = 260

    def __init__(self, charts: QWidget, alerts: QWidget) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self.setChildrenCollapsible(False)
        self.addWidget(charts)
        self.addWidget(alerts)
        self.dragged = False
        self.splitterMoved.connect(self._on_moved)

    def _on_moved(self, _pos: int, _index: int) -> None:
        self.dragged = True

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.dragged:
            return
        total = sum(self.sizes())
        alerts = self.widget(1).minimumSizeHint().height()
        alerts = max(alerts, min(self.ALERTS_MAX, total // 4))
        self.setSizes([max(0, total - alerts), alerts])
