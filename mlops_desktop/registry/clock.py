"""The registry's clock: the time stores stamp on what they record.

It reads the wall clock, except inside ``dated(ts)``: there the clock starts at ``ts`` and runs on
at the wall clock's pace. The demo build uses it to date its history (import, training, tests, the
deployment and their audit events) before the traffic it backfills, so the Deploy timeline says the
model went live before its first request. The shift lives in a context variable: other threads
(the GUI's, the service's) keep the wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_OFFSET: ContextVar[float] = ContextVar("registry_clock_offset", default=0.0)


def now() -> float:
    """Seconds since the epoch, as the registry dates what it records."""
    return time.time() - _OFFSET.get()


@contextmanager
def dated(ts: float) -> Iterator[None]:
    """Within the block, ``now()`` starts at ``ts`` and runs on from there."""
    token = _OFFSET.set(time.time() - ts)
    try:
        yield
    finally:
        _OFFSET.reset(token)
