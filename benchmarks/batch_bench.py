"""Benchmark: what logging batch decisions and routing them to human review cost, beside scoring.

Run: ``/work/venv/bin/python benchmarks/batch_bench.py [--rows 100000] [--workspace DIR]``

The real Adult census data (tests/datasets) is imported with a ``person_id`` id column, and a
logistic regression and a histogram gradient boosting model are trained on it (the training
job, 2 folds). The file to score repeats Adult to ``--rows`` rows, with ``person_id`` and an
``email`` column the model never uses. For each model, on the same 1,000-row chunks
``mlops-desktop score`` works in:

- scoring alone: ``predict_proba`` of each chunk (what the model itself costs);
- logging: each chunk's record encoded and written to the prediction log (``ChunkLog``, model
  inputs and the id column only), and the run published (summary, reviews, audit) in one
  transaction;
- review routing: the model's rules (band 0.4:0.6 and a 5% share) applied to each chunk
  (``BatchReview.entries``); the queued rows' reviews are written at publication, which is
  timed with logging (one transaction).

It prints each one's wall-clock and CPU seconds (``time.process_time``: on a shared machine the
wall clock also measures the other programs) and the ratio (logging + routing) / scoring; then
the whole ``score`` run (read, contract checks, scoring, logging, routing, output file) with the
rules set, for scale.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mlops_desktop.governance import review  # noqa: E402
from mlops_desktop.jobs.inline import run_inline  # noqa: E402
from mlops_desktop.registry.workspace import Workspace  # noqa: E402
from mlops_desktop.serving.batch import CHUNK_ROWS, score  # noqa: E402
from mlops_desktop.serving.batch_log import (  # noqa: E402
    BatchResult,
    ChunkLog,
    logged_columns,
    new_batch_id,
)
from mlops_desktop.serving.batch_review import BatchReview  # noqa: E402
from tests.datasets import ADULT, read_dataset  # noqa: E402

KEY, TARGET = "person_id", "class"
FAMILIES = ("logreg", "hgb")


def build(ws: Workspace, folder: Path, rows: int) -> Path:
    """Adult imported (id column ``person_id``), both families trained; the file to score."""
    from mlops_desktop.data.importer import import_dataset
    from mlops_desktop.training.jobs import train_model

    base = read_dataset(ADULT)
    base.insert(0, KEY, [f"P{i:07d}" for i in range(len(base))])
    train_csv = folder / "adult.csv"
    base.to_csv(train_csv, index=False)
    job = {"path": str(train_csv), "name": "adult", "target": TARGET, "id_cols": [KEY]}
    run_inline(ws, import_dataset, job)
    for family in FAMILIES:
        job = {"dataset": "adult@1", "model": family, "cv_folds": 2, "register": family}
        run_inline(ws, train_model, job)
    frame = base.drop(columns=[TARGET]).iloc[np.arange(rows) % len(base)].reset_index(drop=True)
    frame[KEY] = [f"P{i:07d}" for i in range(rows)]
    frame["email"] = [f"person{i}@example.org" for i in range(rows)]
    path = folder / "to-score.csv"
    frame.to_csv(path, index=False)
    return path


def _timed(fn, box: list[float]):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    box[0] += time.perf_counter() - wall
    box[1] += time.process_time() - cpu
    return out


def components(ws: Workspace, name: str, frame: pd.DataFrame) -> dict[str, list[float]]:
    """Wall and CPU seconds of scoring, logging and review routing over ``frame``'s chunks."""
    version = ws.models.get(f"{name}@1")
    pipeline = ws.artifacts.load_object(ws.models.bound_artifact(version))
    inputs = [s["name"] for s in version.signature["inputs"]]
    router = BatchReview.for_model(ws, version)
    chunks = ChunkLog(ws, version, new_batch_id(), logged_columns(ws, version))
    took = {"scoring": [0.0, 0.0], "logging": [0.0, 0.0], "routing": [0.0, 0.0]}
    for start in range(0, len(frame), CHUNK_ROWS):
        part = frame.iloc[start : start + CHUNK_ROWS].reset_index(drop=True)
        proba = _timed(lambda part=part: pipeline.predict_proba(part[inputs]), took["scoring"])
        labels = np.asarray(pipeline.classes_, dtype=object)[proba.argmax(axis=1)]
        rows = np.arange(start + 1, start + len(part) + 1)
        entries = _timed(
            lambda part=part, rows=rows, labels=labels, proba=proba: router.entries(
                chunks.batch_id, part, rows, labels, proba
            ),
            took["routing"],
        )
        _timed(
            lambda part=part, rows=rows, labels=labels, proba=proba, entries=entries: chunks.add(
                part, rows, labels, proba, entries
            ),
            took["logging"],
        )
    result = BatchResult(version.ref, "in", "out", None, len(frame), len(frame), 0, 0.0, {})
    result.batch_id = chunks.batch_id
    # publication: the last chunks, the reviews and the summary in one transaction (the
    # reviews' INSERT ... SELECT is routing's; the rest, logging's)
    _timed(lambda: chunks.publish(result), took["logging"])
    took["queued"] = [float(result.reviews), 0.0]
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workspace", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ws = Workspace.open(args.workspace or folder / "ws")
        path = build(ws, folder, args.rows)
        frame = pd.read_csv(path)
        print(
            f"Adult, {args.rows:,} rows in {CHUNK_ROWS:,}-row chunks; load {os.getloadavg()[0]:.1f}"
        )
        for name in FAMILIES:
            review.set_rules(ws, name, band="0.4:0.6", share=0.05)
            took = components(ws, name, frame)
            base = took["scoring"]
            print(f"{name}: {int(took['queued'][0]):,} rows queued for review")
            for part in ("scoring", "logging", "routing"):
                wall, cpu = took[part]
                print(
                    f"  {part:<8} {wall:6.2f} s wall {cpu:6.2f} s CPU"
                    f"  x{wall / base[0]:.2f} wall, x{cpu / base[1]:.2f} CPU of scoring"
                )
            extra = [took["logging"][i] + took["routing"][i] for i in (0, 1)]
            print(
                f"  (logging + routing) / scoring: {extra[0] / base[0]:.2f} wall, "
                f"{extra[1] / base[1]:.2f} CPU"
            )
            wall, cpu = time.perf_counter(), time.process_time()
            result = score(ws, f"{name}@1", path, folder / f"{name}.csv")
            print(
                f"  whole score run: {time.perf_counter() - wall:.2f} s wall, "
                f"{time.process_time() - cpu:.2f} s CPU, {result.reviews:,} queued"
            )
        ws.close()


if __name__ == "__main__":
    main()
