"""Job functions used by the tests: importable top-level functions, as real jobs are."""

from __future__ import annotations

import os
import time

from mlops_desktop.errors import InputError


def count_to(ctx, n: int = 5, delay: float = 0.01) -> dict:
    for i in range(n):
        ctx.log(f"step {i}")
        ctx.report(i / n, f"step {i + 1} of {n}")
        time.sleep(delay)
    ctx.report(1.0, "done")
    return {"counted": n, "pid": os.getpid()}


def wait_for_cancel(ctx, seconds: float = 30.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ctx.report(0.5, "waiting to be cancelled")
        time.sleep(0.02)


def stuck_in_native_code(ctx, seconds: float = 60.0) -> None:
    """Never reports again: like a long native call (e.g. one big fit)."""
    ctx.report(0.1, "entering a long native call")
    time.sleep(seconds)


def fail_with_input_error(ctx) -> None:
    ctx.report(0.2, "reading")
    raise InputError("The file has no header row.", details="line 1 is empty")


def crash(ctx) -> None:
    ctx.report(0.3, "about to crash")
    raise ZeroDivisionError("division by zero")


def kill_myself(ctx) -> None:
    import signal

    ctx.report(0.4, "about to be killed")
    os.kill(os.getpid(), signal.SIGKILL)


def burn_cpu(ctx, seconds: float = 3.0) -> int:
    """A CPU-heavy job: pure-Python arithmetic for ``seconds``."""
    end = time.monotonic() + seconds
    total = 0
    while time.monotonic() < end:
        for i in range(20_000):
            total += i * i % 7
        ctx.report(1 - (end - time.monotonic()) / seconds, "burning")
    return total


def burn_cpu_until(ctx, stop_file: str) -> int:
    """A CPU-heavy job that runs until ``stop_file`` exists."""
    total = 0
    while not os.path.exists(stop_file):
        for i in range(20_000):
            total += i * i % 7
        ctx.report(0.5, "burning")
    return total


def allocate(ctx, megabytes: int = 200) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    ctx.report(1.0, "allocated")
    return len(block)
