"""Benchmark: import, profile and check 1,000,000 rows x 30 columns.

Generates a mixed numeric/categorical CSV in a temporary folder, then runs, each in its own
subprocess so peak RSS (``ru_maxrss``) measures only that step:

* baseline: ``pd.read_csv`` of the same file (time, peak RSS, DataFrame size);
* import:   ``import_dataset`` through ``run_inline`` into a fresh workspace.

Prints wall time, peak RSS (total and above the interpreter with its libraries loaded) as a
multiple of the DataFrame's in-memory size, and the ratio to the baseline.

    /work/venv/bin/python benchmarks/data_import_bench.py [--rows N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N_NUMERIC, N_CATEGORICAL = 20, 9  # + 1 binary target = 30 columns


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """A CSV with 20 numeric, 9 categorical columns and a binary target that depends on them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {}
    for i in range(N_NUMERIC):
        if i % 4 == 0:
            cols[f"num_{i}"] = rng.integers(0, 1000, rows)
        elif i % 4 == 1:
            cols[f"num_{i}"] = np.round(rng.lognormal(3, 1, rows), 2)
        else:
            values = np.round(rng.normal(i, 3, rows), 4)
            values[rng.random(rows) < 0.02] = np.nan  # some missing values
            cols[f"num_{i}"] = values
    for j in range(N_CATEGORICAL):
        k = (3, 5, 8, 12, 20, 30, 40, 50, 7)[j]
        labels = np.array([f"cat{j}_{v}" for v in range(k)])
        cols[f"cat_{j}"] = labels[rng.zipf(1.6, rows) % k]
    logit = 0.3 * (cols["num_2"] - 2) / 3 + (cols["cat_0"] == "cat0_1") - 0.5
    logit = np.nan_to_num(logit)
    cols["target"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    pcsv.write_csv(pa.table(cols), path)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_baseline(csv: str) -> dict:
    import pandas as pd

    base = _rss_mb()
    start = time.perf_counter()
    df = pd.read_csv(csv)
    wall = time.perf_counter() - start
    return {
        "wall_s": wall,
        "peak_rss_mb": _rss_mb(),
        "libs_rss_mb": base,
        "frame_mb": df.memory_usage(deep=True).sum() / 1e6,
        "shape": list(df.shape),
    }


def child_import(csv: str, workspace: str) -> dict:
    import sklearn.metrics  # noqa: F401

    import mlops_desktop.data.checks  # noqa: F401 - load libraries before the baseline RSS
    from mlops_desktop.data.importer import import_dataset
    from mlops_desktop.drift import compare  # noqa: F401
    from mlops_desktop.jobs import run_inline
    from mlops_desktop.registry.dataset_store import DatasetStore
    from mlops_desktop.registry.workspace import Workspace

    ws = Workspace.open(workspace)
    base = _rss_mb()
    marks: list[tuple[float, float, str]] = []
    start = time.perf_counter()

    def on_progress(fraction: float, message: str) -> None:
        marks.append((time.perf_counter() - start, fraction, message))

    _job, result = run_inline(
        ws,
        import_dataset,
        {"path": csv, "name": "bench", "target": "target"},
        on_progress=on_progress,
    )
    wall = time.perf_counter() - start
    peak = _rss_mb()
    df, _mask = DatasetStore(ws).load_frame(result["ref"])
    phases: dict[str, float] = {}
    for (t0, f0, _m), (t1, f1, _m1) in zip(marks, marks[1:], strict=False):
        phase = (
            "read"
            if f1 <= 0.4
            else "type+split+hash"
            if f0 < 0.5
            else "profile"
            if f0 < 0.6
            else "checks"
            if f0 < 0.95
            else "save"
        )
        phases[phase] = phases.get(phase, 0.0) + (t1 - t0)
    gaps = [b[0] - a[0] for a, b in zip(marks, marks[1:], strict=False)]
    return {
        "wall_s": wall,
        "peak_rss_mb": peak,
        "libs_rss_mb": base,
        "typed_frame_mb": df.memory_usage(deep=True).sum() / 1e6,
        "status": result["status"],
        "ref": result["ref"],
        "findings": [f["title"] for f in result["findings"]],
        "progress_updates": len(marks),
        "longest_gap_between_updates_s": max(gaps or [0]),
        "phases_s": {k: round(v, 2) for k, v in phases.items()},
    }


def _run_child(*args: str) -> dict:
    """Run one step in a fresh interpreter. On Linux ``ru_maxrss`` survives fork+exec, so the
    parent must never grow large itself or every child would report the parent's peak."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", help="folder to keep the CSV and workspace in")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "generate":
            generate(Path(rest[0]), int(rest[1]))
            result: dict = {}
        else:
            result = child_baseline(*rest) if kind == "baseline" else child_import(*rest)
        print(json.dumps(result))
        return
    folder = Path(args.keep or tempfile.mkdtemp(prefix="mlops-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "bench.csv"
    start = time.perf_counter()
    _run_child("generate", str(csv), str(args.rows))  # the parent stays small: see _run_child
    print(
        f"generated {csv} ({csv.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows x 30 columns) "
        f"in {time.perf_counter() - start:.1f} s"
    )
    base = _run_child("baseline", str(csv))
    imp = _run_child("import", str(csv), str(folder / f"ws-{int(time.time())}"))
    frame = base["frame_mb"]
    net = imp["peak_rss_mb"] - imp["libs_rss_mb"]
    print(
        f"baseline pd.read_csv: {base['wall_s']:.1f} s, peak RSS {base['peak_rss_mb']:.0f} MB, "
        f"DataFrame {frame:.0f} MB"
    )
    print(
        f"import_dataset:       {imp['wall_s']:.1f} s ({imp['wall_s'] / base['wall_s']:.1f}x "
        f"read_csv), status {imp['status']} {imp['ref']}"
    )
    print(f"  phases (s): {imp['phases_s']}")
    print(
        f"  peak RSS {imp['peak_rss_mb']:.0f} MB = {imp['peak_rss_mb'] / frame:.2f}x the "
        f"read_csv DataFrame; above the loaded interpreter ({imp['libs_rss_mb']:.0f} MB): "
        f"{net:.0f} MB = {net / frame:.2f}x; typed frame {imp['typed_frame_mb']:.0f} MB"
    )
    print(
        f"  baseline read_csv peak RSS = {base['peak_rss_mb'] / frame:.2f}x its DataFrame; "
        f"import peak / read_csv peak = {imp['peak_rss_mb'] / base['peak_rss_mb']:.2f}"
    )
    print(
        f"  progress updates: {imp['progress_updates']}, longest gap "
        f"{imp['longest_gap_between_updates_s']:.1f} s"
    )
    print(f"  findings: {imp['findings']}")
    print(
        f"  targets: wall < 60 s: {'OK' if imp['wall_s'] < 60 else 'MISSED'}; "
        f"peak < 3x data: {'OK' if imp['peak_rss_mb'] < 3 * frame else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
