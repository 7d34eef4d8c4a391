"""Scoring-service throughput and latency on loopback, against a minimal FastAPI app.

Both servers run under uvicorn in their own process and score the same HistGradientBoosting
pipeline (10 numeric features, built by the training engine). The load generator runs in a third
process: asyncio + httpx.AsyncClient, N concurrent clients sending single-row requests for a
fixed time. Our service has its prediction log on.

MLflow is never a project dependency. To compare with ``mlflow models serve``, install it in a
separate environment and name that environment's Python (telemetry is switched off):

    python3 -m venv /tmp/mlflow-venv && /tmp/mlflow-venv/bin/pip install mlflow-skinny scikit-learn pandas
    /work/venv/bin/python benchmarks/serving_bench.py --mlflow-python /tmp/mlflow-venv/bin/python

    /work/venv/bin/python benchmarks/serving_bench.py [--seconds 8] [--clients 8 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BASELINE_APP = textwrap.dedent(
    """
    import joblib, pandas as pd
    from fastapi import FastAPI

    model = joblib.load({model_path!r})
    app = FastAPI()

    @app.post("/invocations")
    def invocations(payload: dict):
        frame = pd.DataFrame(payload["dataframe_records"])
        proba = model.predict_proba(frame)
        return {{"predictions": proba.tolist()}}

    @app.get("/ping")
    def ping():
        return {{"status": "ok"}}
    """
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- load generator (runs in its own process) --------------------------------------------------


class RawClient:
    """One keep-alive HTTP/1.1 connection speaking just enough HTTP for this benchmark.

    httpx's AsyncClient costs more CPU per request than the servers measured here (on this
    2-core machine it tops out near 600 requests/s against an empty endpoint, and near 240 with
    32 connections), so by default the load comes from these raw connections instead.
    """

    def __init__(self, url: str, body: bytes) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.request = (
            f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        self.reader = self.writer = None

    async def post(self) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        at = head.lower().find(b"content-length:")
        length = int(head[at + 15 : head.find(b"\r\n", at)])
        await self.reader.readexactly(length)
        return int(head[9:12])

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class HttpxClient:
    def __init__(self, http, url: str, body: bytes) -> None:
        self.http, self.url, self.body = http, url, body

    async def post(self) -> int:
        response = await self.http.post(
            self.url, content=self.body, headers={"Content-Type": "application/json"}
        )
        return response.status_code

    async def close(self) -> None:
        return None


async def _load(
    url: str, clients: int, seconds: float, body: bytes, warmup: float, lib: str = "raw"
) -> dict:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        start = time.perf_counter()
        measure_from = start + warmup
        stop_at = measure_from + seconds

        async def worker() -> None:
            nonlocal errors
            client = RawClient(url, body) if lib == "raw" else HttpxClient(http, url, body)
            try:
                while True:
                    t0 = time.perf_counter()
                    if t0 >= stop_at:
                        return
                    try:
                        ok = await client.post() == 200
                    except (OSError, asyncio.IncompleteReadError, httpx.HTTPError):
                        ok = False
                        await client.close()
                        client = RawClient(url, body) if lib == "raw" else client
                    t1 = time.perf_counter()
                    if t0 >= measure_from:
                        if ok:
                            latencies.append(t1 - t0)
                        else:
                            errors += 1
            finally:
                await client.close()

        await asyncio.gather(*(worker() for _ in range(clients)))
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / seconds,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
    }


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
"""


def run_wrk(url: str, clients: int, seconds: float, body_path: str, warmup: float) -> dict:
    """The same load from wrk (one thread, ``clients`` connections): a C load generator, so
    the servers get the CPU a Python client would take. A short warm-up run comes first."""
    script = Path(body_path).with_suffix(".lua")
    script.write_text(WRK_SCRIPT)
    env = dict(os.environ, BENCH_BODY=body_path)

    def wrk(duration: float) -> str:
        cmd = ["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(duration))}s", "--latency"]
        cmd += ["-s", str(script), url]
        return subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout

    wrk(warmup)
    out = wrk(seconds)
    return _parse_wrk(out)


def _parse_wrk(out: str) -> dict:
    import re

    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {
        "requests": total,
        "errors": (int(bad.group(1)) if bad else 0) + socket_errors,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": ms(lat["50"]),
        "p95_ms": ms(lat["90"]),  # wrk reports 90%, not 95%
        "p99_ms": ms(lat["99"]),
    }


def run_client(
    url: str, clients: int, seconds: float, body_path: str, warmup: float, lib: str
) -> dict:
    if lib == "wrk":
        return run_wrk(url, clients, seconds, body_path, warmup)
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--client",
            url,
            str(clients),
            str(seconds),
            body_path,
            str(warmup),
            lib,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


# -- set-up ------------------------------------------------------------------------------------


def build_model(workdir: Path):
    """Train HGB on 10 synthetic numeric features through the training engine; deploy it."""
    import numpy as np
    import pandas as pd
    from sklearn.datasets import make_classification

    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.deployments import deploy
    from mlops_desktop.training.trainer import TrainConfig, train

    X, y = make_classification(n_samples=20_000, n_features=10, n_informative=6, random_state=0)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(10)])
    frame["label"] = np.where(y == 1, "yes", "no")
    mask = np.random.default_rng(0).random(len(frame)) < 0.2
    schema = {c: "numeric" for c in frame.columns[:-1]} | {"label": "categorical"}
    result = train(
        frame,
        mask,
        schema,
        {"target": "label", "task": "binary"},
        TrainConfig("hgb", "binary", cv_folds=2),
        lambda _f, _m: None,
    )
    ws = Workspace.open(workdir / "ws")
    ws.db.execute(
        "INSERT INTO dataset_versions (name, number, content_hash, artifact_hash, rows, columns,"
        " created_at, created_by) VALUES ('bench', 1, 'h', 'a', 20000, 11, 0, 'bench')"
    )
    digest = ws.artifacts.put_object(result.pipeline)
    run = ws.runs.create(1, "hgb", config={}, seed=0)
    ws.runs.finish(run.id, "succeeded", artifact_hash=digest)
    ws.models.register("bench", run.id, digest, signature=result.signature)
    deploy(ws, "bench@1", force=True, reason="benchmark")
    import joblib

    joblib.dump(result.pipeline, workdir / "model.joblib")
    return ws, frame.drop(columns=["label"])


def build_credit_model(workdir: Path):
    """The issue's measurement: HGB trained on German credit (13 categorical columns, 7
    numeric) through the real import and training jobs; deployed, and saved for the others."""
    import joblib

    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.deployments import deploy
    from mlops_desktop.serving.integrity import load_verified
    from tests.credit import TARGET, build_credit_workspace
    from tests.datasets import GERMAN_CREDIT, read_dataset

    build_credit_workspace(workdir / "ws", families=("hgb",), cv_folds=2)
    ws = Workspace.open(workdir / "ws", create=False)
    deploy(ws, "credit@1", force=True, reason="benchmark")
    joblib.dump(load_verified(ws, ws.models.get("credit@1")), workdir / "model.joblib")
    rows = read_dataset(GERMAN_CREDIT).drop(columns=[TARGET])
    return ws, rows


MLFLOW_SAVE = textwrap.dedent(
    """
    import joblib, mlflow.sklearn
    mlflow.sklearn.save_model(
        joblib.load({model_path!r}), {out!r}, serialization_format="cloudpickle"
    )
    """
)


def start_mlflow(workdir: Path, port: int, python: str) -> subprocess.Popen:
    """``mlflow models serve`` for the same pipeline, from MLflow's own environment."""
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),  # the pipeline's own transformers live in mlops_desktop
        PATH=f"{Path(python).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # its uvicorn
        MLFLOW_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="true",
    )
    out = workdir / "mlflow_model"
    code = MLFLOW_SAVE.format(model_path=str(workdir / "model.joblib"), out=str(out))
    subprocess.run([python, "-c", code], check=True, env=env, cwd=workdir)
    proc = subprocess.Popen(
        [
            python,
            "-m",
            "mlflow",
            "models",
            "serve",
            "-m",
            str(out),
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import httpx

    for _ in range(1200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ping").status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("mlflow models serve did not start")


def start_baseline(workdir: Path, port: int, one_thread: bool = False) -> subprocess.Popen:
    app_path = workdir / "baseline_app.py"
    app_path.write_text(BASELINE_APP.format(model_path=str(workdir / "model.joblib")))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "baseline_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=workdir,
        env=dict(os.environ, OMP_NUM_THREADS="1") if one_thread else None,
    )
    import httpx

    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ping").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the baseline app did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=1.5)
    parser.add_argument("--clients", type=int, nargs="*", default=[8, 32])
    parser.add_argument("--big-clients", type=int, default=4)
    parser.add_argument(
        "--client-lib",
        choices=["raw", "httpx", "wrk"],
        default="raw",
        help="load generator: raw or httpx Python connections, or wrk (Debian's wrk, C)",
    )
    parser.add_argument(
        "--model",
        choices=["numeric", "credit"],
        default="numeric",
        help="HGB on 10 synthetic numeric features, or on German credit (the issue's rows)",
    )
    parser.add_argument(
        "--mlflow-python",
        metavar="PYTHON",
        help="the Python of a separate environment with MLflow installed",
    )
    parser.add_argument(
        "--review-rules",
        action="store_true",
        help="give the model review rules (band 0.4:0.6, share 0.05): the cost of human review",
    )
    args = parser.parse_args()

    from mlops_desktop.serving.process import start_service, stop_service

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ws, features = (build_credit_model if args.model == "credit" else build_model)(workdir)
        if args.review_rules:
            from mlops_desktop.registry.review_store import ReviewRule

            ws.reviews.set_rule(ReviewRule("bench", 0.4, 0.6, 0.05))
        one = workdir / "one.json"
        one.write_text(json.dumps({"dataframe_records": features.head(1).to_dict("records")}))
        big = workdir / "big.json"
        records = features.sample(1000, replace=len(features) < 1000, random_state=0)
        big.write_text(json.dumps({"dataframe_records": records.to_dict("records")}))

        ours = start_service(ws, port=free_port())
        base_port, tuned_port = free_port(), free_port()
        baseline = start_baseline(workdir, base_port)
        # The same minimal app with OpenMP limited to one thread, as our service runs: without
        # it a one-row predict_proba spins OpenMP threads, which would flatter the comparison.
        tuned = start_baseline(workdir, tuned_port, one_thread=True)
        targets = {
            "mlops-desktop": f"{ours.url}/invocations",
            "minimal FastAPI": f"http://127.0.0.1:{base_port}/invocations",
            "minimal, 1 thread": f"http://127.0.0.1:{tuned_port}/invocations",
        }
        mlflow = None
        results: dict = {}
        try:
            if args.mlflow_python:
                mlflow_port = free_port()
                mlflow = start_mlflow(workdir, mlflow_port, args.mlflow_python)
                targets["mlflow models serve"] = f"http://127.0.0.1:{mlflow_port}/invocations"
            for clients in args.clients:
                for name, url in targets.items():
                    r = run_client(
                        url, clients, args.seconds, str(one), args.warmup, args.client_lib
                    )
                    results[(name, clients, 1)] = r
                    print(_line(name, clients, 1, r), flush=True)
            for name, url in targets.items():
                r = run_client(
                    url, args.big_clients, args.seconds, str(big), args.warmup, args.client_lib
                )
                results[(name, args.big_clients, 1000)] = r
                print(_line(name, args.big_clients, 1000, r), flush=True)
        finally:
            stop_service(ws, ours)
            for proc in (baseline, tuned, mlflow):
                if proc is not None:
                    proc.terminate()
                    proc.wait(30)
        logged = ws.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
        print(f"\nprediction log rows written by mlops-desktop: {logged:,}")
        if args.review_rules:
            queued = ws.db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
            print(f"decisions queued for review (band 0.4:0.6, share 0.05): {queued:,}")
        for clients in args.clients:
            a = results[("mlops-desktop", clients, 1)]["rps"]
            b = results[("minimal FastAPI", clients, 1)]["rps"]
            c = results[("minimal, 1 thread", clients, 1)]["rps"]
            print(
                f"speed-up at {clients} clients: {a / b:.2f}x the minimal app, "
                f"{a / c:.2f}x the minimal app on one OpenMP thread"
            )
        print(f"load generator: {args.client_lib} HTTP/1.1 keep-alive connections, own process")
        if mlflow is None:
            print("MLflow: not measured (pass --mlflow-python PYTHON of a separate environment).")
        else:
            for clients in args.clients:
                ours_r = results[("mlops-desktop", clients, 1)]
                ml = results[("mlflow models serve", clients, 1)]
                print(
                    f"vs MLflow at {clients} clients: {ours_r['rps'] / ml['rps']:.1f}x the "
                    f"throughput; our p99 {ours_r['p99_ms']:.1f} ms vs MLflow's p50 "
                    f"{ml['p50_ms']:.1f} ms"
                )
            ours_big = results[("mlops-desktop", args.big_clients, 1000)]
            ml_big = results[("mlflow models serve", args.big_clients, 1000)]
            print(
                f"vs MLflow, 1,000-row requests at {args.big_clients} clients: "
                f"{ours_big['rps'] / ml_big['rps']:.2f}x the throughput"
            )
        print(f"machine: {os.cpu_count()} CPUs, shared; load average {os.getloadavg()[0]:.2f}")
        ws.close()


def _line(name: str, clients: int, rows: int, r: dict) -> str:
    per = f"{rows}-row" if rows > 1 else "1-row"
    extra = f"  ({r['rps'] * rows:,.0f} rows/s)" if rows > 1 else ""
    return (
        f"{name:<18} {per:>8} x{clients:<3} {r['rps']:8.1f} req/s{extra}  p50 {r['p50_ms']:6.1f} ms"
        f"  p95 {r['p95_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        url, clients, seconds, body_path, warmup, lib = sys.argv[2:8]
        body = Path(body_path).read_bytes()
        result = asyncio.run(_load(url, int(clients), float(seconds), body, float(warmup), lib))
        print(json.dumps(result))
    else:
        main()
