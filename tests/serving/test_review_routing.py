"""Human review through a real service on 127.0.0.1: rows in a model's score band answer with
``review: pending`` and are queued (no inputs copied), the random share is the same for the same
request id, reviewers decide, people contest, and a paused model answers 503 with the reason."""

from __future__ import annotations

import json
import time

import httpx
import numpy as np
import pandas as pd
import pytest

from mlops_desktop.cli.entry import main
from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.governance import review
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.batch import score as batch_score
from mlops_desktop.serving.deployments import deploy
from mlops_desktop.serving.oversight import share_draw
from mlops_desktop.serving.process import start_service, stop_service
from mlops_desktop.serving.stats import positive_index
from tests.serving.conftest import free_port, register_versions, rows

TOKEN = "review-secret"


@pytest.fixture(scope="module")
def service(tmp_path_factory, trained):
    ws = Workspace.open(tmp_path_factory.mktemp("review") / "ws")
    register_versions(ws, trained)
    deploy(ws, "credit@1", force=True, reason="tests")
    handle = start_service(ws, port=free_port(), token=TOKEN)
    yield ws, handle.url
    stop_service(ws, handle)
    ws.close()


def _scores(trained, records: list[dict]) -> np.ndarray:
    pipeline, signature = trained[0]
    proba = pipeline.predict_proba(pd.DataFrame(records))
    return proba[:, positive_index(signature)]


def _post(url: str, records: list[dict], request_id: str | None = None) -> httpx.Response:
    headers = {"X-Request-ID": request_id} if request_id else {}
    return httpx.post(url + "/invocations", json={"dataframe_records": records}, headers=headers)


def _until(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def _queued(ws, request_id: str, n: int) -> list:
    return _until(lambda: (got := ws.reviews.of_request(request_id)) and len(got) >= n and got)


def _apply(url: str, records: list[dict], picked) -> None:
    """Wait until the service has the rules just set (a probe request is picked as expected)."""
    _until(lambda: ("review" in _post(url, records).json()) == picked)


def _clear(ws, url: str, records: list[dict]) -> None:
    """Clear the rules and wait until the service no longer picks ``records``."""
    review.clear_rules(ws, "credit")
    _apply(url, records, False)


def test_rows_in_the_band_answer_review_pending_and_are_queued(service, trained, credit_frame):
    ws, url = service
    records = rows(credit_frame, 40)
    scores = _scores(trained, records)
    lo, hi = (float(q) for q in np.quantile(scores, [0.3, 0.6]))
    review.set_rules(ws, "credit", band=f"{lo!r}:{hi!r}")
    inside = [i for i, s in enumerate(scores) if lo <= s <= hi]
    outside = [i for i in range(len(records)) if i not in inside]
    _apply(url, [records[inside[0]]], True)

    answer = _post(url, records, "band-1")
    assert answer.status_code == 200
    body = answer.json()
    assert body["review"] == "pending" and answer.headers["x-review"] == "pending"
    assert body["review_rows"] == inside
    queued = _queued(ws, "band-1", len(inside))
    assert [r.row_index for r in queued] == inside
    assert all(r.status == "pending" and r.trigger == "band" for r in queued)
    assert [r.suggestion for r in queued] == [body["predictions"][i] for i in inside]
    assert [r.score for r in queued] == pytest.approx([scores[i] for i in inside], abs=1e-9)
    stored = json.dumps(next(ws.db.query("SELECT * FROM reviews WHERE request_id = 'band-1'")))
    assert str(records[inside[0]]["credit_amount"]) not in stored  # no copy of the inputs

    plain = _post(url, [records[i] for i in outside], "band-2")
    assert plain.status_code == 200 and "review" not in plain.json()
    assert "x-review" not in plain.headers
    time.sleep(0.5)  # two log flushes
    assert ws.reviews.of_request("band-2") == []
    v1 = _v1(url, [records[inside[0]]])
    assert v1.status_code == 200, v1.text
    assert v1.json()["review"] == "pending"
    _clear(ws, url, [records[i] for i in inside])


def _v1(url: str, records: list[dict]) -> httpx.Response:
    return httpx.post(url + "/v1/models/credit:predict", json={"instances": records})


def test_the_share_draws_the_same_rows_for_the_same_request_id(service, credit_frame):
    ws, url = service
    records = rows(credit_frame, 30, start=100)
    review.set_rules(ws, "credit", share=0.3)
    expected = [i for i in range(30) if share_draw("share-1", i) < 0.3]
    assert 0 < len(expected) < 30
    probe = [i for i in range(30) if share_draw("share-0", i) < 0.3]
    _until(lambda: _post(url, records, "share-0").json().get("review_rows") == probe)
    first = _post(url, records, "share-1").json()
    again = _post(url, records, "share-1").json()
    assert first["review_rows"] == again["review_rows"] == expected
    other = [i for i in range(30) if share_draw("share-2", i) < 0.3]
    assert _post(url, records, "share-2").json().get("review_rows", []) == other
    assert {r.trigger for r in _queued(ws, "share-1", len(expected))} == {"share"}
    many = rows(credit_frame, 1000) * 3  # beyond OFF_LOOP_ROWS: matched in a worker thread
    drawn = [i for i in range(len(many)) if share_draw("share-big", i) < 0.3]
    assert _post(url, many, "share-big").json()["review_rows"] == drawn
    _clear(ws, url, records)


def test_decide_keeps_the_suggestion_and_the_outcome_and_contest_reopens(service, credit_frame):
    ws, url = service
    records = rows(credit_frame, 5, start=200)
    review.set_rules(ws, "credit", slice_=f"purpose={records[0]['purpose']}")
    _until(lambda: _post(url, records[:1], "slice-1").json().get("review") == "pending")
    (queued,) = _queued(ws, "slice-1", 1)
    assert queued.trigger == "slice"
    classes = ws.models.get("credit@1").signature["output"]["classes"]
    other = next(c for c in classes if c != queued.suggestion)
    with pytest.raises(InputError, match="needs a reason"):
        review.decide(ws, queued.id, str(other), "")
    with pytest.raises(InputError, match="not an outcome of credit@1"):
        review.decide(ws, queued.id, "maybe", "checked")
    decided = review.decide(ws, queued.id, str(other), "income verified by phone", user="ana")
    assert (decided.status, decided.suggestion, decided.outcome) == (
        "overridden",
        queued.suggestion,
        other,
    )
    assert decided.reviewer == "ana" and decided.reason == "income verified by phone"
    with pytest.raises(InputError, match="already decided"):
        review.decide(ws, queued.id, str(other), "again")

    reopened = review.contest(ws, "slice-1", "my income was wrong")
    assert (reopened.id, reopened.status) == (queued.id, "pending")
    assert reopened.contest_reason == "my income was wrong" and reopened.outcome == other
    _clear(ws, url, records[:1])

    plain = _post(url, records[1:2], "plain-1")
    assert "review" not in plain.json()
    _until(lambda: ws.reviews.decision_of("plain-1"))
    opened = review.contest(ws, "plain-1", "I was refused unfairly")
    assert (opened.trigger, opened.status) == ("contest", "pending")
    assert opened.suggestion == plain.json()["predictions"][0]
    with pytest.raises(NotFoundError, match="No answered request"):
        review.contest(ws, "never-sent", "why")
    actions = [e.action for e in ws.audit.recent(50)]
    for action in ("review.rules", "review.decide", "review.contest", "review.rules_cleared"):
        assert action in actions
    assert ws.audit.verify().ok
    trail = json.dumps([e.details for e in ws.audit.recent(50) if e.action.startswith("review.")])
    for personal in ("slice-1", "plain-1", "my income was wrong", "income verified by phone"):
        assert personal not in trail  # the trail names reviews by id; the row holds the rest
    assert ws.reviews.count_requests(["slice-1", "plain-1", "never-sent"]) == 2
    assert ws.reviews.erase_requests(["slice-1", "plain-1"]) == 2
    assert ws.reviews.of_request("slice-1") == [] and ws.audit.verify().ok


def test_a_paused_model_answers_503_with_the_reason_until_resumed(service, credit_frame, tmp_path):
    ws, url = service
    records = rows(credit_frame, 1)
    review.pause(ws, "credit", "complaint under investigation", user="ana")
    pd.DataFrame(records).to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(InputError, match="complaint under investigation"):
        batch_score(ws, "credit@live", tmp_path / "in.csv", tmp_path / "out.csv")
    refused = _until(lambda: (r := _post(url, records)).status_code == 503 and r)
    assert refused.headers["content-type"] == "application/json"
    message = refused.json()["message"]
    assert "paused" in message and "complaint under investigation" in message and "ana" in message
    v1 = _v1(url, records)
    assert v1.status_code == 503 and "complaint under investigation" in v1.json()["error"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(url + "/admin/status", headers=auth).json()["models"]["credit"]["paused"]
    ready = httpx.get(url + "/v2/models/credit/ready")
    assert ready.status_code == 503 and ready.json()["ready"] is False
    with pytest.raises(InputError, match="already paused"):
        review.pause(ws, "credit", "again")
    review.resume(ws, "credit")
    _until(lambda: _post(url, records).status_code == 200)
    assert httpx.get(url + "/v2/models/credit/ready").json()["ready"] is True
    actions = [e.action for e in ws.audit.recent(3)]
    assert actions == ["model.resume", "batch.fail", "model.pause"]


def test_the_cli_sets_rules_decides_contests_pauses_and_resumes(service, credit_frame, capsys):
    ws, url = service
    where = ["--workspace", str(ws.path)]
    assert main(["review", "rules", "credit", "--band", "0:1", "--json", *where]) == 0
    assert json.loads(capsys.readouterr().out)["band"] == [0.0, 1.0]
    assert main(["review", "rules", "credit", *where]) == 0
    assert "every decision scoring 0 to 1" in capsys.readouterr().out
    _until(lambda: _post(url, rows(credit_frame, 1, start=300), "cli-1").json().get("review"))
    (queued,) = _queued(ws, "cli-1", 1)
    assert main(["review", "list", "--status", "pending", *where]) == 0
    assert "cli-1" in capsys.readouterr().out
    outcome = str(queued.suggestion)
    assert (
        main(["review", "decide", str(queued.id), "--outcome", outcome, "--reason", "ok", *where])
        == 0
    )
    assert "accepted" in capsys.readouterr().out
    assert main(["review", "show", str(queued.id), "--json", *where]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "accepted"
    assert main(["review", "contest", "cli-1", "--reason", "wrong", *where]) == 0
    assert ws.reviews.get(queued.id).status == "pending"
    assert main(["review", "rules", "credit", "--clear", *where]) == 0
    assert main(["pause", "credit", "--reason", "audit", *where]) == 0
    assert main(["resume", "credit", *where]) == 0
    capsys.readouterr()
    for bad, words in (
        (["review", "rules", "credit", "--band", "0.6:0.4"], "above its high end"),
        (["review", "rules", "credit", "--band", "high"], "LOW:HIGH"),
        (["review", "rules", "credit", "--share", "5"], "between 0 and 1"),
        (["review", "rules", "credit", "--slice", "nope=1"], "no input 'nope'"),
        (["review", "rules", "ghost", "--share", "0.1"], "No model named 'ghost'"),
        (["review", "show", "9999"], "No review with id 9999"),
        (["review", "list", "--status", "odd"], "invalid choice"),
        (["resume", "credit"], "is not paused"),
    ):
        assert _exit_code([*bad, *where]) == 2
        assert words in capsys.readouterr().err


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own refusals
        return int(exc.code)
