"""The audit trail through the CLI: filters, bulk events summarised per day, verify, export (#14)."""

from __future__ import annotations

import csv
import json
import sqlite3

from mlops_desktop.cli.entry import main
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.outcomes import record_outcomes


def _trail(path) -> None:
    """A workspace with real German credit data, a registered model and bulk outcome events."""
    from tests.credit import build_credit_workspace

    build_credit_workspace(path)
    with Workspace.open(path, create=False) as ws:
        ws.models.set_alias("credit", "live", ws.models.get("credit@1").id, reason="first")
        for i in range(12):
            record_outcomes(ws, "credit", [{"request_id": f"r{i}", "label": "good"}])
        ws.audit.record("alias.set", "model", "credit@1", {"reason": "by bob"}, user="bob")


def _json(capsys, *argv) -> tuple[int, object]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_list_summarises_bulk_events_and_filters(tmp_path, capsys):
    path = tmp_path / "ws"
    _trail(path)
    code, listed = _json(capsys, "audit", "list", "--workspace", str(path))
    assert code == 0
    bulk = [e for e in listed if e["action"] == "outcomes.record"]
    assert len(bulk) == 1 and bulk[0]["count"] == 12
    assert bulk[0]["text"].startswith("12 outcome events on ")
    assert "(12 outcomes stored)" in bulk[0]["text"]
    assert any(e["action"] == "dataset.create" for e in listed)
    _, every = _json(capsys, "audit", "list", "--all", "--workspace", str(path))
    assert sum(e["action"] == "outcomes.record" for e in every) == 12
    _, bobs = _json(capsys, "audit", "list", "--who", "bob", "--workspace", str(path))
    assert [e["text"] for e in bobs] == ["alias.set credit@1: by bob"]
    _, on_model = _json(
        capsys, "audit", "list", "--object", "credit", "--all", "--workspace", str(path)
    )
    assert {e["object_ref"] for e in on_model} >= {"credit", "credit@1"}
    assert all(e["object_ref"].split("@")[0] == "credit" for e in on_model)
    _, alias = _json(capsys, "audit", "list", "--action", "alias", "--workspace", str(path))
    assert alias and all(e["action"].startswith("alias.") for e in alias)
    _, future = _json(capsys, "audit", "list", "--since", "2100-01-01", "--workspace", str(path))
    assert future == []
    _, past = _json(capsys, "audit", "list", "--until", "2000-01-01", "--workspace", str(path))
    assert past == []
    assert main(["audit", "list", "--since", "yesterday", "--workspace", str(path)]) == 2


def test_verify_names_the_first_tampered_event(tmp_path, capsys):
    path = tmp_path / "ws"
    _trail(path)
    code, result = _json(capsys, "audit", "verify", "--workspace", str(path))
    assert code == 0 and result["ok"]
    assert result["message"] == f"{result['events']} events, chain intact"
    with sqlite3.connect(path / "registry.db") as conn:
        target = conn.execute(
            "SELECT id FROM audit_events WHERE action = 'alias.set' ORDER BY id LIMIT 1"
        ).fetchone()[0]
        conn.execute(
            'UPDATE audit_events SET details_json = \'{"reason": "nobody"}\' WHERE id = ?',
            [target],
        )
    code = main(["audit", "verify", "--workspace", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"broken at event #{target} (alias.set credit" in out
    assert "edited after it was written" in out


def test_export_writes_every_event(tmp_path, capsys):
    path = tmp_path / "ws"
    _trail(path)
    with Workspace.open(path, create=False) as ws:
        total = ws.audit.verify().events
    assert main(["audit", "export", str(tmp_path / "a.csv"), "--workspace", str(path)]) == 0
    assert main(["audit", "export", str(tmp_path / "a.jsonl"), "--workspace", str(path)]) == 0
    with open(tmp_path / "a.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == len(lines) == total
    assert rows[0]["prev_hash"] == "0" * 64 and rows[1]["prev_hash"] == rows[0]["hash"]
    assert json.loads(lines[-1])["details"] == {"reason": "by bob"}
    capsys.readouterr()
    assert main(["audit", "export", str(tmp_path / "a.txt"), "--workspace", str(path)]) == 2
    assert "csv or .jsonl" in capsys.readouterr().err
