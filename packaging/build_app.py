"""Build the one-folder desktop app with PyInstaller, then smoke-test the frozen app.

    python -m pip install pyinstaller .      # in a clean venv
    python packaging/build_app.py [--skip-smoke]

The app lands in ``dist/mlops-desktop/`` (run ``dist/mlops-desktop/mlops-desktop``); the smoke
test (``packaging/smoke_frozen.py``) then drives it headless and prints its size and start time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-smoke", action="store_true")
    args = parser.parse_args()
    spec = ROOT / "packaging" / "pyinstaller" / "mlops-desktop.spec"
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", str(spec)],
        cwd=ROOT,
        check=True,
    )
    app = (
        ROOT
        / "dist"
        / "mlops-desktop"
        / ("mlops-desktop.exe" if sys.platform == "win32" else "mlops-desktop")
    )
    print(f"Built {app}")
    if args.skip_smoke:
        return 0
    return subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "smoke_frozen.py"), str(app)]
    ).returncode


if __name__ == "__main__":
    raise SystemExit(main())
