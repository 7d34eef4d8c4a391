"""One plain-English sentence per column verdict."""

from __future__ import annotations

import datetime as dt

from mlops_desktop import formatting
from mlops_desktop.drift.analysis import Analysis
from mlops_desktop.drift.methods import DISPLAY_NAMES


def _when(seconds: float) -> str:
    """A mean of a datetime column (naive datetimes count as UTC, so shown in UTC)."""
    stamp = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    return stamp.strftime("%Y-%m-%d %H:%M")


def _verdict(
    method: str, statistic: float, p_value: float | None, threshold: float, drifted: bool
) -> str:
    name = DISPLAY_NAMES[method]
    if p_value is not None:
        where = "is below" if drifted else "is not below"
        return f"{name} {formatting.p_text(p_value)}, which {where} {threshold:g}"
    if method == "wasserstein":
        what = f"{name} {statistic:.2f} × the reference spread"
    elif method == "missing_share":
        what = f"the {name} {statistic:.1%}"
    else:
        what = f"{name} {statistic:.3f}"
    where = "is at or above" if drifted else "is below"
    return f"{what} {where} {threshold:g}"


def explain(
    column: str,
    analysis: Analysis,
    method: str,
    statistic: float,
    p_value: float | None,
    threshold: float,
    drifted: bool,
) -> str:
    """Sentence such as "Mean of age moved from 38.6 to 45.1; Wasserstein distance 0.31 × the
    reference spread is at or above 0.1, so age drifted."."""
    parts: list[str] = []
    notes = analysis.notes
    if analysis.empty_side:
        side = "reference" if analysis.n_reference == 0 else "current data"
        parts.append(f"{column} has no values in the {side}")
    elif analysis.kind == "numeric":
        a, b = notes["mean_reference"], notes["mean_current"]
        shown = (_when(a), _when(b)) if notes.get("datetime") else formatting.pair(a, b)
        verb = "stayed at" if shown[0] == shown[1] else "moved from"
        tail = "" if verb == "stayed at" else f" to {shown[1]}"
        parts.append(f"Mean of {column} {verb} {shown[0]}{tail}")
        if notes.get("constant_reference"):
            parts.append("the reference is constant, so distances are not scaled by its spread")
    else:
        a, b = notes["share_reference"], notes["share_current"]
        parts.append(
            f"Share of {notes['category']!r} in {column} went from {a:.1%} to {b:.1%}"
            " (the largest change)"
        )
        if notes.get("unseen"):
            parts.append(
                f"{notes['unseen']} categories not seen in the reference make up "
                f"{notes['unseen_share']:.1%} of the current data"
            )
    if abs(analysis.missing_current - analysis.missing_reference) >= 0.01:
        parts.append(
            f"missing values went from {analysis.missing_reference:.1%} "
            f"to {analysis.missing_current:.1%}"
        )
    verdict = _verdict(method, statistic, p_value, threshold, drifted)
    ending = f"so {column} drifted" if drifted else "no drift"
    parts.append(f"{verdict}, {ending}")
    return "; ".join(parts) + "."
