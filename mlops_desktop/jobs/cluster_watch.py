"""A Dask preload for the scheduler and workers of a ``local:N`` cluster: each exits once the
process that started it is gone, so a job killed mid-run (or a crashed app) leaves no Dask
processes behind. Dask calls ``dask_setup`` when the process starts."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

CHECK_EVERY_S = 1.0


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(CHECK_EVERY_S)
    os._exit(0)  # the parent died: nothing will ever ask this process to stop


def dask_setup(_server: Any = None) -> None:
    """Start watching the parent process (Dask's preload hook)."""
    thread = threading.Thread(target=_watch, args=(os.getppid(),), daemon=True)
    thread.name = "parent-watch"
    thread.start()
