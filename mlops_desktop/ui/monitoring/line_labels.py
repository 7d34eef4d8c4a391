"""Labels of threshold lines placed where they cover no data: along the line, above or below
it, at the spot whose box holds the fewest points of the chart's curve (and no other label)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF

ABOVE, BELOW = [(0, 1), (0, 1)], [(0, 0), (0, 0)]
#: Candidate spots along a line (fractions of the plot's width), and half label heights off it.
STEPS, LIFTS = 48, 4


def curve_points(view: pg.ViewBox, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The curve through (xs, ys) as scene points, sampled densely along each segment (a label
    must not cover the line between two points either); NaNs break the curve."""
    out = []
    for i, (x, y) in enumerate(zip(xs, ys, strict=False)):
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        here = view.mapViewToScene(QPointF(float(x), float(y)))
        out.append((here.x(), here.y()))
        if i + 1 < len(xs) and np.isfinite(xs[i + 1]) and np.isfinite(ys[i + 1]):
            there = view.mapViewToScene(QPointF(float(xs[i + 1]), float(ys[i + 1])))
            for t in np.linspace(0.1, 0.9, 9):
                out.append(
                    (here.x() + t * (there.x() - here.x()), here.y() + t * (there.y() - here.y()))
                )
    return np.array(out, dtype=float).reshape(-1, 2)


def _cost(box: QRectF, points: np.ndarray, taken: list[QRectF], frame: QRectF) -> float:
    inside = (
        (points[:, 0] >= box.left() - 3)
        & (points[:, 0] <= box.right() + 3)
        & (points[:, 1] >= box.top() - 3)
        & (points[:, 1] <= box.bottom() + 3)
    )
    cost = float(inside.sum())
    cost += 1000.0 * sum(box.intersects(other) for other in taken)
    cost += 0.0 if frame.contains(box) else 500.0
    return cost


def place_labels(plot: pg.PlotWidget, lines: list[pg.InfiniteLine], xs, ys) -> list[QRectF]:
    """Move each visible line's label to its least covered spot; return the boxes used."""
    view = plot.getPlotItem().vb
    frame = view.sceneBoundingRect()
    points = curve_points(view, np.asarray(xs, float), np.asarray(ys, float))
    taken: list[QRectF] = []
    for line in lines:
        if not line.isVisible() or not line.label.format:
            continue
        size = line.label.boundingRect()
        y = view.mapViewToScene(QPointF(0.0, float(line.value()))).y()
        last = max(0.0, 1.0 - (size.width() + 4) / max(frame.width(), 1.0))
        best = None
        for lift in range(LIFTS):  # on the line first; a little off it when the curve is dense
            gap = lift * size.height() / 2
            for side, top in ((ABOVE, y - size.height() - gap), (BELOW, y + gap)):
                for p in np.linspace(0.01, max(0.01, last), STEPS):
                    box = QRectF(frame.left() + p * frame.width(), top, size.width(), size.height())
                    cost = _cost(box, points, taken, frame)
                    key = (cost, lift, side is BELOW, p)  # then near, above, to the left
                    if best is None or key < best[0]:
                        best = (key, side, gap, float(p), box)
        _key, side, gap, p, box = best
        lift = gap / max(size.height(), 1.0)  # the anchor moves the text in its own heights
        anchor = (0, side[0][1] + lift) if side is ABOVE else (0, -lift)
        line.label.anchors = [anchor, anchor]
        line.label.setPosition(p)
        line.label.updatePosition()
        taken.append(box)
    return taken
