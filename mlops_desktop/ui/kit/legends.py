"""Chart legends under the plot, in as many columns as fit its width: a legend never hides a
curve and no entry runs off the side (shared by the Monitor charts and the Train compare
dialog; the report charts of the Test page lay theirs out the same way in SVG)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt

#: The most legend entries side by side; fewer when the plot is too narrow for them.
LEGEND_COLUMNS = 4


def legend_below(item: pg.PlotItem, columns: int = LEGEND_COLUMNS) -> pg.LegendItem:
    """A legend in the plot item's layout under the axis label; ``item.legend`` so that
    ``plot(..., name=...)`` entries join it."""
    legend = pg.LegendItem(colCount=columns, horSpacing=18)
    item.layout.addItem(legend, 4, 1)
    item.legend = legend
    return legend


def fit_legend(legend: pg.LegendItem | None, room: float, most: int = LEGEND_COLUMNS) -> None:
    """As many columns as fit ``room`` pixels (at most ``most``), so no entry is cut off."""
    if legend is None or not legend.items:
        return
    for columns in range(min(most, len(legend.items)), 0, -1):
        legend.setColumnCount(columns)
        if legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width() <= room:
            break
    legend.updateSize()


def legend_room(plot: pg.PlotWidget) -> float:
    """The width a legend under ``plot``'s axes may take."""
    return plot.width() - plot.getAxis("left").width() - 24


class LegendFitter(QObject):
    """Refits a plot's legend whenever the plot widget is resized (an event filter)."""

    def __init__(self, plot: pg.PlotWidget) -> None:
        super().__init__(plot)
        self.plot = plot
        plot.installEventFilter(self)

    def fit(self) -> None:
        fit_legend(self.plot.getPlotItem().legend, legend_room(self.plot))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.plot and event.type() == QEvent.Type.Resize:
            self.fit()
        return False
