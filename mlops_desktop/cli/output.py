"""What every command shares: exit codes, printing text or JSON, job progress, opening the
workspace."""

from __future__ import annotations

import argparse
import json
import sys
import time
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


def check_exists(args: argparse.Namespace) -> None:
    """A --workspace folder that does not exist is a typo unless --create says otherwise."""
    from mlops_desktop.errors import WorkspaceError

    given = getattr(args, "workspace", None)
    if given and not Path(given).expanduser().exists() and not getattr(args, "create", False):
        raise WorkspaceError(
            f"The workspace folder {given} does not exist. Check the path, or add --create "
            "to create a new workspace there.",
            reason="missing",
        )


def open_workspace(args: argparse.Namespace) -> Workspace:
    """Open the workspace the arguments name; with --demo, build the demo on first use."""
    from mlops_desktop.registry.workspace import Workspace

    check_exists(args)
    ws = Workspace.open(workspace_dir(args))
    ws.clean_leftovers()  # a killed command's jobs, runs and temporary files
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


class Progress:
    """Job progress on stderr, for a person watching a terminal: one line, ``[ 42%] message``,
    redrawn in place (at most ten times a second) and ended when the job is.

    Silent with --json or when stderr is not a terminal, so logs, CI and cron mail get only the
    result. Use it as ``on_progress`` inside ``with Progress(args) as progress:``.
    """

    def __init__(self, args: argparse.Namespace | None = None) -> None:
        self.shown = not getattr(args, "json", False) and sys.stderr.isatty()
        self._latest = self._drawn = ""
        self._drawn_at = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        if not self.shown:
            return
        self._latest = f"[{fraction:4.0%}] {message}"[:79]
        if time.monotonic() - self._drawn_at >= 0.1 or fraction >= 1.0:
            self._draw()

    def _draw(self) -> None:
        if self._latest != self._drawn:
            print(f"\r{self._latest:<79}", end="", file=sys.stderr, flush=True)
            self._drawn, self._drawn_at = self._latest, time.monotonic()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._draw()
        if self._drawn:
            print(file=sys.stderr, flush=True)
            self._latest = self._drawn = ""
