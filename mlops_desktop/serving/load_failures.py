"""Versions the service could not load: why, what it serves instead, and when to try again.

A failed version is retried with backoff (5 s, doubling to 60 s) and at once when its artifact
file changes (restored, replaced or deleted), so repairing the file heals the service without a
restart.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

FIRST_RETRY_S = 5.0
MAX_RETRY_S = 60.0


def _stamp(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def reason_of(exc: BaseException) -> str:
    """The user-facing reason of a load failure (our errors' message, else type and text)."""
    return getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"


@dataclass
class LoadFailure:
    ref: str
    reason: str
    path: Path
    stamp: tuple | None
    delay: float
    next_try: float


class LoadFailures:
    """Failed versions by id, and the message each model's failure shows in /ping and /health."""

    def __init__(self) -> None:
        self.failed: dict[int, LoadFailure] = {}

    def record(self, version_id: int, ref: str, path: Path, exc: BaseException) -> None:
        """Note a failed load and schedule its retry (backing off when it fails again)."""
        previous = self.failed.get(version_id)
        delay = FIRST_RETRY_S if previous is None else min(previous.delay * 2, MAX_RETRY_S)
        self.failed[version_id] = LoadFailure(
            ref, reason_of(exc), path, _stamp(path), delay, time.monotonic() + delay
        )

    def cleared(self, version_id: int) -> None:
        self.failed.pop(version_id, None)

    def keep_only(self, version_ids: set[int]) -> None:
        for vid in [v for v in self.failed if v not in version_ids]:
            del self.failed[vid]

    def due(self) -> bool:
        """True when a failed version's retry time came or its artifact file changed."""
        now = time.monotonic()
        return any(f.next_try <= now or _stamp(f.path) != f.stamp for f in self.failed.values())

    def message(self, version_ids: list[int], serving: str | None, name: str) -> str | None:
        """ "credit@2 could not be loaded: <reason>; serving credit@1" (None: nothing failed)."""
        failures = [self.failed[v] for v in version_ids if v in self.failed]
        if not failures:
            return None
        what = "; ".join(f"{f.ref} could not be loaded: {f.reason.rstrip('.')}" for f in failures)
        return f"{what}; " + (f"serving {serving}" if serving else f"nothing of '{name}' is served")
