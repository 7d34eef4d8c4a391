"""Benchmark: explanations of a histogram gradient boosting model on German credit (the demo's
data and family, default hyperparameters as the trainer fits them).

Run: python benchmarks/explain_bench.py   (the bars: one decision < 20 ms, 10,000 < 10 s)

Times, for the fitted pipeline (transform + TreeSHAP + the raw output it is checked against):
- the first explanation, which also flattens the trees into leaf tables (once per model);
- one decision at a time: the median over 200 rows, beside ``predict_proba`` of the same row
  (the ratio tells the cost on a busy machine too);
- 10,000 decisions in one call, and the largest additivity error over them.

Wall-clock and CPU time (``time.process_time``, this process only) are both printed: on a
shared machine the wall clock mostly measures the other programs.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mlops_desktop.training.explain import explain  # noqa: E402
from mlops_desktop.training.trainer import TrainConfig, train  # noqa: E402
from tests.datasets import GERMAN_CREDIT, read_dataset  # noqa: E402

TARGET = "creditability"
ONE_ROWS = 200
MANY = 10_000


def fitted():
    frame = read_dataset(GERMAN_CREDIT)
    schema = {
        c: "numeric" if pd.api.types.is_numeric_dtype(frame[c]) else "categorical"
        for c in frame.columns
    }
    mask = np.random.default_rng(0).random(len(frame)) < 0.2
    config = TrainConfig("hgb", "binary", cv_folds=2, seed=7)
    result = train(
        frame, mask, schema, {"target": TARGET, "task": "binary"}, config, lambda *_: None
    )
    return result.pipeline, frame.drop(columns=[TARGET]), result.positive_class


def _ms(fn) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main() -> None:
    pipeline, rows, positive = fitted()
    leaves = sum(int(p.nodes["is_leaf"].sum()) for it in pipeline[-1]._predictors for p in it)
    trees = sum(len(it) for it in pipeline[-1]._predictors)
    first = _ms(lambda: explain(pipeline, rows.iloc[:1], positive=positive))
    one, predict = [], []
    for i in range(ONE_ROWS):
        row = rows.iloc[i : i + 1]
        one.append(_ms(lambda row=row: explain(pipeline, row, positive=positive)))
        predict.append(_ms(lambda row=row: pipeline.predict_proba(row)))
    many = rows.sample(MANY, replace=True, random_state=0).reset_index(drop=True)
    box = []
    wall, cpu = _ms(lambda: box.append(explain(pipeline, many, positive=positive)))
    one_ms = [statistics.median(t) for t in zip(*one, strict=True)]
    predict_ms = [statistics.median(t) for t in zip(*predict, strict=True)]
    print(f"HGB on German credit: {trees} trees, {leaves:,} leaves; load {os.getloadavg()[0]:.1f}")
    print(f"first explanation (builds the leaf tables): {first[0]:.0f} ms wall, {first[1]:.0f} CPU")
    print(
        f"one decision, median of {ONE_ROWS} (bar 20 ms): {one_ms[0]:.1f} ms wall, "
        f"{one_ms[1]:.1f} ms CPU; predict_proba of the row {predict_ms[0]:.1f} / "
        f"{predict_ms[1]:.1f} ms, ratio {one_ms[1] / predict_ms[1]:.1f}x"
    )
    print(
        f"{MANY:,} decisions in one call (bar 10 s): {wall / 1000:.2f} s wall, "
        f"{cpu / 1000:.2f} s CPU; max |base + sum - raw| = {box[0].max_error:.1e}"
    )


if __name__ == "__main__":
    main()
