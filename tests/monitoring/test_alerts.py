"""Alert rules on logged traffic: open once, dedup while active, states and auto-resolve audited."""

from __future__ import annotations

import json
import re
import time

import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.monitoring.alerts import (
    SIGNALS,
    acknowledge,
    add_rule,
    ensure_default_rules,
    evaluate,
    list_alerts,
    list_rules,
    resolve,
    update_rule,
)
from mlops_desktop.monitoring.board import board
from mlops_desktop.monitoring.monitor_job import run_once
from mlops_desktop.monitoring.series import window_series
from mlops_desktop.monitoring.settings import MonitorSettings, save_settings
from mlops_desktop.registry.prediction_store import INSERT
from mlops_desktop.serving.outcomes import record_outcomes
from tests.monitoring.conftest import TARGET, log_requests, shifted


def _actions(ws) -> list[str]:
    return [e.action for e in reversed(ws.audit.recent(500))]


@pytest.fixture
def small_windows(monitored):
    save_settings(monitored, "credit", MonitorSettings(size=150, multivariate=False))
    return monitored


def test_a_persistent_feature_shift_opens_one_alert_which_resolves_when_it_stops(
    small_windows, credit
):
    ws = small_windows
    log_requests(ws, credit.sample(300, random_state=3))
    log_requests(ws, shifted(credit.sample(450, random_state=4), "credit_amount", 3.0))
    first = run_once(ws, "credit")
    assert len(first.windows) == 5
    feature = [a for a in first.opened if a.signal == "feature_drift"]
    assert len(feature) == 1 and "credit_amount" in feature[0].message
    assert feature[0].details["columns"] == ["credit_amount"]
    # The figure the threshold applies to: a KS test's p-value, below the 0.05 threshold.
    assert feature[0].details["method"] == "ks"
    message = feature[0].message
    assert "ks p " in message and "below 0.05" in message
    assert re.search(r"ks p (< 1e-10|= [0-9.e-]+),", message), message  # never 2.67e-120
    assert "e-1" not in message.replace("1e-10", "") and "page" not in message
    series = window_series(ws, "credit")
    amount = series.features.index("credit_amount")
    assert series.feature_statistic[amount, -1] < series.feature_threshold[amount, -1] == 0.05
    assert feature[0].severity == "warning"
    assert first.open_alerts  # `monitor --once` exits 1
    assert "prediction_drift" in {a.signal for a in first.opened}
    assert not [a.message for a in first.opened if ".)" in a.message or ".." in a.message]

    again = run_once(ws, "credit")  # same signal, no new window: no duplicate
    assert again.opened == [] and again.windows == []
    assert len(list_alerts(ws, "credit", ("open",))) == len(first.opened)

    log_requests(ws, credit.sample(450, random_state=5))  # three stable windows
    later = run_once(ws, "credit")
    assert feature[0].id in [a.id for a in later.resolved]
    resolved = next(a for a in list_alerts(ws, "credit") if a.id == feature[0].id)
    assert resolved.state == "resolved" and resolved.resolved_by == "monitor"
    actions = _actions(ws)
    assert actions.count("alert.open") == len(first.opened)
    assert "alert.auto_resolve" in actions


def test_default_rules_are_created_once_per_model(small_windows):
    ws = small_windows
    rules = ensure_default_rules(ws, "credit")
    assert sorted(r.signal for r in rules) == sorted(
        [
            "drift_share",
            "feature_drift",
            "prediction_drift",
            "realized_metric",
            "estimated_metric",
            "latency_p95",
            "error_rate",
            "batch_feed",
        ]
    )
    assert ensure_default_rules(ws, "credit") == rules
    assert _actions(ws).count("alert_rule.create") == len(SIGNALS)


def test_acknowledge_and_resolve_are_audited_and_checked(small_windows):
    ws = small_windows
    rule = add_rule(ws, "credit", "error_rate", {"threshold": 0.1, "min_requests": 5})
    now = time.time()
    _log_status(ws, [500] * 6 + [200] * 4, now - 30)
    (alert,) = evaluate(ws, "credit", now).opened
    assert alert.rule_id == rule.id and alert.severity == "critical"
    assert "60.0% of the 10 requests" in alert.message and "6 service errors" in alert.message
    seen = acknowledge(ws, alert.id, "looking into it", user="ana")
    assert (seen.state, seen.acknowledged_by, seen.note) == (
        "acknowledged",
        "ana",
        "looking into it",
    )
    assert evaluate(ws, "credit", now).opened == []  # acknowledged still counts as active
    with pytest.raises(InputError, match="only open alerts"):
        acknowledge(ws, alert.id)
    done = resolve(ws, alert.id, "restarted the service", user="ana")
    assert done.state == "resolved" and done.resolved_by == "ana"
    with pytest.raises(InputError, match="already resolved"):
        resolve(ws, alert.id)
    assert _actions(ws)[-3:] == ["alert.open", "alert.acknowledge", "alert.resolve"]
    (reopened,) = evaluate(ws, "credit", now).opened  # still failing: a new episode
    assert reopened.id != alert.id


def test_too_little_data_changes_nothing(small_windows):
    ws = small_windows
    rule = add_rule(ws, "credit", "latency_p95", {"threshold_ms": 1.0})
    result = evaluate(ws, "credit")
    (check,) = [c for c in result.checks if c.rule.id == rule.id]
    assert check.state == "unknown" and result.opened == []


def test_latency_and_a_disabled_rule(small_windows):
    ws = small_windows
    rule = add_rule(ws, "credit", "latency_p95", {"threshold_ms": 100.0, "min_requests": 5})
    now = time.time()
    _log_status(ws, [200] * 20, now - 10, latency=250.0)
    (alert,) = evaluate(ws, "credit", now).opened
    assert alert.signal == "latency_p95" and "p95 latency 250 ms" in alert.message
    update_rule(ws, rule.id, enabled=False)
    assert list_rules(ws, "credit", enabled_only=True) == []


def test_a_realized_metric_below_the_gate_is_critical(small_windows, credit):
    ws = small_windows
    ws.gates.set("credit", {"metrics": {"roc_auc": {">=": 0.99}}}, reason="strict")
    part = credit.iloc[:120]
    ids = log_requests(ws, part)
    record_outcomes(
        ws,
        "credit",
        [{"request_id": i, "label": y} for i, y in zip(ids, part[TARGET], strict=False)],
    )
    add_rule(ws, "credit", "realized_metric", {"min_labels": 100})
    (alert,) = evaluate(ws, "credit").opened
    assert alert.severity == "critical" and alert.details["source"] == "gate"
    assert alert.details["threshold"] == 0.99 and alert.details["n"] == 120
    assert alert.details["value"] < 0.99
    cards = board(ws)
    assert cards[0].light == "red" and cards[0].quality["source"] == "realized"
    assert cards[0].quality["passes"] is False


def test_a_batch_feed_with_many_rejects_alerts(small_windows):
    ws = small_windows
    version = ws.models.get("credit@live")
    outputs = {"file": "out.csv", "scored": 40, "rejected": 60, "rejects_file": "out.rejects.csv"}
    row = [
        "batch-1",
        time.time(),
        "credit",
        version.id,
        "batch",
        "batch",
        None,
        json.dumps({"file": "in.csv", "rows": 100}),
        json.dumps(outputs),
        10.0,
        200,
        None,
    ]
    ws.db.execute(INSERT, row)
    add_rule(ws, "credit", "batch_feed")
    (alert,) = evaluate(ws, "credit").opened
    assert "rejected 60%" in alert.message and "out.rejects.csv" in alert.message


def test_the_board_without_a_running_service_is_amber_and_says_why(small_windows):
    (card,) = board(small_windows)
    assert card.live_version == "credit@1" and card.light == "amber"
    assert "the scoring service is not running" in card.reasons
    assert card.quality["source"] == "test report" and card.quality["value"] > 0.5
    assert card.drift["status"] == "no windows yet"


def _log_status(ws, statuses: list[int], ts: float, latency: float = 5.0) -> None:
    version = ws.models.get("credit@live")
    rows = [
        (
            f"r{i}-{ts}",
            ts + i * 0.01,
            "credit",
            version.id,
            "live",
            "mlflow",
            None,
            None,
            None,
            latency,
            status,
            None if status == 200 else "boom",
        )
        for i, status in enumerate(statuses)
    ]
    ws.db.conn.execute("BEGIN IMMEDIATE")
    ws.db.conn.executemany(INSERT, rows)
    ws.db.conn.execute("COMMIT")


def test_a_second_feature_drifting_opens_its_own_alert_naming_it(small_windows, credit):
    """An active alert about one feature does not hide another feature starting to drift."""
    ws = small_windows
    log_requests(ws, shifted(credit.sample(450, random_state=4), "credit_amount", 3.0))
    (amount,) = [a for a in run_once(ws, "credit").opened if a.signal == "feature_drift"]
    assert amount.details["columns"] == ["credit_amount"]
    acknowledge(ws, amount.id, "seen", user="ana")

    both = shifted(
        shifted(credit.sample(450, random_state=6), "credit_amount", 3.0), "age_in_years", 3.0
    )
    later = run_once(ws, "credit")
    assert later.opened == []  # the same column keeps drifting: nothing new
    log_requests(ws, both)
    later = run_once(ws, "credit")
    (age,) = [a for a in later.opened if a.signal == "feature_drift"]
    assert age.details["columns"] == ["age_in_years"] and "age_in_years" in age.message
    assert "credit_amount" not in age.message
    assert ws.alerts.get(amount.id).state == "acknowledged"  # its episode goes on

    log_requests(ws, shifted(credit.sample(450, random_state=7), "age_in_years", 3.0))
    last = run_once(ws, "credit")
    assert [a.id for a in last.resolved if a.signal == "feature_drift"] == [amount.id]
    assert ws.alerts.get(age.id).state == "open"


def test_a_backlog_does_not_resolve_alerts_on_its_oldest_windows(small_windows, credit):
    ws = small_windows
    log_requests(ws, shifted(credit.sample(450, random_state=4), "credit_amount", 3.0))
    (alert,) = [a for a in run_once(ws, "credit").opened if a.signal == "feature_drift"]
    log_requests(ws, credit.sample(450, random_state=5))  # three stable windows, then drift
    log_requests(ws, shifted(credit.sample(450, random_state=8), "credit_amount", 3.0))
    for _ in range(2):  # three windows per pass, as the Monitor page computes them
        step = run_once(ws, "credit", max_windows=3)
        assert step.resolved == [] and len(step.windows) == 3
    assert ws.alerts.get(alert.id).state == "open"


def test_the_board_counts_open_and_acknowledged_alerts_as_the_monitor_page_does(small_windows):
    from mlops_desktop.ui.monitoring.meeting.data import alerts_text
    from mlops_desktop.ui.monitoring.model import alert_counts_text

    ws = small_windows
    now = time.time()
    add_rule(ws, "credit", "error_rate", {"threshold": 0.1, "min_requests": 5})
    add_rule(ws, "credit", "latency_p95", {"threshold_ms": 1.0, "min_requests": 5})
    _log_status(ws, [500] * 6 + [200] * 4, now - 30, latency=50.0)
    error, latency = sorted(evaluate(ws, "credit", now).opened, key=lambda a: a.signal)
    acknowledge(ws, latency.id, "seen", user="ana")
    (card,) = board(ws, now=now)
    assert card.alerts == {"critical": 1, "warning": 0, "info": 0} and card.acknowledged == 1
    assert alerts_text(card) == "Open alerts: 1 critical · 1 acknowledged"
    assert alert_counts_text(list_alerts(ws, "credit")).startswith("1 open · 1 acknowledged")
    assert card.light == "red"  # from the open critical alert
    assert not any("latency" in r for r in card.reasons)  # acknowledged: work in hand


@pytest.mark.parametrize(
    "signal, message, details, version",
    [
        (
            "feature_drift",
            "Feature drift on credit@2: age drifted",
            {"ref": "credit@2"},
            "credit@2",
        ),
        ("drift_share", "Data drift on credit@1: 3 of 20 features drifted", {}, "credit@1"),
        ("realized_metric", "Realized roc_auc of credit@3 is 0.610 on the latest", {}, "credit@3"),
        ("error_rate", "Error rate of credit is 9% over 5 minutes", {}, None),
    ],
)
def test_an_alert_names_the_version_it_judged(signal, message, details, version):
    """Drift and quality alerts judged one version (also those stored before they said so in
    their details); the service's alerts judged none."""
    from mlops_desktop.monitoring.alerts import alert_version
    from mlops_desktop.registry.entities import Alert

    alert = Alert(1, "credit", signal, "warning", message, "open", 0.0, details=details)
    assert alert_version(alert) == version


def test_the_why_list_names_each_drifted_feature_once(small_windows, credit):
    ws = small_windows
    log_requests(ws, shifted(credit.sample(450, random_state=4), "credit_amount", 3.0))
    (alert,) = [a for a in run_once(ws, "credit").opened if a.signal == "feature_drift"]
    (card,) = board(ws)
    assert "credit_amount" in card.drift["drifted_columns"]
    lines = [r for r in card.reasons if "credit_amount" in r]
    assert lines == [alert.message.split(". ")[0]], card.reasons  # the alert's line only
