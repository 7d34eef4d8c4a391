"""Smoke-test a frozen app: info, import, train, test with an HTML report, serve and one
request, then the window offscreen for a few seconds. Prints the folder's size and start times.

    python packaging/smoke_frozen.py dist/mlops-desktop/mlops-desktop
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CREDIT = ROOT / "resources" / "uci_statlog_german_credit.csv"


def _run(app: Path, *args: str, env: dict) -> str:
    started = time.perf_counter()
    done = subprocess.run([str(app), *args], capture_output=True, text=True, env=env, timeout=900)
    took = time.perf_counter() - started
    print(f"  {' '.join(args[:3]):<40} exit {done.returncode}  {took:5.1f} s")
    if done.returncode != 0:
        raise SystemExit(f"failed: {args}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(port: int, rows: list[dict]) -> dict:
    body = json.dumps({"dataframe_records": rows}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/invocations", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def _serve(app: Path, ws: str, env: dict) -> dict:
    port = _port()
    proc = subprocess.Popen([str(app), "serve", "--workspace", ws, "--port", str(port)], env=env)
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        import csv

        with CREDIT.open() as handle:
            rows = [dict(r) for _, r in zip(range(2), csv.DictReader(handle), strict=False)]
        for row in rows:
            row.pop("creditability")
            for key, value in row.items():
                row[key] = float(value) if value.replace(".", "").isdigit() else value
        answer = _request(port, rows)
        print(f"  one request: {answer['predictions']} from credit@{answer.get('model_version')}")
        return answer
    finally:
        proc.terminate()
        proc.wait(60)


def _window(app: Path, ws: str, env: dict, seconds: float = 6.0) -> None:
    env = env | {"QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([str(app), "gui", "--workspace", ws], env=env)
    time.sleep(seconds)
    alive = proc.poll() is None
    proc.terminate()
    proc.wait(30)
    if not alive:
        raise SystemExit(f"the window exited early (code {proc.returncode})")
    print(f"  the window stayed open {seconds:.0f} s offscreen")


def main() -> int:
    app = Path(sys.argv[1]).resolve()
    folder = app.parent
    size = (
        sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    )
    env = dict(os.environ, PYTHONPATH="")  # nothing but the frozen app's own modules
    with tempfile.TemporaryDirectory() as tmp:
        ws = str(Path(tmp) / "ws")
        started = time.perf_counter()
        _run(app, "--version", env=env)
        first = time.perf_counter() - started
        _run(app, "--workspace", ws, "--create", "info", env=env)
        _run(
            app,
            "--workspace",
            ws,
            "data",
            "import",
            str(CREDIT),
            "--name",
            "credit",
            "--target",
            "creditability",
            env=env,
        )
        _run(
            app,
            "--workspace",
            ws,
            "train",
            "credit@1",
            "--model",
            "hgb",
            "--register",
            "credit",
            env=env,
        )
        report = Path(tmp) / "report.html"
        _run(app, "--workspace", ws, "test", "credit@1", "--report", str(report), env=env)
        assert report.stat().st_size > 10_000, "the HTML report is empty"
        _run(app, "--workspace", ws, "deploy", "credit@1", "--force", "--reason", "smoke", env=env)
        _serve(app, ws, env)
        _window(app, ws, env)
    print(f"Frozen app: {size:,.0f} MB in {folder}; `--version` took {first:.1f} s (cold)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
