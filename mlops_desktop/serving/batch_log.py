"""What a batch scoring run leaves in the prediction log, the review queue and the audit trail.

A run ``B`` logs one record per scored chunk as it goes (:class:`ChunkLog`: the chunk's input
rows in the service's ``{"columns", "data"}`` form, so each row can be explained by its id
``B-<row number>``, the output file's ``request_id`` column). Only what the service would log
of a request is kept: the model's input columns, plus the training dataset's id columns (so a
person's rows can be found and erased); any other column of the file stays out of the log.
At the end :meth:`ChunkLog.publish` writes, in one transaction, the run's summary (request id
``B``: files and counts, what the Deploy page and the ``batch_feed`` alert read), the pending
reviews of the rows the review rules picked, and the audit event; until then the chunks count
for nothing (``registry.batch_row_store``). A run that fails logs its failure
(:func:`record_failure`) and leaves no chunk and no review.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.registry.batch_row_store import ROWS_PROTOCOL
from mlops_desktop.registry.db import write

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import ModelVersion
    from mlops_desktop.registry.workspace import Workspace

log = logging.getLogger(__name__)
#: Chunks written to the log in one write.
FLUSH_CHUNKS = 10


@dataclass
class BatchResult:
    """What a run did (``mlops-desktop score --json`` prints it)."""

    model: str
    input: str
    output: str
    rejects: str | None
    rows: int
    scored: int
    rejected: int
    seconds: float
    warnings: dict[str, int] = field(default_factory=dict)
    batch_id: str = ""  # its rows' request ids are BATCH_ID-ROW
    reviews: int = 0  # rows queued for a person by the model's review rules

    def to_dict(self) -> dict:
        return asdict(self)


def new_batch_id() -> str:
    return "batch-" + uuid.uuid4().hex[:16]


def logged_columns(ws: Workspace, version: ModelVersion) -> set[str]:
    """The columns a run's log keeps: ``version``'s inputs and its training dataset's id
    columns (what identifies the person, for erasure and outcomes); nothing else of the file."""
    inputs = {str(s["name"]) for s in (version.signature or {}).get("inputs") or []}
    try:
        run = ws.runs.get(version.run_id)
        dataset = ws.datasets.get_by_id(run.dataset_version_id)
    except (NotFoundError, KeyError, TypeError):
        return inputs
    return inputs | {str(c) for c in (dataset.roles or {}).get("id_columns") or ()}


def _values_json(frame: pd.DataFrame) -> str:
    """The rows of ``frame`` as a JSON list of lists, missing values as null (column by
    column: ``tolist`` gives Python values, about twice as fast as boxing the whole frame)."""
    columns = []
    for _, series in frame.items():
        values = series.tolist()
        if series.hasnans:
            missing = series.isna().to_numpy()
            values = [None if m else v for v, m in zip(values, missing, strict=True)]
        columns.append(values)
    rows = [list(r) for r in zip(*columns, strict=True)]
    return json.dumps(rows, separators=(",", ":"), default=_plain)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


class ChunkLog:
    """The scored chunks of one run, written to the prediction log every few chunks."""

    def __init__(
        self, ws: Workspace, version: ModelVersion, batch_id: str, columns: set[str]
    ) -> None:
        self.ws, self.version, self.batch_id = ws, version, batch_id
        self.columns = columns  # what is kept of a row (see ``logged_columns``)
        self.reviewing = False  # some row was picked for review
        self._pending: list[tuple] = []

    def add(
        self,
        inputs: pd.DataFrame,
        rows: np.ndarray,
        labels,
        proba: np.ndarray | None,
        review: list | None = None,
    ) -> None:
        """Log the scored ``inputs`` (file rows ``rows``: only the ``columns`` to keep), their
        answers and their ``review`` entries (``serving.batch_review``), if any."""
        if not len(inputs):
            return
        inputs = inputs[[c for c in inputs.columns if str(c) in self.columns]]
        numbers = [int(r) for r in rows]
        columns = json.dumps([str(c) for c in inputs.columns])
        outputs: dict = {"first": numbers[0], "last": numbers[-1], "rows": numbers}
        outputs["predictions"] = [_plain(v) if isinstance(v, np.generic) else v for v in labels]
        if proba is not None:
            outputs["probabilities"] = np.asarray(proba, dtype=float).tolist()
        if review is not None and any(review):
            outputs["review"] = review
            self.reviewing = True
        self._pending.append(
            (
                f"{self.batch_id}/{numbers[0]}",
                time.time(),
                self.version.name,
                self.version.id,
                "batch",
                ROWS_PROTOCOL,
                None,
                f'{{"columns":{columns},"data":{_values_json(inputs)}}}',
                json.dumps(outputs, separators=(",", ":"), default=_plain),
                None,
                200,
                None,
            )
        )
        if len(self._pending) >= FLUSH_CHUNKS:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.ws.predictions.insert_many(self._pending)
            self._pending = []

    def discard(self) -> None:
        """Forget the run's chunks (it failed: no output file holds these rows)."""
        self._pending = []
        try:
            self.ws.batch_rows.delete(self.batch_id)
        except Exception:  # noqa: BLE001 - the run's own error is what the caller must see
            log.exception("could not remove the logged chunks of %s", self.batch_id)

    def publish(self, result: BatchResult) -> None:
        """Write the last chunks, then in one transaction the run's summary, its reviews
        (``result.reviews`` says how many) and the audit event: a run is all there or not."""
        self.flush()
        ws, version = self.ws, self.version
        with write(ws.db):
            if self.reviewing:
                result.reviews = ws.batch_rows.queue_reviews(
                    self.batch_id, version.number, time.time()
                )
            _summary(ws, version, result)
            ws.audit.record("batch.score", "model_version", version.ref, result.to_dict())


def _summary(ws: Workspace, version: ModelVersion, result: BatchResult) -> None:
    """Log the run's summary record (request id ``result.batch_id``)."""
    ws.predictions.add(
        result.batch_id,
        time.time(),
        version.name,
        version.id,
        "batch",
        "batch",
        {"file": result.input, "rows": result.rows},
        {
            "file": result.output,
            "scored": result.scored,
            "rejected": result.rejected,
            "rejects_file": result.rejects,
        },
        result.seconds * 1000,
        200,
    )


def _status_of(exc: Exception) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    return 400 if isinstance(exc, InputError) else 500


def record_failure(
    ws: Workspace, ref: str, in_path: Path, out_path: Path, exc: Exception, started
) -> None:
    """Log a failed run (arm ``batch``, a non-200 status, the message) and audit it.

    Never raises: the run's own error is what the caller must see.
    """
    name = ref.split("@")[0].strip()
    message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    try:
        if name not in ws.models.names():
            return  # no such model: nothing to alert on
        try:
            version_id = ws.models.get(ref).id
        except Exception:  # noqa: BLE001 - the version itself may be what is missing
            version_id = None
        with write(ws.db):
            ws.predictions.add(
                new_batch_id(),
                time.time(),
                name,
                version_id,
                "batch",
                "batch",
                {"file": str(in_path), "output": str(out_path)},
                None,
                (time.perf_counter() - started) * 1000,
                _status_of(exc),
                message,
            )
            ws.audit.record(
                "batch.fail",
                "model",
                ref,
                {"input": str(in_path), "output": str(out_path), "error": message},
            )
    except Exception:  # noqa: BLE001
        log.exception("could not log the failed batch scoring of %s", ref)
