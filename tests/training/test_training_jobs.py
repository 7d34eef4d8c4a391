"""Training through the registry and the job pool: runs recorded, registration whole or absent."""

from __future__ import annotations

import os
import signal
import time

import pytest

from mlops_desktop.errors import ArtifactIntegrityError, NotFoundError
from mlops_desktop.jobs import JobPool, run_inline
from mlops_desktop.training.jobs import retrain_model, train_model


def test_train_records_the_run_and_registers_a_version(credit_ws):
    _, result = run_inline(
        credit_ws,
        train_model,
        {"dataset": "credit@1", "model": "logreg", "cv_folds": 3, "register": "credit"},
    )
    assert result["registered"] == "credit@1"
    run = credit_ws.runs.get(result["run_id"])
    assert run.status == "succeeded" and run.seed == 42
    assert run.metrics["holdout"]["roc_auc"] > 0.7
    assert set(run.library_versions) == {
        "python",
        "scikit-learn",
        "pandas",
        "numpy",
        "mlops-desktop",
    }
    assert "Holdout roc_auc" in run.log
    version = credit_ws.models.get("credit@1")
    assert version.run_id == run.id and version.artifact_hash == run.artifact_hash
    names = [i["name"] for i in version.signature["inputs"]]
    assert "creditability" not in names and "age_in_years" in names
    assert version.signature["output"]["classes"] == ["bad", "good"]
    pipeline = credit_ws.artifacts.load_object(version.artifact_hash)
    frame, _ = credit_ws.datasets.load_frame(credit_ws.datasets.get("credit@1"))
    assert pipeline.predict_proba(frame.head(5)).shape == (5, 2)


def test_rerunning_the_same_config_reproduces_metrics_and_fingerprint(credit_ws):
    kwargs = {"dataset": "credit", "model": "hgb", "cv_folds": 3, "search": 2, "seed": 3}
    _, a = run_inline(credit_ws, train_model, kwargs)
    _, b = run_inline(credit_ws, train_model, kwargs)
    assert a["run_id"] != b["run_id"]
    assert a["metrics"] == b["metrics"] and a["fingerprint"] == b["fingerprint"]


def test_retrain_links_the_new_version_to_its_parent(credit_ws, data_dir):
    from mlops_desktop.data.importer import import_dataset

    run_inline(
        credit_ws,
        train_model,
        {"dataset": "credit@1", "model": "rf", "cv_folds": 3, "register": "credit"},
    )
    run_inline(
        credit_ws,
        import_dataset,
        {
            "path": str(data_dir / "uci_statlog_german_credit.csv"),
            "name": "credit",
            "target": "creditability",
            "seed": 2,
        },
    )
    _, result = run_inline(
        credit_ws, retrain_model, {"model_ref": "credit@1", "dataset": "credit@2"}
    )
    child = credit_ws.models.get(result["registered"])
    assert child.ref == "credit@2" and result["parent"] == "credit@1"
    assert [v.ref for v in credit_ws.models.lineage(child)] == ["credit@2", "credit@1"]
    child_run = credit_ws.runs.get(child.run_id)
    assert child_run.model_family == "rf" and child_run.parent_model_version_id == child.parent_id
    assert credit_ws.datasets.get("credit@2").id == child_run.dataset_version_id


def test_tampered_dataset_fails_the_run_and_registers_nothing(credit_ws):
    version = credit_ws.datasets.get("credit@1")
    path = credit_ws.artifacts.path_for(version.artifact_hash)
    os.chmod(path, 0o644)
    with open(path, "r+b") as handle:
        handle.seek(100)
        handle.write(b"tampered")
    with pytest.raises(ArtifactIntegrityError):
        run_inline(
            credit_ws, train_model, {"dataset": "credit@1", "model": "logreg", "register": "credit"}
        )
    assert credit_ws.models.list() == []
    job = credit_ws.jobs.list(limit=1)[0]
    assert job.status == "failed" and "damaged" in job.error
    (run,) = credit_ws.runs.list()
    assert run.status == "failed" and "damaged" in run.error


def test_unknown_dataset_says_what_exists(credit_ws):
    with pytest.raises(NotFoundError, match="credit"):
        run_inline(credit_ws, train_model, {"dataset": "churn", "model": "rf"})


@pytest.mark.parametrize("ending", ["cancel", "kill"])
def test_cancelled_or_killed_training_ends_the_run_and_registers_nothing(credit_ws, ending):
    pool = JobPool(credit_ws.path, warm_workers=0, preload=(), cancel_grace_s=5)
    try:
        job_id = pool.submit(
            train_model,
            {
                "dataset": "credit@1",
                "model": "rf",
                "search": 30,
                "cv_folds": 5,
                "register": "credit",
            },
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job = pool.snapshot(job_id)
            if job.status == "running" and "fold" in job.message:
                break
            time.sleep(0.05)
        if ending == "cancel":
            pool.cancel(job_id)
        else:
            os.kill(pool.snapshot(job_id).worker_pid, signal.SIGKILL)
        job = pool.wait(job_id, timeout=60)
    finally:
        pool.shutdown()
    assert job.status == ("cancelled" if ending == "cancel" else "failed")
    runs = credit_ws.runs.list()
    assert len(runs) == 1 and runs[0].status == job.status and runs[0].error
    assert credit_ws.models.list() == []


def test_a_pool_job_trains_on_a_local_cluster_and_cancels_there(credit_ws):
    """In the job pool's worker (a daemon process) ``local:2`` still starts two worker
    processes; the metrics equal a local run's, and cancel ends the run as it does locally."""
    pytest.importorskip("distributed")
    kwargs = {"dataset": "credit@1", "model": "logreg", "cv_folds": 3, "search": 2, "seed": 4}
    _, local = run_inline(credit_ws, train_model, kwargs)
    pool = JobPool(credit_ws.path, warm_workers=0, preload=(), cancel_grace_s=30)
    try:
        done = pool.wait(pool.submit(train_model, {**kwargs, "cluster": "local:2"}), timeout=300)
        assert done.status == "succeeded", done.error
        assert done.result["metrics"] == local["metrics"]
        assert (
            "on the Dask cluster local:2: 2 workers"
            in credit_ws.runs.get(done.result["run_id"]).log
        )
        job_id = pool.submit(
            train_model,
            {"dataset": "credit@1", "model": "rf", "search": 30, "cluster": "local:2"},
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "on 2 workers" not in pool.snapshot(job_id).message:
            time.sleep(0.05)
        pool.cancel(job_id)
        job = pool.wait(job_id, timeout=120)
    finally:
        pool.shutdown()
    assert job.status == "cancelled"
    assert credit_ws.runs.list()[0].status == "cancelled"


def test_a_killed_cluster_job_leaves_no_dask_processes(credit_ws):
    """The job's LocalCluster (scheduler, nannies, workers) exits with the job's worker."""
    pytest.importorskip("distributed")
    import psutil

    pool = JobPool(credit_ws.path, warm_workers=0, preload=(), cancel_grace_s=5)
    try:
        job_id = pool.submit(
            train_model, {"dataset": "credit@1", "model": "rf", "search": 30, "cluster": "local:2"}
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "on 2 workers" not in pool.snapshot(job_id).message:
            time.sleep(0.05)
        worker = psutil.Process(pool.snapshot(job_id).worker_pid)
        started = worker.children(recursive=True)
        assert len(started) >= 5  # a scheduler, two nannies and their two workers
        worker.kill()
        assert pool.wait(job_id, timeout=60).status == "failed"
    finally:
        pool.shutdown()
    _gone, alive = psutil.wait_procs(started, timeout=30)
    assert alive == []
