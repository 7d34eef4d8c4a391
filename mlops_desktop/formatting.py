"""How numbers, intervals and times read wherever a person reads them: the CLI, the HTML/PDF test
report and every page of the window. One place, so a metric reads the same everywhere.

The lowest layer: only the standard library. Every formatter answers :data:`MISSING` for a value
that is unknown (None, NaN or infinite), so an absent figure looks the same in a table, a
sentence and a terminal.
"""

from __future__ import annotations

import math
import numbers
import re
from datetime import datetime
from typing import Any

#: What every formatter shows for a value that is unknown (None, NaN, infinite).
MISSING = "—"
#: What people read for a metric id (``training.metric_names`` holds the ids and directions).
METRIC_LABELS = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "accuracy": "Accuracy",
    "f1": "F1",
    "log_loss": "Log loss",
    "brier": "Brier score",
    "mae": "MAE",
    "rmse": "RMSE",
    "r2": "R²",
    "mape": "MAPE",
}
#: Comparison operators as they read in prose and tables (one form: "≥", never ">=").
OPERATORS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}


def metric_label(metric: Any) -> str:
    """``ROC AUC`` for ``roc_auc``; an unknown id as it is."""
    return METRIC_LABELS.get(str(metric), str(metric))


def operator(op: str) -> str:
    """``≥`` for ``>=``, ``≤`` for ``<=``."""
    return OPERATORS.get(op, op)


def compared(value: Any, threshold: Any, digits: int = 3) -> str:
    """``value`` as ``number`` shows it beside other figures, with more decimals only when that
    would read equal to ``threshold`` while it is not (0.6996 against 0.7: "0.6996")."""
    text = number(value, digits)
    x, limit = _finite(value), _finite(threshold)
    if x is None or limit is None:
        return text
    for more in range(digits, digits + 4):
        text = number(value, more)
        if x == limit or float(text.replace(",", "")) != limit:
            return text
    return text


def _finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (None, NaN, infinite, not a number)."""
    if value is None or isinstance(value, (bool, str)):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _decimals(size: float, digits: int) -> int:
    """Fewer decimals as magnitudes grow: ``digits`` below 10, then 2, 1 and 0 from 10,000."""
    if size >= 10_000:
        return 0
    if size >= 100:
        return min(digits, 1)
    if size >= 10:
        return min(digits, 2)
    return digits


def _word(value: Any) -> str | None:
    """The text of values that are not numbers (booleans as yes/no, strings as they are)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    return None


def number(value: Any, digits: int = 3) -> str:
    """A measured value (a metric, a score, a difference) with sensible precision.

    ``digits`` decimals below 10 (``0.781``), two from 10 (``12.35``), one from 100
    (``1,234.6``), none from 10,000 (``12,346``); integers grouped (``12,345``), booleans as
    yes/no, strings unchanged, unknown values as :data:`MISSING`. Never ``-0.000``.
    """
    word = _word(value)
    if word is not None:
        return word
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    x = _finite(value)
    if x is None:
        return MISSING
    places = _decimals(abs(x), digits)
    places = _decimals(abs(round(x, places)), digits)  # 9.9996 reads 10.00, not 10.000
    return f"{round(x, places) + 0.0:,.{places}f}"  # + 0.0: no "-0.000"


def significant(value: Any, digits: int = 3) -> str:
    """A value whose magnitude varies widely (a value of the user's data, a test statistic, a
    hyperparameter) to ``digits`` significant digits: ``0.0123``, ``35.5``, ``1.2e-05``.

    Whole numbers read as integers (``19``), values from ``10**digits`` are rounded and grouped
    (``12,346``); unknown values read :data:`MISSING`.
    """
    word = _word(value)
    if word is not None:
        return word
    x = _finite(value)
    if x is None:
        return MISSING
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 10**digits:
        return f"{x:,.0f}"
    return f"{x:,.{digits}g}"


def _places(size: float, digits: int) -> int:
    """Decimals that give a figure of magnitude ``size`` (> 0) ``digits`` significant digits."""
    return max(0, min(6, digits - 1 - math.floor(math.log10(size))))


def profile_numbers(low: Any, mean: Any, high: Any, digits: int = 4) -> tuple[str, str, str]:
    """A column's minimum, mean and maximum at one precision, so they read side by side.

    The decimals give the largest magnitude ``digits`` significant digits and are the same for
    the three (``0.512  2.973  4.000``); a whole-number column keeps whole minimum and maximum and
    gives its mean one decimal (``19  35.5  75``). Dates and text are left as they are.
    """
    values = [_finite(v) for v in (low, mean, high)]
    if any(isinstance(v, str) for v in (low, mean, high)) or all(v is None for v in values):
        return tuple(significant(v, digits) for v in (low, mean, high))  # type: ignore[return-value]
    size = max(abs(v) for v in values if v is not None)
    lo, mid, hi = values
    if all(v is None or float(v).is_integer() for v in (lo, hi)):
        mean_places = 1 if size < 10**digits else 0
        return (
            number(lo, 0),
            number(mid, mean_places) if mid is not None else MISSING,
            number(hi, 0),
        )
    places = _places(size, digits) if size > 0 else digits
    return tuple(MISSING if v is None else f"{round(v, places) + 0.0:,.{places}f}" for v in values)  # type: ignore[return-value]


def pair(first: Any, second: Any, digits: int = 3) -> tuple[str, str]:
    """Two figures compared in one sentence, at one precision: the larger has ``digits``
    significant digits and the other the same decimals (``0.304`` and ``0.370``)."""
    a, b = _finite(first), _finite(second)
    if a is None or b is None:
        return significant(first, digits), significant(second, digits)
    size = max(abs(a), abs(b))
    if size == 0:
        return "0", "0"
    places = _places(size, digits)
    return f"{round(a, places) + 0.0:,.{places}f}", f"{round(b, places) + 0.0:,.{places}f}"


def signed(value: Any, digits: int = 3) -> str:
    """A difference with its sign, as :func:`number` writes it: ``+0.012``, ``-0.004``."""
    text = number(value, digits)
    if text == MISSING or text.startswith("-") or _finite(value) is None:
        return text
    return "+" + text


def ci(low: Any, high: Any, digits: int = 3) -> str:
    """A confidence interval, ``0.712 – 0.845``; :data:`MISSING` when a bound is unknown."""
    if _finite(low) is None or _finite(high) is None:
        return MISSING
    return f"{number(low, digits)} – {number(high, digits)}"


def difference(value: Any, low: Any = None, high: Any = None, digits: int = 3) -> str:
    """A signed difference with its interval when known: ``+0.012 (-0.004 to +0.030)``."""
    if _finite(value) is None:
        return MISSING
    text = signed(value, digits)
    if _finite(low) is not None and _finite(high) is not None:
        text += f" ({signed(low, digits)} to {signed(high, digits)})"
    return text


def percent(value: Any, digits: int = 1) -> str:
    """A share (0.123) as a percentage, ``12.3%``; :data:`MISSING` when unknown."""
    x = _finite(value)
    if x is None:
        return MISSING
    return f"{round(100 * x, digits) + 0.0:,.{digits}f}%"


#: Below this, more digits of a p-value say nothing a reader can use.
P_FLOOR = 1e-10


def p_value(value: Any) -> str:
    """A p-value to three significant digits (``0.0321``, ``0.5``), small ones in scientific
    notation (``1.2e-05``), and ``< 1e-10`` for the tiny ones (``2.67e-120`` reads as precision
    the test does not have). ``p_text`` puts it in a sentence; use these two wherever a p-value
    is shown."""
    x = _finite(value)
    if x is None:
        return MISSING
    if x < P_FLOOR:
        return "< 1e-10"
    return f"{x:.3g}" if x >= 1e-4 else f"{x:.1e}"


def name_list(names: Any, shown: int = 10) -> str:
    """``a, b, c`` for a few names; the first ``shown`` and "and N more" for a long list."""
    names = [str(n) for n in names]
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown:,} more"


def p_text(value: Any) -> str:
    """A p-value for a sentence: ``p = 0.0321``, ``p = 2.1e-05``, ``p < 1e-10``."""
    shown = p_value(value)
    return f"p {shown}" if shown.startswith("<") or shown == MISSING else f"p = {shown}"


def counted(n: int, noun: str) -> str:
    """``1 window``, ``3 windows``, ``1,200 labelled rows``: a count with its noun agreeing."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def byte_size(value: Any) -> str:
    """A size in bytes for people: ``512 kB``, ``3.4 MB``, ``16.0 GB``."""
    x = _finite(value)
    if x is None:
        return MISSING
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if x >= size:
            return f"{x / size:.1f} {unit}"
    return f"{round(x):,} bytes"


def count(value: Any) -> str:
    """A count of things, grouped: ``12,345``; :data:`MISSING` when unknown."""
    x = _finite(value)
    return MISSING if x is None else f"{round(x):,}"


def duration(seconds: Any) -> str:
    """How long something took: ``4.2 s``, ``1 min 05 s`` or ``1 h 02 min``."""
    x = _finite(seconds)
    if x is None:
        return MISSING
    x = max(0.0, x)
    if round(x, 1) < 60:
        return f"{x:.1f} s"
    minutes, secs = divmod(round(x), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def elapsed(seconds: Any) -> str:
    """A running clock: ``0:07``, ``12:30`` or ``1:02:03`` (whole seconds)."""
    x = _finite(seconds)
    if x is None:
        return MISSING
    hours, rest = divmod(max(0, int(x)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def millis(value: Any) -> str:
    """Milliseconds, ``12.3 ms`` (grouped from 1,000 ms); :data:`MISSING` when unknown."""
    x = _finite(value)
    return MISSING if x is None else f"{round(x, 1) + 0.0:,.1f} ms"


def local_time(
    ts: Any, *, seconds: bool = False, now: float | None = None, empty: str = MISSING
) -> str:
    """A Unix timestamp in the user's local time: ``2026-03-15 09:30`` (``seconds``:
    ``2026-03-15 09:30:05``).

    With ``now``, a time on the same local day as ``now`` reads as the clock alone,
    ``09:30:05``. A missing ``ts`` reads ``empty``: :data:`MISSING`, or e.g. ``"now"`` for a
    span that has not ended.
    """
    x = _finite(ts)
    if x is None:
        return empty
    when = datetime.fromtimestamp(x)
    if now is not None and when.date() == datetime.fromtimestamp(now).date():
        return when.strftime("%H:%M:%S")
    return when.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')


def readable_details(details: str) -> str:
    """Details for "Show details": a plain summary of any Python traceback in them (what went
    wrong, and where in whose code) first, then the text as it was, for a bug report."""
    if "Traceback (most recent call last):" not in details:
        return details
    lines = details.rstrip().splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("Traceback (most recent"))
    frames = [m for line in lines[start:] if (m := _FRAME.match(line))]
    tail = [line for line in lines[start + 1 :] if line and not line.startswith(" ")]
    what = tail[-1] if tail else lines[-1]
    summary = [f"What went wrong: {what.strip()}"]
    if frames:
        last = frames[-1]
        path = last["file"].replace("\\", "/")
        path = (
            "mlops_desktop/" + path.split("mlops_desktop/")[-1]
            if "mlops_desktop/" in path
            else path
        )
        summary.append(f"Where: {path}, line {last['line']}, in {last['func']}")
    summary.append("The full technical details follow (copy them into a bug report).")
    return "\n".join(summary) + "\n\n" + details
