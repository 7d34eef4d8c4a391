"""kill -9 drill: `data import`, `train` and `test` killed mid-way leave nothing behind once any
command starts (`info`): no job or run left "running", no ``artifacts/.incoming-*`` file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlops_desktop.cli.entry import main
from mlops_desktop.registry.workspace import Workspace

GERMAN = "uci_statlog_german_credit.csv"
ADULT = "uci_adult_census_income.csv"


def _cli(ws: Path, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mlops_desktop", "--workspace", str(ws), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **kwargs,
    )


def _running(ws: Path) -> tuple[list, list]:
    """(jobs, runs) still marked running, read straight from registry.db."""
    db = sqlite3.connect(ws / "registry.db", timeout=30)
    try:
        jobs = db.execute("SELECT id, kind FROM jobs WHERE status = 'running'").fetchall()
        runs = db.execute("SELECT id FROM runs WHERE status = 'running'").fetchall()
        return jobs, runs
    finally:
        db.close()


def _incoming(ws: Path) -> list[Path]:
    return sorted((ws / "artifacts").glob(".incoming-*"))


def _kill_mid_way(ws: Path, proc: subprocess.Popen, kind: str, timeout: float = 120) -> None:
    """SIGKILL ``proc`` once its job of ``kind`` is running and has reported progress."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{kind} ended before it could be killed"
        db = sqlite3.connect(ws / "registry.db", timeout=30)
        try:
            row = db.execute(
                "SELECT progress FROM jobs WHERE kind = ? AND status = 'running'", [kind]
            ).fetchone()
        finally:
            db.close()
        if row and row[0] > 0:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)


def _info(ws: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mlops_desktop", "--workspace", str(ws), "info"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def ws_with_model(tmp_path, data_dir) -> Path:
    ws = tmp_path / "ws"
    base = ["--workspace", str(ws)]
    data = ["data", "import", str(data_dir / GERMAN), "--name", "credit"]
    assert main([*base, *data, "--target", "creditability", "--create"]) == 0
    assert main([*base, "train", "credit", "--model", "logreg", "--register", "credit"]) == 0
    return ws


@pytest.mark.parametrize(
    ("kind", "args"),
    [
        ("import_dataset", ("data", "import", "{data}/" + ADULT, "--name", "adult")),
        ("train_model", ("train", "credit", "--model", "rf", "--search", "8", "--folds", "5")),
        ("test_model", ("test", "credit@1", "--resamples", "20000")),
    ],
)
def test_kill_9_mid_way_leaves_nothing_running(ws_with_model, data_dir, kind, args):
    ws = ws_with_model
    args = tuple(a.format(data=data_dir) for a in args)
    if kind == "import_dataset":
        args = (*args, "--target", "class")
    proc = _cli(ws, *args)
    _kill_mid_way(ws, proc, kind)
    jobs, runs = _running(ws)
    assert [k for _id, k in jobs] == [kind]  # the leftovers the drill is about
    assert len(runs) == (1 if kind == "train_model" else 0)
    _info(ws)
    assert _running(ws) == ([], [])
    assert _incoming(ws) == []
    with Workspace.open(ws, create=False) as workspace:
        job = workspace.jobs.get(jobs[0][0])
    assert job.status == "interrupted" and "killed" in job.error


_WRITER = """
import sys
from mlops_desktop.registry.workspace import Workspace
ws = Workspace.open(sys.argv[1], create=False)
ws.artifacts.put_stream(sys.stdin.buffer)  # waits for more bytes until killed
"""


def test_a_killed_writers_temporary_file_is_removed_a_live_ones_kept(ws_with_model):
    ws = ws_with_model
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(ws)], stdin=subprocess.PIPE)
    try:
        writer.stdin.write(b"x" * (2 << 20))  # more than one chunk: the file is on disk
        writer.stdin.flush()
        deadline = time.monotonic() + 60
        while not _incoming(ws) and time.monotonic() < deadline:
            time.sleep(0.02)
        [temporary] = _incoming(ws)
        time.sleep(1.1)  # older than the next command's process
        _info(ws)
        assert _incoming(ws) == [temporary]  # still being written: kept
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(30)
    _info(ws)
    assert _incoming(ws) == []


def test_a_reused_process_id_does_not_keep_a_job_running(tmp_path):
    """The job's owner died and its id went to a later process: still interrupted."""
    with Workspace.open(tmp_path / "ws") as ws:
        later = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            job = ws.jobs.create("demo", "A job", owner_pid=later.pid)
            ws.jobs.mark_running(job.id, later.pid)
            ws.db.execute("UPDATE jobs SET created_at = created_at - 3600 WHERE id = ?", [job.id])
            ws.db.conn.commit()
            [stale], _files = ws.clean_leftovers()
            assert stale.id == job.id and ws.jobs.get(job.id).status == "interrupted"
        finally:
            later.kill()
            later.wait(30)
