"""Meeting mode's traffic simulator: replay a table against the running service, with drift.

Rows are sent one per request to ``/invocations`` (MLflow ``dataframe_split``) at ``rate``
requests per second over one keep-alive connection, in a shuffled order that repeats when the
table runs out, until ``duration`` seconds, ``max_requests`` requests or ``stop_event``.

Drift (``{"column": shift}``) grows linearly from nothing at the start to full at the end (of
``duration``, or of ``max_requests`` when that comes first):
a numeric column is moved by ``shift`` times its standard deviation; in a categorical column a
growing share (``min(|shift|, 1)`` at the end) of rows is replaced by the column's rarest
category (one the model knows, so requests are not refused).

When the table holds the model's target, a share (``outcome_share``) of the sent rows gets its
true outcome recorded ``outcome_delay`` seconds later, keyed by the request id, so realized
performance appears: through ``record`` (a callable taking a list of ``{"request_id",
"label"}`` dicts, e.g. ``lambda rows: record_outcomes(ws, model, rows)``) or, without one,
POSTed to ``{url}/outcomes``.
"""

from __future__ import annotations

import heapq
import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError, MlopsError

Progress = Callable[[float, str], None]


@dataclass
class SimulationResult:
    """What the simulator sent and how the service answered."""

    requests: int = 0
    ok: int = 0
    failed: int = 0
    outcomes_sent: int = 0
    outcome_errors: list[str] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    achieved_rate: float = 0.0
    drift: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _plain(value):
    if value is None:
        return None
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


class _Drifter:
    """Applies the drift plan to one row given the run's progress (0..1)."""

    def __init__(self, frame: pd.DataFrame, drift: dict[str, float], rng: np.random.Generator):
        self.plan = {}
        for column, shift in (drift or {}).items():
            if column not in frame.columns:
                raise InputError(
                    f"Cannot drift {column!r}: the data has no such column. Its columns are: "
                    f"{', '.join(map(str, frame.columns[:12]))}."
                )
            values = frame[column]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                std = float(values.std()) or 1.0
                self.plan[column] = ("numeric", float(shift) * std)
            else:
                counts = values.dropna().astype(str).value_counts()
                if counts.empty:
                    raise InputError(f"Cannot drift {column!r}: it has no values.")
                self.plan[column] = ("categorical", min(abs(float(shift)), 1.0), counts.index[-1])
        self.rng = rng

    def apply(self, row: dict, progress: float) -> dict:
        for column, spec in self.plan.items():
            if row.get(column) is None:
                continue
            if spec[0] == "numeric":
                row[column] = row[column] + spec[1] * progress
            elif self.rng.random() < spec[1] * progress:
                row[column] = spec[2]
        return row


class _Client:
    """A keep-alive HTTP/1.1 connection that reconnects once on a dropped connection."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "") or not parts.hostname:
            raise InputError(f"The simulator needs an http:// address of the service, not {url!r}.")
        self.host, self.port, self.timeout = parts.hostname, parts.port or 80, timeout
        self.base = parts.path.rstrip("/")
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict, headers: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode()
        head = {"Content-Type": "application/json", **(headers or {})}
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("POST", self.base + path, data, head)
                answer = self.conn.getresponse()
                return answer.status, answer.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def simulate(
    url: str,
    model: str,
    frame: pd.DataFrame,
    rate: float,
    duration: float,
    drift: dict[str, float] | None = None,
    seed: int = 0,
    stop_event: threading.Event | None = None,
    on_progress: Progress | None = None,
    *,
    target: str | None = None,
    outcome_share: float = 0.5,
    outcome_delay: float = 2.0,
    record: Callable[[list[dict]], object] | None = None,
    max_requests: int | None = None,
    token: str | None = None,
) -> SimulationResult:
    """Replay ``frame`` against the service at ``url`` (see the module docstring)."""
    if rate <= 0 or duration <= 0:
        raise InputError("The rate (requests per second) and the duration must be positive.")
    if len(frame) == 0:
        raise InputError("The data to replay has no rows.")
    rng = np.random.default_rng(seed)
    drifter = _Drifter(frame, drift or {}, rng)
    has_target = target is not None and target in frame.columns
    features = frame.drop(columns=[target]) if has_target else frame
    columns = list(map(str, features.columns))
    values = [[_plain(v) for v in row] for row in features.itertuples(index=False)]
    labels = [_plain(v) for v in frame[target]] if has_target else None
    order = rng.permutation(len(values))
    client = _Client(url)
    outcome_client = _Client(url) if has_target and record is None else None
    headers = {"X-Model-Name": model}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    result = SimulationResult(drift=dict(drift or {}))
    pending: list[tuple[float, str, object]] = []
    report = on_progress or (lambda _f, _m: None)
    limit = max_requests if max_requests is not None else int(rate * duration) + 1
    start = time.monotonic()

    def flush(force: bool) -> None:
        due = []
        now = time.monotonic()
        while pending and (force or pending[0][0] <= now):
            _, request_id, label = heapq.heappop(pending)
            due.append({"request_id": request_id, "label": label})
        if not due:
            return
        try:
            if record is not None:
                record(due)
            else:
                status, body = outcome_client.post(
                    "/outcomes", {"model": model, "outcomes": due}, headers
                )
                if status != 200:
                    raise MlopsError(
                        f"the service answered {status}: {body[:200].decode(errors='replace')}"
                    )
            result.outcomes_sent += len(due)
        except Exception as exc:  # noqa: BLE001 - reported in the result, the replay goes on
            if len(result.outcome_errors) < 5:
                result.outcome_errors.append(f"{len(due)} outcome(s) not recorded: {exc}")

    try:
        while result.requests < limit:
            elapsed = time.monotonic() - start
            if elapsed >= duration or (stop_event is not None and stop_event.is_set()):
                break
            wait = result.requests / rate - elapsed
            if wait > 0:
                if stop_event is not None:
                    stop_event.wait(wait)
                else:
                    time.sleep(wait)
                continue
            progress = min(1.0, elapsed / duration)
            if max_requests:
                progress = max(progress, result.requests / max_requests)
            i = int(order[result.requests % len(order)])
            row = drifter.apply(dict(zip(columns, values[i], strict=True)), progress)
            request_id = uuid.uuid4().hex
            body = {"dataframe_split": {"columns": columns, "data": [list(row.values())]}}
            try:
                status, raw = client.post(
                    "/invocations", body, {**headers, "X-Request-Id": request_id}
                )
            except OSError as exc:
                raise MlopsError(
                    f"The scoring service at {url} stopped answering ({exc}). Is it still running? "
                    "Start it on the Deploy page or with mlops-desktop serve."
                ) from exc
            result.requests += 1
            if status == 200:
                result.ok += 1
                if has_target and labels[i] is not None and rng.random() < outcome_share:
                    heapq.heappush(
                        pending, (time.monotonic() + outcome_delay, request_id, labels[i])
                    )
            else:
                result.failed += 1
                key = str(status)
                result.errors[key] = result.errors.get(key, 0) + 1
            flush(False)
            if result.requests % max(1, int(rate)) == 0:
                report(progress, f"{result.requests:,} requests sent, {result.failed:,} failed")
        flush(True)
    finally:
        client.close()
        if outcome_client is not None:
            outcome_client.close()
    result.seconds = time.monotonic() - start
    result.achieved_rate = result.requests / result.seconds if result.seconds else 0.0
    report(1.0, f"Done: {result.requests:,} requests in {result.seconds:.0f} s")
    return result
