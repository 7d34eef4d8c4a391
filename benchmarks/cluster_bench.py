"""Dask on this machine: batch scoring and a 5-fold random forest, single process against a
2-worker LocalCluster (``--cluster local:2``), through the real CLI, in one run.

Adult census rows (tests/datasets), repeated and shuffled to the sizes asked for. Each command
runs as its own process; its wall time and the peak memory of its whole process tree (the
cluster's workers included, sampled every 0.1 s) are reported, with the ratios. The outputs of
the two scoring runs are compared (they must be identical but for the run's request ids).

Run: ``/work/venv/bin/python benchmarks/cluster_bench.py [--score-rows 1000000]
[--train-rows 200000] [--workers 2]`` (needs the ``[cluster]`` extra).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CLI = [sys.executable, "-m", "mlops_desktop"]


def adult_rows(n: int, seed: int) -> pd.DataFrame:
    from tests.datasets import ADULT, read_dataset

    adult = read_dataset(ADULT)
    repeats = -(-n // len(adult))
    # each copy's fnlwgt (a survey weight) shifted by its copy number: no exact duplicates
    copies = [adult.assign(fnlwgt=adult["fnlwgt"] + k) for k in range(repeats)]
    return pd.concat(copies, ignore_index=True).sample(n, random_state=seed)


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def timed(args: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak resident memory of the process tree, and stdout of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(CLI + args, stdout=subprocess.PIPE, text=True, cwd=REPO)
    watched = psutil.Process(proc.pid)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            try:
                peak[0] = max(peak[0], tree_rss(watched))
            except psutil.Error:
                pass
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{out}")
    return time.perf_counter() - started, peak[0], out


def line(what: str, seconds: float, peak: int, rows: int | None = None) -> str:
    rate = f"  {rows / seconds:>10,.0f} rows/s" if rows else ""
    return f"{what:<40} {seconds:8.1f} s{rate}  peak memory {peak / 1e6:8,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--score-rows", type=int, default=1_000_000)
    parser.add_argument("--train-rows", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-train", action="store_true")
    args = parser.parse_args()
    cluster = f"local:{args.workers}"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ws = ["--workspace", str(work / "ws")]
        train_csv, score_csv = work / "adult_train.csv", work / "adult_score.csv"
        adult_rows(args.train_rows, 0).to_csv(train_csv, index=False)
        adult_rows(args.score_rows, 1).drop(columns=["class"]).to_csv(score_csv, index=False)
        subprocess.run(
            CLI
            + ["data", "import", str(train_csv), "--name", "adult", "--target", "class"]
            + ws
            + ["--create"],
            check=True,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
        )
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        results = {}
        if not args.skip_train:
            for where, extra in (("single process", []), (cluster, ["--cluster", cluster])):
                results[("train", where)] = timed(
                    ["train", "adult@1", "--model", "rf", "--folds", "5", "--json", *ws, *extra]
                )
                s, peak, _ = results[("train", where)]
                print(line(f"RF 5-fold, {args.train_rows:,} rows, {where}", s, peak), flush=True)
        timed(["train", "adult@1", "--model", "hgb", "--folds", "2", "--register", "adult", *ws])
        for where, extra in (("single process", []), (cluster, ["--cluster", cluster])):
            out = work / f"scored_{where.replace(':', '_').replace(' ', '_')}.csv"
            results[("score", where)] = timed(
                ["score", "adult@1", str(score_csv), str(out), *ws, *extra]
            )
            s, peak, _ = results[("score", where)]
            print(line(f"score {args.score_rows:,} rows, {where}", s, peak, args.score_rows))
        a = pd.read_csv(work / "scored_single_process.csv").drop(columns=["request_id"])
        b = pd.read_csv(work / f"scored_{cluster.replace(':', '_')}.csv").drop(
            columns=["request_id"]
        )
        print(f"scoring outputs identical (request ids aside): {a.equals(b)}")
        for step in ("train", "score"):
            if (step, cluster) in results:
                local, remote = results[(step, "single process")], results[(step, cluster)]
                print(
                    f"{step}: the cluster takes {remote[0] / local[0]:.2f}x the single process's "
                    f"time ({local[0] / remote[0]:.2f}x the speed), {remote[1] / local[1]:.2f}x "
                    "its peak memory"
                )
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
