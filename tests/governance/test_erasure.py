"""Erasure leaves no trace of the person in any file or table, keeps everyone else, and keeps the
audit chain intact; a crash halfway changes nothing (#14)."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from mlops_desktop.cli.entry import main
from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.governance.audit import AuditFilter
from mlops_desktop.governance.erasure import PLACES, erase
from mlops_desktop.governance.explanations import explain_request
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.governance.audit_model import read_trail
from tests.governance.erasure_world import KEY, NEIGHBOUR, PERSON, build, files_holding


@pytest.fixture(scope="module")
def world(tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("erasure-world")
    build(folder / "ws", data_dir, folder)
    return folder


@pytest.fixture
def copy(world, tmp_path):
    """A private copy of the world (the workspace and the batch output beside it)."""
    shutil.copytree(world, tmp_path / "w")
    scored = tmp_path / "w" / "scored.csv"
    with Workspace.open(tmp_path / "w" / "ws", create=False) as ws:
        # the batch record names the original output file: point the copy at its own one
        ws.db.execute(
            "UPDATE predictions SET outputs_json = replace(outputs_json, ?, ?) WHERE arm = 'batch'",
            [str(world / "scored.csv"), str(scored)],
        )
    return tmp_path / "w"


def _cli(capsys, *argv) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_dry_run_counts_every_place_and_changes_nothing(copy, capsys):
    ws_dir = str(copy / "ws")
    before = _state(copy)
    code, result = _cli(
        capsys, "erase", "--key", KEY, "--value", PERSON, "--dry-run", "--workspace", ws_dir
    )
    assert code == 0 and result["dry_run"]
    counts = result["counts"]
    assert counts["dataset versions"] == 2  # one row in adult@1 and one in adult@2
    # the multi-row request, the entity's, the refused one, and the batch run's scored chunk
    assert counts["prediction log"] == 4
    assert counts["prediction log quarantine"] == 1
    assert counts["outcomes"] == 3  # the entity's two, and the multi-row request's labels
    assert counts["batch scoring outputs"] == 1
    assert counts["service and job log files"] == 2
    assert (
        counts["other registry records"] >= 2
    )  # adult@1 and @2 profiles' top values name the person
    assert counts["audit events (kept: the chain is never rewritten)"] == 0
    assert counts["drift window reports"] == 1
    assert counts["model files (kept: retrain them)"] == 0  # the id is not a feature
    assert set(counts) == {p.name for p in PLACES}
    assert PERSON not in json.dumps(result)
    assert _state(copy) == before


def test_the_dry_run_counts_what_the_real_run_erases(copy):
    """The registry sweep scrubs the rewritten dataset versions' copies of the old profiles too:
    the dry run counts them (adult@1 and @2 are rewritten, both profiles name the person)."""
    with Workspace.open(copy / "ws", create=False) as ws:
        dry = erase(ws, KEY, PERSON, dry_run=True).counts
        holding = ws.db.execute(
            "SELECT COUNT(*) FROM dataset_versions WHERE instr(profile_json, ?) > 0", [PERSON]
        ).fetchone()[0]
        real = erase(ws, KEY, PERSON, "Art. 17 request received 2026-11-30").counts
    assert holding == 2
    assert dry == real
    assert real["other registry records"] >= 4  # the two old profiles and their two copies


def test_a_decision_of_a_model_trained_on_erased_data_is_still_explained(copy):
    """adult@1 (logistic regression) was trained on adult@1, rewritten as adult@4: its base is
    the mean of adult@4's training rows (the same rows without the person's), and says so."""
    import numpy as np
    import pandas as pd

    from mlops_desktop.governance.explanations import text_lines
    from mlops_desktop.serving.integrity import load_verified

    with Workspace.open(copy / "ws", create=False) as ws:
        before = explain_request(ws, "req-both")
        erase(ws, KEY, PERSON, "Art. 17 request received 2026-11-30")
        after = explain_request(ws, "req-both")  # the neighbour's row is kept
        version = ws.models.get("adult@1")
        pipeline = load_verified(ws, version)
        inputs = ws.predictions.by_request("req-both")[0].inputs
        frame = pd.DataFrame(inputs["data"], columns=inputs["columns"])
        raw = np.asarray(pipeline.decision_function(frame))
    assert (before.dataset, before.background, before.background_note) == ("adult@1", "adult@1", "")
    assert (after.dataset, after.background) == ("adult@1", "adult@4")
    assert before.rows_total == 2 and after.rows_total == 1
    row = after.rows[0]
    positive = version.signature["output"].get("positive_class")
    expected = raw[0] if positive in (None, pipeline.classes_[1]) else -raw[0]
    assert row.raw == pytest.approx(float(expected), abs=1e-9)
    assert row.base + sum(row.contributions.values()) == pytest.approx(row.raw, abs=1e-6)
    assert "mean of adult@4's training rows" in "\n".join(text_lines(after))


def _state(copy) -> tuple:
    """Every row of every table but the settings (the salt is made on first use), and the files."""
    with sqlite3.connect(copy / "ws" / "registry.db") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {t: db.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    rows.pop("workspace_settings")
    files = sorted(
        (str(p), p.stat().st_size)
        for p in copy.rglob("*")
        if p.is_file() and not p.name.startswith("registry.db")
    )
    return rows, files


def _traces(copy) -> list[str]:
    """The files of the workspace, and the batch output it wrote, that hold the person."""
    return files_holding(copy / "ws", PERSON, (copy / "scored.csv",))


def test_erasure_leaves_no_trace_and_the_chain_verifies(copy, capsys):
    ws_dir = str(copy / "ws")
    code, result = _cli(
        capsys,
        "erase",
        "--key",
        KEY,
        "--value",
        PERSON,
        "--reason",
        "Art. 17 request received 2026-11-30",
        "--workspace",
        ws_dir,
    )
    assert code == 0 and not result["dry_run"]
    assert result["rewritten"] == [["adult@1", "adult@4"], ["adult@2", "adult@5"]]
    assert result["flagged"] == ["adult@1"]
    assert result["retrain"] == ["mlops-desktop retrain adult@1 --dataset adult@4"]
    assert main(["audit", "verify", "--workspace", ws_dir]) == 0
    assert "chain intact" in capsys.readouterr().out
    db = sqlite3.connect(copy / "ws" / "registry.db")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("VACUUM")
    db.close()
    assert _traces(copy) == []
    _everyone_else_is_kept(copy / "ws")
    code, models = _cli(capsys, "models", "list", "--workspace", ws_dir)
    erased = {m["ref"]: m["erased_data"] for m in models}
    assert erased == {"adult@1": "trained on erased data (adult@1)", "adult@2": None}
    _, datasets = _cli(capsys, "data", "list", "--workspace", ws_dir)
    assert [d["superseded_by"] for d in datasets] == ["adult@4", "adult@5", None, None, None]
    assert main(["models", "list", "--workspace", ws_dir]) == 0
    lines = capsys.readouterr().out.splitlines()
    flagged = lines.index(next(line for line in lines if line.startswith("adult@1 ")))
    assert (
        lines[flagged + 1]
        == "  trained on erased data (adult@1): retrain it on the rewritten version"
    )


def _everyone_else_is_kept(path) -> None:
    with Workspace.open(path, create=False) as ws:
        new, mask = ws.datasets.load_frame("adult@4")
        assert len(new) == 2999 and NEIGHBOUR in set(new[KEY]) and PERSON not in set(new[KEY])
        assert len(mask) == 2999
        assert len(ws.datasets.load_frame("adult@3")[0]) == 2000  # never held the person
        with pytest.raises(NotFoundError, match="rewritten by an erasure as adult@4"):
            ws.datasets.load_frame("adult@1")
        kept = ws.db.execute(
            "SELECT request_id, inputs_json FROM predictions WHERE arm != 'batch' ORDER BY id"
        ).fetchall()
        assert [r[0] for r in kept] == ["req-both", "req-other"]
        assert len(json.loads(kept[0][1])["data"]) == 1
        _the_batch_run_lost_only_the_persons_row(ws)
        labels = dict(ws.db.execute("SELECT request_id, label_json FROM outcomes").fetchall())
        assert labels == {"req-both": '["<=50K"]', "req-other": '">50K"'}
        event = ws.audit.recent(1)[0]
        assert event.action == "data.erase" and len(event.details["value_hash"]) == 64
        assert ws.erasures.count() == 1
        from mlops_desktop.ui.serving.model import version_rows  # the Deploy page's list

        deploy = {r.ref: r.erased_data for r in version_rows(ws)}
        assert deploy == {"adult@1": "trained on erased data (adult@1)", "adult@2": ""}
        view = read_trail(ws, AuditFilter())  # the Govern tab's banner
        assert view.erased_models == ["adult@1: trained on erased data (adult@1)"]
        assert view.rows[0][2][0] == "data.erase"


def _the_batch_run_lost_only_the_persons_row(ws) -> None:
    """File row 8 was the person's, row 9 the neighbour's: row 8's id now names no row."""
    batch_id = ws.predictions.latest_batch("adult").request_id
    chunk = ws.batch_rows.chunk_of(batch_id, 9)
    assert chunk.outputs["rows"] == [n for n in range(1, 51) if n != 8]
    assert len(chunk.inputs["data"]) == len(chunk.outputs["predictions"]) == 49
    at = chunk.inputs["columns"].index(KEY)
    assert chunk.inputs["data"][7][at] == NEIGHBOUR
    with pytest.raises(NotFoundError, match="has no scored row 8"):
        explain_request(ws, f"{batch_id}-8")


class _Crash:
    """A place that fails inside the transaction, after every real place erased its part."""

    name = "crash"

    def count(self, target):
        return 0

    def prepare(self, target):
        return None

    def erase(self, target):
        raise RuntimeError("power cut")

    def finish(self, target):
        return None


def test_a_crash_halfway_changes_nothing_and_a_rerun_finishes(copy):
    with Workspace.open(copy / "ws", create=False) as ws:
        before = ws.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
        with pytest.raises(RuntimeError, match="power cut"):
            erase(ws, KEY, PERSON, "Art. 17 request", places=(*PLACES, _Crash()))
        assert ws.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == before
        assert len(ws.datasets.load_frame("adult@1")[0]) == 3000  # old artifact still there
        assert ws.erasures.count() == 0 and [v.ref for v in ws.datasets.list()][-1] == "adult@3"
        assert ws.audit.verify().ok
        assert str(copy / "scored.csv") in _traces(copy)  # files not touched
        erase(ws, KEY, PERSON, "Art. 17 request")
        assert ws.audit.verify().ok
    assert _traces(copy) == []  # secure_delete and a checkpoint: no VACUUM needed


class _CrashAfterCommit(_Crash):
    """A place that fails after the commit, before any old file was replaced or deleted."""

    def erase(self, target):
        return 0

    def finish(self, target):
        raise RuntimeError("power cut after the commit")


def test_a_crash_after_the_commit_is_finished_by_a_rerun(copy):
    with Workspace.open(copy / "ws", create=False) as ws:
        with pytest.raises(RuntimeError, match="after the commit"):
            erase(ws, KEY, PERSON, "Art. 17 request", places=(_CrashAfterCommit(), *PLACES))
        assert ws.erasures.count() == 1 and ws.audit.verify().ok
        left = _traces(copy)
        assert str(copy / "scored.csv") in left  # files not yet replaced
        assert any("/artifacts/" in p for p in left)  # old dataset files not yet deleted
        result = erase(ws, KEY, PERSON, "Art. 17 request, finishing")
        assert result.counts["batch scoring outputs"] == 1 and result.rewritten == []
        assert ws.audit.verify().ok
    assert _traces(copy) == []


def test_the_value_can_come_from_standard_input(copy, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(PERSON + "\n"))
    code, result = _cli(
        capsys, "erase", "--key", KEY, "--value", "-", "--dry-run", "--workspace", str(copy / "ws")
    )
    assert code == 0 and result["counts"]["dataset versions"] == 2


def test_a_short_value_is_matched_in_the_key_column_only(copy):
    """'40' is everywhere as text: only the key column's cells count."""
    with Workspace.open(copy / "ws", create=False) as ws:
        result = erase(ws, "age", "40", dry_run=True)
    assert result.short_value and "free text" in result.text()
    assert result.counts["dataset versions"] > 0  # Adult's 40-year-olds, in the age column
    assert result.counts["service and job log files"] == 0  # '40' in a log line is not them
    assert result.counts["other registry records"] == 0


def test_bad_requests_are_refused(copy, capsys):
    with Workspace.open(copy / "ws", create=False) as ws:
        with pytest.raises(InputError, match="reason holds the value"):
            erase(ws, KEY, PERSON, f"request from {PERSON}")
        with pytest.raises(InputError, match="reason for the erasure"):
            erase(ws, KEY, PERSON, "  ")
    assert (
        main(
            ["erase", "--key", KEY, "--value", "", "--reason", "x", "--workspace", str(copy / "ws")]
        )
        == 2
    )


def test_a_linear_model_whose_training_data_was_wholly_erased_says_why_it_cannot_explain(
    tmp_path, capsys
):
    """Every row of branch B-17's data is erased: no training rows are left to take the linear
    model's mean from, and explaining its decisions says so (exit 2), naming no value."""
    from mlops_desktop.data.importer import import_dataset
    from mlops_desktop.jobs.inline import run_inline
    from mlops_desktop.training.jobs import train_model
    from tests.credit import TARGET
    from tests.datasets import GERMAN_CREDIT, read_dataset
    from tests.decisions import credit_records, log_decision

    frame = read_dataset(GERMAN_CREDIT).head(300)
    frame.insert(0, "branch", "B-17")
    source = tmp_path / "branch.csv"
    frame.to_csv(source, index=False)
    with Workspace.open(tmp_path / "ws") as ws:
        run_inline(
            ws,
            import_dataset,
            {"path": str(source), "name": "b", "target": TARGET, "id_cols": ["branch"], "seed": 1},
        )
        run_inline(ws, train_model, {"dataset": "b@1", "model": "logreg", "register": "b"})
        request_id = log_decision(ws, "b@1", credit_records(1))
        result = erase(ws, "branch", "B-17", "the branch closed; Art. 17 requests")
        assert result.rewritten == [("b@1", None)]
        with pytest.raises(InputError, match="rewrote with no row left"):
            explain_request(ws, request_id)
    assert main(["explain", request_id, "--workspace", str(tmp_path / "ws")]) == 2
    assert "b@1, which an erasure rewrote with no row left" in capsys.readouterr().err
