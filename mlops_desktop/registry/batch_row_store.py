"""The scored rows of batch runs in the prediction log, one record per scored chunk.

A batch run ``B`` (``batch-<hex>``) logs a summary record (request id ``B``, protocol
``batch``) and one record per scored chunk (request id ``B/<first row>``, protocol
``batch-rows``): inputs ``{"columns", "data"}`` as the service logs a request, outputs
``{"rows": [row numbers], "predictions": [...], "probabilities": [...]}``. The row of file
line ``n`` has the request id ``B-n``; erasure drops a row and its number together, so an id
never comes to name someone else's row.
"""

from __future__ import annotations

import re

import sqlite_utils

from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import Prediction, from_row

ROWS_PROTOCOL = "batch-rows"
_ROW_ID = re.compile(r"^(batch-[0-9a-f]+)-([0-9]+)$")
_CHUNKS = (
    "FROM predictions WHERE request_id > ? AND request_id < ? AND arm = 'batch'"
    f" AND protocol = '{ROWS_PROTOCOL}'"
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
            " AND json_extract(outputs_json, '$.last') >= ? ORDER BY id",
            [*_range(batch_id), row, row],
        )
        for record in found:
            prediction = from_row(Prediction, record)
            if row in ((prediction.outputs or {}).get("rows") or []):
                return prediction
        return None

    def chunks(self, batch_id: str) -> int:
        """Chunk records logged for ``batch_id``."""
        return int(self.db.execute(f"SELECT COUNT(*) {_CHUNKS}", _range(batch_id)).fetchone()[0])

    def delete(self, batch_id: str) -> int:
        """Remove the chunk records of ``batch_id`` (a run that failed after some chunks)."""
        with write(self.db):
            return self.db.execute(f"DELETE {_CHUNKS}", _range(batch_id)).rowcount
