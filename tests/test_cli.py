"""The headless twin: version, info, --workspace anywhere, --json, documented exit codes, and
every command documented in the README."""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import select
import subprocess
import sys

from mlops_desktop import __version__
from mlops_desktop.cli import build_parser, main
from mlops_desktop.cli.output import Progress
from mlops_desktop.registry.migrations import LATEST_VERSION
from mlops_desktop.registry.workspace import Workspace
from tests.conftest import REPO_ROOT


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
    assert f"Schema version:   {LATEST_VERSION}" in result.stdout
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


def _read_terminal(master: int, until: str) -> str:
    """What the terminal shows up to a line holding ``until``: the kernel hands a pty's output
    to its reader a little later, so one read on a loaded machine may see only part of it."""
    shown = b""
    while until.encode() not in shown or not shown.rstrip(b" ").endswith(b"\n"):
        ready, _, _ = select.select([master], [], [], 10.0)
        if not ready:
            break
        shown += os.read(master, 4096)
    return shown.decode()


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
        shown = _read_terminal(master, until="Done")
    os.close(master)
    lines = [part.strip() for part in shown.split("\r") if part.strip()]
    assert lines == ["[ 25%] Reading", "[100%] Done"] and shown.count("\n") == 1
    monkeypatch.undo()
    with Progress(argparse.Namespace(json=False)) as progress:  # stderr is not a terminal
        progress(0.5, "not shown: a log")
    assert capsys.readouterr().err == ""


def _command_paths(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every command and sub-command of ``parser`` as a tuple of words, e.g. ("gate", "show")."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name)
                yield from _command_paths(sub, (*path, name))


def _readme_invocations() -> list[list[str]]:
    """The words of each ``mlops-desktop ...`` in the README's shell blocks (``a | b`` is two)."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    invocations = []
    for block in re.findall(r"```sh\n(.*?)```", readme, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            if not line.startswith("mlops-desktop"):
                continue
            for part in line.removeprefix("mlops-desktop").split(" | "):
                invocations.append(part.split())
    return invocations


def test_every_command_is_in_the_readme():
    documented = {tuple(words[:n]) for words in _readme_invocations() for n in (1, 2)}
    commands = list(_command_paths(build_parser()))
    assert len(commands) > 30  # the walk reached the sub-commands
    missing = [" ".join(c) for c in commands if c not in documented]
    assert missing == [], f"commands missing from the README's usage blocks: {missing}"


def test_the_readme_names_only_commands_that_exist():
    commands = set(_command_paths(build_parser()))
    groups = {c[:1] for c in commands if len(c) == 2}
    wrong = [
        " ".join(words)
        for words in _readme_invocations()
        if words
        and not words[0].startswith("-")
        and (
            (words[0],) not in commands
            or ((words[0],) in groups and tuple(words[:2]) not in commands)
        )
    ]
    assert wrong == [], f"the README shows commands the CLI does not have: {wrong}"
