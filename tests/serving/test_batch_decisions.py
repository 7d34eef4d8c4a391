"""Batch decisions under human review and data minimisation: the model's review rules route
batch rows to the review queue (the output's ``review`` column says ``pending``), a batch row is
contested by its request id, the log keeps only the model's inputs and the dataset's id columns,
and a run that fails leaves no log row and no review behind. Real SQLite, the real CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.cli.entry import main
from mlops_desktop.errors import JobCancelled, NotFoundError
from mlops_desktop.governance import review
from mlops_desktop.serving.batch import score
from mlops_desktop.serving.batch_log import ChunkLog
from mlops_desktop.serving.oversight import share_draw
from mlops_desktop.serving.stats import positive_index
from mlops_desktop.training.decisions import find
from tests.serving.conftest import TARGET


@pytest.fixture
def ws(model_ws):
    """credit@1 (logreg) and credit@2 (hgb), trained on a dataset whose id column is
    ``customer_id`` (as an import with --id-col records it)."""
    model_ws.db.execute(
        "UPDATE dataset_versions SET roles_json = ? WHERE id = 1",
        [json.dumps({"target": TARGET, "task": "binary", "id_columns": ["customer_id"]})],
    )
    model_ws.db.conn.commit()
    return model_ws


@pytest.fixture
def batch_in(tmp_path, credit_frame):
    """1,500 real rows (two chunks) with an id column and two columns the model never uses."""
    frame = pd.concat([credit_frame] * 2, ignore_index=True).head(1500).drop(columns=[TARGET])
    frame.insert(0, "customer_id", [f"c{i}" for i in range(len(frame))])
    frame["email"] = [f"person{i}@example.org" for i in range(len(frame))]
    frame["notes"] = "called twice about the loan"
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    return path, frame


def _cli(capsys, ws, *argv) -> tuple[int, object]:
    code = main([*argv, "--workspace", str(ws.path), "--json"])
    return code, json.loads(capsys.readouterr().out)


def _scores(trained, frame: pd.DataFrame, which: int = 0) -> np.ndarray:
    pipeline, signature = trained[which]
    inputs = frame.drop(columns=["customer_id", "email", "notes"])
    return pipeline.predict_proba(inputs)[:, positive_index(signature)]


def test_rows_in_the_band_are_queued_and_marked_pending(ws, trained, batch_in, tmp_path, capsys):
    path, frame = batch_in
    scores = _scores(trained, frame)
    lo, hi = (float(q) for q in np.quantile(scores, [0.45, 0.55]))
    review.set_rules(ws, "credit", band=f"{lo}:{hi}")
    out = tmp_path / "scored.csv"
    code, result = _cli(capsys, ws, "score", "credit@1", str(path), str(out))
    assert code == 0
    batch = result["batch_id"]
    expected = [i + 1 for i, s in enumerate(scores) if lo <= s <= hi]
    assert result["reviews"] == len(expected) and 100 < len(expected) < 200

    scored = pd.read_csv(out, keep_default_na=False)
    pending = scored.loc[scored["review"] == "pending", "request_id"].tolist()
    assert pending == [f"{batch}-{n}" for n in expected]
    assert set(scored["review"]) == {"pending", ""}  # the other rows have no review
    code, listed = _cli(capsys, ws, "review", "list", "--status", "pending")
    queued = {r["request_id"]: r for r in listed}
    assert set(queued) == set(pending)
    first = queued[pending[0]]
    row = scored.loc[scored["request_id"] == pending[0]].iloc[0]
    assert first["trigger"] == "band" and first["ref"] == "credit@1" and first["row_index"] == 0
    assert first["suggestion"] == row["prediction"]  # the AI's suggestion is kept
    assert first["score"] == pytest.approx(scores[expected[0] - 1])
    # a reviewer overrides one: the suggestion and the final outcome are both kept
    other = "good" if row["prediction"] == "bad" else "bad"
    code, decided = _cli(
        capsys, ws, "review", "decide", str(first["id"]), "--outcome", other, "--reason", "docs"
    )
    assert code == 0 and decided["status"] == "overridden"
    assert (decided["suggestion"], decided["outcome"]) == (row["prediction"], other)


def test_the_random_share_is_drawn_by_each_rows_request_id(ws, batch_in, tmp_path):
    path, _ = batch_in
    review.set_rules(ws, "credit", share=0.1)
    out = tmp_path / "scored.parquet"
    result = score(ws, "credit@2", path, out)
    ids = [f"{result.batch_id}-{n}" for n in range(1, 1501)]
    drawn = [i for i in ids if share_draw(i, 0) < 0.1]
    scored = pd.read_parquet(out)
    assert set(scored["review"].dropna()) == {"pending"}  # text, empty for the others
    assert scored.loc[scored["review"] == "pending", "request_id"].tolist() == drawn
    queued = ws.reviews.reviews(status="pending", model_name="credit", limit=10_000)
    assert sorted(r.request_id for r in queued) == sorted(drawn)
    assert {r.trigger for r in queued} == {"share"} and {r.ref for r in queued} == {"credit@2"}
    assert result.reviews == len(drawn) and 100 < len(drawn) < 200


def test_a_slice_alone_reviews_every_row_in_it(ws, batch_in, tmp_path):
    path, frame = batch_in
    review.set_rules(ws, "credit", slice_="purpose=car (new)")
    result = score(ws, "credit@1", path, tmp_path / "scored.csv")
    cars = [i + 1 for i, p in enumerate(frame["purpose"]) if p == "car (new)"]
    queued = ws.reviews.reviews(model_name="credit", limit=10_000)
    assert sorted(r.request_id for r in queued) == sorted(f"{result.batch_id}-{n}" for n in cars)
    assert {r.trigger for r in queued} == {"slice"} and result.reviews == len(cars)


def test_no_rules_no_review_column_and_nothing_queued(ws, batch_in, tmp_path):
    path, _ = batch_in
    result = score(ws, "credit@1", path, tmp_path / "scored.csv")
    assert result.reviews == 0 and "review" not in pd.read_csv(tmp_path / "scored.csv").columns
    assert ws.reviews.reviews(limit=10) == []


def test_a_file_with_a_review_column_of_its_own_is_refused_not_overwritten(
    ws, batch_in, tmp_path, capsys
):
    path, frame = batch_in
    frame.assign(review="five stars").to_csv(tmp_path / "mine.csv", index=False)
    review.set_rules(ws, "credit", share=0.5)
    argv = ["score", "credit@1", str(tmp_path / "mine.csv"), str(tmp_path / "out.csv")]
    assert main([*argv, "--workspace", str(ws.path)]) == 2
    assert "already has column(s) review" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists() and ws.reviews.reviews(limit=10) == []


def test_a_batch_row_is_contested_by_its_request_id(ws, trained, batch_in, tmp_path, capsys):
    path, frame = batch_in
    out = tmp_path / "scored.csv"
    result = score(ws, "credit@2", path, out)
    scored = pd.read_csv(out)
    row_id = f"{result.batch_id}-42"
    code, opened = _cli(capsys, ws, "review", "contest", row_id, "--reason", "my income was wrong")
    assert code == 0
    assert opened["request_id"] == row_id and opened["trigger"] == "contest"
    assert opened["status"] == "pending" and opened["contest_reason"] == "my income was wrong"
    prediction = scored.loc[scored["request_id"] == row_id, "prediction"].item()
    assert opened["suggestion"] == prediction and opened["ref"] == "credit@2"
    assert opened["score"] == pytest.approx(_scores(trained, frame.iloc[[41]], which=1)[0])
    # decided, then contested again: the same review reopens
    review.decide(ws, opened["id"], None, "checked the payslip")
    again = review.contest(ws, row_id, "still wrong")
    assert again.id == opened["id"] and again.status == "pending"
    assert again.contest_reason == "still wrong" and again.reason == "checked the payslip"
    # a row the run never scored, and a run that does not exist: exit 2, named
    for missing in (f"{result.batch_id}-9999", "batch-0123456789abcdef-1"):
        code = main(["review", "contest", missing, "--reason", "x", "--workspace", str(ws.path)])
        assert code == 2 and missing in capsys.readouterr().err
    code = main(
        ["review", "contest", row_id, "--row", "1", "--reason", "x", "--workspace", str(ws.path)]
    )
    assert code == 2 and "1 row(s)" in capsys.readouterr().err


def test_the_log_keeps_only_model_inputs_and_id_columns(ws, batch_in, tmp_path):
    path, frame = batch_in
    review.set_rules(ws, "credit", band="0:1")
    out = tmp_path / "scored.csv"
    result = score(ws, "credit@1", path, out)
    inputs = {s["name"] for s in ws.models.get("credit@1").signature["inputs"]}
    logged = ws.db.execute(
        "SELECT inputs_json, outputs_json FROM predictions WHERE protocol = 'batch-rows'"
    ).fetchall()
    assert len(logged) == 2
    for inputs_json, outputs_json in logged:
        columns = json.loads(inputs_json)["columns"]
        assert set(columns) == inputs | {"customer_id"}
        assert "example.org" not in inputs_json and "called twice" not in inputs_json
        assert "example.org" not in outputs_json
    # the output file is the user's own: it keeps every column of the input
    assert {"email", "notes", "customer_id"} <= set(pd.read_csv(out).columns)
    # nothing of those columns anywhere else in the registry (reviews, summary, audit)
    dump = "\n".join(ws.db.conn.iterdump())
    assert "person1@example.org" not in dump and "called twice" not in dump
    assert "c7" in dump  # the id column is logged: a person's rows can be found and erased
    # a logged row still explains, from its model inputs
    decision = find(ws, f"{result.batch_id}-8")
    assert set(decision.inputs["columns"]) == inputs


@pytest.mark.parametrize(
    "failure, logged",
    [(JobCancelled, []), (RuntimeError, [("batch", 500)])],  # a cancel is no failed feed
    ids=["cancelled", "failed"],
)
def test_a_run_that_fails_mid_way_leaves_no_rows_and_no_reviews(
    ws, batch_in, tmp_path, failure, logged
):
    path, _ = batch_in
    review.set_rules(ws, "credit", band="0:1")  # every scored row would go to a person
    calls = []

    def stop_after_twelve_chunks(fraction: float, message: str) -> None:
        calls.append(fraction)
        if len(calls) == 12:  # ten chunks were written to the log already
            raise failure("stopped")

    out = tmp_path / "scored.csv"
    with pytest.raises(failure):
        score(ws, "credit@1", path, out, progress=stop_after_twelve_chunks, chunk_rows=100)
    assert [p.name for p in tmp_path.iterdir() if p.name != "ws"] == [path.name]
    assert ws.db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 0
    assert ws.db.execute("SELECT protocol, status FROM predictions").fetchall() == logged
    # the next run publishes whole
    result = score(ws, "credit@1", path, out, chunk_rows=100)
    assert result.reviews == 1500 and ws.reviews.pending_count() == 1500
    assert ws.batch_rows.chunks(result.batch_id) == 15


def test_chunks_of_a_run_that_died_count_for_nothing_and_are_dropped(ws, credit_frame):
    version = ws.models.get("credit@1")
    batch = "batch-00000000deadbeef"
    log = ChunkLog(ws, version, batch, {"purpose"})
    part = credit_frame.head(3)
    entries = [[1, "band", 0.5, "good"], None, None]
    log.add(part, np.array([1, 2, 3]), np.array(["good"] * 3), None, entries)
    log.flush()  # written, then the process died: never published
    assert ws.batch_rows.chunks(batch) == 1
    assert ws.batch_rows.chunk_of(batch, 1) is None
    with pytest.raises(NotFoundError):
        review.contest(ws, f"{batch}-1", "why?")
    with pytest.raises(NotFoundError):
        find(ws, f"{batch}-1")
    assert ws.reviews.reviews(limit=10) == []
    assert ws.batch_rows.drop_abandoned("credit", before=0.0) == []  # written just now
    assert ws.batch_rows.drop_abandoned("credit", before=float("inf")) == [batch]
    assert ws.batch_rows.chunks(batch) == 0


@pytest.fixture
def erasable_ws(workspace, trained, credit_frame):
    """credit@1 and credit@2 over a real stored dataset version with a ``customer_id`` column
    (the erasure reads and rewrites every dataset version)."""
    from tests.serving.conftest import register_versions

    frame = credit_frame.copy()
    frame.insert(0, "customer_id", [f"c{i}" for i in range(len(frame))])
    schema = {
        c: "numeric" if pd.api.types.is_numeric_dtype(frame[c]) else "categorical"
        for c in frame.columns
    }
    workspace.datasets.create_version(
        "credit",
        frame,
        np.zeros(len(frame), dtype=bool),
        content_hash="credit-with-ids",
        schema=schema,
        roles={"target": TARGET, "task": "binary", "id_columns": ["customer_id"]},
        pii={},
        split={},
        profile={},
        checks=[],
    )
    register_versions(workspace, trained)
    return workspace


def test_erasing_a_person_removes_the_review_of_their_batch_row(
    erasable_ws, batch_in, tmp_path, capsys
):
    ws, (path, _) = erasable_ws, batch_in
    review.set_rules(ws, "credit", share=1.0)  # every row waits for a person
    code, result = _cli(capsys, ws, "score", "credit@1", str(path), str(tmp_path / "out.csv"))
    assert code == 0 and result["reviews"] == 1500
    batch = result["batch_id"]
    code, dry = _cli(
        capsys,
        ws,
        "erase",
        "--key",
        "customer_id",
        "--value",
        "c7",
        "--reason",
        "Art. 17",
        "--dry-run",
    )
    assert code == 0, dry
    counts = {p["place"]: p["count"] for p in dry["places"]} if "places" in dry else dry["counts"]
    assert counts["reviews"] == 1
    code, _ = _cli(
        capsys, ws, "erase", "--key", "customer_id", "--value", "c7", "--reason", "Art. 17"
    )
    assert code == 0
    left = {r[0] for r in ws.db.execute("SELECT request_id FROM reviews").fetchall()}
    assert f"{batch}-8" not in left and len(left) == 1499  # c7 is the file's 8th row
    assert f"{batch}-9" in left
