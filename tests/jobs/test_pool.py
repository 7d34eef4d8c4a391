"""The job pool with real worker processes: progress, results, cancel, failure, killed workers."""

from __future__ import annotations

import os
import threading
import time

import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.jobs import JobPool, run_inline
from mlops_desktop.registry.job_store import pid_alive
from mlops_desktop.registry.workspace import Workspace
from tests import job_functions as jobs


@pytest.fixture
def pool(workspace):
    pool = JobPool(workspace.path, max_workers=2, warm_workers=1, preload=(), cancel_grace_s=3.0)
    yield pool
    pool.shutdown()


def test_job_reports_progress_and_result_in_a_worker_process(pool, workspace):
    seen: list = []
    pool.add_listener(seen.append)
    job_id = pool.submit(jobs.count_to, {"n": 5}, title="Count to five")
    job = pool.wait(job_id, timeout=60)
    assert job.status == "succeeded"
    assert job.result["counted"] == 5
    assert job.result["pid"] != os.getpid()
    assert job.log.splitlines() == [f"step {i}" for i in range(5)]
    statuses = [j.status for j in seen if j.id == job_id]
    assert statuses[0] == "queued" and "running" in statuses and statuses[-1] == "succeeded"
    progress = [j.progress for j in seen if j.id == job_id and j.status == "running"]
    assert progress == sorted(progress) and max(progress) > 0
    stored = workspace.jobs.get(job_id)
    assert (stored.status, stored.progress, stored.title) == ("succeeded", 1.0, "Count to five")
    assert stored.started_at <= stored.finished_at


def test_cancel_stops_a_job_at_its_next_report(pool, workspace):
    job_id = pool.submit(jobs.wait_for_cancel)
    _wait_until(lambda: pool.snapshot(job_id).progress > 0)  # the job itself is reporting
    pool.cancel(job_id)
    job = pool.wait(job_id, timeout=20)
    assert job.status == "cancelled"
    assert job.message == "Cancelled"  # it stopped by itself, not by the grace-period kill
    assert workspace.jobs.get(job_id).cancel_requested == 1


@pytest.mark.slow
def test_cancel_kills_a_job_stuck_in_native_code(pool):
    job_id = pool.submit(jobs.stuck_in_native_code)
    _wait_until(lambda: pool.snapshot(job_id).progress > 0)
    worker_pid = pool.snapshot(job_id).worker_pid
    pool.cancel(job_id)
    job = pool.wait(job_id, timeout=20)
    assert job.status == "cancelled"  # it would otherwise sleep on for a minute and succeed
    assert job.message == "Cancelled (the worker was stopped)"  # killed after the grace period
    assert not pid_alive(worker_pid)


def test_cancel_a_queued_job(workspace):
    pool = JobPool(workspace.path, max_workers=1, warm_workers=0, preload=())
    try:
        first = pool.submit(jobs.wait_for_cancel)
        second = pool.submit(jobs.count_to)
        pool.cancel(second)
        assert pool.wait(second, timeout=20).status == "cancelled"
        pool.cancel(first)
        assert pool.wait(first, timeout=20).status == "cancelled"
    finally:
        pool.shutdown()


def test_failure_keeps_the_message_and_details(pool):
    job = pool.wait(pool.submit(jobs.fail_with_input_error), timeout=60)
    assert job.status == "failed"
    assert job.error == "The file has no header row."
    assert job.error_details == "line 1 is empty"

    job = pool.wait(pool.submit(jobs.crash), timeout=60)
    assert job.status == "failed"
    assert job.error == "Unexpected error: ZeroDivisionError: division by zero"
    assert "Traceback" in job.error_details


def test_killed_worker_fails_the_job_with_a_reason(pool):
    job = pool.wait(pool.submit(jobs.kill_myself), timeout=60)
    assert job.status == "failed"
    assert "SIGKILL" in job.error and "memory" in job.error
    # The pool carries on with the next job.
    assert pool.wait(pool.submit(jobs.count_to, {"n": 2}), timeout=60).status == "succeeded"


def test_each_job_runs_in_a_fresh_process_that_ends(pool):
    a = pool.wait(pool.submit(jobs.allocate, {"megabytes": 100}), timeout=60)
    b = pool.wait(pool.submit(jobs.count_to, {"n": 1}), timeout=60)
    assert a.worker_pid != b.worker_pid
    _wait_until(lambda: not pid_alive(a.worker_pid))  # its memory went back to the OS


def test_jobs_left_running_by_a_crash_are_marked_interrupted(tmp_path):
    path = tmp_path / "ws"
    with Workspace.open(path) as ws:
        dead = ws.jobs.create("train", "Train", owner_pid=2**22 + 12345)  # no such process
        ws.jobs.mark_running(dead.id, 2**22 + 12346)
        alive = ws.jobs.create("train", "Train elsewhere", owner_pid=os.getpid())
    pool = JobPool(path, warm_workers=0, preload=())
    try:
        with Workspace.open(path) as ws:
            _wait_until(lambda: ws.jobs.get(dead.id).status == "interrupted")
            assert ws.jobs.get(alive.id).status == "queued"
            assert "stopped while this job was running" in ws.jobs.get(dead.id).error
    finally:
        pool.shutdown()


def test_shutdown_cancels_running_jobs(workspace):
    pool = JobPool(workspace.path, warm_workers=0, preload=(), cancel_grace_s=0.5)
    job_id = pool.submit(jobs.wait_for_cancel)
    _wait_until(lambda: pool.snapshot(job_id).status == "running")
    pool.shutdown()
    assert workspace.jobs.get(job_id).status == "cancelled"


def test_run_inline_records_the_job(workspace):
    printed = []
    job, result = run_inline(
        workspace, jobs.count_to, {"n": 3}, on_progress=lambda f, m: printed.append(m)
    )
    assert job.status == "succeeded" and result["counted"] == 3
    assert result["pid"] == os.getpid()
    assert printed[0] == "step 1 of 3" and printed[-1] == "done"  # reports are throttled
    with pytest.raises(InputError):
        run_inline(workspace, jobs.fail_with_input_error)
    failed = workspace.jobs.list(limit=1)[0]
    assert failed.status == "failed" and failed.error == "The file has no header row."


def test_listeners_are_called_off_the_submitting_thread(pool):
    threads = set()
    pool.add_listener(lambda job: threads.add(threading.current_thread().name))
    pool.wait(pool.submit(jobs.count_to, {"n": 1}), timeout=60)
    assert threads == {"job-pool"}


def _wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")
