"""Explaining logged decisions by request id on real trained models: contributions add up to the
model's raw output, three reasons in words, personal data marked; unknown ids are refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.governance.explanations import explain_request, recent_requests, text_lines
from mlops_desktop.serving.integrity import load_verified
from tests.decisions import credit_records, log_decision


def _raw(ws, ref: str, records: list[dict]) -> np.ndarray:
    """The log-odds of the version's positive class, from the pipeline itself."""
    version = ws.models.get(ref)
    pipeline = load_verified(ws, version)
    score = np.asarray(pipeline.decision_function(pd.DataFrame(records)))
    positive = version.signature["output"]["positive_class"]
    return score if positive == pipeline.classes_[1] else -score


@pytest.mark.parametrize("ref", ["credit@1", "credit@2"])
def test_a_logged_decision_is_explained_exactly(explained_ws, ref) -> None:
    records = credit_records(3, start=10)
    request_id = log_decision(explained_ws, ref, records)
    result = explain_request(explained_ws, request_id)
    assert result.model == ref and result.rows_total == 3 and len(result.rows) == 3
    assert result.output_kind == "log-odds"
    expected = _raw(explained_ws, ref, records)
    for row, raw in zip(result.rows, expected, strict=True):
        assert row.raw == pytest.approx(raw, abs=1e-9)
        assert row.base + sum(row.contributions.values()) == pytest.approx(raw, abs=1e-6)
        assert len(row.reasons) == 3
        sizes = [abs(v) for v in row.contributions.values()]
        assert sizes == sorted(sizes, reverse=True)
        assert [r.column for r in row.reasons] == list(row.contributions)[:3]
    assert result.max_error < 1e-6


def test_reasons_read_in_plain_words_and_mark_personal_data(explained_ws) -> None:
    records = credit_records(1, start=3)
    records[0]["credit_amount"] = 12000
    records[0]["age_in_years"] = 19
    result = explain_request(explained_ws, log_decision(explained_ws, "credit@2", records))
    assert {"age_in_years", "personal_status_and_sex"} <= set(result.personal)
    positive = explained_ws.models.get("credit@2").signature["output"]["positive_class"]
    row = result.rows[0]
    for reason in row.reasons:
        verb = "raised" if reason.contribution > 0 else "lowered"
        assert reason.text.startswith(f"{reason.column} = ")
        assert f" {verb} the log-odds of '{positive}' by " in reason.text
        assert reason.personal == (reason.column in result.personal)
        assert ("(personal data: " in reason.text) == reason.personal
    amount = (
        next(r for r in row.reasons if r.column == "credit_amount")
        if any(r.column == "credit_amount" for r in row.reasons)
        else None
    )
    if amount is not None:
        assert amount.text.startswith("credit_amount = 12,000 ")
    text = "\n".join(text_lines(result))
    assert "Main reasons:" in text and row.reasons[0].text in text and "* personal data" in text


def test_unknown_refused_and_batch_ids_are_refused_clearly(explained_ws) -> None:
    with pytest.raises(NotFoundError, match="No logged request has the id 'nope'"):
        explain_request(explained_ws, "nope")
    refused = log_decision(explained_ws, "credit@1", credit_records(1), status=400)
    with pytest.raises(InputError, match="was not answered"):
        explain_request(explained_ws, refused)
    from mlops_desktop.serving.batch import score

    frame = pd.DataFrame(credit_records(5))
    source = explained_ws.path / "in.csv"
    frame.to_csv(source, index=False)
    score(explained_ws, "credit@1", source, explained_ws.path / "out.csv")
    batch_id = explained_ws.predictions.latest_batch("credit").request_id
    with pytest.raises(InputError, match="batch scoring run"):
        explain_request(explained_ws, batch_id)


def test_recent_requests_are_listed_newest_first(explained_ws) -> None:
    first = log_decision(explained_ws, "credit@1", credit_records(1))
    second = log_decision(explained_ws, "credit@2", credit_records(1, 1))
    recent = recent_requests(explained_ws)
    assert [r.request_id for r in recent[:2]] == [second, first]
    assert [r.model for r in recent[:2]] == ["credit@2", "credit@1"]
    assert recent_requests(explained_ws, model_name="credit") == recent  # one model's, in SQL
    assert recent_requests(explained_ws, model_name="another") == []


def test_recent_requests_list_batch_rows_too(explained_ws) -> None:
    """The latest batch run's first scored rows are listed by their ids (a rejected row has
    none), beside the service's decisions, newest first; each one explains."""
    from mlops_desktop.serving.batch import score

    frame = pd.DataFrame(credit_records(30, start=20)).astype({"age_in_years": object})
    frame.loc[1, "age_in_years"] = "old"  # file row 2 is rejected, never scored
    source = explained_ws.path / "in.csv"
    frame.to_csv(source, index=False)
    before = log_decision(explained_ws, "credit@1", credit_records(1))
    run = score(explained_ws, "credit@2", source, explained_ws.path / "out.csv", chunk_rows=4)
    after = log_decision(explained_ws, "credit@1", credit_records(1, 2))
    recent = recent_requests(explained_ws)
    rows = [f"{run.batch_id}-{n}" for n in (1, 3, 4, 5, 6, 7, 8, 9, 10, 11)]
    assert [r.request_id for r in recent] == [after, *rows, before]
    assert {(r.model, r.arm) for r in recent[1:-1]} == {("credit@2", "batch")}
    assert len(recent_requests(explained_ws, limit=3)) == 3
    result = explain_request(explained_ws, recent[5].request_id)
    assert (result.request_id, result.model, result.arm) == (rows[4], "credit@2", "batch")


def test_the_cli_explains_a_request_and_refuses_an_unknown_one(explained_ws, capsys) -> None:
    from mlops_desktop.cli.entry import main

    request_id = log_decision(explained_ws, "credit@2", credit_records(1, 7))
    folder = str(explained_ws.path)
    assert main(["explain", request_id, "--workspace", folder, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    row = answer["rows"][0]
    assert answer["id"] == request_id and answer["model"] == "credit@2"
    total = row["base_value"] + sum(row["contributions"].values())
    assert total == pytest.approx(row["raw_output"], abs=1e-6)
    assert len(row["reasons"]) == 3 and "age_in_years" in answer["personal_data"]
    assert main(["explain", request_id, "--workspace", folder]) == 0
    out = capsys.readouterr().out
    assert f"Request {request_id}: credit@2" in out and "Main reasons:" in out
    assert main(["explain", "no-such-id", "--workspace", folder]) == 2
    assert "No logged request has the id 'no-such-id'" in capsys.readouterr().err


def test_a_persons_confirmation_of_personal_columns_is_what_explanations_mark(explained_ws):
    from mlops_desktop.governance.personal_data import mark

    request_id = log_decision(explained_ws, "credit@1", credit_records(1, start=3))
    assert "age_in_years" in explain_request(explained_ws, request_id).personal
    assert "credit_amount" not in explain_request(explained_ws, request_id).personal
    mark(explained_ws, "credit@1", "age_in_years", personal=False, reason="age band only")
    mark(explained_ws, "credit@1", "credit_amount", personal=True, reason="salary-linked")
    personal = explain_request(explained_ws, request_id).personal
    assert "age_in_years" not in personal and "credit_amount" in personal


@pytest.mark.parametrize("ref", ["credit@1", "credit@2"])
def test_a_batch_row_is_explained_by_its_id_like_the_same_row_served(explained_ws, ref, capsys):
    from mlops_desktop.cli.entry import main
    from mlops_desktop.serving.batch import score

    records = credit_records(30, start=40)
    frame = pd.DataFrame(records)
    frame.insert(0, "customer_id", [f"c{i}" for i in range(len(frame))])
    frame = frame.astype({"age_in_years": object})
    frame.loc[3, "age_in_years"] = "old"  # row 4 is rejected, never scored
    source, out = explained_ws.path / "in.csv", explained_ws.path / "out.csv"
    frame.to_csv(source, index=False)
    result = score(explained_ws, ref, source, out, chunk_rows=8)
    scored = pd.read_csv(out)
    ids = scored["request_id"].tolist()
    assert ids[:4] == [f"{result.batch_id}-{n}" for n in (1, 2, 3, 5)] and len(set(ids)) == 29
    folder = str(explained_ws.path)
    assert main(["explain", ids[20], "--workspace", folder, "--json"]) == 0  # file row 22
    answer = json.loads(capsys.readouterr().out)
    assert (answer["id"], answer["model"], answer["arm"]) == (ids[20], ref, "batch")
    assert answer["rows_total"] == 1 and "customer_id" not in answer["rows"][0]["inputs"]
    row = answer["rows"][0]
    assert row["base_value"] + sum(row["contributions"].values()) == pytest.approx(
        row["raw_output"], abs=1e-6
    )
    assert row["raw_output"] == pytest.approx(_raw(explained_ws, ref, [records[21]])[0], abs=1e-9)
    served = explain_request(explained_ws, log_decision(explained_ws, ref, [records[21]])).rows[0]
    assert served.contributions == pytest.approx(row["contributions"], abs=1e-12)
    assert served.base == pytest.approx(row["base_value"], abs=1e-12)
    assert main(["explain", ids[20], "--workspace", folder]) == 0
    assert f"Request {ids[20]}: {ref} (batch)" in capsys.readouterr().out
    assert main(["explain", f"{result.batch_id}-4", "--workspace", folder]) == 2
    assert "has no scored row 4: the row was rejected" in capsys.readouterr().err
    assert main(["explain", f"{result.batch_id}-31", "--workspace", folder]) == 2
    assert main(["explain", "batch-0123456789abcdef-1", "--workspace", folder]) == 2
    assert "No logged request has the id" in capsys.readouterr().err
