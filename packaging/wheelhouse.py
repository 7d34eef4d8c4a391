"""Build a wheelhouse for an air-gapped install: every wheel MLOps Desktop needs, for one OS.

    python packaging/wheelhouse.py DIR [--os linux|windows|macos] [--python 3.11] [--arch ...]

``packaging/constraints.txt`` pins every dependency for every platform (a universal lock with
environment markers). This script evaluates those markers for the *target* (not for the
machine it runs on, which is where ``pip download --platform`` goes wrong: it would fetch
``uvloop`` for Windows, which has no such wheel), then downloads exactly those wheels with
``--no-deps`` for the target's platform tags, adds the app's own wheel and the constraints, and
prints the offline install command. Copy DIR to the offline machine and run, there:

    python -m venv .venv
    .venv/bin/pip install --no-index --find-links DIR -c DIR/constraints.txt mlops-desktop
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONSTRAINTS = HERE / "constraints.txt"

#: Marker values and wheel platform tags per target OS (and machine).
TARGETS = {
    ("linux", "x86_64"): (
        {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
        [f"manylinux_2_{minor}_x86_64" for minor in (36, 35, 34, 31, 28, 17)]
        + ["manylinux2014_x86_64"],  # glibc 2.36 (Debian 12) or newer: PySide6 needs 2.34
    ),
    ("linux", "aarch64"): (
        {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
        [f"manylinux_2_{minor}_aarch64" for minor in (36, 35, 34, 31, 28, 17)]
        + ["manylinux2014_aarch64"],
    ),
    ("windows", "AMD64"): (
        {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
        ["win_amd64"],
    ),
    ("macos", "arm64"): (
        {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
        ["macosx_14_0_arm64", "macosx_13_0_arm64", "macosx_12_0_arm64", "macosx_11_0_arm64"],
    ),
}


def _marker_class():
    try:
        from packaging.markers import Marker
    except ImportError:  # pip always carries it
        from pip._vendor.packaging.markers import Marker
    return Marker


def requirements_for(environment: dict[str, str], lines: list[str]) -> list[str]:
    """The pins of ``lines`` whose environment marker holds in ``environment``."""
    marker = _marker_class()
    chosen = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        pin, _, condition = line.partition(";")
        if not condition.strip() or marker(condition.strip()).evaluate(environment):
            chosen.append(pin.strip())
    return chosen


def environment(os_name: str, arch: str, python: str) -> tuple[dict[str, str], list[str]]:
    """Marker values and platform tags of the target."""
    if (os_name, arch) not in TARGETS:
        known = ", ".join(f"{o}/{a}" for o, a in TARGETS)
        raise SystemExit(f"No target {os_name}/{arch}; choose from {known}.")
    values, tags = TARGETS[(os_name, arch)]
    full = python if python.count(".") == 2 else f"{python}.0"
    values = values | {
        "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": full,
        "platform_machine": arch,
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    return values, tags


def build(folder: Path, os_name: str, arch: str, python: str) -> list[str]:
    """Download the target's wheels into ``folder``; return the pins taken."""
    values, tags = environment(os_name, arch, python)
    pins = requirements_for(values, CONSTRAINTS.read_text().splitlines())
    folder.mkdir(parents=True, exist_ok=True)
    listing = folder / "requirements.txt"
    listing.write_text("\n".join(pins) + "\n")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    command += ["--python-version", ".".join(python.split(".")[:2]), "--implementation", "cp"]
    for tag in tags:
        command += ["--platform", tag]
    subprocess.run([*command, "-d", str(folder), "-r", str(listing)], check=True)
    app = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(folder), str(HERE.parent)]
    subprocess.run(app, check=True)
    shutil.copyfile(CONSTRAINTS, folder / "constraints.txt")
    return pins


def _current() -> tuple[str, str]:
    system = {"Linux": "linux", "Windows": "windows", "Darwin": "macos"}.get(platform.system())
    return system or "linux", platform.machine() or "x86_64"


def main() -> int:
    os_now, arch_now = _current()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--os", default=os_now, choices=sorted({o for o, _ in TARGETS}))
    parser.add_argument("--arch", help="machine (default: x86_64 / AMD64 / arm64 for the OS)")
    parser.add_argument("--python", default=".".join(platform.python_version_tuple()[:2]))
    args = parser.parse_args()
    default_arch = {"linux": arch_now if args.os == os_now else "x86_64", "windows": "AMD64"}
    arch = args.arch or default_arch.get(args.os, "arm64")
    pins = build(args.folder, args.os, arch, args.python)
    wheels = list(args.folder.glob("*.whl"))
    size = sum(w.stat().st_size for w in wheels) / 1e6
    print(
        f"\n{len(pins)} pinned wheels and the app's own for {args.os}/{arch}, Python {args.python}:"
    )
    print(f"{len(wheels)} files, {size:,.0f} MB in {args.folder}. On the offline machine:")
    print(
        f"  pip install --no-index --find-links {args.folder} "
        f"-c {args.folder}/constraints.txt mlops-desktop"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
