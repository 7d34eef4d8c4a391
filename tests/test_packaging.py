"""Desktop integration files: icons in every size desktops use (PNG, ICO, ICNS) rendered from
the app's SVG, a .desktop entry that runs the installed command, valid AppStream metadata."""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess

import pytest
from PySide6.QtGui import QImage

from tests.conftest import REPO_ROOT

LINUX = REPO_ROOT / "packaging" / "linux"
APP_ID = "org.mlops_desktop.MLOpsDesktop"


def _size(png: bytes) -> tuple[int, int]:
    image = QImage.fromData(png, "PNG")
    assert not image.isNull()
    return image.width(), image.height()


@pytest.mark.parametrize("size", [16, 22, 24, 32, 48, 64, 128, 256, 512])
def test_the_icon_theme_has_every_size(size):
    path = LINUX / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "mlops-desktop.png"
    assert _size(path.read_bytes()) == (size, size)


def test_the_ico_and_icns_files_hold_png_images_of_their_sizes():
    data = (REPO_ROOT / "packaging" / "windows" / "mlops-desktop.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1) and count >= 6
    sizes = []
    for i in range(count):
        edge, _, _, _, _, _, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        width, _ = _size(data[offset : offset + length])
        assert width == (edge or 256)
        sizes.append(width)
    assert {16, 32, 48, 256} <= set(sizes)
    data = (REPO_ROOT / "packaging" / "macos" / "mlops-desktop.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    at, found = 8, {}
    while at < len(data):
        kind, length = data[at : at + 4], struct.unpack(">I", data[at + 4 : at + 8])[0]
        found[kind] = _size(data[at + 8 : at + length])[0]
        at += length
    assert found[b"ic07"] == 128 and found[b"ic09"] == 512 and found[b"ic10"] == 1024


def test_the_desktop_entry_runs_the_installed_command_with_the_themed_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(LINUX / f"{APP_ID}.desktop")
    main = entry["Desktop Entry"]
    scripts = (REPO_ROOT / "pyproject.toml").read_text().split("[project.scripts]")[1]
    assert f'\n{main["Exec"].split()[0]} = "mlops_desktop.cli:main"' in scripts
    assert main["Icon"] == "mlops-desktop" and main["Type"] == "Application"
    assert (LINUX / "icons" / "hicolor" / "scalable" / "apps" / "mlops-desktop.svg").is_file()
    metainfo = (LINUX / f"{APP_ID}.metainfo.xml").read_text()
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in metainfo


@pytest.mark.skipif(
    not (shutil.which("desktop-file-validate") and shutil.which("appstreamcli")),
    reason="desktop-file-utils and appstream are not installed (packaging/debian-packages.txt)",
)
def test_freedesktop_validators_accept_the_files():
    subprocess.run(["desktop-file-validate", str(LINUX / f"{APP_ID}.desktop")], check=True)
    subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(LINUX / f"{APP_ID}.metainfo.xml")],
        check=True,
    )


def test_the_frozen_entry_point_is_the_cli_and_the_service_process():
    """PyInstaller's entry script: `SERVICE_ARG` runs the scoring service (what start_service
    launches in a frozen app, which has no `python -m`), anything else the CLI."""
    import sys

    from mlops_desktop.serving.process import SERVICE_ARG

    entry = str(REPO_ROOT / "packaging" / "pyinstaller" / "entry.py")
    service = subprocess.run(
        [sys.executable, entry, SERVICE_ARG, "--help"], capture_output=True, text=True, timeout=120
    )
    assert service.returncode == 0 and "--max-body-mb" in service.stdout
    cli = subprocess.run(
        [sys.executable, entry, "--version"], capture_output=True, text=True, timeout=120
    )
    assert cli.returncode == 0 and cli.stdout.startswith("mlops-desktop ")
