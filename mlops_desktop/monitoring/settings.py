"""Per-model monitoring settings, kept in the workspace (``workspace_settings``).

Defaults: count windows of 500 scored rows, the domain classifier on, Evidently's thresholds.
Time windows use fixed-length pandas frequencies ("5min", "1h", "1D"), aligned to the epoch
(UTC), so a window's bounds never depend on when the monitor ran.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from mlops_desktop.errors import InputError

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

DEFAULT_SIZE = 500
DEFAULT_FREQ = "1h"
MIN_SIZE = 20


def _key(name: str) -> str:
    return f"monitor.{name}"


@dataclass(frozen=True)
class MonitorSettings:
    """How a model's traffic is cut into windows and judged.

    Attributes
    ----------
    kind : {"count", "time"}
    size : int
        Scored rows per count window (a window closes at the request that reaches it).
    freq : str
        Length of a time window (fixed: s, min, h, D multiples).
    multivariate : bool
        Also train the domain classifier per window (about half a second each).
    drift_share : float
        Dataset drift when at least this share of features drift.
    thresholds : dict
        Per-method threshold overrides (``DriftSettings.thresholds``).
    shift_correction : bool
        Re-weight the holdout to look like each window before estimating its performance
        (PAPE-style importance weights; a domain classifier per window, about a second each).
    """

    kind: str = "count"
    size: int = DEFAULT_SIZE
    freq: str = DEFAULT_FREQ
    multivariate: bool = True
    drift_share: float = 0.5
    thresholds: dict = field(default_factory=dict)
    shift_correction: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("count", "time"):
            raise InputError(f"Window kind must be 'count' or 'time', not {self.kind!r}.")
        if int(self.size) < MIN_SIZE:
            raise InputError(
                f"A count window needs at least {MIN_SIZE} rows for its statistics to mean "
                f"anything; {self.size} is too few."
            )
        step_seconds(self.freq)
        if not 0 < float(self.drift_share) <= 1:
            raise InputError(
                "The dataset drift share is a share of the features: give a number above 0 and "
                f"at most 1 (e.g. 0.5), not {self.drift_share}."
            )
        check_thresholds(self.thresholds)

    def to_dict(self) -> dict:
        return asdict(self)

    def drift_settings(self):
        """The drift engine's settings for these thresholds."""
        from mlops_desktop.drift import DriftSettings

        return DriftSettings(thresholds=dict(self.thresholds), drift_share=self.drift_share)


def check_method(method: str) -> str:
    """``method`` when the drift engine knows it, else InputError listing the ones it does."""
    from mlops_desktop.drift.methods import METHODS

    if method not in METHODS:
        known = ", ".join(m for m in METHODS if m != "missing_share")
        raise InputError(f"Unknown drift method {method!r}; choose from {known}.")
    return method


def check_thresholds(thresholds: dict) -> dict[str, float]:
    """``thresholds`` as floats, or InputError naming an unknown method or a bad value."""
    from mlops_desktop.drift.methods import METHODS

    out = {}
    for method, value in thresholds.items():
        check_method(method)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError(f"The {method} threshold must be a number, not {value!r}.") from None
        if not 0 < number < 1e6:
            raise InputError(f"The {method} threshold must be positive, not {value!r}.")
        if METHODS[method][2] is not None and number >= 1:  # p-value tests
            raise InputError(
                f"The {method} threshold is a p-value: give a number between 0 and 1 (e.g. "
                f"0.05), not {value!r}."
            )
        out[method] = number
    return out


def parse_thresholds(items: list[str] | None) -> dict[str, float]:
    """``["ks=0.01", "psi=0.2"]`` (command-line form) as ``{"ks": 0.01, "psi": 0.2}``."""
    parsed: dict[str, str] = {}
    for item in items or []:
        method, sep, value = item.partition("=")
        if not sep or not method.strip():
            raise InputError(f"Give a threshold as METHOD=VALUE (e.g. ks=0.01), not {item!r}.")
        parsed[method.strip().lower()] = value.strip()
    return check_thresholds(parsed)


def step_seconds(freq: str) -> float:
    """Length of a fixed pandas frequency in seconds, or InputError."""
    from pandas.tseries.frequencies import to_offset

    try:
        offset = to_offset(freq)
        nanos = offset.nanos  # only fixed-length offsets (Tick) have it
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"Window length {freq!r} is not a fixed length; use e.g. '30s', '5min', '1h' or "
            "'1D' (calendar months and weeks vary in length)."
        ) from exc
    if nanos <= 0:
        raise InputError(f"Window length {freq!r} must be positive.")
    return nanos / 1e9


def get_settings(ws: Workspace, name: str) -> MonitorSettings:
    """The model's saved settings, or the defaults."""
    saved = ws.get_setting(_key(name)) or {}
    known = {k: v for k, v in saved.items() if k in MonitorSettings.__dataclass_fields__}
    return MonitorSettings(**known)


def save_settings(
    ws: Workspace, name: str, settings: MonitorSettings, reason: str = ""
) -> MonitorSettings:
    """Store the model's settings and record the change in the audit trail."""
    before = get_settings(ws, name)
    ws.set_setting(_key(name), settings.to_dict())
    ws.audit.record(
        "monitor.settings",
        "model",
        name,
        {"settings": settings.to_dict(), "previous": before.to_dict(), "reason": reason},
    )
    return settings


def with_overrides(settings: MonitorSettings, **values) -> MonitorSettings:
    """``settings`` with the given non-None values replaced (validated)."""
    given = {k: v for k, v in values.items() if v is not None}
    return replace(settings, **given) if given else settings
