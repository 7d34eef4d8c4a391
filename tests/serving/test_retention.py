"""Retention: ages and caps for the prediction log, outcomes and the service log, enforced by the
command and by the running service."""

from __future__ import annotations

import json
import os
import time

import pytest

from mlops_desktop.cli.entry import main
from mlops_desktop.errors import InputError
from mlops_desktop.serving import deployments as d
from mlops_desktop.serving.predlog import PredictionLog
from mlops_desktop.serving.process import start_service, stop_service
from mlops_desktop.serving.retention import (
    DAY_S,
    RetentionSettings,
    apply_retention,
    get_retention,
    rotate_log,
    save_retention,
)
from tests.serving.conftest import free_port, register_versions

NOW = time.time()


def _log_rows(ws, ages_days: list[float]) -> None:
    for i, age in enumerate(ages_days):
        ws.predictions.add(
            f"r{i}", NOW - age * DAY_S, "credit", None, "live", "v2", {}, {}, 1.0, 200
        )


def _outcomes(ws, ages_days: list[float]) -> None:
    ws.outcomes.insert_many(
        [
            ("credit", f"r{i}", None, "1", None, NOW - a * DAY_S, "t")
            for i, a in enumerate(ages_days)
        ]
    )


def _audited(ws, action: str) -> list[dict]:
    return [
        json.loads(r[0])
        for r in ws.db.execute("SELECT details_json FROM audit_events WHERE action = ?", [action])
    ]


def test_apply_deletes_only_what_is_past_its_age(workspace):
    _log_rows(workspace, [400, 200, 100, 1])
    _outcomes(workspace, [500, 30])
    settings = get_retention(workspace)  # defaults: 190 days of log, 400 of outcomes
    preview = apply_retention(workspace, settings, dry_run=True, now=NOW)
    assert (preview.predictions, preview.outcomes) == (2, 1)
    assert workspace.predictions.total() == 4 and _audited(workspace, "retention.apply") == []
    report = apply_retention(workspace, settings, now=NOW)
    assert (report.predictions, report.outcomes) == (2, 1)
    kept = {r[0] for r in workspace.db.execute("SELECT request_id FROM predictions")}
    assert kept == {"r2", "r3"}
    assert workspace.outcomes.count_before(NOW + 1) == 1
    assert _audited(workspace, "retention.apply")[0]["predictions"] == 2


def test_the_row_cap_never_deletes_decision_records_younger_than_six_months(workspace):
    _log_rows(workspace, [300, 250, 200, 100, 50, 1])
    settings = RetentionSettings(predictions_days=365, predictions_max_rows=2)
    report = apply_retention(workspace, settings, now=NOW)
    assert report.predictions == 0 and report.predictions_over_cap == 3  # the three older ones
    assert workspace.predictions.total() == 3


def test_quarantined_rows_expire(workspace):
    log = PredictionLog(workspace.path / "registry.db", flush_interval=60)
    log.start()
    log.append("bad\ud800", "credit", None, "live", "v2", None, None, 1.0, 200)
    log.close()
    assert log.counts()["quarantined"] == 1
    report = apply_retention(workspace, get_retention(workspace), now=NOW + 191 * DAY_S)
    assert report.quarantined == 1 and workspace.predictions.quarantined() == []


def test_settings_are_validated_saved_and_audited(workspace):
    with pytest.raises(InputError, match="at least 183 days"):
        RetentionSettings(predictions_days=30)
    save_retention(workspace, RetentionSettings(outcomes_days=30, log_mb=5))
    assert get_retention(workspace) == RetentionSettings(outcomes_days=30, log_mb=5)
    event = _audited(workspace, "retention.settings")[0]
    assert event["previous"]["outcomes_days"] == 400 and event["settings"]["outcomes_days"] == 30


def test_the_service_log_rotates_while_its_writer_appends(tmp_path):
    path = tmp_path / "service.log"
    writer = open(path, "ab", buffering=0)  # how the service's stdout is opened
    writer.write(b"x" * 2_000_000)
    assert rotate_log(path, 1.0, dry_run=True) and path.stat().st_size == 2_000_000
    assert rotate_log(path, 1.0)
    writer.write(b"after\n")
    writer.close()
    assert path.read_bytes() == b"after\n"  # written at the new end: no hole, no old content
    assert (tmp_path / "service.log.1").stat().st_size == 2_000_000
    assert not rotate_log(path, 1.0)
    for _ in range(4):
        path.write_bytes(b"y" * 1_100_000)
        rotate_log(path, 1.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "service.log",
        "service.log.1",
        "service.log.2",
        "service.log.3",
    ]


def test_the_command_shows_saves_and_applies(workspace, capsys):
    _log_rows(workspace, [400, 1])
    where = ["--workspace", str(workspace.path)]
    assert main(["retention", "apply", "--dry-run", "--outcomes-days", "30", "--json", *where]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["applied"]["predictions"] == 1 and dry["settings"]["outcomes_days"] == 30
    assert get_retention(workspace).outcomes_days == 400  # a dry run saves nothing
    assert workspace.predictions.total() == 2
    assert main(["retention", "apply", "--predictions-days", "200", *where]) == 0
    assert "Deleted 1 prediction log rows" in capsys.readouterr().out
    assert get_retention(workspace).predictions_days == 200 and workspace.predictions.total() == 1
    assert main(["retention", "show", "--predictions-days", "20", *where]) == 2
    assert "at least 183 days" in capsys.readouterr().err


def test_the_running_service_enforces_retention(tmp_path, trained):
    from mlops_desktop.registry.workspace import Workspace

    ws = Workspace.open(tmp_path / "ws")
    register_versions(ws, trained)
    d.deploy(ws, "credit@1", force=True, reason="retention test")
    _log_rows(ws, [400, 1])
    _outcomes(ws, [500])
    log_path = ws.path / "logs" / "service.log"
    log_path.parent.mkdir(exist_ok=True)
    log_path.write_bytes(b"old line\n" * 200_000)  # 1.8 MB
    save_retention(ws, RetentionSettings(log_mb=1))
    handle = start_service(ws, port=free_port())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and ws.predictions.total() != 1:
            time.sleep(0.1)
        assert ws.predictions.total() == 1 and ws.outcomes.count_before(NOW + 1) == 0
        assert (ws.path / "logs" / "service.log.1").exists()
        assert os.path.getsize(log_path) < 1_000_000
    finally:
        stop_service(ws, handle)
    assert "written" in log_path.read_text().splitlines()[-1]  # the service wrote on after it
    ws.close()
