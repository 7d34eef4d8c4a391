"""The prediction log: every request, written to the registry in batches by a background thread.

Requests only append a tuple to a buffer; the writer thread encodes JSON and inserts the buffer
in one transaction at least every ``flush_interval`` seconds (0.2 s by default), and once more
on ``close``. A clean stop therefore loses nothing acknowledged, and a crash loses at most the
rows of the last interval.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from mlops_desktop.registry.prediction_store import PredictionStore, payload_json

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.2
MAX_BUFFERED = 1_000_000  # beyond this (the disk stalled for minutes) the oldest rows are dropped


class PredictionLog:
    """Buffered writer of ``predictions`` rows with its own database connection."""

    def __init__(self, db_path: Path | str, flush_interval: float = FLUSH_INTERVAL_S) -> None:
        self.db_path = Path(db_path)
        self.flush_interval = flush_interval
        self._buffer: list[tuple] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0
        self.last_flush: float | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()

    def append(
        self,
        request_id: str,
        model_name: str,
        version_id: int | None,
        arm: str,
        protocol: str,
        inputs: Any,
        outputs: Any,
        latency_ms: float,
        status: int,
        error: str | None = None,
        entity_key: str | None = None,
        ts: float | None = None,
    ) -> None:
        """Queue one row (cheap: JSON is encoded later, in the writer thread)."""
        row = (
            request_id,
            ts if ts is not None else time.time(),
            model_name,
            version_id,
            arm,
            protocol,
            entity_key,
            inputs,
            outputs,
            latency_ms,
            status,
            error,
        )
        with self._lock:
            self._buffer.append(row)

    def pending(self) -> int:
        with self._lock:
            return len(self._buffer)

    def _run(self) -> None:
        store = PredictionStore.connect(self.db_path)
        try:
            while not self._stop.wait(self.flush_interval):
                self._flush(store)
            self._flush(store)
        finally:
            store.close()

    def _flush(self, store: PredictionStore) -> None:
        with self._lock:
            rows, self._buffer = self._buffer, []
        if not rows:
            return
        encoded = [r[:7] + (payload_json(r[7]), payload_json(r[8])) + r[9:] for r in rows]
        try:
            store.insert_many(encoded)
        except Exception:  # noqa: BLE001 - keep the rows and retry at the next interval
            log.exception("could not write %d prediction log rows; retrying", len(rows))
            with self._lock:
                self._buffer = rows + self._buffer
                excess = len(self._buffer) - MAX_BUFFERED
                if excess > 0:
                    del self._buffer[:excess]
                    self.dropped += excess
            return
        self.written += len(rows)
        self.last_flush = time.time()

    def close(self, timeout: float = 30.0) -> None:
        """Write everything still buffered, then stop the writer thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
