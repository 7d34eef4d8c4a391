"""The stores of the serving and monitoring tables: predictions, windows, alerts, services."""

from __future__ import annotations

import os

import pytest

from mlops_desktop.errors import NotFoundError
from mlops_desktop.registry.entities import AlertRule


def _row(request_id: str, ts: float, arm: str = "live", status: int = 200, rows: int = 1):
    inputs = {"columns": ["x"], "data": [[i] for i in range(rows)]}
    return (request_id, ts, "credit", None, arm, "mlflow", None, str(inputs).replace("'", '"'),
            '{"predictions":[1]}', 5.0, status, None)  # fmt: skip


def test_predictions_are_read_back_in_the_windows_row_format(workspace):
    log = workspace.predictions
    log.insert_many([_row("a", 10.0), _row("b", 11.0, status=422), _row("c", 12.0, rows=3)])
    log.add(
        "d", 13.0, "credit", None, "batch", "batch", {"file": "in.csv"}, {"scored": 3}, 1.0, 200
    )
    assert log.count("credit") == 4 and log.count("other") == 0
    assert [r[0] for r in log.live_ok_after(0, "credit", 10)] == [1, 3]
    assert [r[0] for r in log.live_ok_between("credit", 10.0, 12.0)] == [1]
    assert log.live_failures_between("credit", 0.0, 20.0) == (1, 0)
    assert log.live_failures_by_id("credit", 1, 3) == (1, 0)
    assert [r[3] for r in log.live_tail_after(0, "credit", 10)] == [3, 1, 1]
    assert log.live_ok_count_after(1, "credit") == 1
    assert log.latest_batch("credit").outputs == {"scored": 3}
    assert log.existing_keys("credit", ["a", "zz"], "request_id") == {"a"}
    with pytest.raises(ValueError):
        log.existing_keys("credit", ["a"], "model_name")


def test_a_window_is_stored_once(workspace):
    store = workspace.drift_windows
    first = store.insert("credit", None, "count", 1.0, 2.0, 500, results_json='{"last_id": 7}')
    assert first is not None and first.results == {"last_id": 7}
    assert store.insert("credit", None, "count", 1.0, 3.0, 500, results_json="{}") is None
    assert store.last_count_id("credit") == 7 and store.count("credit", "count") == 1
    assert [w.id for w in store.latest("credit", "count", 5)] == [first.id]
    assert store.latest_shares("credit", "count", 5) == [(None, None)]
    with pytest.raises(NotFoundError):
        store.get(first.id + 1)


def test_an_alert_rule_keeps_its_open_alert_until_resolved(workspace):
    store = workspace.alerts
    rule = store.add_rule("credit", "error_rate", {"threshold": 0.05}, "me")
    assert isinstance(rule, AlertRule) and store.rules("credit") == [rule]
    alert = store.open(rule, "critical", "Too many errors.", {"rate": 0.2})
    assert store.active_ids(rule.id) == [alert.id]
    assert store.acknowledge(alert.id, "me", "looking").note == "looking"
    assert store.resolve(alert.id, "me", "").note == "looking"
    assert store.active_ids(rule.id) == [] and store.list("credit")[0].state == "resolved"


def test_a_service_instance_is_found_by_its_process(workspace):
    store = workspace.services
    instance_id = store.register("127.0.0.1", 5151, None)
    assert store.latest_of_pid(os.getpid()).status == "starting"
    store.set_status(instance_id, "running", None)
    assert [i.id for i in store.active()] == [instance_id]
    store.mark_crashed(instance_id)
    assert store.get(instance_id).status == "crashed" and store.active() == []
