"""``monitor --once``, ``outcomes import`` and ``alerts`` through the CLI, with exit codes."""

from __future__ import annotations

import json

import pandas as pd

from mlops_desktop.cli.entry import main
from tests.monitoring.conftest import TARGET, log_requests, shifted


def _run(capsys, *argv: str) -> tuple[int, object]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if "--json" in argv else out


def test_monitor_once_exits_1_while_an_alert_is_open_and_0_once_acknowledged(
    monitored, credit, capsys
):
    ws = monitored
    where = ["--workspace", str(ws.path)]
    log_requests(ws, shifted(credit.sample(450, random_state=8), "credit_amount", 3.0))
    code, data = _run(capsys, "monitor", "credit", "--once", "--size", "150", "--json", *where)
    assert code == 1
    assert [w["rows"] for w in data["windows"]] == [150, 150, 150]
    assert "credit_amount" in data["windows"][-1]["drifted_columns"]
    opened = [a["id"] for a in data["opened"]]
    assert opened and {a["state"] for a in data["active"]} == {"open"}

    code, listing = _run(capsys, "alerts", "list", "--model", "credit", "--json", *where)
    assert code == 0 and sorted(a["id"] for a in listing) == sorted(opened)
    for alert_id in opened:
        assert _run(capsys, "alerts", "ack", str(alert_id), "--note", "seen", *where)[0] == 0
    code, text = _run(capsys, "monitor", "credit", "--once", *where)
    assert code == 0 and "0 new windows" in text and "acknowledged alert" in text
    settings = ws.get_setting("monitor.credit")
    assert settings["size"] == 150  # --size is kept for the next passes


def test_outcomes_import_through_the_cli(monitored, credit, tmp_path, capsys):
    ws = monitored
    part = credit.iloc[:50]
    ids = log_requests(ws, part)
    path = tmp_path / "late.parquet"
    frame = pd.DataFrame({"request": ids + ["unknown-request"], "truth": [*part[TARGET], "bad"]})
    frame.to_parquet(path)
    code, data = _run(
        capsys,
        "outcomes",
        "import",
        str(path),
        "--model",
        "credit",
        "--key",
        "request",
        "--label",
        "truth",
        "--json",
        "--workspace",
        str(ws.path),
    )
    assert code == 0
    assert (data["matched"], data["unmatched"], data["unmatched_examples"]) == (
        50,
        1,
        ["unknown-request"],
    )
    code, text = _run(
        capsys,
        "outcomes",
        "import",
        str(path),
        "--model",
        "credit",
        "--key",
        "nope",
        "--label",
        "truth",
        "--workspace",
        str(ws.path),
    )
    assert code == 2


def test_alert_rules_and_a_bad_drift_option(monitored, capsys):
    where = ["--workspace", str(monitored.path)]
    code, text = _run(capsys, "alerts", "rules", "credit", *where)
    assert code == 0 and "monitor credit" in text
    code = main(["simulate", "credit", "--data", "x.csv", "--rate", "5", "--drift", "age", *where])
    assert code == 2
    assert "--drift takes COL=SHIFT" in capsys.readouterr().err


def test_monitor_saves_thresholds_share_and_window_settings(monitored, capsys):
    from mlops_desktop.monitoring.settings import get_settings

    where = ["--workspace", str(monitored.path), "--once"]
    args = ["monitor", "credit", *where, "--size", "100", "--share", "0.3"]
    code, _ = _run(capsys, *args, "--threshold", "ks=0.01", "--threshold", "psi=0.2")
    assert code in (0, 1)
    settings = get_settings(monitored, "credit")
    assert (settings.size, settings.drift_share) == (100, 0.3)
    assert settings.thresholds == {"ks": 0.01, "psi": 0.2}
    _run(capsys, "monitor", "credit", *where, "--threshold", "ks=default", "--no-multivariate")
    settings = get_settings(monitored, "credit")
    assert settings.thresholds == {"psi": 0.2} and settings.multivariate is False
    events = [e for e in monitored.audit.recent(100) if e.action == "monitor.settings"]
    assert len(events) == 2
    assert main(["monitor", "credit", *where, "--threshold", "wasserstein=-1"]) == 2
    assert "must be positive" in capsys.readouterr().err
    assert get_settings(monitored, "credit").thresholds == {"psi": 0.2}  # nothing half-saved
