"""Typed, immutable records returned by the registry stores.

Columns named ``<field>_json`` in SQLite appear here as decoded ``<field>``.
Timestamps are seconds since the epoch (UTC), as stored.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


def from_row(cls: type[T], row: dict[str, Any]) -> T:
    """Build a frozen dataclass from a database row, decoding ``*_json`` columns."""
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f"{f.name}_json" in row:
            raw = row[f"{f.name}_json"]
            values[f.name] = json.loads(raw) if raw is not None else None
        elif f.name in row:
            values[f.name] = row[f.name]
    return cls(**values)


def to_row(values: dict[str, Any], json_fields: tuple[str, ...]) -> dict[str, Any]:
    """Encode the named fields as ``<field>_json`` columns, leaving the rest as they are."""
    row = {}
    for key, value in values.items():
        if key in json_fields:
            row[f"{key}_json"] = json.dumps(value, sort_keys=True, default=str)
        else:
            row[key] = value
    return row


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    title: str
    status: str
    progress: float = 0.0
    message: str = ""
    params: dict = field(default_factory=dict)
    result: Any = None
    error: str | None = None
    error_details: str | None = None
    log: str = ""
    owner_pid: int | None = None
    worker_pid: int | None = None
    cancel_requested: int = 0
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed", "cancelled", "interrupted")

    def elapsed(self, now: float) -> float:
        """Seconds the job has run (until it finished, or until ``now``)."""
        if self.started_at is None:
            return 0.0
        return (self.finished_at or now) - self.started_at


@dataclass(frozen=True)
class DatasetVersion:
    id: int
    name: str
    number: int
    content_hash: str
    artifact_hash: str
    rows: int
    columns: int
    created_at: float
    created_by: str
    source: str = ""
    schema: dict = field(default_factory=dict)
    roles: dict = field(default_factory=dict)
    pii: dict = field(default_factory=dict)
    split: dict = field(default_factory=dict)
    profile: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)
    override_reason: str | None = None
    parent_id: int | None = None

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.number}"


@dataclass(frozen=True)
class Run:
    id: str
    dataset_version_id: int
    model_family: str
    status: str
    created_at: float
    job_id: str | None = None
    seed: int | None = None
    config: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    library_versions: dict = field(default_factory=dict)
    artifact_hash: str | None = None
    fingerprint: str | None = None
    parent_model_version_id: int | None = None
    log: str = ""
    error: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    duration_s: float | None = None


@dataclass(frozen=True)
class ModelVersion:
    id: int
    name: str
    number: int
    run_id: str
    artifact_hash: str
    created_at: float
    created_by: str
    signature: dict = field(default_factory=dict)
    parent_id: int | None = None
    description: str = ""

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.number}"


@dataclass(frozen=True)
class AliasAssignment:
    id: int
    model_name: str
    alias: str
    model_version_id: int
    started_at: float
    set_by: str
    ended_at: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class QualityGate:
    id: int
    model_name: str
    version: int
    spec: dict
    created_at: float
    created_by: str
    reason: str = ""


@dataclass(frozen=True)
class BehaviouralTest:
    id: int
    model_name: str
    kind: str
    name: str
    spec: dict
    created_at: float
    created_by: str
    enabled: int = 1


@dataclass(frozen=True)
class TestReport:
    id: int
    model_version_id: int
    created_at: float
    gate_id: int | None = None
    job_id: str | None = None
    passed: int | None = None
    summary: dict = field(default_factory=dict)
    html_hash: str | None = None
    pdf_hash: str | None = None


@dataclass(frozen=True)
class StoredEstimator:
    """A model version's performance estimator (CBPE or DLE), fitted on its holdout."""

    model_version_id: int
    method: str
    artifact_hash: str
    dataset_version_id: int
    holdout_rows: int
    created_at: float
    calibrated: int = 0


@dataclass(frozen=True)
class Deployment:
    id: int
    model_name: str
    mode: str
    started_at: float
    set_by: str
    live_version_id: int | None = None
    candidate_version_id: int | None = None
    canary_percent: float = 0.0
    ended_at: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class ServiceInstance:
    id: int
    pid: int
    host: str
    port: int
    status: str
    started_at: float
    token_hash: str | None = None
    heartbeat_at: float | None = None
    stopped_at: float | None = None
    stop_requested_at: float | None = None


@dataclass(frozen=True)
class Prediction:
    id: int
    request_id: str
    ts: float
    model_name: str
    arm: str
    status: int
    model_version_id: int | None = None
    protocol: str = ""
    entity_key: str | None = None
    inputs: Any = None
    outputs: Any = None
    latency_ms: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class Outcome:
    id: int
    model_name: str
    label: Any
    received_at: float
    request_id: str | None = None
    entity_key: str | None = None
    observed_at: float | None = None
    source: str = ""


@dataclass(frozen=True)
class DriftWindow:
    id: int
    model_name: str
    window_kind: str
    window_start: float
    window_end: float
    n_rows: int
    computed_at: float
    model_version_id: int | None = None
    drift_share: float | None = None
    dataset_drift: int | None = None
    prediction_drift: float | None = None
    multivariate_auc: float | None = None
    results: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AlertRule:
    id: int
    model_name: str
    signal: str
    created_at: float
    created_by: str
    params: dict = field(default_factory=dict)
    enabled: int = 1


@dataclass(frozen=True)
class Alert:
    id: int
    model_name: str
    signal: str
    severity: str
    message: str
    state: str
    opened_at: float
    rule_id: int | None = None
    details: dict = field(default_factory=dict)
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None
    resolved_at: float | None = None
    resolved_by: str | None = None
    note: str = ""


@dataclass(frozen=True)
class AuditEvent:
    id: int
    ts: float
    os_user: str
    action: str
    prev_hash: str
    hash: str
    object_type: str = ""
    object_ref: str = ""
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class WorkspaceSummary:
    """Counts shown by ``mlops-desktop info`` and the status bar."""

    path: str
    schema_version: int
    datasets: int
    dataset_versions: int
    runs: int
    model_versions: int
    deployments: int
    jobs: int
    open_alerts: int
    reviews_pending: int = 0  # decisions waiting for a person (the Govern rail badge)
