"""The demo workspace is built on first use from the shipped dataset (or headless by ``demo``), and
only once: two tested versions, one live with three days of traffic, outcomes, drift windows sized
for the meeting simulator's rate and an open drift alert; in it, a minute of drifted traffic on a
real service opens an alert naming the drifted feature."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from mlops_desktop.cli.entry import main

DRIFT_SIGNALS = ("drift_share", "feature_drift", "prediction_drift")
WINDOW_ROWS = 50


@pytest.mark.slow
def test_demo_is_built_once_and_populated(capsys):
    assert main(["--demo", "--json", "info"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["datasets"] == 1 and first["runs"] == 3 and first["model_versions"] == 2
    assert "demo-workspace" in first["path"]

    assert main(["--demo", "--json", "info"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["runs"] == 3 and second["jobs"] == first["jobs"]  # nothing rebuilt

    assert main(["--demo", "--json", "models", "list"]) == 0
    version, candidate = json.loads(capsys.readouterr().out)
    assert version["ref"] == "credit@1" and version["aliases"] == ["live"]
    assert version["run"]["metrics"]["holdout"]["roc_auc"] > 0.7
    assert candidate["ref"] == "credit@2" and candidate["aliases"] == []  # one to canary

    assert main(["--demo", "--json", "gate", "show", "credit"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 1
    assert main(["--demo", "--json", "history", "credit"]) == 0
    assert "credit@1" in capsys.readouterr().out
    _check_traffic(Path(first["path"]))


def _check_traffic(path: Path) -> None:
    """The live model has history: predictions, windows, outcomes, an open drift alert."""
    from mlops_desktop.demo.traffic import ALIGN_S, log_demo_traffic
    from mlops_desktop.monitoring.alerts import list_alerts
    from mlops_desktop.monitoring.realized import labelled_rows, realized_series
    from mlops_desktop.registry.workspace import Workspace

    with Workspace.open(path, create=False) as ws:
        live = ws.models.get("credit@live")
        counts = dict(
            ws.db.execute(
                "SELECT status, COUNT(*) FROM predictions WHERE model_name = 'credit'"
                " AND arm = 'live' AND model_version_id = ? GROUP BY status",
                [live.id],
            ).fetchall()
        )
        assert counts[200] > 1000 and 0 < sum(n for s, n in counts.items() if s != 200) < 100
        first, last = ws.db.execute("SELECT MIN(ts), MAX(ts) FROM predictions").fetchone()
        assert 2.5 * 86400 < last - first <= 3 * 86400 and last <= time.time()
        # It ends at the last whole hour: a meeting's "requests today" is rarely left at 0.
        assert last > time.time() - 2 * ALIGN_S
        assert ws.db.execute(
            "SELECT COUNT(*) FROM predictions WHERE latency_ms <= 0 AND status = 200"
        ).fetchone() == (0,)

        windows = ws.db.execute(
            "SELECT window_kind, n_rows FROM drift_windows WHERE model_name = 'credit'"
        ).fetchall()
        assert len(windows) >= 25 and set(windows) == {("count", WINDOW_ROWS)}
        assert 0 <= counts[200] - sum(w[1] for w in windows) < WINDOW_ROWS  # the rest waits
        for number in (1, 2):  # both versions tested against the gate
            assert ws.reports.latest(ws.models.get(f"credit@{number}").id) is not None

        labelled = labelled_rows(ws, "credit")
        assert len(labelled) >= 100 and set(labelled["label"]) == {"good", "bad"}
        series = realized_series(ws, "credit")
        assert series.total_labelled == len(labelled) and series.unmatched == 0
        assert 0.6 < series.reference["roc_auc"]["value"] < 0.95
        assert any(v > 0.5 for v in series.values["roc_auc"] if v == v)

        active = list_alerts(ws, "credit", states=("open",))
        drift = [a for a in active if a.signal in DRIFT_SIGNALS]
        assert drift, [a.message for a in active]
        assert any("credit_amount" in a.message or "duration_in_month" in a.message for a in drift)
        assert all(a.signal in DRIFT_SIGNALS for a in active)  # nothing else looks broken

        again = log_demo_traffic(ws, "credit")  # a resumed build adds nothing
        assert (again.requests, again.outcomes, again.windows) == (0, 0, 0)
        assert len(list_alerts(ws, "credit", states=("open",))) == len(active)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p.write_text("x"), "is a file"),
        (lambda p: (p.mkdir(), (p / "notes.txt").write_text("x")), "holds other files"),
        (lambda p: None, None),
    ],
)
def test_the_demo_command_refuses_a_folder_it_cannot_use(tmp_path, capsys, make, words):
    target = tmp_path / "target"
    make(target)
    if words is None:  # a workspace with someone's own work
        from mlops_desktop.registry.workspace import Workspace
        from tests.credit import import_credit

        with Workspace.open(target) as ws:
            import_credit(ws, seed=1)
        words = "with its own work"
    assert main(["demo", "--workspace", str(target)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    if words == "with its own work":
        assert main(["--workspace", str(target), "--json", "info"]) == 0
        assert json.loads(capsys.readouterr().out)["runs"] == 0  # nothing was added


def test_the_demo_command_wants_serve_for_a_port(tmp_path, capsys):
    assert main(["demo", "--workspace", str(tmp_path / "new"), "--port", "6000"]) == 2
    assert "use it with --serve" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


@pytest.fixture
def headless_demo(demo_template) -> Path:
    return demo_template


@pytest.mark.slow
def test_a_minute_of_drifted_traffic_opens_an_alert_naming_the_feature(
    headless_demo, tmp_path, capsys
):
    """Done when: 60 s of the meeting simulator's traffic (600 requests at its 10/s, sent faster)
    with one feature drifted 3 sd, through a real service on 127.0.0.1, opens a drift alert
    naming that feature; the history's windows stay and new ones close every 50 requests."""
    import shutil

    from mlops_desktop.monitoring.alerts import list_alerts
    from mlops_desktop.monitoring.board import board
    from mlops_desktop.monitoring.monitor_job import run_once
    from mlops_desktop.monitoring.replay import replay_rows
    from mlops_desktop.monitoring.simulate import simulate
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.outcomes import record_outcomes
    from mlops_desktop.serving.process import start_service, stop_service
    from tests.monitoring.conftest import free_port

    assert main(["demo", "--workspace", str(headless_demo), "--json"]) == 0  # built: kept
    shown = json.loads(capsys.readouterr().out)
    assert shown["built_now"] is False and shown["versions"] == ["credit@1", "credit@2"]
    assert shown["live"] == "credit@1" and shown["window_rows"] == WINDOW_ROWS
    for tested in shown["tested"]:  # each figure with what it was measured on
        assert tested["passed"] and tested["rows"] == 200 and tested["dataset"] == "credit@1"
        assert tested["behavioural"]["run"] == len(shown["behavioural_tests"]) > 0
    assert shown["review_rules"] == "A person reviews every decision scoring 0.45 to 0.55."
    path = tmp_path / "demo"
    shutil.copytree(headless_demo, path)
    with Workspace.open(path, create=False) as ws:
        history = ws.drift_windows.count("credit", "count")
        before = {a.id for a in list_alerts(ws, "credit", states=("open",))}
        assert before  # the history's drift alert
        frame, rows = replay_rows(ws, "credit", "credit@1")
        assert rows == f"the {len(frame)} held-out test rows of credit@1" and len(frame) == 200
        service = start_service(ws, port=free_port())
        try:
            sent = simulate(
                service.url, "credit", frame, rate=400.0, duration=120.0,
                drift={"age_in_years": 3.0}, max_requests=600, target="creditability",
                record=lambda r: record_outcomes(ws, "credit", r, source="simulator"),
            )  # fmt: skip
        finally:
            stop_service(ws, service)
        assert (sent.requests, sent.ok) == (600, 600)
        result = run_once(ws, "credit")
        assert len(result.windows) == 600 // WINDOW_ROWS
        assert ws.drift_windows.count("credit", "count") == history + len(result.windows)
        age = [a for a in result.opened if "age_in_years" in a.message]
        assert age and age[0].signal in DRIFT_SIGNALS, [a.message for a in result.opened]
        assert age[0].state == "open" and age[0].details["columns"] == ["age_in_years"]
        # Starting traffic resolved none of the history's alerts: the card never went green.
        still = {a.id for a in list_alerts(ws, "credit", states=("open",))}
        assert before <= still and not result.resolved
        assert board(ws, service=None)[0].light != "green"


@pytest.mark.slow
def test_demo_serve_runs_the_scoring_service_on_the_built_demo(headless_demo, tmp_path):
    """``demo --serve`` on a built demo: ready at once, then serves credit@live on 127.0.0.1."""
    import shutil
    import signal
    import subprocess
    import sys
    import urllib.request

    from tests.monitoring.conftest import free_port

    path = tmp_path / "demo"
    shutil.copytree(headless_demo, path)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_desktop", "demo", "--workspace", str(path), "--serve",
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        lines = []
        while not any(line.startswith("Serving") for line in lines):
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        assert "ready (built before)" in lines[0] and f"127.0.0.1:{port}" in lines[-1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as answer:
            assert answer.status == 200  # a model is deployed
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0


@pytest.mark.slow
def test_the_demo_went_live_before_its_first_request(headless_demo):
    """The Deploy timeline reads as it happened: the demo's import, versions, tests, live alias,
    deployment and their audit events are dated before the first replayed request, not at the
    build (three days after it)."""
    from mlops_desktop.registry.workspace import Workspace

    with Workspace.open(headless_demo, create=False) as ws:
        first = ws.db.execute("SELECT MIN(ts) FROM predictions").fetchone()[0]
        live = ws.deployments.current("credit")
        assert live.mode == "live" and live.started_at <= first
        assert all(d.started_at <= first for d in ws.deployments.list("credit"))
        alias = ws.models.current_alias("credit", "live")
        assert alias.started_at <= first
        for number in (1, 2):
            version = ws.models.get(f"credit@{number}")
            assert version.created_at <= alias.started_at
            assert ws.reports.latest(version.id).created_at <= alias.started_at
        events = [e for e in ws.audit.recent(500) if e.action.startswith(("deploy.", "alias."))]
        assert events and all(e.ts <= first for e in events)
        assert ws.audit.verify().ok  # dated, still one unbroken chain


def test_promoting_another_version_retires_the_alerts_about_the_old_one(headless_demo, tmp_path):
    """The history's drift alerts judged credit@1: once credit@2 is live they are resolved (by
    the monitor, saying why), and the board's "Why" no longer explains credit@2 by them."""
    from mlops_desktop.monitoring.alerts import alert_version, list_alerts
    from mlops_desktop.monitoring.board import board
    from mlops_desktop.monitoring.monitor_job import run_once
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.deployments import deploy
    from tests.conftest import copy_workspace

    path = copy_workspace(headless_demo, tmp_path / "demo")
    with Workspace.open(path, create=False) as ws:
        old = list_alerts(ws, "credit", states=("open", "acknowledged"))
        assert old and {alert_version(a) for a in old} == {"credit@1"}
        assert any("credit@1" in r for r in board(ws, service=None)[0].reasons)
        deploy(ws, "credit@2", reason="tests: the runner-up goes live")
        result = run_once(ws, "credit")
        assert {a.id for a in result.resolved} >= {a.id for a in old}
        for alert in result.resolved:
            assert alert.resolved_by == "monitor"
            assert alert.note == "credit@1 no longer serves credit (credit@2 is live)"
        card = board(ws, service=None)[0]
        assert card.live_version == "credit@2"
        assert not any("credit@1" in r for r in card.reasons), card.reasons
        assert not card.alert_ids
