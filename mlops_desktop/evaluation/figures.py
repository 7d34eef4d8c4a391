"""Numbers as the test report shows them, in the HTML report and on the Test page alike."""

from __future__ import annotations

import math
from typing import Any

MISSING = "–"


def number(value: Any, digits: int = 3) -> str:
    """A value with sensible precision: floats to ``digits`` places (thousands grouped from
    100,000), integers grouped, booleans as yes/no, missing or non-finite as "–"."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 1e5:
            return f"{value:,.0f}"
        return f"{round(value, digits) + 0.0:.{digits}f}"  # + 0.0: no "-0.000"
    return str(value)


def ci_text(entry: dict | None) -> str:
    """``entry``'s confidence interval, "low – high"."""
    if not entry or entry.get("ci_low") is None:
        return MISSING
    return f"{number(entry['ci_low'])} – {number(entry['ci_high'])}"


def signed_text(entry: dict | None) -> str:
    """A signed difference with its interval, "+0.012 (-0.004 to +0.030)"."""
    if not entry or entry.get("value") is None:
        return MISSING
    text = f"{entry['value']:+.3f}"
    if entry.get("ci_low") is not None:
        text += f" ({entry['ci_low']:+.3f} to {entry['ci_high']:+.3f})"
    return text
