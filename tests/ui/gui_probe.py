"""Probes on the GUI thread, shared by the responsiveness test and its benchmark.

``GapProbe`` is a 10 ms precise timer recording, between two of its ticks, the wall-clock gap
(which depends on how loaded the machine is) and the CPU time the GUI thread itself used
(``time.thread_time``, which does not: waiting for a core or a lock uses none).
``PageClicker`` switches the window's page every few milliseconds, as a user would.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer

from mlops_desktop.ui.shell.main_window import MainWindow

TICK_MS = 10
WARM_UP_S = 0.3  # the first ticks include the timer's start-up jitter


@dataclass(frozen=True)
class Gap:
    at_s: float  # since the probe started
    wall_s: float
    cpu_s: float  # CPU seconds the GUI thread used during the gap


class GapProbe:
    """A precise timer on the GUI thread recording the gaps between its ticks."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.started = 0.0
        self._last: tuple[float, float] | None = None
        self.gaps: list[Gap] = []

    def start(self) -> None:
        self.started = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def since_start(self) -> float:
        return time.perf_counter() - self.started

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self._last is not None:
            self.gaps.append(Gap(now - self.started, now - self._last[0], cpu - self._last[1]))
        self._last = (now, cpu)

    def measured(self) -> list[Gap]:
        """The gaps after the warm-up."""
        return [gap for gap in self.gaps if gap.at_s >= WARM_UP_S]

    def worst(self, over_ms: float) -> list[tuple[float, int, int]]:
        """Gaps of ``over_ms`` or more as (at s, wall ms, GUI-thread CPU ms): a long gap with
        little CPU means the thread waited (for a core or a lock), with much CPU that it was
        busy running our code."""
        return [
            (round(g.at_s, 3), round(g.wall_s * 1000), round(g.cpu_s * 1000))
            for g in self.gaps
            if g.wall_s * 1000 >= over_ms or g.cpu_s * 1000 >= over_ms
        ]


class PageClicker:
    """Shows the window's next page every ``every_ms`` once started, as a user clicking around."""

    def __init__(self, window: MainWindow, every_ms: int = 150) -> None:
        self.window = window
        self.names = list(window.pages)
        self.clicks = 0
        self.timer = QTimer()
        self.timer.setInterval(every_ms)
        self.timer.timeout.connect(self._click)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _click(self) -> None:
        current = self.names.index(self.window.current_page_name())
        self.window.show_page(self.names[(current + 1) % len(self.names)])
        self.clicks += 1
