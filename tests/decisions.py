"""Decisions logged in the prediction log in the form the scoring service writes them."""

from __future__ import annotations

import time
import uuid

from tests.credit import TARGET
from tests.datasets import GERMAN_CREDIT, read_dataset


def credit_records(n: int, start: int = 0) -> list[dict]:
    """German credit rows without the target, as JSON-ready records."""
    frame = read_dataset(GERMAN_CREDIT).drop(columns=[TARGET]).iloc[start : start + n]
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    ]


def log_decision(ws, ref: str, records: list[dict], arm: str = "live", status: int = 200) -> str:
    """Log one answered request of ``ref`` holding ``records`` (as ``Table.to_log`` writes)."""
    version = ws.models.get(ref)
    columns = [spec["name"] for spec in version.signature["inputs"]]
    inputs = {"columns": columns, "data": [[r[c] for c in columns] for r in records]}
    request_id = uuid.uuid4().hex
    outputs = {"predictions": ["good"] * len(records)}
    ws.predictions.add(
        request_id,
        time.time(),
        version.name,
        version.id,
        arm,
        "mlflow",
        inputs,
        outputs,
        3.0,
        status,
    )
    return request_id
