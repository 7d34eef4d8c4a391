"""``GET /metrics``: the service's figures in the Prometheus text format (prometheus-client).

Requests and errors by model, version, arm, protocol and status; a latency histogram; answered
predictions by class; the latest drift share per model. Counts are taken from the prediction
log's writer thread as it flushes (at most ``FLUSH_INTERVAL_S`` behind the answers), so the
request path pays nothing for them; the drift share is read from the registry at each scrape.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from mlops_desktop.registry.audit import AuditLog
from mlops_desktop.registry.db import connect, read
from mlops_desktop.registry.drift_store import DriftWindowStore
from mlops_desktop.registry.model_store import ModelStore

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
WINDOW_KINDS = ("count", "time")
MAX_CLASSES = 100  # labels beyond this many distinct classes are counted as "(other)"


class ServiceMetrics:
    """The counters of one scoring service (its own registry, so services never share)."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        self.registry = CollectorRegistry()
        labels = ["model", "version", "arm", "protocol", "status"]
        self.requests = Counter(
            "mlops_requests", "Requests answered, by status.", labels, registry=self.registry
        )
        self.errors = Counter(
            "mlops_request_errors",
            "Requests answered with a 4xx or 5xx.",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "mlops_request_latency_seconds",
            "Time from a request's arrival to its answer.",
            ["model", "version", "arm"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter(
            "mlops_predictions",
            "Predicted labels of answered rows (classifiers).",
            ["model", "version", "class"],
            registry=self.registry,
        )
        self.registry.register(_DriftShare(self.db_path))
        self._numbers: dict[int, str] = {}
        self._classes: dict[str, set] = {}
        self._lock = threading.Lock()

    def observe(self, db: Any, rows: Iterable[tuple]) -> None:
        """Count logged rows (the prediction log's tuples) as they are flushed."""
        with self._lock:
            for row in rows:
                _, _, model, version_id, arm, protocol = row[:6]
                outputs, latency_ms, status = row[8], row[9], row[10]
                version = self._number(db, version_id)
                values = (model, version, arm, protocol, str(status))
                self.requests.labels(*values).inc()
                if status >= 400:
                    self.errors.labels(*values).inc()
                    continue
                self.latency.labels(model, version, arm).observe((latency_ms or 0.0) / 1000)
                self._count_classes(model, version, outputs)

    def _number(self, db: Any, version_id: int | None) -> str:
        if version_id is None:
            return ""
        if version_id not in self._numbers:
            try:
                number = ModelStore(db, AuditLog(db)).by_id(int(version_id)).number
                self._numbers[version_id] = str(number)
            except Exception:  # noqa: BLE001 - a removed version still counts, by its id
                return f"id{version_id}"
        return self._numbers[version_id]

    def _count_classes(self, model: str, version: str, outputs: Any) -> None:
        if getattr(outputs, "proba", None) is None:
            return  # a regressor's values are not classes
        seen = self._classes.setdefault(model, set())
        counts: dict[str, int] = {}
        for label in outputs.predictions:
            name = str(label)
            if name not in seen and len(seen) >= MAX_CLASSES:
                name = "(other)"
            else:
                seen.add(name)
            counts[name] = counts.get(name, 0) + 1
        for name, n in counts.items():
            self.predictions.labels(model, version, name).inc(n)

    def render(self) -> bytes:
        """The exposition text of every metric."""
        return generate_latest(self.registry)


class _DriftShare:
    """``mlops_drift_share{model, window}``: the latest window's share of drifted features."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    def describe(self) -> list:
        return [self._family()]

    def _family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "mlops_drift_share",
            "Share of input features drifted in the model's latest monitoring window.",
            labels=["model", "window"],
        )

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = self._family()
        if not self.db_path.exists():
            yield family
            return
        db = connect(self.db_path)
        try:
            with read(db):
                store = DriftWindowStore(db)
                for model in store.model_names():
                    for kind in WINDOW_KINDS:
                        latest = store.latest_shares(model, kind, 1)
                        if latest and latest[0][0] is not None:
                            family.add_metric([model, kind], float(latest[0][0]))
        finally:
            db.conn.close()
        yield family
