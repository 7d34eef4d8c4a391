"""Overhead of the app's training path over a plain script fitting the same pipeline.

The app path: a job in a worker process (warm), progress and log messages, the dataset loaded
from the verified artifact store, the pipeline stored as an artifact, the run and model version
written to the registry. The baseline, in this same script: ``trainer.train`` called directly on
a frame already in memory (the same pipeline, the same cross-validation, the same evaluation).
The two alternate, so a change in the machine's load does not favour one side.

Run: python benchmarks/training_bench.py [--repeats 2] [--folds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mlops_desktop.data.importer import import_dataset  # noqa: E402
from mlops_desktop.jobs import JobPool, run_inline  # noqa: E402
from mlops_desktop.registry.job_store import pid_alive  # noqa: E402
from mlops_desktop.registry.workspace import Workspace  # noqa: E402
from mlops_desktop.training.jobs import train_model  # noqa: E402
from mlops_desktop.training.trainer import TrainConfig, train  # noqa: E402
from tests.datasets import ADULT, unpack  # noqa: E402


def time_plain(frame, mask, version, config: TrainConfig) -> float:
    started = time.perf_counter()
    train(frame, mask, version.schema, dict(version.roles), config, lambda f, m: None)
    return time.perf_counter() - started


def time_app(pool: JobPool, model: str, folds: int) -> float:
    started = time.perf_counter()
    job_id = pool.submit(
        train_model,
        {"dataset": "adult@1", "model": model, "cv_folds": folds, "register": "adult"},
    )
    job = pool.wait(job_id, timeout=3600)
    elapsed = time.perf_counter() - started
    assert job.status == "succeeded", job.error
    time.sleep(5)  # the next warm worker starts; not part of a job's wall time
    assert not pid_alive(job.worker_pid), "the worker's memory was not released"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp())
    folder = scratch / "ws"
    ws = Workspace.open(folder)
    run_inline(
        ws,
        import_dataset,
        {
            "path": str(unpack(scratch / "data") / ADULT),
            "name": "adult",
            "target": "class",
            "allow_blocking": True,
            "reason": "benchmark",
        },
    )
    version = ws.datasets.get("adult@1")
    frame, mask = ws.datasets.load_frame(version)
    print(f"Adult: {len(frame):,} rows, {int(mask.sum()):,} test rows, {args.folds}-fold CV")
    pool = JobPool(folder, max_workers=1, warm_workers=1)
    time.sleep(5)  # let the warm worker finish importing, as it would while the user picks options
    print(f"{'model':<6} {'plain script (s)':>17} {'app job (s)':>12} {'overhead':>9}")
    for model in ("hgb", "rf"):
        config = TrainConfig(
            model,
            version.roles["task"],
            version.split.get("method", "random"),
            cv_folds=args.folds,
            seed=42,
        )
        plain, app = [], []
        for repeat in range(args.repeats):
            if repeat % 2 == 0:
                plain.append(time_plain(frame, mask, version, config))
                app.append(time_app(pool, model, args.folds))
            else:
                app.append(time_app(pool, model, args.folds))
                plain.append(time_plain(frame, mask, version, config))
        p, a = statistics.median(plain), statistics.median(app)
        print(
            f"{model:<6} {p:17.2f} {a:12.2f} {100 * (a / p - 1):8.1f}%   "
            f"(runs: plain {[round(x, 1) for x in plain]}, app {[round(x, 1) for x in app]})"
        )
    pool.shutdown()
    ws.close()


if __name__ == "__main__":
    main()
