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

Each request carries its row's identity as its entity key (``X-Entity-Key``, from
``monitoring.replay.row_keys``), so a model retrained on the logged traffic is known to have
trained on those rows, and ``replay_rows`` leaves them out of what is replayed to it.
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
from mlops_desktop.monitoring.replay import row_keys

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


class _Outcomes:
    """True outcomes of sent rows, held until due, then given to ``record`` or POSTed."""

    def __init__(
        self,
        url: str,
        model: str,
        headers: dict,
        record: Callable[[list[dict]], object] | None,
        delay: float,
        result: SimulationResult,
    ) -> None:
        self.model, self.headers, self.record = model, headers, record
        self.delay, self.result = delay, result
        self.client = _Client(url) if record is None else None
        self.pending: list[tuple[float, str, object]] = []

    def add(self, request_id: str, label: object) -> None:
        heapq.heappush(self.pending, (time.monotonic() + self.delay, request_id, label))

    def flush(self, force: bool) -> None:
        """Record the outcomes that are due (all of them when ``force``)."""
        due = []
        now = time.monotonic()
        while self.pending and (force or self.pending[0][0] <= now):
            _, request_id, label = heapq.heappop(self.pending)
            due.append({"request_id": request_id, "label": label})
        if not due:
            return
        try:
            self._send(due)
            self.result.outcomes_sent += len(due)
        except Exception as exc:  # noqa: BLE001 - reported in the result, the replay goes on
            if len(self.result.outcome_errors) < 5:
                self.result.outcome_errors.append(f"{len(due)} outcome(s) not recorded: {exc}")

    def _send(self, due: list[dict]) -> None:
        if self.record is not None:
            self.record(due)
            return
        status, body = self.client.post(
            "/outcomes", {"model": self.model, "outcomes": due}, self.headers
        )
        if status != 200:
            raise MlopsError(
                f"the service answered {status}: {body[:200].decode(errors='replace')}"
            )

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


class _Replay:
    """One run of the simulator: the rows in their shuffled order, the drift and the counts."""

    def __init__(
        self,
        url: str,
        model: str,
        frame: pd.DataFrame,
        drift: dict[str, float],
        seed: int,
        target: str | None,
        token: str | None,
    ) -> None:
        self.url = url
        self.rng = np.random.default_rng(seed)
        self.drifter = _Drifter(frame, drift, self.rng)
        self.has_target = target is not None and target in frame.columns
        features = frame.drop(columns=[target]) if self.has_target else frame
        self.columns = list(map(str, features.columns))
        self.values = [[_plain(v) for v in row] for row in features.itertuples(index=False)]
        self.labels = [_plain(v) for v in frame[target]] if self.has_target else None
        self.keys = row_keys(frame)  # each row's identity, sent as its entity key
        self.order = self.rng.permutation(len(self.values))
        self.client = _Client(url)
        self.headers = {"X-Model-Name": model}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.result = SimulationResult(drift=dict(drift))

    def send(self, progress: float, outcomes: _Outcomes | None, outcome_share: float) -> None:
        """Send the next row, drifted by ``progress``; queue its outcome for a share of rows."""
        i = int(self.order[self.result.requests % len(self.order)])
        row = self.drifter.apply(dict(zip(self.columns, self.values[i], strict=True)), progress)
        request_id = uuid.uuid4().hex
        body = {"dataframe_split": {"columns": self.columns, "data": [list(row.values())]}}
        try:
            status, _ = self.client.post(
                "/invocations",
                body,
                {**self.headers, "X-Request-Id": request_id, "X-Entity-Key": self.keys[i]},
            )
        except OSError as exc:
            raise MlopsError(
                f"The scoring service at {self.url} stopped answering ({exc}). Is it still "
                "running? Start it again and replay."
            ).hinted("Start it with 'mlops-desktop serve'.") from exc
        result = self.result
        result.requests += 1
        if status == 200:
            result.ok += 1
            if (
                outcomes is not None
                and self.labels[i] is not None
                and self.rng.random() < outcome_share
            ):
                outcomes.add(request_id, self.labels[i])
        else:
            result.failed += 1
            key = str(status)
            result.errors[key] = result.errors.get(key, 0) + 1


def _pause(seconds: float, stop_event: threading.Event | None) -> None:
    if stop_event is not None:
        stop_event.wait(seconds)
    else:
        time.sleep(seconds)


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
    replay = _Replay(url, model, frame, drift or {}, seed, target, token)
    result = replay.result
    outcomes = None
    if replay.has_target:
        outcomes = _Outcomes(url, model, replay.headers, record, outcome_delay, result)
    report = on_progress or (lambda _f, _m: None)
    limit = max_requests if max_requests is not None else int(rate * duration) + 1
    start = time.monotonic()
    try:
        while result.requests < limit:
            elapsed = time.monotonic() - start
            if elapsed >= duration or (stop_event is not None and stop_event.is_set()):
                break
            wait = result.requests / rate - elapsed
            if wait > 0:
                _pause(wait, stop_event)
                continue
            progress = min(1.0, elapsed / duration)
            if max_requests:
                progress = max(progress, result.requests / max_requests)
            replay.send(progress, outcomes, outcome_share)
            if outcomes is not None:
                outcomes.flush(False)
            if result.requests % max(1, int(rate)) == 0:
                report(progress, f"{result.requests:,} requests sent, {result.failed:,} failed")
        if outcomes is not None:
            outcomes.flush(True)
    finally:
        replay.client.close()
        if outcomes is not None:
            outcomes.close()
    result.seconds = time.monotonic() - start
    result.achieved_rate = result.requests / result.seconds if result.seconds else 0.0
    report(1.0, f"Done: {result.requests:,} requests in {result.seconds:.0f} s")
    return result
