"""A failed ``mlops-desktop score`` run is logged as a failed batch feed: the ``batch_feed`` alert
opens with the failure's message, and the next good run resolves it."""

from __future__ import annotations

import pandas as pd
import pytest

from mlops_desktop.cli.entry import main
from mlops_desktop.monitoring.alerts import add_rule, evaluate, evaluate_alerts, list_alerts
from tests.serving.conftest import TARGET


def _score(ws, ref: str, in_path, out_path) -> int:
    return main(["score", ref, str(in_path), str(out_path), "--workspace", str(ws.path)])


def _batch_rows(ws) -> list[tuple]:
    return ws.db.execute(
        "SELECT model_version_id, status, error, outputs_json FROM predictions"
        " WHERE model_name = 'credit' AND arm = 'batch' AND protocol = 'batch' ORDER BY id"
    ).fetchall()


def _unreadable(frame, tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\x00\n\x81\x82,\x83\n")
    return "credit@1", path, ("is not valid utf-16 text",)  # the import's reader and message


def _no_such_file(frame, tmp_path):
    return "credit@1", tmp_path / "absent.csv", ("does not exist",)


def _wrong_columns(frame, tmp_path):
    path = tmp_path / "in.csv"
    frame.drop(columns=[TARGET, "purpose"]).head(20).to_csv(path, index=False)
    return "credit@1", path, ("lacks column", "purpose")


def _all_rejected(frame, tmp_path):
    path = tmp_path / "in.csv"
    bad = frame.drop(columns=[TARGET]).head(20).copy()
    bad["age_in_years"] = "unknown"
    bad.to_csv(path, index=False)
    return "credit@1", path, ("No row of in.csv could be scored", "all 20 rows")


def _unknown_version(frame, tmp_path):
    path = tmp_path / "in.csv"
    frame.drop(columns=[TARGET]).head(20).to_csv(path, index=False)
    return "credit@9", path, ("credit@9",)


CASES = {
    "unreadable file": _unreadable,
    "no such file": _no_such_file,
    "wrong columns": _wrong_columns,
    "every row rejected": _all_rejected,
    "unknown version": _unknown_version,
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_failed_score_run_opens_a_batch_feed_alert(model_ws, credit_frame, tmp_path, case):
    ws = model_ws
    add_rule(ws, "credit", "batch_feed")
    ref, in_path, words = CASES[case](credit_frame, tmp_path)
    out = tmp_path / "out.csv"

    assert _score(ws, ref, in_path, out) == 2
    assert not out.exists() and list(tmp_path.glob(".out.csv*")) == []  # no half output
    ((version_id, status, error, outputs),) = _batch_rows(ws)
    assert status in (400, 404) and outputs is None
    assert all(w in error for w in words), error
    if ref == "credit@1":
        assert version_id == ws.models.get("credit@1").id
    else:
        assert version_id is None

    (alert,) = evaluate_alerts(ws, "credit")
    assert alert.signal == "batch_feed" and alert.state == "open"
    assert "The latest batch scoring of credit failed" in alert.message
    assert all(w in alert.message for w in words), alert.message
    assert any(e.action == "batch.fail" for e in ws.audit.recent(5))


def test_every_row_rejected_keeps_the_reasons_but_writes_no_output(
    model_ws, credit_frame, tmp_path
):
    _, in_path, _ = _all_rejected(credit_frame, tmp_path)
    out = tmp_path / "out.csv"
    assert _score(model_ws, "credit@1", in_path, out) == 2
    assert not out.exists()
    reasons = pd.read_csv(tmp_path / "out.rejects.csv")
    assert len(reasons) == 20 and reasons["reason"].str.contains("age_in_years").all()


def test_a_good_run_after_a_failure_resolves_the_alert(model_ws, credit_frame, tmp_path):
    ws = model_ws
    add_rule(ws, "credit", "batch_feed")
    _, bad, _ = _wrong_columns(credit_frame, tmp_path)
    assert _score(ws, "credit@1", bad, tmp_path / "out.csv") == 2
    (alert,) = evaluate_alerts(ws, "credit")

    good = tmp_path / "good.csv"
    credit_frame.drop(columns=[TARGET]).head(30).to_csv(good, index=False)
    assert _score(ws, "credit@1", good, tmp_path / "out.csv") == 0
    assert len(pd.read_csv(tmp_path / "out.csv")) == 30
    assert [r[1] for r in _batch_rows(ws)] == [400, 200]

    result = evaluate(ws, "credit")
    assert [a.id for a in result.resolved] == [alert.id]
    assert list_alerts(ws, "credit", ("open", "acknowledged")) == []


def test_a_model_that_does_not_exist_logs_nothing(model_ws, credit_frame, tmp_path):
    _, in_path, _ = _wrong_columns(credit_frame, tmp_path)
    assert _score(model_ws, "loans@1", in_path, tmp_path / "out.csv") == 2
    count = model_ws.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
    assert count == 0


def test_a_run_that_fails_at_the_end_leaves_no_scored_rows_in_the_log(
    model_ws, credit_frame, tmp_path
):
    from mlops_desktop.serving.batch import score

    good = tmp_path / "good.csv"
    credit_frame.drop(columns=[TARGET]).head(300).to_csv(good, index=False)
    taken = tmp_path / "taken.csv"
    taken.mkdir()  # the output cannot be put in place: every chunk was scored and logged first
    with pytest.raises(OSError):
        score(model_ws, "credit@1", good, taken, chunk_rows=20)
    kinds = model_ws.db.execute("SELECT protocol, status FROM predictions").fetchall()
    assert kinds == [("batch", 500)]
