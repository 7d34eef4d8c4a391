"""The prediction log: every request, written to the registry in batches by a background thread.

Requests only append a tuple to a buffer; the writer thread encodes JSON and inserts the buffer
in one transaction at least every ``flush_interval`` seconds (0.2 s by default), and once more
on ``close``. A clean stop therefore loses nothing acknowledged, and a crash loses at most the
rows of the last interval.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from mlops_desktop.registry.audit import AuditLog
from mlops_desktop.registry.prediction_store import PredictionStore
from mlops_desktop.registry.prediction_text import payload_json
from mlops_desktop.registry.review_store import ReviewStore

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.2
MAX_BUFFERED = 1_000_000  # beyond this (the disk stalled for minutes) the oldest rows are dropped
REFUSED_INPUTS_CAP = 4096  # characters of a refused request's inputs_json kept


class PredictionLog:
    """Buffered writer of ``predictions`` rows with its own database connection."""

    def __init__(self, db_path: Path | str, flush_interval: float = FLUSH_INTERVAL_S) -> None:
        self.db_path = Path(db_path)
        self.flush_interval = flush_interval
        self._buffer: list[tuple] = []
        self._reviews: list[tuple] = []  # decisions for a person, queued with the log
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0
        self.quarantined = 0
        self.last_flush: float | None = None
        self.observer: Any = None  # called as observer(db, rows) after each flush (metrics)

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

    def queue_reviews(self, request_id: str, model: Any, scored: Any, rows: list[tuple]) -> None:
        """Queue the answer's rows ``(row, trigger, score)`` for review (written with the log)."""
        now = time.time()
        queued = [
            (request_id, i, model.name, model.number, trigger, score, scored.predictions[i], now)
            for i, trigger, score in rows
        ]
        with self._lock:
            self._reviews.extend(queued)

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
        if rows:
            self._flush_rows(store, rows)
        self._flush_reviews(store)

    def _flush_reviews(self, store: PredictionStore) -> None:
        """Write the queued reviews (after their requests' log rows); kept for later on failure."""
        with self._lock:
            reviews, self._reviews = self._reviews, []
        if not reviews:
            return
        encoded = [r[:6] + (json.dumps(r[6], default=str),) + r[7:] for r in reviews]
        try:
            ReviewStore(store.db, AuditLog(store.db)).queue(encoded)
        except Exception:  # noqa: BLE001 - the database failed: keep them, retry later
            log.exception("could not queue %d reviews; retrying", len(reviews))
            with self._lock:
                self._reviews = reviews + self._reviews

    def _flush_rows(self, store: PredictionStore, rows: list[tuple]) -> None:
        pairs, faulty = encode_rows(rows)
        try:
            refused, tried = _insert(store, [encoded for _, encoded in pairs])
        except Exception:  # noqa: BLE001 - the database failed: keep the rows, retry later
            log.exception("could not write %d prediction log rows; retrying", len(rows))
            self._keep(rows)
            return
        answered = [raw for raw, _ in pairs[:tried]] + [raw for raw, _ in faulty]
        faulty += refused
        if tried < len(pairs):  # the database failed part way: the rest is retried
            self._keep([raw for raw, _ in pairs[tried:]])
        self.written += tried - len(refused)
        self.last_flush = time.time()
        if faulty:
            self._quarantine(store, faulty)
        if self.observer is not None:
            self._observe(store, answered)

    def _observe(self, store: PredictionStore, rows: list[tuple]) -> None:
        try:
            self.observer(store.db, rows)
        except Exception:  # noqa: BLE001 - counting must never stop the log
            log.exception("could not count %d rows for /metrics", len(rows))

    def _quarantine(self, store: PredictionStore, faulty: list[tuple[tuple, str]]) -> None:
        log.error(
            "%d prediction log rows could not be written (first: %s); quarantined",
            len(faulty),
            ascii(faulty[0][1]),
        )
        try:
            store.quarantine(faulty)
        except Exception:  # noqa: BLE001 - never block the log on its quarantine
            log.exception("could not quarantine %d prediction log rows; dropped", len(faulty))
            self.dropped += len(faulty)
            return
        self.quarantined += len(faulty)

    def _keep(self, rows: list[tuple]) -> None:
        """Put unwritten rows back in front of the buffer (the oldest dropped beyond the cap)."""
        with self._lock:
            self._buffer = rows + self._buffer
            excess = len(self._buffer) - MAX_BUFFERED
            if excess > 0:
                del self._buffer[:excess]
                self.dropped += excess

    def counts(self) -> dict[str, int]:
        """Rows written, quarantined (could not be written), dropped and still pending."""
        return {
            "written": self.written,
            "quarantined": self.quarantined,
            "dropped": self.dropped,
            "pending": self.pending(),
        }

    def close(self, timeout: float = 30.0) -> None:
        """Write everything still buffered, then stop the writer thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def _insert(store: PredictionStore, encoded: list[tuple]) -> tuple[list[tuple[tuple, str]], int]:
    """Write ``encoded`` in one transaction, or row by row when some row is at fault:
    ``(rows that could not be written with the reason, rows tried)``. A database failure on the
    whole batch raises."""
    try:
        store.insert_many(encoded)
    except sqlite3.OperationalError:
        raise  # locked, disk full: not a row's fault
    except Exception:  # noqa: BLE001 - some row is at fault: write them one by one
        return store.insert_each(encoded)
    return [], len(encoded)


def capped_inputs(text: str | None) -> str | None:
    """A refused request's inputs as stored: at most ``REFUSED_INPUTS_CAP`` characters, longer
    ones replaced by their head and a marker with the original size."""
    if text is None or len(text) <= REFUSED_INPUTS_CAP:
        return text
    marker = {"truncated": True, "original_chars": len(text), "head": ""}
    room = REFUSED_INPUTS_CAP - len(json.dumps(marker))
    head = text[: max(room // 2, 0)]
    while head and len(json.dumps({**marker, "head": head})) > REFUSED_INPUTS_CAP:
        head = head[: len(head) // 2]
    return json.dumps({**marker, "head": head})


def encode_rows(rows: list[tuple]) -> tuple[list[tuple[tuple, tuple]], list[tuple[tuple, str]]]:
    """``(raw row, row with inputs and outputs as JSON)`` pairs (refused inputs capped), and the
    rows JSON cannot encode with the reason."""
    pairs: list[tuple[tuple, tuple]] = []
    faulty: list[tuple[tuple, str]] = []
    for r in rows:
        try:
            inputs = payload_json(r[7])
            if r[10] >= 400:
                inputs = capped_inputs(inputs)
            pairs.append((r, r[:7] + (inputs, payload_json(r[8])) + r[9:]))
        except (ValueError, TypeError, RecursionError) as exc:
            faulty.append((r, f"{type(exc).__name__}: {exc}"))
    return pairs, faulty


def stop_message(counts: dict[str, int]) -> str:
    """What the service says when it stops: how many rows were written, and how many were not."""
    lost = counts["quarantined"] + counts["dropped"] + counts["pending"]
    written = f"{counts['written']:,} prediction log rows written"
    if not lost:
        return f"Stopped cleanly; the prediction log is written ({written})."
    parts = [
        f"{counts[k]:,} {label}"
        for k, label in (
            ("quarantined", "quarantined (kept with the reason in prediction_quarantine)"),
            ("dropped", "dropped (the buffer overflowed)"),
            ("pending", "not written (the writer did not finish)"),
        )
        if counts[k]
    ]
    return f"Stopped; {written}, {lost:,} not logged: " + ", ".join(parts) + "."
