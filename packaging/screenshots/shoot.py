"""Screenshots of ux.md's three journeys under Xvfb, at two sizes, in light and dark.

For each setting (``1280-light``, ``1280-dark``, ``1920-light``, ``1920-dark``) this starts an
Xvfb server of that size on a free display, runs ``driver.py`` inside the app's process there,
and collects ``<out>/<setting>/<journey>-<NN>-<step>.png``. The demo workspace is built once by
``mlops-desktop demo --workspace DIR`` and copied for each journey. Steps that cannot be driven
are logged as skipped; the run goes on. A summary is printed at the end.

    python packaging/screenshots/shoot.py [--out /tmp/shots] [--settings 1280-light,1920-dark]
        [--journeys j1,j2,j3] [--parallel 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SIZES = {"1280": (1280, 800), "1920": (1920, 1080)}
SETTINGS = ("1280-light", "1280-dark", "1920-light", "1920-dark")
JOURNEYS = ("j1", "j2", "j3")
ADULT_CANDIDATES = (
    Path("/work/shared/data/uci_adult_census_income.csv"),
    REPO / "tests" / "datasets" / "uci_adult_census_income.csv.gz",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/shots"))
    parser.add_argument("--settings", default=",".join(SETTINGS), help="comma-separated subset")
    parser.add_argument(
        "--journeys",
        default=",".join(JOURNEYS),
        help="j1 (first launch), j2 (the loop on Adult), j3 (meeting mode); comma-separated",
    )
    parser.add_argument("--parallel", type=int, default=1, help="settings run at once")
    parser.add_argument("--port", type=int, default=18100, help="first port; 10 per setting")
    parser.add_argument("--display", type=int, default=91, help="first X display to try")
    parser.add_argument("--no-wm", action="store_true", help="no window manager (openbox)")
    parser.add_argument("--demo", type=Path, help="a demo workspace already built (else built)")
    args = parser.parse_args(argv)
    args.settings = [s.strip() for s in args.settings.split(",") if s.strip()]
    args.journeys = [j.strip() for j in args.journeys.split(",") if j.strip()]
    bad = [s for s in args.settings if s not in SETTINGS] + [
        j for j in args.journeys if j not in JOURNEYS
    ]
    if bad:
        parser.error(f"unknown setting or journey: {', '.join(bad)}")
    return args


def build_demo(scratch: Path) -> Path:
    """The demo workspace, built headless once per run."""
    path = scratch / "demo-template"
    env = dict(os.environ, MLOPS_DESKTOP_HOME=str(scratch / "home"), PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "mlops_desktop", "demo", "--workspace", str(path)]
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return path


def adult_csv(scratch: Path) -> Path:
    """Adult as a plain CSV file (the shared copy, or the repository's gzipped one unpacked)."""
    for candidate in ADULT_CANDIDATES:
        if candidate.is_file() and candidate.suffix == ".csv":
            return candidate
        if candidate.is_file():
            target = scratch / "adult.csv"
            with gzip.open(candidate, "rb") as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            return target
    raise SystemExit("Adult (uci_adult_census_income.csv) was not found")


def free_display(first: int, taken: set[int]) -> int:
    number = first
    while (
        number in taken
        or Path(f"/tmp/.X{number}-lock").exists()
        or Path(f"/tmp/.X11-unix/X{number}").exists()
    ):
        number += 1
    taken.add(number)
    return number


def start_xvfb(display: int, size: tuple[int, int]) -> subprocess.Popen:
    """Xvfb on ``:display`` at ``size``; waits until its socket is there."""
    screen = f"{size[0]}x{size[1]}x24"
    server = subprocess.Popen(
        ["Xvfb", f":{display}", "-screen", "0", screen, "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not Path(f"/tmp/.X11-unix/X{display}").exists():
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Xvfb did not start on :{display}")
        time.sleep(0.1)
    return server


def start_wm(display: int, env: dict) -> subprocess.Popen | None:
    """openbox on the display when installed (title bars, maximise, full screen), else None."""
    if shutil.which("openbox") is None:
        return None
    wm = subprocess.Popen(
        ["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and wm.poll() is None:
        probe = subprocess.run(
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True, text=True
        )
        if "window id" in probe.stdout:
            return wm
        time.sleep(0.2)
    return wm if wm.poll() is None else None


def run_setting(setting: str, index: int, display: int, args, demo: Path, adult: Path) -> dict:
    """One setting: Xvfb, the driver process, and its summary (or why it failed)."""
    size, theme = SIZES[setting.split("-")[0]], setting.split("-")[1]
    out = args.out / setting
    out.mkdir(parents=True, exist_ok=True)
    for journey in args.journeys:  # a partial run replaces only its own journeys' pictures
        for old in out.glob(f"{journey}-*.png"):
            old.unlink()
    (out / "summary.json").unlink(missing_ok=True)
    home = Path(tempfile.mkdtemp(prefix=f"shots-home-{setting}-"))
    env = dict(
        os.environ,
        DISPLAY=f":{display}",
        QT_QPA_PLATFORM="xcb",
        MLOPS_DESKTOP_THEME=theme,
        MLOPS_DESKTOP_HOME=str(home),
        PYTHONPATH=os.pathsep.join([str(HERE), str(REPO)]),
    )
    env.pop("WAYLAND_DISPLAY", None)
    command = [sys.executable, str(HERE / "driver.py"), "--out", str(out), "--template", str(demo)]
    command += ["--adult", str(adult), "--journeys", ",".join(args.journeys)]
    command += ["--port", str(args.port + 10 * index)]
    started = time.monotonic()
    server = start_xvfb(display, size)
    wm = None if args.no_wm else start_wm(display, env)
    command += ["--wm"] if wm is not None else []
    try:
        with (out / "driver.log").open("a") as log:
            log.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} journeys {args.journeys}\n")
            log.flush()
            code = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    finally:
        if wm is not None:
            wm.terminate()
            wm.wait(10)
        server.terminate()
        server.wait(10)
        shutil.rmtree(home, ignore_errors=True)
    summary_file = out / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    summary.setdefault("pictures", [])
    summary.setdefault("skipped", [f"the driver exited with {code} (see {out}/driver.log)"])
    summary["wall_seconds"] = round(time.monotonic() - started, 1)
    return summary


def print_summary(out: Path, results: dict[str, dict], seconds: float) -> None:
    print(f"\nScreenshots in {len(results)} settings, {seconds:.0f} s in all")
    for setting, summary in results.items():
        on_disk = len(list((out / setting).glob("j*.png")))
        print(
            f"  {setting}: {len(summary['pictures'])} pictures in {summary['wall_seconds']} s"
            f" ({on_disk} in {out / setting})"
        )
    for setting, summary in results.items():
        for line in summary["skipped"]:
            print(f"  skipped [{setting}] {line}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("Xvfb") is None:
        print("Xvfb is needed (apt-get install xvfb)", file=sys.stderr)
        return 2
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="shots-run-"))
    try:
        demo = args.demo or build_demo(scratch)
        adult = adult_csv(scratch)
        taken: set[int] = set()
        displays = [free_display(args.display, taken) for _ in args.settings]
        with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
            futures = {
                s: pool.submit(run_setting, s, i, displays[i], args, demo, adult)
                for i, s in enumerate(args.settings)
            }
            results = {s: f.result() for s, f in futures.items()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_summary(args.out, results, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
