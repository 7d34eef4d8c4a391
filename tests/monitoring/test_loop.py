"""Close the loop on German credit: an alert -> new dataset version -> retrain -> test -> canary."""

from __future__ import annotations

import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.jobs.inline import run_inline
from mlops_desktop.monitoring.alerts import get_alert, list_alerts
from mlops_desktop.monitoring.loop import retrain_from_alert
from mlops_desktop.monitoring.monitor_job import run_once
from mlops_desktop.monitoring.settings import MonitorSettings, save_settings
from mlops_desktop.serving.deployments import live_at
from mlops_desktop.serving.outcomes import record_outcomes
from tests.monitoring.conftest import TARGET, log_requests, shifted


def _drift_alert(ws, credit, labelled: int):
    save_settings(ws, "credit", MonitorSettings(size=150, multivariate=False))
    traffic = shifted(credit.sample(600, random_state=11), "duration_in_month", 3.0)
    ids = log_requests(ws, traffic)
    record_outcomes(
        ws,
        "credit",
        [
            {"request_id": i, "label": y}
            for i, y in zip(ids[:labelled], traffic[TARGET], strict=False)
        ],
    )
    result = run_once(ws, "credit")
    alert = next(a for a in result.opened if a.signal in ("feature_drift", "drift_share"))
    return alert, traffic


def test_retrain_from_an_alert_sends_a_tested_candidate_to_canary(monitored, credit):
    ws = monitored
    ws.gates.set("credit", {"metrics": {"roc_auc": {">=": 0.5}}}, reason="tests")
    alert, traffic = _drift_alert(ws, credit, labelled=600)
    steps = []
    job, result = run_inline(
        ws,
        retrain_from_alert,
        {"alert_id": alert.id, "mode": "canary", "percent": 20},
        on_progress=lambda f, m: steps.append((f, m)),
    )
    assert job.status == "succeeded"
    assert result["dataset"] == "credit@2" and result["candidate"] == "credit@2"
    assert result["rows"] == 600 and result["parent"] == "credit@1"
    data = ws.datasets.get("credit@2")
    frame, _ = ws.datasets.load_frame(data)
    assert len(frame) == 600 and data.roles["target"] == TARGET
    assert frame["duration_in_month"].mean() > credit["duration_in_month"].mean() + 20
    candidate = ws.models.get("credit@2")
    assert candidate.parent_id == ws.models.get("credit@1").id
    assert ws.reports.latest(candidate.id) is not None
    where = live_at(ws, "credit")
    assert (where.live, where.candidate, where.mode, where.canary_percent) == (
        "credit@1",
        "credit@2",
        "canary",
        20.0,
    )
    seen = get_alert(ws, alert.id)
    assert seen.state == "acknowledged" and "credit@2" in seen.note
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)
    assert steps[-1] == (
        1.0,
        "Retrained as credit@2 on credit@2; deployed as canary (20% of traffic).",
    )
    actions = [e.action for e in ws.audit.recent(50)]
    assert {"alert.retrain", "deploy.canary", "model.test", "dataset.create"} <= set(actions)


def test_too_few_labelled_rows_fail_clearly_and_change_nothing(monitored, credit):
    ws = monitored
    alert, _ = _drift_alert(ws, credit, labelled=30)
    with pytest.raises(InputError, match=r"Only 30 recent prediction rows.*at least 100"):
        run_inline(ws, retrain_from_alert, {"alert_id": alert.id})
    assert [v.ref for v in ws.models.list("credit")] == ["credit@1"]
    assert len(ws.datasets.list("credit")) == 1
    assert get_alert(ws, alert.id).state == "open"
    failed = [j for j in ws.jobs.list() if j.kind == "retrain_from_alert"]
    assert [j.status for j in failed] == ["failed"] and "Only 30" in failed[0].error
    assert list_alerts(ws, "credit", ("open",))
