"""The CLI twin of "Retrain on recent data" (``alerts retrain ID``) and of the Train page's run
list (``runs``), on a real monitored workspace."""

from __future__ import annotations

import json

from mlops_desktop.cli import main
from mlops_desktop.monitoring.alerts import get_alert
from mlops_desktop.serving.deployments import live_at
from tests.monitoring.test_loop import _drift_alert

LENIENT_GATE = {"metrics": {"roc_auc": {">=": 0.5}}}


def test_alerts_retrain_follows_the_promotion_rule_then_starts_a_canary(monitored, credit, capsys):
    ws = monitored
    alert, _ = _drift_alert(ws, credit, labelled=600)
    where = ["--workspace", str(ws.path)]
    # No gate: the candidate is registered and tested but gets no traffic; the alert stays open.
    assert main(["alerts", "retrain", str(alert.id), *where]) == 1
    err = capsys.readouterr().err
    assert "credit@2 was registered and tested, but it gets no traffic" in err
    assert "mlops-desktop canary credit@2 --percent 20 --force --reason TEXT" in err
    assert live_at(ws, "credit").candidate is None
    assert get_alert(ws, alert.id).state == "open"

    ws.gates.set("credit", LENIENT_GATE, reason="tests")
    assert main(["alerts", "retrain", str(alert.id), "--percent", "30", "--json", *where]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["candidate"] == "credit@3" and result["test"]["passed"] is True
    state = live_at(ws, "credit")
    assert (state.live, state.candidate, state.mode, state.canary_percent) == (
        "credit@1",
        "credit@3",
        "canary",
        30.0,
    )
    assert get_alert(ws, alert.id).state == "acknowledged"
    assert main(["alerts", "retrain", str(alert.id), "--force", *where]) == 2
    assert "--reason TEXT" in capsys.readouterr().err


def test_runs_lists_every_training_run(monitored, capsys):
    where = ["--workspace", str(monitored.path)]
    assert main(["runs", "--json", *where]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(monitored.runs.list()) >= 1
    first = rows[-1]
    assert first["status"] == "succeeded" and first["dataset"] == "credit@1"
    assert "credit@1" in first["registered"] and first["holdout"] is not None
    assert main(["runs", *where]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].startswith("RUN") and "credit@1" in text and "±" in text
    assert main(["runs", "--status", "failed", *where]) == 0
    assert "No run matches" in capsys.readouterr().out
