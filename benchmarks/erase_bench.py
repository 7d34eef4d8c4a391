"""Time the erasure of one person across a 1,000,000-row dataset with five versions and 100,000
logged predictions (issue 14's target: under 60 s).

Run: ``/work/venv/bin/python benchmarks/erase_bench.py [--rows 1000000] [--versions 5]
[--predictions 100000] [--workspace DIR]``. The data is the real Adult census file
(tests/datasets) repeated to ``--rows`` rows with a ``person_id`` column (``P0000000`` ...);
version N drops a different 1% of rows, so the five versions are five contents. They are stored
through the dataset store (the import's checks are not what is timed). The prediction log holds
``--predictions`` one-row requests in the service's log format, a tenth with an entity key; the
person is in every version, in 5 requests (one by entity key) with outcomes, and in the service
log. Timed: the dry run (counts per place) and the real erasure, then ``audit verify``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mlops_desktop.governance.audit import verify
from mlops_desktop.governance.erasure import PLACES, erase
from mlops_desktop.registry.workspace import Workspace
from tests.datasets import ADULT, read_dataset

KEY = "person_id"
PERSON = "P0004242"


def make_frame(rows: int) -> pd.DataFrame:
    base = read_dataset(ADULT)
    frame = base.iloc[np.arange(rows) % len(base)].reset_index(drop=True)
    frame.insert(0, KEY, pd.array([f"P{i:07d}" for i in range(rows)], dtype="string"))
    for column in frame.columns[1:]:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype("category")
    return frame


def store_versions(ws: Workspace, frame: pd.DataFrame, versions: int) -> None:
    rng = np.random.default_rng(0)
    test_mask = rng.random(len(frame)) < 0.2
    for number in range(1, versions + 1):
        keep = np.ones(len(frame), dtype=bool)
        if number > 1:
            start = (number - 1) * len(frame) // 100
            keep[start + 10_000 : start + 10_000 + len(frame) // 100] = False
        part = frame[keep].reset_index(drop=True)
        ws.datasets.create_version(
            "adult",
            part,
            test_mask[keep],
            content_hash=f"bench-{number}",
            schema={},
            roles={"target": "class", "id": [KEY]},
            pii={},
            split={"method": "random", "test_size": 0.2, "seed": 0},
            profile={KEY: {"top_values": [{"value": PERSON, "count": 1}]}},
            checks=[],
            source=f"benchmark version {number}",
        )


def log_predictions(ws: Workspace, frame: pd.DataFrame, n: int) -> None:
    columns = [c for c in frame.columns if c != "class"]
    sample = frame.iloc[:n][columns].astype(object).values.tolist()
    now = time.time()
    rows = []
    for i, values in enumerate(sample):
        entity = values[0] if i % 10 == 0 else None
        inputs = json.dumps({"columns": columns, "data": [values]}, separators=(",", ":"))
        rows.append(
            (
                f"req-{i}",
                now - i,
                "adult",
                None,
                "live",
                "v1",
                entity,
                inputs,
                '{"predictions":["<=50K"]}',
                2.0,
                200,
                None,
            )
        )
    person = frame.index[frame[KEY] == PERSON][0]
    extra = frame.iloc[[person]][columns].astype(object).values.tolist()
    for j in range(5):
        inputs = json.dumps({"columns": columns, "data": extra}, separators=(",", ":"))
        rows.append(
            (
                f"person-{j}",
                now,
                "adult",
                None,
                "live",
                "v1",
                PERSON if j == 0 else None,
                inputs,
                '{"predictions":[">50K"]}',
                2.0,
                200,
                None,
            )
        )
    ws.predictions.insert_many(rows)
    ws.outcomes.insert_many(
        [("adult", f"person-{j}", None, '">50K"', None, now, "bench") for j in range(5)]
    )
    (ws.path / "logs").mkdir(exist_ok=True)
    lines = [f"INFO request req-{i} answered 200" for i in range(50_000)]
    lines.insert(25_000, f"INFO request person-0 entity {PERSON} answered 200")
    (ws.path / "logs" / "service.log").write_text("\n".join(lines) + "\n", encoding="utf-8")


class Timed:
    """A place with the seconds each of its steps took (for the per-place figures)."""

    def __init__(self, place) -> None:
        self.place, self.name, self.seconds = place, place.name, {}

    def __getattr__(self, step):
        method = getattr(self.place, step)

        def timed(target):
            t0 = time.perf_counter()
            try:
                return method(target)
            finally:
                self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - t0

        return timed


def check_traces(folder: Path) -> None:
    import sqlite3

    from tests.governance.erasure_world import files_holding

    with sqlite3.connect(folder / "registry.db") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("VACUUM")
    t0 = time.perf_counter()
    found = files_holding(folder, PERSON)
    print(
        f"files holding the value after VACUUM: {found or 'none'} ({time.perf_counter() - t0:.0f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--predictions", type=int, default=100_000)
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--check", action="store_true", help="then grep every file for the value")
    args = parser.parse_args()
    folder = args.workspace or Path(tempfile.mkdtemp(prefix="erase-bench-")) / "ws"
    started = time.perf_counter()
    frame = make_frame(args.rows)
    with Workspace.open(folder) as ws:
        store_versions(ws, frame, args.versions)
        log_predictions(ws, frame, args.predictions)
        print(
            f"built in {time.perf_counter() - started:.1f} s: {args.rows:,} rows x "
            f"{args.versions} versions, {ws.predictions.total():,} logged predictions ({folder})"
        )
        for dry_run in (True, False):
            places = tuple(Timed(p) for p in PLACES)
            t0 = time.perf_counter()
            result = erase(ws, KEY, PERSON, "benchmark request", dry_run=dry_run, places=places)
            seconds = time.perf_counter() - t0
            print(f"{'dry run' if dry_run else 'erasure'}: {seconds:.2f} s")
            for place in places:
                steps = ", ".join(f"{k} {v:.2f} s" for k, v in place.seconds.items())
                print(f"  {place.name:<48} {result.counts[place.name]:>6}  {steps}")
        t0 = time.perf_counter()
        check = verify(ws)
        print(f"audit verify: {time.perf_counter() - t0:.2f} s, {check.message}")
    if args.check:
        check_traces(folder)


if __name__ == "__main__":
    main()
