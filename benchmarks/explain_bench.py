"""Benchmark: explanations of a histogram gradient boosting model on German credit (the demo's
data and family, default hyperparameters as the trainer fits them).

Run: python benchmarks/explain_bench.py   (the bars: one decision < 20 ms, 10,000 < 10 s)

Times:
- the first explanation, which also flattens the trees into leaf tables (once per model);
- one decision as ``mlops-desktop explain REQUEST_ID`` and ``POST /explain`` compute it: a
  real workspace (German credit imported, the model trained and registered as the tests do),
  200 logged one-row decisions each explained by request id (``explain_request``: the prediction
  log, the version, the lean transform, TreeSHAP, the reasons, the personal data), median;
- the core of it, one row through the lean transform and TreeSHAP, beside the same row through
  the pipeline's own (pandas) transform, and beside ``predict_proba`` of the row by the
  pipeline and by the service's lean scorer: the ratios, measured in the same run, tell the
  cost on a busy machine too;
- 10,000 decisions in one call, and the largest additivity error over them.

Wall-clock and CPU time (``time.process_time``, this process only) are both printed: on a
shared machine the wall clock mostly measures the other programs.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mlops_desktop.governance.explanations import explain_request  # noqa: E402
from mlops_desktop.registry.workspace import Workspace  # noqa: E402
from mlops_desktop.serving.fast_scoring import compile_scorer  # noqa: E402
from mlops_desktop.serving.integrity import load_verified  # noqa: E402
from mlops_desktop.training.decision_inputs import lean_transform  # noqa: E402
from mlops_desktop.training.explain import explain, explain_matrix  # noqa: E402
from tests.credit import TARGET, build_credit_workspace  # noqa: E402
from tests.datasets import GERMAN_CREDIT, read_dataset  # noqa: E402
from tests.decisions import credit_records, log_decision  # noqa: E402

ONE_ROWS = 200
MANY = 10_000


def _ms(fn) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _median(times: list[tuple[float, float]]) -> tuple[float, float]:
    wall, cpu = zip(*times, strict=True)
    return statistics.median(wall), statistics.median(cpu)


def _columns(row: dict, names: list[str]) -> dict[str, list]:
    return {n: [row[n]] for n in names}


def core(ws: Workspace) -> tuple:
    """One row through the lean path and the pipeline's, and 10,000 at once."""
    version = ws.models.get("credit@1")
    pipeline, signature = load_verified(ws, version), version.signature
    names = [spec["name"] for spec in signature["inputs"]]
    positive = signature["output"].get("positive_class")
    lean = lean_transform(pipeline, signature)
    scorer = compile_scorer(pipeline, names, signature, "predict_proba")
    assert lean is not None and scorer is not None, "the lean path does not apply"
    records = credit_records(ONE_ROWS)
    first = _ms(lambda: explain_matrix(pipeline, lean(_columns(records[0], names)), None, positive))
    timed: dict[str, list] = {"lean": [], "pandas": [], "proba": [], "lean proba": []}
    for record in records:
        columns, frame = _columns(record, names), pd.DataFrame([record])[names]
        timed["lean"].append(
            _ms(lambda c=columns: explain_matrix(pipeline, lean(c), None, positive))
        )
        timed["pandas"].append(_ms(lambda f=frame: explain(pipeline, f, positive=positive)))
        timed["proba"].append(_ms(lambda f=frame: pipeline.predict_proba(f)))
        timed["lean proba"].append(_ms(lambda c=columns: scorer(c)))
    rows = read_dataset(GERMAN_CREDIT).drop(columns=[TARGET])
    many = rows.sample(MANY, replace=True, random_state=0).reset_index(drop=True)
    box = []
    bulk = _ms(lambda: box.append(explain(pipeline, many, positive=positive)))
    model = pipeline[-1]
    leaves = sum(int(p.nodes["is_leaf"].sum()) for it in model._predictors for p in it)
    trees = sum(len(it) for it in model._predictors)
    return trees, leaves, first, {k: _median(v) for k, v in timed.items()}, bulk, box[0]


def requests(ws: Workspace) -> tuple[float, float]:
    """``explain_request`` of logged one-row decisions, by request id (warm: one before)."""
    ids = [log_decision(ws, "credit@1", credit_records(1, start=i)) for i in range(ONE_ROWS)]
    explain_request(ws, ids[0])
    return _median([_ms(lambda i=i: explain_request(ws, i)) for i in ids])


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        build_credit_workspace(Path(folder) / "ws", families=("hgb",), cv_folds=2)
        with Workspace.open(Path(folder) / "ws", create=False) as ws:
            trees, leaves, first, one, bulk, result = core(ws)
            request = requests(ws)
    lean, pandas_path = one["lean"], one["pandas"]
    proba, lean_proba = one["proba"], one["lean proba"]
    print(f"HGB on German credit: {trees} trees, {leaves:,} leaves; load {os.getloadavg()[0]:.1f}")
    print(f"first explanation (builds the leaf tables): {first[0]:.0f} ms wall, {first[1]:.0f} CPU")
    print(
        f"one decision by request id, median of {ONE_ROWS} (bar 20 ms): {request[0]:.1f} ms "
        f"wall, {request[1]:.1f} ms CPU"
    )
    print(
        f"  its core, lean transform + TreeSHAP: {lean[0]:.2f} ms wall, {lean[1]:.2f} ms CPU; "
        f"through the pipeline's pandas transform {pandas_path[1]:.2f} ms CPU "
        f"({pandas_path[1] / lean[1]:.1f}x the lean path)"
    )
    print(
        f"  predict_proba of the row: pipeline {proba[1]:.2f} ms CPU, the service's lean scorer "
        f"{lean_proba[1]:.2f} ms CPU; a decision by id costs {request[1] / proba[1]:.2f}x the "
        f"pipeline's predict_proba, {request[1] / lean_proba[1]:.1f}x the lean scorer's"
    )
    print(
        f"{MANY:,} decisions in one call (bar 10 s): {bulk[0] / 1000:.2f} s wall, "
        f"{bulk[1] / 1000:.2f} s CPU; max |base + sum - raw| = {result.max_error:.1e}"
    )
    print(
        f"{MANY:,} decisions one by one, estimated from the medians: core "
        f"{MANY * lean[1] / 1000:.1f} s CPU, by request id {MANY * request[1] / 1000:.1f} s CPU"
    )
    assert np.isfinite(result.max_error) and result.max_error < 1e-6


if __name__ == "__main__":
    main()
