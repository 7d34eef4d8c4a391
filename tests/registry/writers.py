"""Helper processes for the concurrency tests (run with ``python -m tests.registry.writers``)."""

from __future__ import annotations

import sys
import time

from mlops_desktop.registry.workspace import Workspace


def write_audit_events(path: str, count: int, tag: str) -> None:
    """Append ``count`` audit events, each in its own write transaction."""
    with Workspace.open(path, create=False) as ws:
        for i in range(count):
            ws.audit.record("test.write", "writer", tag, {"i": i})


def write_forever(path: str) -> None:
    """Write batches of predictions in transactions until killed; print each committed batch."""
    from mlops_desktop.registry.db import write

    with Workspace.open(path, create=False) as ws:
        batch = 0
        while True:
            with write(ws.db):
                for i in range(200):
                    ws.db.execute(
                        "INSERT INTO predictions (request_id, ts, model_name, arm, status)"
                        " VALUES (?, ?, 'm', 'live', 200)",
                        [f"{batch}-{i}", time.time()],
                    )
                ws.db.execute(
                    "INSERT INTO workspace_settings (key, value_json) VALUES (?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json",
                    ["batches", str(batch + 1)],
                )
            batch += 1
            print(batch, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "audit":
        write_audit_events(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        write_forever(sys.argv[2])
