"""Clear messages and exit codes instead of tracebacks: an over-long CSV field (import and
drift), a closed output pipe (`... | head`)."""

from __future__ import annotations

import subprocess
import sys

from mlops_desktop.cli.entry import EXIT_BROKEN_PIPE, main


def _long_field_csv(path):
    path.write_text("a,b,y\n" + "".join(f'{i},"{"x" * 200_000}",{i % 2}\n' for i in range(3)))
    return path


def test_a_field_past_the_csv_limit_is_exit_2_in_import_and_drift(tmp_path, capsys):
    path = _long_field_csv(tmp_path / "long.csv")
    ws = ["--workspace", str(tmp_path / "ws")]
    assert main([*ws, "--create", "data", "import", str(path), "--name", "l", "--target", "y"]) == 2
    assert "a field is longer than 131,072 characters" in capsys.readouterr().err
    assert main(["drift", str(path), str(path)]) == 2
    assert "a field is longer than 131,072 characters" in capsys.readouterr().err


def test_a_closed_output_pipe_ends_quietly(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlops_desktop",
            "--workspace",
            str(tmp_path / "w"),
            "--create",
            "info",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # like `| head` exiting before the command writes
    stderr = proc.stderr.read().decode()
    assert proc.wait(60) == EXIT_BROKEN_PIPE
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


def test_a_missing_workspace_folder_asks_for_create(tmp_path, capsys):
    missing = tmp_path / "typo"
    assert main(["info", "--workspace", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "add --create" in err
    assert not missing.exists()  # nothing created by the typo
    assert main(["info", "--workspace", str(missing), "--create"]) == 0
    assert (missing / "registry.db").is_file()


def _message_strings(path):
    """The string literals of a module that are not docstrings (what it can say to a user)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_messages_outside_the_window_name_no_page_of_it():
    """What the CLI and the HTTP service say points to commands, never to a page of the window."""
    import re

    from tests.conftest import REPO_ROOT

    package = REPO_ROOT / "mlops_desktop"
    page = re.compile(r"\b(Deploy|Monitor|Data|Train|Test|Govern) (page|step)\b")
    offenders = [
        f"{path.relative_to(package)}: {text!r}"
        for path in package.rglob("*.py")
        if "ui" not in path.relative_to(package).parts
        for text in _message_strings(path)
        if page.search(text)
    ]
    assert offenders == []
