"""/ping latency while three 16 MB scoring bodies arrive at once (issue 12's drill).

The service (HGB on 10 features, prediction log on, started as the app starts it, with
``--max-body-mb 64``) gets three concurrent POST /invocations of about 16 MB each. Meanwhile a
pinger asks GET /ping every 10 ms on its own connection. The figure is /ping's latency during
the big requests against its latency on the idle service, measured in the same run.

    /work/venv/bin/python benchmarks/big_bodies_bench.py [--mb 16] [--bodies 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.serving_bench import build_model, free_port  # noqa: E402


def big_body(frame, megabytes: float) -> bytes:
    """A dataframe_records body of about ``megabytes`` MB, from the training frame's rows."""
    records = frame.to_dict(orient="records")
    one = len(json.dumps(records[0])) + 2
    n = int(megabytes * 1024 * 1024 / one)
    rows = [records[i % len(records)] for i in range(n)]
    return json.dumps({"dataframe_records": rows}).encode()


def ping_latencies(url: str, stop: threading.Event, out: list[float]) -> None:
    """GET /ping every 10 ms until ``stop``; each latency in ms appended to ``out``."""
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            start = time.perf_counter()
            client.get(url + "/ping").raise_for_status()
            out.append((time.perf_counter() - start) * 1000)
            time.sleep(0.01)


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (
        f"n={len(values)} p50 {statistics.median(values):.1f} ms, p99 {p99:.1f} ms, "
        f"max {ordered[-1]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=16.0)
    parser.add_argument("--bodies", type=int, default=3)
    args = parser.parse_args()
    from mlops_desktop.serving.process import start_service, stop_service

    with tempfile.TemporaryDirectory() as tmp:
        ws, frame = build_model(Path(tmp))
        handle = start_service(ws, port=free_port(), max_body_mb=64)
        body = big_body(frame, args.mb)
        print(f"{args.bodies} bodies of {len(body) / 1e6:.1f} MB each")
        try:
            idle: list[float] = []
            stop = threading.Event()
            pinger = threading.Thread(target=ping_latencies, args=(handle.url, stop, idle))
            pinger.start()
            time.sleep(3)
            stop.set()
            pinger.join()

            busy: list[float] = []
            stop = threading.Event()
            pinger = threading.Thread(target=ping_latencies, args=(handle.url, stop, busy))
            statuses: list[int] = []

            def send() -> None:
                with httpx.Client(timeout=300) as client:
                    headers = {"Content-Type": "application/json"}
                    response = client.post(
                        handle.url + "/invocations", content=body, headers=headers
                    )
                    statuses.append(response.status_code)

            senders = [threading.Thread(target=send) for _ in range(args.bodies)]
            pinger.start()
            started = time.perf_counter()
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join()
            took = time.perf_counter() - started
            stop.set()
            pinger.join()
        finally:
            stop_service(ws, handle)
            ws.close()
    print(f"big requests answered {statuses} in {took:.1f} s")
    print(f"/ping idle:            {summary(idle)}")
    print(f"/ping during bodies:   {summary(busy)}")
    print(
        f"p99 ratio busy/idle:   {sorted(busy)[int(0.99 * len(busy))] / sorted(idle)[int(0.99 * len(idle))]:.1f}x"
    )


if __name__ == "__main__":
    main()
