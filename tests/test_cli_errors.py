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
