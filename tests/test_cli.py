"""The headless twin: version, info, --workspace anywhere, --json, documented exit codes."""

from __future__ import annotations

import argparse
import json
import os
import pty
import subprocess
import sys

from mlops_desktop import __version__
from mlops_desktop.cli.entry import main
from mlops_desktop.cli.output import Progress
from mlops_desktop.registry.migrations import LATEST_VERSION
from mlops_desktop.registry.workspace import Workspace


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlops_desktop", *args], capture_output=True, text=True, timeout=60
    )


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"mlops-desktop {__version__}"


def test_info_json_counts(tmp_path, capsys):
    ws = Workspace.open(tmp_path / "ws")
    ws.jobs.create("demo", "A job")
    ws.close()
    assert main(["info", "--json", "--workspace", str(tmp_path / "ws")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["path"] == str((tmp_path / "ws").resolve())
    assert data["schema_version"] == LATEST_VERSION
    assert data["jobs"] == 1
    for key in ("datasets", "runs", "model_versions", "deployments"):
        assert data[key] == 0


def test_global_options_before_the_command(tmp_path, capsys):
    assert main(["--workspace", str(tmp_path / "w2"), "--create", "--json", "info"]) == 0
    assert json.loads(capsys.readouterr().out)["schema_version"] == LATEST_VERSION


def test_info_human_text(tmp_path):
    result = run("info", "--workspace", str(tmp_path / "ws"), "--create")
    assert result.returncode == 0
    assert "Schema version:   1" in result.stdout
    assert "Runs:             0" in result.stdout


def test_default_workspace_is_in_the_per_user_data_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MLOPS_DESKTOP_HOME", str(tmp_path / "home"))
    assert main(["info", "--json"]) == 0
    path = json.loads(capsys.readouterr().out)["path"]
    assert path.startswith(str(tmp_path / "home"))


def test_unusable_workspace_exits_2_with_a_message(tmp_path):
    (tmp_path / "notes.txt").write_text("not a workspace")
    result = run("info", "--workspace", str(tmp_path))
    assert result.returncode == 2
    assert "not an MLOps Desktop workspace" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exits_2():
    result = run("no-such-command")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Traceback" not in result.stderr


def test_json_error_is_machine_readable(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    result = run("info", "--json", "--workspace", str(tmp_path))
    assert result.returncode == 2
    assert "not an MLOps Desktop workspace" in json.loads(result.stdout)["error"]


def test_progress_redraws_one_line_on_a_terminal_and_stays_silent_elsewhere(monkeypatch, capsys):
    master, slave = pty.openpty()
    with os.fdopen(slave, "w", encoding="utf-8") as terminal:
        monkeypatch.setattr(sys, "stderr", terminal)
        with Progress(argparse.Namespace(json=False)) as progress:
            progress(0.25, "Reading")
            progress(1.0, "Done")
        with Progress(argparse.Namespace(json=True)) as progress:
            progress(0.5, "not shown: --json")
        terminal.flush()
        shown = os.read(master, 4096).decode()
    os.close(master)
    lines = [part.strip() for part in shown.split("\r") if part.strip()]
    assert lines == ["[ 25%] Reading", "[100%] Done"] and shown.count("\n") == 1
    monkeypatch.undo()
    with Progress(argparse.Namespace(json=False)) as progress:  # stderr is not a terminal
        progress(0.5, "not shown: a log")
    assert capsys.readouterr().err == ""
