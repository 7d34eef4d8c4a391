"""Inline SVG charts for reports, built as plain strings: no library, no external reference.

Made to be read from the back of a room: large type, thick high-contrast lines, a legend, axis
labels, labelled reference and threshold lines. Elements carry no ``xmlns`` (HTML5 inline SVG);
``standalone`` adds the namespace for renderers that need a separate SVG document.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from mlops_desktop.formatting import number, percent

WIDTH, HEIGHT = 600, 460
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK, GRID, MUTED = "#111111", "#d0d0d0", "#555555"
PALETTE = ("#0b57d0", "#c2410c", "#15803d", "#7e22ce", "#b91c1c")
BAD, GOOD = "#b91c1c", "#0b57d0"
#: The legend's margin under a plot, left and right.
LEGEND_MARGIN = 16


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = start
    while value <= high + 1e-9 * step:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _tick_label(value: float) -> str:
    if abs(value) >= 10000:
        return f"{value:,.0f}"
    return f"{value:g}"


@dataclass
class Plot:
    """A plotting area with axes; collects SVG elements."""

    title: str
    xlabel: str
    ylabel: str
    xlim: tuple[float, float] = (0.0, 1.0)
    ylim: tuple[float, float] = (0.0, 1.0)
    left: int = 86
    right: int = 24
    top: int = 52
    bottom: int = 76

    def __post_init__(self) -> None:
        self.parts: list[str] = []
        self.legend: list[tuple[str, str, str]] = []

    def x(self, value: float) -> float:
        span = (self.xlim[1] - self.xlim[0]) or 1.0
        return self.left + (value - self.xlim[0]) / span * (WIDTH - self.left - self.right)

    def y(self, value: float) -> float:
        span = (self.ylim[1] - self.ylim[0]) or 1.0
        return (
            HEIGHT - self.bottom - (value - self.ylim[0]) / span * (HEIGHT - self.top - self.bottom)
        )

    def line(
        self, xs, ys, colour: str, label: str = "", width: float = 3.5, dash: str = ""
    ) -> None:
        points = " ".join(f"{_f(self.x(a))},{_f(self.y(b))}" for a, b in zip(xs, ys, strict=False))
        style = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="{width}" stroke-linejoin="round"{style}/>'
        )
        if label:
            self.legend.append((label, colour, dash))

    def dots(self, xs, ys, colour: str, label: str = "", radius: float = 3.2) -> None:
        self.parts.extend(
            f'<circle cx="{_f(self.x(a))}" cy="{_f(self.y(b))}" r="{radius}" fill="{colour}" '
            'fill-opacity="0.55"/>'
            for a, b in zip(xs, ys, strict=False)
        )
        if label:
            self.legend.append((label, colour, "dot"))

    def text(self, x: float, y: float, text: str, size: int = 15, anchor: str = "start",
             colour: str = INK, weight: str = "normal") -> None:  # fmt: skip
        self.parts.append(
            f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{colour}" font-weight="{weight}">{escape(text)}</text>'
        )

    def render(self) -> str:
        axis = []
        for tick in nice_ticks(*self.xlim):
            px = self.x(tick)
            axis.append(
                f'<line x1="{_f(px)}" y1="{self.top}" x2="{_f(px)}" y2="{HEIGHT - self.bottom}" '
                f'stroke="{GRID}" stroke-width="1"/>'
                f'<text x="{_f(px)}" y="{HEIGHT - self.bottom + 24}" font-size="15" '
                f'text-anchor="middle" fill="{INK}">{_tick_label(tick)}</text>'
            )
        for tick in nice_ticks(*self.ylim):
            py = self.y(tick)
            axis.append(
                f'<line x1="{self.left}" y1="{_f(py)}" x2="{WIDTH - self.right}" y2="{_f(py)}" '
                f'stroke="{GRID}" stroke-width="1"/>'
                f'<text x="{self.left - 8}" y="{_f(py + 5)}" font-size="15" text-anchor="end" '
                f'fill="{INK}">{_tick_label(tick)}</text>'
            )
        box = (
            f'<rect x="{self.left}" y="{self.top}" width="{WIDTH - self.left - self.right}" '
            f'height="{HEIGHT - self.top - self.bottom}" fill="none" stroke="{INK}" '
            'stroke-width="1.5"/>'
        )
        labels = (
            f'<text x="{WIDTH / 2:.0f}" y="30" font-size="20" font-weight="bold" '
            f'text-anchor="middle" fill="{INK}">{escape(self.title)}</text>'
            f'<text x="{(self.left + WIDTH - self.right) / 2:.0f}" y="{HEIGHT - 22}" '
            f'font-size="17" text-anchor="middle" fill="{INK}">{escape(self.xlabel)}</text>'
            f'<text x="22" y="{(self.top + HEIGHT - self.bottom) / 2:.0f}" font-size="17" '
            f'text-anchor="middle" fill="{INK}" transform="rotate(-90 22 '
            f'{(self.top + HEIGHT - self.bottom) / 2:.0f})">{escape(self.ylabel)}</text>'
        )
        legend, below = self._legend()
        body = "".join(axis) + box + "".join(self.parts) + labels + legend
        return svg(body, self.title, height=HEIGHT + below)

    def _legend(self) -> tuple[str, int]:
        """The legend under the plot, in as many columns as fit the chart's width (so it never
        hides a curve nor runs off the side); returns its SVG and its height."""
        if not self.legend:
            return "", 0
        most = int((WIDTH - 2 * LEGEND_MARGIN - 44) / 8.6)  # characters one column holds
        entries = [(_fit_label(label, most), colour, dash) for label, colour, dash in self.legend]
        entry = 44 + max(len(label) for label, _, _ in entries) * 8.6 + 28
        columns = max(1, min(len(entries), int((WIDTH - 2 * LEGEND_MARGIN) // entry)))
        rows = math.ceil(len(entries) / columns)
        step = (WIDTH - 2 * LEGEND_MARGIN) / columns
        out = []
        for i, (label, colour, dash) in enumerate(entries):
            x0 = LEGEND_MARGIN + step * (i % columns)
            cy = HEIGHT + 8 + 26 * (i // columns)
            if dash == "dot":
                out.append(f'<circle cx="{_f(x0 + 22)}" cy="{_f(cy)}" r="5" fill="{colour}"/>')
            else:
                style = f' stroke-dasharray="{dash}"' if dash else ""
                out.append(
                    f'<line x1="{_f(x0 + 8)}" y1="{_f(cy)}" x2="{_f(x0 + 36)}" y2="{_f(cy)}" '
                    f'stroke="{colour}" stroke-width="3.5"{style}/>'
                )
            out.append(
                f'<text x="{_f(x0 + 44)}" y="{_f(cy + 5)}" font-size="15" fill="{INK}">'
                f"{escape(label)}</text>"
            )
        return "".join(out), 26 * rows + 4


def svg(body: str, title: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" font-family="{FONT}">'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>{body}</svg>'
    )


def standalone(chart: str) -> str:
    """The chart as a standalone SVG document (for Qt's SVG renderer, which needs xmlns)."""
    return chart.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)


# -- classification ----------------------------------------------------------------------------


def roc_chart(curves: dict, auc: dict[str, float]) -> str:
    plot = Plot("ROC curve", "False positive rate", "True positive rate")
    plot.line([0, 1], [0, 1], MUTED, "chance (AUC 0.5)", 2, "8 6")
    for i, (cls, data) in enumerate(curves.items()):
        value = auc.get(cls)
        label = f"'{cls}'" + (f" (AUC {number(value)})" if value is not None else "")
        plot.line(data["roc"]["x"], data["roc"]["y"], PALETTE[i % len(PALETTE)], label)
    return plot.render()


def pr_chart(curves: dict, ap: dict[str, float]) -> str:
    plot = Plot("Precision-recall curve", "Recall", "Precision")
    for i, (cls, data) in enumerate(curves.items()):
        colour = PALETTE[i % len(PALETTE)]
        value = ap.get(cls)
        label = f"'{cls}'" + (f" (AP {number(value)})" if value is not None else "")
        plot.line(data["pr"]["x"], data["pr"]["y"], colour, label)
        if len(curves) == 1:
            rate = data["prevalence"]
            plot.line(
                [0, 1], [rate, rate], MUTED, f"chance (prevalence {percent(rate, 0)})", 2, "8 6"
            )
    return plot.render()


def calibration_chart(table: list[dict], positive: str) -> str:
    plot = Plot("Calibration", f"Predicted probability of '{positive}'", "Observed share")
    plot.line([0, 1], [0, 1], MUTED, "perfectly calibrated", 2, "8 6")
    xs = [row["predicted"] for row in table]
    ys = [row["observed"] for row in table]
    plot.line(xs, ys, PALETTE[0], "model (10 bins)")
    for row in table:
        radius = 4 + min(10.0, math.sqrt(row["rows"]) / 3)
        plot.parts.append(
            f'<circle cx="{_f(plot.x(row["predicted"]))}" cy="{_f(plot.y(row["observed"]))}" '
            f'r="{radius:.1f}" fill="{PALETTE[0]}" fill-opacity="0.35" stroke="{PALETTE[0]}"/>'
        )
    return plot.render()


def confusion_chart(labels: list[str], matrix: list[list[int]]) -> str:
    k = len(labels)
    cell = max(36, min(140, 330 // max(k, 1)))
    left, top = 190, 84
    width, height = max(WIDTH, left + cell * k + 30), top + cell * k + 70
    biggest = max((max(row) for row in matrix), default=1) or 1
    parts = [
        f'<text x="{width / 2:.0f}" y="30" font-size="20" font-weight="bold" '
        f'text-anchor="middle" fill="{INK}">Confusion matrix (rows: actual)</text>',
        f'<text x="{left + cell * k / 2:.0f}" y="62" font-size="17" text-anchor="middle" '
        f'fill="{INK}">Predicted</text>',
    ]
    size = 22 if cell >= 90 else 15
    for i, actual in enumerate(labels):
        total = sum(matrix[i]) or 1
        parts.append(
            f'<text x="{left - 10}" y="{top + cell * i + cell / 2 + 6:.0f}" font-size="16" '
            f'text-anchor="end" fill="{INK}">{escape(_short(actual))}</text>'
        )
        for j, count in enumerate(matrix[i]):
            share = count / biggest
            fill = f"rgb({int(255 - 200 * share)},{int(255 - 150 * share)},255)"
            ink = "#ffffff" if share > 0.55 else INK
            cx, cy = left + cell * j, top + cell * i
            parts.append(
                f'<rect x="{cx}" y="{cy}" width="{cell}" height="{cell}" fill="{fill}" '
                f'stroke="{INK}" stroke-width="1"/>'
                f'<text x="{cx + cell / 2:.0f}" y="{cy + cell / 2 + 2:.0f}" font-size="{size}" '
                f'font-weight="bold" text-anchor="middle" fill="{ink}">{count}</text>'
                f'<text x="{cx + cell / 2:.0f}" y="{cy + cell / 2 + size:.0f}" font-size="13" '
                f'text-anchor="middle" fill="{ink}">{count / total:.0%} of row</text>'
            )
    for j, predicted in enumerate(labels):
        parts.append(
            f'<text x="{left + cell * j + cell / 2:.0f}" y="{top + cell * k + 24}" '
            f'font-size="16" text-anchor="middle" fill="{INK}">{escape(_short(predicted))}</text>'
        )
    return svg("".join(parts), "Confusion matrix", width, height)


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fit_label(label: str, limit: int) -> str:
    """A legend label in ``limit`` characters, its figure kept: ``'a_long_cl…' (AUC 0.81)``."""
    if len(label) <= limit:
        return label
    head, sep, tail = label.rpartition(" (")
    if sep and len(tail) + 2 <= limit // 2:
        return _short(head, limit - len(tail) - 2) + sep + tail
    return _short(label, limit)


# -- regression --------------------------------------------------------------------------------


def _limits(values: list[float], pad: float = 0.05) -> tuple[float, float]:
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if high == low:
        return low - 1, high + 1
    span = high - low
    return low - pad * span, high + pad * span


def predicted_actual_chart(actual: list[float], predicted: list[float], target: str) -> str:
    lims = _limits(actual + predicted)
    plot = Plot("Predicted vs actual", f"Actual {target}", f"Predicted {target}", lims, lims)
    plot.line(list(lims), list(lims), MUTED, "perfect prediction", 2, "8 6")
    plot.dots(actual, predicted, PALETTE[0], f"rows ({len(actual)} shown)")
    return plot.render()


def residual_chart(actual: list[float], predicted: list[float], target: str) -> str:
    residual = [a - p for a, p in zip(actual, predicted, strict=False)]
    plot = Plot(
        "Residuals",
        f"Predicted {target}",
        "Actual - predicted",
        _limits(predicted),
        _limits(residual),
    )
    plot.line(list(plot.xlim), [0, 0], MUTED, "no error", 2, "8 6")
    plot.dots(predicted, residual, PALETTE[1], f"rows ({len(actual)} shown)")
    return plot.render()


# -- slices ------------------------------------------------------------------------------------


def slice_gap_chart(rows: list[dict], metric: str, max_gap: float | None, limit: int = 12) -> str:
    """Horizontal bars: how far the worst slices trail the overall metric."""
    shown = [r for r in rows if r.get("gap") is not None and not r.get("small")][:limit]
    bar_h, left, top = 32, 440, 64
    width, height = 1000, top + bar_h * max(len(shown), 1) + 70
    gaps = [r["gap"] for r in shown] + [max_gap or 0.0, 0.0]
    low, high = min(gaps), max(gaps)
    high = high + (high - low) * 0.08 or 0.1
    span = high - low or 1.0

    def px(value: float) -> float:
        return left + (value - low) / span * (width - left - 40)

    parts = [
        f'<text x="{width / 2:.0f}" y="30" font-size="20" font-weight="bold" '
        f'text-anchor="middle" fill="{INK}">Worst slices: {escape(metric)} gap to overall</text>'
    ]
    for tick in nice_ticks(low, high):
        parts.append(
            f'<line x1="{_f(px(tick))}" y1="{top - 6}" x2="{_f(px(tick))}" '
            f'y2="{top + bar_h * len(shown)}" stroke="{GRID}"/>'
            f'<text x="{_f(px(tick))}" y="{top + bar_h * len(shown) + 22}" font-size="14" '
            f'text-anchor="middle" fill="{INK}">{_tick_label(tick)}</text>'
        )
    for i, row in enumerate(shown):
        y = top + bar_h * i
        x0, x1 = sorted((px(0.0), px(row["gap"])))
        colour = BAD if row.get("flagged") else GOOD
        parts.append(
            f'<text x="{left - 8}" y="{y + bar_h / 2 + 5:.0f}" font-size="15" text-anchor="end" '
            f'fill="{INK}">{escape(_short(row["column"], 24))} = '
            f"{escape(_short(str(row['label']), 22))}</text>"
            f'<rect x="{_f(x0)}" y="{y + 4}" width="{_f(max(x1 - x0, 1))}" height="{bar_h - 8}" '
            f'fill="{colour}"/>'
        )
    parts.append(
        f'<line x1="{_f(px(0))}" y1="{top - 6}" x2="{_f(px(0))}" y2="{top + bar_h * len(shown)}" '
        f'stroke="{INK}" stroke-width="2"/>'
    )
    if max_gap is not None:
        parts.append(
            f'<line x1="{_f(px(max_gap))}" y1="{top - 10}" x2="{_f(px(max_gap))}" '
            f'y2="{top + bar_h * len(shown)}" stroke="{BAD}" stroke-width="3" '
            'stroke-dasharray="8 5"/>'
            f'<text x="{_f(px(max_gap) + 6)}" y="{top - 12}" font-size="15" fill="{BAD}" '
            f'font-weight="bold">gate: max gap {max_gap:g}</text>'
        )
    parts.append(
        f'<text x="{(left + width) / 2:.0f}" y="{height - 14}" font-size="16" '
        f'text-anchor="middle" fill="{INK}">How much worse than overall (red: breaks the gate)'
        "</text>"
    )
    return svg("".join(parts), "Worst slices", width, height)
