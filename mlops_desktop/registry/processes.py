"""Is the process that owns a job (or holds a temporary file) still alive, and is it that process?

A process id alone is not enough after a crash: the id can be reused by an unrelated process
later. Where the system says when a process started (Linux ``/proc``), a process that started
after the job was created is not the job's owner.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

#: Slack for the start-time comparison (boot time is known to the second).
START_SLACK_S = 1.0


def pid_alive(pid: int | None) -> bool:
    """True when a process with this id exists on this machine."""
    if not pid:
        return False
    if os.name == "nt":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _windows_pid_alive(pid: int) -> bool:
    """Windows: whether ``pid`` runs, asked of the kernel (``os.kill(pid, 0)`` there would
    terminate the process, not test it)."""
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # ERROR_ACCESS_DENIED: it exists, not ours
    try:
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def process_started_at(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), or None where the system does not say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime, after comm
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def owner_alive(pid: int | None, since: float) -> bool:
    """True when ``pid`` runs and is the process that was alive at ``since`` (not a reuse)."""
    if not pid_alive(pid):
        return False
    started = process_started_at(pid)  # type: ignore[arg-type]
    return started is None or started <= since + START_SLACK_S


def this_process_started_at() -> float:
    """When this process started (now, where the system does not say)."""
    return process_started_at(os.getpid()) or time.time()
