"""Meeting mode's simulation thread: ``simulate`` off the GUI thread, stoppable, with signals.

``SimulationRunner`` runs ``monitoring.simulate.simulate`` on a plain thread with its own
workspace connection (outcomes are recorded through it) and a stop event, and relays progress
and the result as signals, queued to the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from mlops_desktop.ui.monitoring.meeting.data import prepare_replay

log = logging.getLogger(__name__)


class SimulationRunner(QObject):
    """One simulation at a time on a background thread; ``stop()`` ends it within a request.

    Signals:
        started(str): the replay began (a sentence saying what is sent where).
        progress(float, str): the simulator's own progress (about once a second).
        finished(object, object): the SimulationResult, or None and the error.
    """

    started = Signal(str)
    progress = Signal(float, str)
    finished = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread: threading.Thread | None = None
        self.stop_event = threading.Event()
        self._active = False  # cleared before ``finished`` is emitted

    def running(self) -> bool:
        """True from ``start`` until the result is on its way (``finished``)."""
        return self._active

    def start(self, path: Path, model: str, dataset: str, **options: Any) -> None:
        """Replay ``dataset`` to ``model`` (options: rate, duration, drift, seed)."""
        if self.running():
            raise RuntimeError("a simulation is already running")
        self.stop_event = threading.Event()
        self._active = True
        self.thread = threading.Thread(
            target=self._run,
            args=(path, model, dataset, self.stop_event, options),
            name=f"simulator-{model}",
            daemon=True,
        )
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()

    def join(self, timeout: float = 5.0) -> bool:
        """Wait for the thread to end; True when it has."""
        if self.thread is not None:
            self.thread.join(timeout)
        return self.thread is None or not self.thread.is_alive()

    def _emit(self, signal: Signal, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the window is gone
            pass

    def _run(
        self, path: Path, model: str, dataset: str, stop: threading.Event, options: dict
    ) -> None:
        from mlops_desktop.monitoring.simulate import simulate
        from mlops_desktop.registry.workspace import Workspace
        from mlops_desktop.serving.outcomes import record_outcomes

        try:
            with Workspace.open(path, create=False) as ws:
                replay = prepare_replay(ws, model, dataset)
                self._emit(
                    self.started,
                    f"Replaying {replay.rows} to {model} at {options['rate']:g}/s",
                )
                result = simulate(
                    replay.url,
                    model,
                    replay.frame,
                    options["rate"],
                    options["duration"],
                    drift=options.get("drift") or None,
                    seed=options.get("seed", 0),
                    stop_event=stop,
                    on_progress=lambda f, m: self._emit(self.progress, f, m),
                    target=replay.target,
                    record=lambda rows: record_outcomes(ws, model, rows, source="simulator"),
                    token=replay.token,
                )
        except Exception as exc:  # noqa: BLE001 - shown in the bar
            log.info("simulation of %s ended with an error: %s", model, exc)
            result, error = None, exc
        else:
            error = None
        self._active = False
        self._emit(self.finished, result, error)
