"""Deploy, rollback, canary, shadow, promote, abort: deployments rows, aliases, audit, history."""

from __future__ import annotations

import time

import pytest

from mlops_desktop.errors import CheckFailed, InputError, NotFoundError
from mlops_desktop.serving import deployments as d


def _actions(ws) -> list[str]:
    return [e.action for e in ws.audit.recent(200) if e.action.startswith("deploy.")]


def test_deploy_follows_the_promotion_rule_unless_forced_with_a_reason(model_ws):
    with pytest.raises(CheckFailed, match="no quality gate") as refused:
        d.deploy(model_ws, "credit@1")
    assert "mlops-desktop" not in refused.value.message  # the window shows it by its buttons
    assert "mlops-desktop gate set credit" in refused.value.cli_hint
    assert "--force --reason TEXT" in refused.value.cli_hint
    with pytest.raises(InputError, match="needs a written reason"):
        d.deploy(model_ws, "credit@1", force=True)
    with pytest.raises(InputError, match="Name the version"):
        d.deploy(model_ws, "credit", force=True, reason="x")
    with pytest.raises(NotFoundError):
        d.deploy(model_ws, "credit@9", force=True, reason="x")
    assert model_ws.models.current_alias("credit", "live") is None  # nothing changed

    dep = d.deploy(model_ws, "credit@1", force=True, reason="first release, gate pending")
    assert (dep.mode, dep.live_version_id, dep.ended_at) == ("live", 1, None)
    assert model_ws.models.get("credit@live").number == 1
    event = [e for e in model_ws.audit.recent(50) if e.action == "deploy.live"][0]
    assert event.object_ref == "credit@1"
    assert event.details["forced"] is True and "no quality gate" in event.details["verdict"]
    assert model_ws.audit.verify().ok


def _report(ws, ref: str, gate, reason: str | None) -> None:
    """A stored test report of ``ref`` under ``gate``: failing with ``reason``, or passing."""
    line = {"passed": reason is None, "reason": reason or "roc_auc clears >= 0.6."}
    summary = {"gate": {"version": gate.version, "lines": [line]}}
    ws.reports.add(ws.models.get(ref).id, summary, passed=reason is None, gate_id=gate.id)


def test_an_untested_or_gate_failing_version_is_refused_by_deploy_and_promote(model_ws):
    ws = model_ws
    gate = ws.gates.set("credit", {"metrics": {"roc_auc": {">=": 0.6}}}, reason="pilot")
    with pytest.raises(CheckFailed, match="credit@1 has not been tested"):
        d.deploy(ws, "credit@1")
    _report(ws, "credit@1", gate, "roc_auc 0.55 misses >= 0.6.")
    with pytest.raises(CheckFailed, match="failed gate version 1 .*roc_auc 0.55 misses"):
        d.deploy(ws, "credit@1")
    assert ws.models.current_alias("credit", "live") is None
    _report(ws, "credit@1", gate, None)
    d.deploy(ws, "credit@1")  # passes the gate: no override needed

    d.canary(ws, "credit@2", 10, reason="before its tests", force=True)
    with pytest.raises(CheckFailed, match="credit@2 has not been tested"):
        d.promote(ws, "credit")
    _report(ws, "credit@2", gate, "roc_auc 0.58 misses >= 0.6.")
    with pytest.raises(CheckFailed, match="credit@2 may not go live: .*0.58 misses"):
        d.promote(ws, "credit")
    assert ws.models.get("credit@live").number == 1
    _report(ws, "credit@2", gate, None)
    assert d.promote(ws, "credit").live_version_id == ws.models.get("credit@2").id
    event = [e for e in ws.audit.recent(50) if e.action == "deploy.promote"][0]
    assert event.details["forced"] is False and "passed gate version 1" in event.details["verdict"]


def test_rollback_canary_shadow_promote_abort(model_ws):
    ws = model_ws
    with pytest.raises(InputError, match="No version of 'credit' is live"):
        d.canary(ws, "credit@2", 10)
    d.deploy(ws, "credit@1", force=True, reason="r")
    with pytest.raises(InputError, match="nothing to roll back"):
        d.rollback(ws, "credit")
    with pytest.raises(InputError, match="between 0 and 100"):
        d.canary(ws, "credit@2", 120)
    with pytest.raises(InputError, match="already live"):
        d.canary(ws, "credit@1", 10)
    with pytest.raises(InputError, match="no canary or shadow"):
        d.promote(ws, "credit", force=True, reason="r")

    dep = d.canary(ws, "credit@2", 25, reason="r", force=True)
    assert (dep.mode, dep.live_version_id, dep.candidate_version_id, dep.canary_percent) == (
        "canary",
        1,
        2,
        25.0,
    )
    assert ws.models.get("credit@candidate").number == 2
    routes = d.routing_table(ws)
    assert routes["credit"] == d.RouteSpec("credit", 1, 2, "canary", 25.0)

    dep = d.abort(ws, "credit")
    assert (dep.mode, dep.candidate_version_id) == ("live", None)
    assert ws.models.current_alias("credit", "candidate") is None

    d.shadow(ws, "credit@2", reason="r", force=True)
    assert d.routing_table(ws)["credit"].mode == "shadow"
    with pytest.raises(CheckFailed):
        d.promote(ws, "credit")  # the candidate must pass the promotion rule too
    dep = d.promote(ws, "credit", force=True, reason="shadow agreed")
    assert (dep.mode, dep.live_version_id) == ("live", 2)
    assert ws.models.get("credit@live").number == 2

    dep = d.rollback(ws, "credit")
    assert dep.live_version_id == 1 and ws.models.get("credit@live").number == 1
    assert "rollback from credit@2" in dep.reason

    d.undeploy(ws, "credit")
    assert d.routing_table(ws) == {}
    assert (
        _actions(ws)
        == [
            "deploy.live",
            "deploy.canary",
            "deploy.abort",
            "deploy.shadow",
            "deploy.promote",
            "deploy.rollback",
            "deploy.stop",
        ][::-1]
    )
    history = d.history(ws, "credit")
    assert [h["mode"] for h in history] == [
        "live",
        "canary",
        "live",
        "shadow",
        "live",
        "live",
        "stopped",
    ]
    assert all(h["ended_at"] is not None for h in history[:-1]) and history[-1]["ended_at"] is None
    assert history[1]["candidate"] == "credit@2" and history[4]["live"] == "credit@2"


def test_which_version_was_live_at_a_time(model_ws):
    ws = model_ws
    before = time.time()
    time.sleep(0.01)
    d.deploy(ws, "credit@1", force=True, reason="march release")
    t1 = time.time()
    time.sleep(0.01)
    d.canary(ws, "credit@2", 10, reason="try it", force=True)
    t2 = time.time()
    time.sleep(0.01)
    d.promote(ws, "credit", force=True, reason="canary looked fine")
    t3 = time.time()

    assert d.live_at(ws, "credit", before).live is None
    at1 = d.live_at(ws, "credit", t1)
    assert (at1.live, at1.candidate, at1.mode, at1.reason) == (
        "credit@1",
        None,
        "live",
        "march release",
    )
    at2 = d.live_at(ws, "credit", t2)
    assert (at2.live, at2.candidate, at2.mode, at2.canary_percent) == (
        "credit@1",
        "credit@2",
        "canary",
        10.0,
    )
    at3 = d.live_at(ws, "credit", t3)
    assert (at3.live, at3.candidate, at3.mode) == ("credit@2", None, "live")
    assert d.live_at(ws, "credit").live == "credit@2"


def test_a_live_alias_set_outside_deployments_is_still_served(model_ws):
    """The live alias is the truth: setting it directly (older tools) still routes traffic."""
    model_ws.models.set_alias("credit", "live", 2, reason="set by hand")
    assert d.routing_table(model_ws) == {"credit": d.RouteSpec("credit", 2, None, "live", 0.0)}


def test_canary_and_shadow_follow_the_promotion_rule_like_deploy_and_promote(model_ws):
    ws = model_ws
    gate = ws.gates.set("credit", {"metrics": {"roc_auc": {">=": 0.6}}}, reason="pilot")
    _report(ws, "credit@1", gate, None)
    d.deploy(ws, "credit@1")
    for start in (lambda: d.canary(ws, "credit@2", 10), lambda: d.shadow(ws, "credit@2")):
        with pytest.raises(CheckFailed, match="credit@2 may not .*has not been tested") as no:
            start()
        assert no.value.action in ("canary", "shadow") and no.value.ref == "credit@2"
        assert "--force --reason TEXT" in no.value.cli_hint
    _report(ws, "credit@2", gate, "roc_auc 0.55 misses >= 0.6.")
    with pytest.raises(CheckFailed, match="credit@2 may not get canary traffic: .*0.55 misses"):
        d.canary(ws, "credit@2", 10)
    with pytest.raises(InputError, match="needs a written reason"):
        d.canary(ws, "credit@2", 10, force=True)
    assert ws.models.current_alias("credit", "candidate") is None
    assert _actions(ws) == ["deploy.live"]  # nothing changed

    d.canary(ws, "credit@2", 10, reason="watch it on 10%", force=True)
    event = [e for e in ws.audit.recent(50) if e.action == "deploy.canary"][0]
    assert event.details["forced"] is True and "0.55 misses" in event.details["verdict"]
    _report(ws, "credit@2", gate, None)
    d.abort(ws, "credit")
    d.shadow(ws, "credit@2")  # passes the gate now: no override needed
    assert d.live_at(ws, "credit").mode == "shadow"


def test_repeating_a_canary_adds_no_history_row(model_ws):
    ws = model_ws
    d.deploy(ws, "credit@1", force=True, reason="r")
    first = d.canary(ws, "credit@2", 20, reason="r", force=True)
    again = d.canary(ws, "credit@2", 20, reason="r", force=True)
    assert again.id == first.id
    assert [h["mode"] for h in d.history(ws, "credit")] == ["live", "canary"]
    assert _actions(ws).count("deploy.canary") == 1
    wider = d.canary(ws, "credit@2", 50, reason="r", force=True)  # a change: a new row
    assert wider.id != first.id and wider.canary_percent == 50.0
    d.shadow(ws, "credit@2", reason="r", force=True)
    d.shadow(ws, "credit@2", reason="r", force=True)
    assert [h["mode"] for h in d.history(ws, "credit")] == ["live", "canary", "canary", "shadow"]


def test_rollback_during_a_first_canary_points_to_abort(model_ws):
    ws = model_ws
    d.deploy(ws, "credit@1", force=True, reason="r")
    d.canary(ws, "credit@2", 20, reason="r", force=True)
    with pytest.raises(InputError, match="take the 20% canary credit@2 off the traffic, abort"):
        d.rollback(ws, "credit")
    with pytest.raises(InputError) as refused:
        d.rollback(ws, "credit")
    assert refused.value.cli_hint == "Run 'mlops-desktop abort credit'."
    assert "nothing to roll back" not in refused.value.message
