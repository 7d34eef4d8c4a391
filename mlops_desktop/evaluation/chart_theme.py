"""Report charts recoloured for a dark window: the SVGs are drawn for white paper (HTML and
PDF reports); the desktop app shows them on its own palette instead of as white panels."""

from __future__ import annotations

import re

from mlops_desktop.evaluation.charts import BAD, GOOD, GRID, INK, MUTED, PALETTE

#: Paper colours of the charts and what they become on a dark window.
DARK_COLOURS = {
    INK: "#e8e8e8",
    GRID: "#3d4044",
    MUTED: "#a0a4aa",
    PALETTE[0]: "#7ab0ff",
    PALETTE[1]: "#fb923c",
    PALETTE[2]: "#4ade80",
    PALETTE[3]: "#c084fc",
    PALETTE[4]: "#f87171",
    BAD: "#f87171",
    GOOD: "#7ab0ff",
}
_HEX = re.compile(r'"(#[0-9a-fA-F]{6})"')
_RGB = re.compile(r'fill="rgb\((\d+),(\d+),(\d+)\)"')
_PAPER = re.compile(r'(<rect\b[^>]*?fill=)"#ffffff"')


def _cell(match: re.Match[str], base: tuple[int, int, int]) -> str:
    """A confusion-matrix cell: paper white to blue becomes the window's base to blue."""
    share = min(1.0, max(0.0, (255 - int(match.group(1))) / 200))
    blue = (40, 100, 210)
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(base, blue, strict=True))
    return f'fill="rgb({r},{g},{b})"'


def dark_svg(svg: str, base: str = "#1f2023") -> str:
    """``svg`` (a report chart) with paper, ink, grid and series colours for a dark window of
    base colour ``base`` (``#rrggbb``). White text (on the strongest cells) stays white."""
    rgb = tuple(int(base[i : i + 2], 16) for i in (1, 3, 5))
    out = _PAPER.sub(rf'\1"{base}"', svg)
    out = _RGB.sub(lambda m: _cell(m, rgb), out)
    return _HEX.sub(lambda m: f'"{DARK_COLOURS.get(m.group(1).lower(), m.group(1))}"', out)
