"""Where monitoring windows begin and end: count windows cut from logged requests, the start of
the next time window, and whether traffic for another window waits."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np

from mlops_desktop.monitoring.settings import get_settings, step_seconds

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

GRACE_S = 2.0  # a time window closes this long after its end (late rows still arrive)


def cut_windows(versions: np.ndarray, counts: np.ndarray, size: int) -> list[tuple[int, int, bool]]:
    """``(lo, hi, partial)`` request ranges of the windows that are complete, in order.

    A window closes at the request that brings it to ``size`` rows. Rows of a version followed
    by another version's rows close as a ``partial`` window; the last version's remainder waits
    for more traffic.
    """
    cuts: list[tuple[int, int, bool]] = []
    change = (np.flatnonzero(versions[1:] != versions[:-1]) + 1).tolist()
    bounds = [0, *change, len(versions)]
    for s in range(len(bounds) - 1):
        seg_lo, seg_hi = bounds[s], bounds[s + 1]
        cum = np.cumsum(counts[seg_lo:seg_hi])
        start, base = 0, 0
        while start < len(cum):
            end = int(np.searchsorted(cum, base + size, side="left"))
            if end >= len(cum):
                break
            cuts.append((seg_lo + start, seg_lo + end + 1, False))
            base, start = int(cum[end]), end + 1
        if start < len(cum):
            if s == len(bounds) - 2:
                break
            cuts.append((seg_lo + start, seg_hi, True))
    return cuts


def time_start(ws: Workspace, name: str, step: float) -> float | None:
    """Where the next time window starts: after the stored windows of either kind (so a switch
    from count windows does not cut their traffic again); None without traffic after them."""
    end = ws.drift_windows.last_time_end(name)
    first = ws.predictions.first_live_ts(name, ws.drift_windows.last_count_id(name))
    if first is None:
        return end
    return max(end if end is not None else -math.inf, math.floor(first / step) * step)


def more_due(ws: Workspace, name: str, now: float | None = None) -> bool:
    """Whether traffic enough for another window waits (after a pass computed its maximum)."""
    settings = get_settings(ws, name)
    if settings.kind == "count":
        waiting = ws.predictions.live_ok_count_after(ws.drift_windows.last_count_id(name), name)
        return waiting >= int(settings.size)
    step = step_seconds(settings.freq)
    start = time_start(ws, name, step)
    if start is None:
        return False
    now = time.time() if now is None else now
    return start + step <= math.floor((now - GRACE_S) / step) * step
