"""The serving commands through ``mlops-desktop``'s own ``main``: deploy, canary, promote,
rollback, history, abort, score and serve."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime

import httpx

from mlops_desktop.cli import main
from tests.conftest import REPO_ROOT
from tests.serving.conftest import TARGET, free_port


def test_deploy_canary_promote_rollback_history(model_ws, capsys):
    ws = ["--workspace", str(model_ws.path)]
    assert main(["deploy", "credit@1", *ws]) == 1  # the promotion rule refuses: exit 1
    assert "--force --reason" in capsys.readouterr().err
    assert main(["deploy", "credit@1", "--force", *ws]) == 2  # usage: the reason is required
    capsys.readouterr()
    assert main(["deploy", "credit@1", "--force", "--reason", "first", *ws]) == 0
    out = capsys.readouterr().out
    assert "credit live = credit@1" in out and "No scoring service is running" in out
    t_first = time.time()
    time.sleep(0.01)

    assert main(["canary", "credit@2", "--percent", "20", *ws]) == 1  # untested: refused
    err = capsys.readouterr().err
    assert "credit@2 may not get canary traffic" in err and "--force --reason" in err
    assert main(["canary", "credit@2", "--percent", "20", "--force", *ws]) == 2
    assert "--reason TEXT" in capsys.readouterr().err
    canary = ["canary", "credit@2", "--percent", "20", "--force", "--reason", "try it", *ws]
    assert main(canary) == 0
    assert "candidate = credit@2 (20% canary)" in capsys.readouterr().out
    assert main(canary) == 0  # the same canary again: no second history row
    assert "unchanged" in capsys.readouterr().out
    assert main(["rollback", "credit", *ws]) == 2
    err = capsys.readouterr().err
    assert "abort" in err and "mlops-desktop abort credit" in err
    assert main(["shadow", "credit@2", *ws]) == 1
    assert "credit@2 may not shadow" in capsys.readouterr().err
    assert main(["promote", "credit", "--force", "--reason", "looked fine", *ws]) == 0
    assert "Promoted: credit live = credit@2" in capsys.readouterr().out
    assert main(["rollback", "credit", "--json", *ws]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["state"]["live"] == "credit@1" and data["service"] is None

    assert main(["history", "credit", "--json", *ws]) == 0
    timeline = json.loads(capsys.readouterr().out)
    assert [t["mode"] for t in timeline] == ["live", "canary", "live", "live"]
    assert [t["live"] for t in timeline] == ["credit@1", "credit@1", "credit@2", "credit@1"]

    when = datetime.fromtimestamp(t_first).isoformat()  # local time, as a user types it
    assert main(["history", "credit", "--at", when, *ws]) == 0
    assert "credit live = credit@1" in capsys.readouterr().out
    assert main(["history", "credit", "--at", "2001-01-01", "--json", *ws]) == 0
    assert json.loads(capsys.readouterr().out)["live"] is None
    assert main(["history", "credit", "--at", "last tuesday", *ws]) == 2
    assert "not an ISO date-time" in capsys.readouterr().err
    assert main(["abort", "credit", *ws]) == 2
    assert "no canary or shadow" in capsys.readouterr().err


def test_score_command(model_ws, credit_frame, tmp_path, capsys):
    in_path = tmp_path / "in.csv"
    credit_frame.drop(columns=[TARGET]).head(40).to_csv(in_path, index=False)
    args = ["--workspace", str(model_ws.path)]
    assert main(["score", "credit@1", str(in_path), str(tmp_path / "o.csv"), "--json", *args]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["model"], result["scored"], result["rejected"]) == ("credit@1", 40, 0)
    assert main(["score", "credit@live", str(in_path), str(tmp_path / "o.csv"), *args]) == 2
    assert "is live now" in capsys.readouterr().err


def test_serve_in_the_foreground_stops_cleanly_on_ctrl_c(model_ws):
    from mlops_desktop.serving.deployments import deploy

    deploy(model_ws, "credit@1", force=True, reason="serve test")
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlops_desktop",
            "serve",
            "--workspace",
            str(model_ws.path),
            "--port",
            str(port),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert f"127.0.0.1:{port}" in line, line + proc.stderr.read()
        assert httpx.get(f"http://127.0.0.1:{port}/ping").status_code == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Stopped cleanly" in out
    assert model_ws.db.execute("SELECT status FROM service_instances").fetchone()[0] == "stopped"


def test_serve_refuses_a_token_on_the_command_line(model_ws, capsys):
    """A token in argv shows in `ps`: refused (exit 2) with how to pass it instead."""
    code = main(["serve", "--workspace", str(model_ws.path), "--token", "s3cret", "--port", "0"])
    assert code == 2
    err = capsys.readouterr().err
    assert "MLOPS_DESKTOP_TOKEN" in err and "--token-file" in err and "s3cret" not in err


def test_serve_reads_its_token_from_a_file_not_argv(model_ws, tmp_path):
    """``serve --token-file``: admin routes take the file's token; argv never holds it."""
    from mlops_desktop.serving.deployments import deploy

    deploy(model_ws, "credit@1", force=True, reason="serve test")
    secret = tmp_path / "token"
    secret.write_text("file-secret\n")
    port = free_port()
    code = "import sys; from tests.serving.test_commands import main; sys.exit(main(sys.argv[1:]))"
    argv = ["serve", "--workspace", str(model_ws.path), "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *argv, "--token-file", str(secret)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert f"127.0.0.1:{port}" in line, line + proc.stderr.read()
        with open(f"/proc/{proc.pid}/cmdline", "rb") as cmdline:
            assert b"file-secret" not in cmdline.read()
        url = f"http://127.0.0.1:{port}/admin/status"
        assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 403
        ok = httpx.get(url, headers={"Authorization": "Bearer file-secret"})
        assert ok.status_code == 200, ok.text
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
