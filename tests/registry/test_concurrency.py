"""Real processes against one registry: concurrent writers, and a writer killed mid-write."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from mlops_desktop.registry.workspace import Workspace
from tests.conftest import REPO_ROOT


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.registry.writers", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_write_at_once_without_locking_errors(workspace):
    path = str(workspace.path)
    writers = [_spawn("audit", path, "300", tag) for tag in ("a", "b")]
    # This process writes too, at the same time.
    for i in range(100):
        workspace.audit.record("test.write", "writer", "main", {"i": i})
    for proc in writers:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "locked" not in err
    counts = dict(
        workspace.db.execute(
            "SELECT object_ref, COUNT(*) FROM audit_events GROUP BY object_ref"
        ).fetchall()
    )
    assert counts == {"a": 300, "b": 300, "main": 100}
    assert workspace.audit.verify().ok  # the hash chain stays intact under concurrent appends


def test_process_killed_mid_write_leaves_registry_readable(workspace):
    proc = _spawn("forever", str(workspace.path))
    committed = 0
    deadline = time.monotonic() + 60
    while committed < 20 and time.monotonic() < deadline:
        committed = int(proc.stdout.readline() or 0)
    assert committed >= 20, proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    workspace.close()

    with Workspace.open(workspace.path) as reopened:
        assert reopened.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        batches = int(reopened.get_setting("batches"))
        rows = reopened.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
        # Every committed batch is whole; the batch being written when killed left no trace.
        assert batches >= committed
        assert rows == batches * 200
