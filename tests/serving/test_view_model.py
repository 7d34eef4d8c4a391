"""The Deploy page's Qt-free helpers on a real workspace, and a real service they start and stop."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from mlops_desktop.errors import CheckFailed
from mlops_desktop.serving import deployments as d
from mlops_desktop.serving.deployments import rollback_target
from mlops_desktop.serving.process import find_service
from mlops_desktop.ui.serving.model import (
    deploy_and_serve,
    describe_live_at,
    example_record,
    example_requests,
    figure_lines,
    monitor_snapshot,
    open_candidates,
    rollout_figures,
    stop_local_service,
    timeline,
    version_rows,
)
from tests.serving.conftest import free_port, rows


def test_version_rows_show_aliases_verdicts_and_the_holdout_metric(model_ws):
    listed = version_rows(model_ws)
    assert [r.ref for r in listed] == ["credit@2", "credit@1"]  # newest first
    assert all(r.verdict == "not tested" and not r.allowed for r in listed)
    assert "has no quality gate" in listed[0].gate_reason
    assert listed[0].metric_name == "roc_auc"

    d.deploy(model_ws, "credit@1", force=True, reason="first")
    d.canary(model_ws, "credit@2", 25, reason="r", force=True)
    by_ref = {r.ref: r for r in version_rows(model_ws)}
    assert by_ref["credit@1"].aliases == ("live",) and by_ref["credit@1"].is_live
    assert by_ref["credit@2"].aliases == ("candidate",) and by_ref["credit@2"].is_candidate


def test_rollback_target_badge_and_timeline_follow_the_deployments(model_ws):
    assert rollback_target(model_ws, "credit") is None
    assert open_candidates(model_ws) == 0
    d.deploy(model_ws, "credit@1", force=True, reason="first release")
    assert rollback_target(model_ws, "credit") is None  # nothing was live before
    first_live = time.time()
    time.sleep(0.01)
    d.shadow(model_ws, "credit@2", reason="compare quietly", force=True)
    assert open_candidates(model_ws) == 1
    d.promote(model_ws, "credit", force=True, reason="looks better")
    assert open_candidates(model_ws) == 0
    assert rollback_target(model_ws, "credit") == "credit@1"

    entries = timeline(model_ws, "credit")
    assert [e["mode_text"] for e in entries] == ["live", "shadow", "live"]  # newest first
    assert entries[0]["live"] == "credit@2" and entries[0]["reason"] == "looks better"
    assert entries[1]["candidate"] == "credit@2" and entries[1]["reason"] == "compare quietly"

    past = describe_live_at(d.live_at(model_ws, "credit", first_live))
    assert "credit@1 was live" in past and "first release" in past
    before = describe_live_at(d.live_at(model_ws, "credit", first_live - 3600))
    assert "no version of credit was live" in before


def test_refused_deploy_changes_nothing(model_ws):
    with pytest.raises(CheckFailed, match="credit@1 may not go live"):
        deploy_and_serve(model_ws, "credit@1", port=free_port())
    assert model_ws.models.current_alias("credit", "live") is None
    assert find_service(model_ws) is None


def test_deploy_goes_live_even_when_the_service_cannot_start(model_ws):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = deploy_and_serve(model_ws, "credit@1", force=True, reason="tests", port=port)
    assert result["live"] == "credit@1" and result["service"] is None
    assert not result["started"] and "did not start" in result["service_error"]
    assert model_ws.models.current_alias("credit", "live") is not None
    assert find_service(model_ws) is None


def test_example_record_satisfies_the_model_contract(model_ws):
    import pandas as pd

    from mlops_desktop.evaluation.contracts import validate_frame

    signature = model_ws.models.get("credit@1").signature
    record = example_record(signature)
    assert set(record) == {s["name"] for s in signature["inputs"]}
    problems = [
        v for v in validate_frame(pd.DataFrame([record]), signature) if v.severity == "error"
    ]
    assert problems == []


@pytest.mark.slow
def test_deploy_and_serve_starts_the_service_that_answers_figures_and_examples(
    model_ws, credit_frame
):
    port = free_port()
    try:
        first = deploy_and_serve(model_ws, "credit@1", force=True, reason="tests", port=port)
        assert first["started"] and first["live"] == "credit@1"
        url = first["service"].url
        assert url == f"http://127.0.0.1:{port}" and first["service"].loopback
        again = deploy_and_serve(model_ws, "credit@1", force=True, reason="again", port=port)
        assert not again["started"] and again["service"].pid == first["service"].pid

        examples = example_requests(url, "credit", model_ws.models.get("credit@1").signature)
        assert "X-Model-Name: credit" in examples["curl"] and url in examples["python"]
        answer = httpx.post(
            f"{url}/invocations",
            content=examples["body"],
            headers={"Content-Type": "application/json", "X-Model-Name": "credit"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-Model-Version"] == "1"

        d.canary(model_ws, "credit@2", 50, reason="r", force=True)
        time.sleep(1.5)  # the service picks alias changes up within a second
        batch = rows(credit_frame, 40)
        with httpx.Client(base_url=url, timeout=10) as client:
            for i, row in enumerate(batch):
                reply = client.post(
                    "/invocations",
                    json={"dataframe_records": [row]},
                    headers={"X-Request-ID": f"ui-jobs-{i}"},
                )
                assert reply.status_code == 200
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            figures = rollout_figures(model_ws, "credit")
            live, cand = figures.live, figures.candidate
            if live and cand and live.requests + cand.requests >= len(batch):
                break
            time.sleep(0.3)
        assert figures.mode == "canary" and figures.canary_percent == 50
        assert live.version == "credit@1" and cand.version == "credit@2"
        assert live.requests > 0 and cand.requests > 0
        assert live.requests + cand.requests == len(batch)
        shown = dict(figure_lines(cand))
        assert shown["Requests"] == str(cand.requests) and shown["Error rate"] == "0.0%"

        snapshot = monitor_snapshot(model_ws, "credit")
        assert snapshot["service"].port == port
        assert snapshot["figures"].candidate_version == "credit@2"
        assert json.loads(examples["body"])["dataframe_records"]
    finally:
        assert stop_local_service(model_ws)
    assert find_service(model_ws) is None
    status = model_ws.db.execute(
        "SELECT status FROM service_instances ORDER BY id DESC LIMIT 1"
    ).fetchone()[0]
    assert status == "stopped"  # a clean stop, not killed after waiting
    assert not stop_local_service(model_ws)
