"""The scored rows of batch runs in the prediction log, one record per scored chunk.

A batch run ``B`` (``batch-<hex>``) logs a summary record (request id ``B``, protocol
``batch``) and one record per scored chunk (request id ``B/<first row>``, protocol
``batch-rows``): inputs ``{"columns", "data"}`` as the service logs a request, outputs
``{"rows": [row numbers], "predictions": [...], "probabilities": [...]}``. The row of file
line ``n`` has the request id ``B-n``; erasure drops a row and its number together, so an id
never comes to name someone else's row. The rows the model's review rules pick carry an entry in
``outputs["review"]`` (one per row, None for the others, see ``serving.batch_review``).

A run's chunks are written as it goes, but they count only once the run is published: its
summary record and its reviews are written in one transaction at the end (:meth:`queue_reviews`
runs inside it). A chunk of a run that never published (it failed, or its process died) is
invisible here: nobody can explain or contest it, and :meth:`drop_abandoned` removes it.
"""

from __future__ import annotations

import re
from typing import Any

import sqlite_utils

from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import Prediction, from_row

ROWS_PROTOCOL = "batch-rows"
_ROW_ID = re.compile(r"^(batch-[0-9a-f]+)-([0-9]+)$")
_CHUNKS = (
    "FROM predictions WHERE request_id > ? AND request_id < ? AND arm = 'batch'"
    f" AND protocol = '{ROWS_PROTOCOL}'"
)
_PUBLISHED = (
    "EXISTS (SELECT 1 FROM predictions s WHERE s.request_id = ? AND s.arm = 'batch'"
    " AND s.protocol = 'batch' AND s.status = 200)"
)
#: A run's chunks become pending reviews: one per ``[row, trigger, score, prediction]`` entry
#: (the index named: with ORDER BY the planner would rather scan the whole log).
_QUEUE = (
    "INSERT OR IGNORE INTO reviews (request_id, row_index, model_name, model_version, trigger,"
    " score, suggestion_json, status, created_at) SELECT ? || '-' || (r.value ->> '$[0]'), 0,"
    " p.model_name, ?, r.value ->> '$[1]', r.value ->> '$[2]', r.value -> '$[3]', 'pending', ?"
    " FROM predictions p INDEXED BY predictions_request, json_each(p.outputs_json, '$.review') r"
    " WHERE p.request_id > ?"
    f" AND p.request_id < ? AND p.arm = 'batch' AND p.protocol = '{ROWS_PROTOCOL}'"
    " AND r.type = 'array' ORDER BY p.id, r.key"
)


def row_id(batch_id: str, row: int) -> str:
    """The request id of file row ``row`` (1-based, as in the rejects file) of ``batch_id``."""
    return f"{batch_id}-{row}"


def parse_row_id(request_id: str) -> tuple[str, int] | None:
    """``(batch id, row number)`` of a batch row's request id, None for any other id."""
    match = _ROW_ID.match(request_id)
    return (match.group(1), int(match.group(2))) if match else None


def _range(batch_id: str) -> list[str]:
    """Request ids strictly between these two are the chunks of ``batch_id`` ('/' < '0')."""
    return [batch_id + "/", batch_id + "0"]


class BatchRowStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def chunk_of(self, batch_id: str, row: int) -> Prediction | None:
        """The chunk record of ``batch_id`` whose rows include file row ``row`` (None: no such
        scored row: rejected, erased, or beyond the file)."""
        found = self.db.query(
            f"SELECT * {_CHUNKS} AND json_extract(outputs_json, '$.first') <= ?"
            f" AND json_extract(outputs_json, '$.last') >= ? AND {_PUBLISHED} ORDER BY id",
            [*_range(batch_id), row, row, batch_id],
        )
        for record in found:
            prediction = from_row(Prediction, record)
            if row in ((prediction.outputs or {}).get("rows") or []):
                return prediction
        return None

    def published_runs(self, model_name: str, after_ts: float) -> list[tuple[str, float]]:
        """``(batch id, published at)`` of the model's successful runs published after
        ``after_ts``, oldest first (the monitor's batch windows)."""
        return self.db.execute(
            "SELECT request_id, ts FROM predictions WHERE model_name = ? AND ts > ?"
            " AND arm = 'batch' AND protocol = 'batch' AND status = 200 ORDER BY ts",
            [model_name, after_ts],
        ).fetchall()

    def chunk_rows(self, batch_id: str) -> list[tuple]:
        """The run's chunk records as the monitor reads windows: ``(id, ts, model_version_id,
        inputs_json, outputs_json, latency_ms)``, in id order."""
        return self.db.execute(
            "SELECT id, ts, model_version_id, inputs_json, outputs_json, latency_ms"
            f" {_CHUNKS} ORDER BY id",
            _range(batch_id),
        ).fetchall()

    def chunks(self, batch_id: str) -> int:
        """Chunk records logged for ``batch_id``."""
        return int(self.db.execute(f"SELECT COUNT(*) {_CHUNKS}", _range(batch_id)).fetchone()[0])

    def delete(self, batch_id: str) -> int:
        """Remove the chunk records of ``batch_id`` (a run that failed after some chunks)."""
        with write(self.db):
            return self.db.execute(f"DELETE {_CHUNKS}", _range(batch_id)).rowcount

    def decision(self, request_id: str) -> tuple[str, int | None, Any] | None:
        """``(model_name, model_version_id, outputs)`` of one batch row (``B-n``) as a one-row
        answer (``predictions``, ``probabilities``), as ``ReviewStore.decision_of`` gives a
        request's; None when ``request_id`` names no published scored row."""
        parsed = parse_row_id(request_id)
        chunk = self.chunk_of(*parsed) if parsed else None
        if chunk is None:
            return None
        outputs = chunk.outputs or {}
        at = outputs["rows"].index(parsed[1])
        one: dict[str, Any] = {"predictions": [outputs["predictions"][at]]}
        if outputs.get("probabilities") is not None:
            one["probabilities"] = [outputs["probabilities"][at]]
        return chunk.model_name, chunk.model_version_id, one

    def queue_reviews(self, batch_id: str, model_version: int | None, now: float) -> int:
        """Queue the rows of ``batch_id`` its chunks mark for review (``outputs["review"]``) as
        pending reviews of request ``B-n``; how many were queued. Run it in the transaction
        that publishes the run."""
        with write(self.db):
            lo, hi = _range(batch_id)
            return self.db.execute(_QUEUE, [batch_id, model_version, now, lo, hi]).rowcount

    def drop_abandoned(self, model_name: str, before: float) -> list[str]:
        """Remove the chunks of ``model_name``'s runs that never published and wrote nothing
        since ``before`` (their process died mid-run); the batch ids removed."""
        found = self.db.execute(
            "SELECT substr(request_id, 1, instr(request_id, '/') - 1) AS b FROM predictions"
            " INDEXED BY predictions_request WHERE request_id > 'batch-' AND request_id < 'batch.' AND model_name = ?"
            f" AND arm = 'batch' AND protocol = '{ROWS_PROTOCOL}' GROUP BY b HAVING MAX(ts) < ?",
            [model_name, before],
        ).fetchall()
        dropped = []
        for (batch_id,) in found:
            published = self.db.execute(f"SELECT {_PUBLISHED}", [batch_id]).fetchone()[0]
            if not published:
                self.delete(batch_id)
                dropped.append(batch_id)
        return dropped
