"""What every command shares: exit codes, printing text or JSON, opening the workspace."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.paths import default_workspace_dir, demo_workspace_dir

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2


def workspace_dir(args: argparse.Namespace) -> Path:
    """The workspace folder the arguments name (--workspace, --demo, or the default)."""
    if getattr(args, "workspace", None):
        return Path(args.workspace)
    if getattr(args, "demo", False):
        return demo_workspace_dir()
    return default_workspace_dir()


def open_workspace(args: argparse.Namespace) -> Workspace:
    """Open the workspace the arguments name; with --demo, build the demo on first use."""
    from mlops_desktop.registry.workspace import Workspace

    ws = Workspace.open(workspace_dir(args))
    if getattr(args, "demo", False) and not getattr(args, "workspace", None):
        from mlops_desktop.demo.workspace import build_demo, is_built
        from mlops_desktop.jobs.inline import run_inline

        if not is_built(ws):
            print("Building the demo workspace (first use)…", file=sys.stderr)
            run_inline(ws, build_demo, title="Build the demo workspace")
    return ws


def emit(args: argparse.Namespace, data: Any, text: str | Callable[[], str]) -> None:
    """Print ``data`` as JSON with --json, else the human text."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, default=str))
    else:
        print(text() if callable(text) else text)
