"""Where the app keeps per-user data, following each OS's convention (no Qt needed)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "MLOpsDesktop"


def user_data_dir() -> Path:
    """The per-user data folder: XDG on Linux, Application Support on macOS, LOCALAPPDATA on Windows."""
    override = os.environ.get("MLOPS_DESKTOP_HOME")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / APP_DIR_NAME


def default_workspace_dir() -> Path:
    """The workspace used when the user names none."""
    return user_data_dir() / "workspace"


def demo_workspace_dir() -> Path:
    """The demo workspace built on first use of ``--demo``."""
    return user_data_dir() / "demo-workspace"
