"""The demo's history: three days of traffic for the live model, outcomes, windows and an alert.

No service is started. The rows of the demo dataset's test split (which the model never trained
on) are replayed in-process as one-row requests through the service's own code
(``validate_table``, ``score_tables``) and written to the prediction log in the service's row
format (``registry.prediction_store.INSERT``), at timestamps spread over the three days before the
build (busier in working hours). Over the last day, loans grow larger and longer
(``credit_amount`` up to twice, ``duration_in_month`` up to 12 months more): the drift the demo's
alert is about. A few requests are refused, as real clients send bad values. Outcomes arrive for
the predictions made before the last day (on held-out rows, so realized performance reads like
the test report instead of being flattered by training rows). Then the monitor computes the
windows and evaluates the default alert rules, whose drift alerts wait for a person (no
auto-resolve: a meeting's first undrifted windows leave the history's alert open).

Windows are sized for the traffic rate of a meeting: ``WINDOW_ROWS`` scored rows each, so the
meeting simulator's default rate (``MEETING_RATE`` requests a second) closes a new window every
``WINDOW_ROWS / MEETING_RATE`` seconds, while the history (about 22 requests an hour) has one
every two hours or so, all of them kept: count windows do not depend on when they are computed.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mlops_desktop.monitoring.windowing import GRACE_S

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

Progress = Callable[[float, str], None]
#: The meeting simulator's default rate (requests per second), and a new window every 5 s at it.
MEETING_RATE = 10.0
WINDOW_ROWS = 50
#: The history ends at the last whole hour, so its busy and quiet hours fall on the clock's and
#: the board's "requests today" already counts some of it (a 6-hour grid often left it at 0).
ALIGN_S = 3600.0
DAYS = 3
DRIFT_HOURS = 24.0
#: Requests per hour in working hours (08-20 local time) and at night.
DAY_RATE, NIGHT_RATE = 32.0, 12.0
REFUSED_SHARE = 0.015
OUTCOME_AFTER_H = 24.0
DRIFT_SIGNALS = ("drift_share", "feature_drift", "prediction_drift")
SEED = 11


@dataclass
class TrafficResult:
    """What the demo's traffic step logged and what the monitor made of it."""

    requests: int
    refused: int
    outcomes: int
    windows: int
    alerts: list[str]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _arrivals(rng: np.random.Generator, start: float, end: float) -> np.ndarray:
    """Request times between ``start`` and ``end``: Poisson per hour, busier by day."""
    times = []
    for hour in np.arange(start, end, 3600.0):
        local = time.localtime(hour).tm_hour
        rate = DAY_RATE if 8 <= local < 20 else NIGHT_RATE
        count = rng.poisson(rate)
        times.append(hour + np.sort(rng.random(count)) * min(3600.0, end - hour))
    return np.concatenate(times) if times else np.zeros(0)


def _drift(row: dict, progress: float) -> dict:
    """Loans that grow larger and longer as ``progress`` goes from 0 to 1."""
    if progress <= 0:
        return row
    out = dict(row)
    if isinstance(out.get("credit_amount"), (int, float)):
        out["credit_amount"] = int(round(out["credit_amount"] * (1 + progress)))
    if isinstance(out.get("duration_in_month"), (int, float)):
        out["duration_in_month"] = int(min(72, out["duration_in_month"] + round(12 * progress)))
    return out


def _latencies(rng: np.random.Generator, n: int) -> np.ndarray:
    """Milliseconds as a one-row request takes them: ~3.5 ms, a slow tail of micro-batches."""
    base = 1.2 + rng.lognormal(math.log(2.4), 0.35, n)
    slow = rng.random(n) < 0.05
    return np.round(np.where(slow, base + rng.uniform(6, 25, n), base), 3)


def _requests(
    rng: np.random.Generator, frame, stamps: np.ndarray, picks: np.ndarray, end: float
) -> list:
    """One-row request tables: drifted over the last day, a few with a bad value."""
    from mlops_desktop.serving.validation import Table

    drift_from = end - DRIFT_HOURS * 3600
    records = frame.to_dict("records")
    columns = list(frame.columns)
    tables, bad = [], rng.random(len(stamps)) < REFUSED_SHARE
    for ts, pick, broken in zip(stamps, picks, bad, strict=True):
        row = {c: _plain(v) for c, v in records[pick].items()}
        row = _drift(row, min(1.0, max(0.0, (ts - drift_from) / (end - drift_from))))
        if broken:
            row[str(rng.choice(["age_in_years", "credit_amount"]))] = str(
                rng.choice(["n/a", "unknown", "12,500"])
            )
        tables.append(Table({c: [row[c]] for c in columns}, 1))
    return tables


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def history_span(now: float) -> tuple[float, float]:
    """When the replayed history starts and ends for a build at ``now``: ``DAYS`` days to the
    last whole hour that the monitor's grace period has passed."""
    end = math.floor((now - GRACE_S - 1) / ALIGN_S) * ALIGN_S
    return end - DAYS * 86400.0, end


def log_demo_traffic(
    ws: Workspace, name: str, report: Progress | None = None, now: float | None = None
) -> TrafficResult:
    """Log the demo's traffic and outcomes for ``name``@live, then monitor it (idempotent)."""
    from mlops_desktop.monitoring.monitor_job import run_once
    from mlops_desktop.monitoring.settings import MonitorSettings, save_settings

    report = report or (lambda _f, _m: None)
    now = time.time() if now is None else now
    requests = refused = outcomes = 0
    if not ws.predictions.count(name):
        settings = MonitorSettings(kind="count", size=WINDOW_ROWS, multivariate=True)
        reason = (
            f"Demo: windows of {WINDOW_ROWS} requests, a new one every "
            f"{WINDOW_ROWS / MEETING_RATE:g} s at the meeting simulator's {MEETING_RATE:g} requests/s"
        )
        save_settings(ws, name, settings, reason=reason)
        _patient_drift_rules(ws, name)
        report(0.0, "Replaying three days of traffic")
        requests, refused, outcomes = _log(ws, name, now)
    report(0.4, "Computing the drift windows")
    result = run_once(ws, name, now=now, on_progress=lambda f, m: report(0.4 + 0.6 * f, m))
    return TrafficResult(
        requests, refused, outcomes, len(result.windows), [a.message for a in result.active]
    )


def _patient_drift_rules(ws: Workspace, name: str) -> None:
    """The default rules, with the drift alerts waiting for a person: the meeting's first
    windows of undrifted traffic must not resolve the history's drift alert (the card would turn
    green before the drift the meeting shows fires)."""
    from mlops_desktop.monitoring.alerts import ensure_default_rules, update_rule

    for rule in ensure_default_rules(ws, name):
        if rule.signal in DRIFT_SIGNALS and rule.params.get("auto_resolve", True):
            update_rule(ws, rule.id, {"auto_resolve": False})


def _log(ws: Workspace, name: str, now: float) -> tuple[int, int, int]:
    """Insert the traffic and record its outcomes in one transaction."""
    from mlops_desktop.monitoring.replay import row_keys
    from mlops_desktop.registry.db import write
    from mlops_desktop.registry.prediction_text import payload_json
    from mlops_desktop.serving.batching import score_tables
    from mlops_desktop.serving.models import load_model
    from mlops_desktop.serving.outcomes import record_outcomes
    from mlops_desktop.serving.validation import RequestError, Table, validate_table

    version = ws.models.get(f"{name}@live")
    run = ws.runs.get(version.run_id)
    dataset = ws.datasets.get_by_id(run.dataset_version_id)
    frame, test_mask = ws.datasets.load_frame(dataset)
    frame = frame[test_mask].reset_index(drop=True)  # rows the model never trained on
    target = (version.signature.get("output") or {}).get("name")
    model = load_model(ws, version)
    columns = model.names
    keys = row_keys(frame)  # each row's identity, as the meeting simulator sends it

    rng = np.random.default_rng(SEED)
    start, end = history_span(now)
    stamps = _arrivals(rng, start, end)
    rounds = -(-len(stamps) // len(frame))  # every row once before any repeats
    picks = np.concatenate([rng.permutation(len(frame)) for _ in range(rounds)])[: len(stamps)]
    tables = _requests(rng, frame[columns], stamps, picks, end)
    clean: list[Table | RequestError] = []
    for table in tables:
        try:
            clean.append(validate_table(table, version.signature, version.ref))
        except RequestError as exc:
            clean.append(exc)
    good = [t for t in clean if isinstance(t, Table)]
    scored = iter(score_tables(model, good))  # the service's micro-batch scoring
    latency = _latencies(rng, len(stamps))
    protocols = rng.choice(["mlflow", "v2", "v1"], len(stamps), p=[0.8, 0.15, 0.05])
    rows, labelled = [], []
    outcomes_until = end - OUTCOME_AFTER_H * 3600
    for i, (ts, outcome) in enumerate(zip(stamps, clean, strict=True)):
        request_id = uuid.uuid4().hex
        answer = outcome if isinstance(outcome, RequestError) else next(scored)
        if isinstance(answer, Exception):  # refused (or unscorable): logged as the service does
            logged = (tables[i], None, float(latency[i]) / 6, getattr(answer, "status", 500))
            error = getattr(answer, "message", None) or str(answer)
        else:
            logged, error = (outcome, answer, float(latency[i]), 200), None
        inputs, outputs, millis, status = logged
        rows.append(
            (request_id, float(ts), name, version.id, "live", str(protocols[i]),
             keys[picks[i]], payload_json(inputs), payload_json(outputs), round(millis, 3),
             status, error)
        )  # fmt: skip
        if status == 200 and target and ts < outcomes_until:
            label = _plain(frame[target].iloc[picks[i]])
            observed = float(ts) + float(rng.uniform(2, 20)) * 3600  # before `end`
            labelled.append({"request_id": request_id, "label": label, "observed_at": observed})
    with write(ws.db):
        ws.predictions.insert_many(rows)
        if labelled:
            record_outcomes(ws, name, labelled, source="demo")
    return len(rows), sum(r[10] != 200 for r in rows), len(labelled)
