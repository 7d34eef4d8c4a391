"""End to end through the registry: gates versioned and audited, the test job stores its report,
``test`` exits 0/1 on the gate, and the promotion rule follows the latest report."""

from __future__ import annotations

import json

import pytest

from mlops_desktop.cli import main
from mlops_desktop.evaluation import jobs as eval_jobs
from mlops_desktop.evaluation.promotion import check_promotion
from mlops_desktop.jobs.inline import run_inline
from mlops_desktop.registry.workspace import Workspace
from tests.evaluation.conftest import register_model

LENIENT = "metrics:\n  roc_auc: {'>=': 0.6}\nrequire_contracts_pass: true\n"
STRICT = "metrics:\n  roc_auc: {'>=': 0.95}\nmin_lift_over_baseline: 0.1\n"


def cli(*argv: str) -> int:
    """``mlops-desktop ARGV...`` through the CLI's own ``main``."""
    return main(list(argv))


@pytest.fixture
def ws_path(tmp_path, credit_model):
    path = tmp_path / "ws"
    with Workspace.open(path) as ws:
        assert register_model(ws, credit_model) == "credit@1"
    return path


def test_gate_set_and_show_are_versioned_and_audited(ws_path, tmp_path, capsys):
    ws = str(ws_path)
    assert cli("gate", "show", "credit", "--workspace", ws) == 2  # none yet
    (tmp_path / "gate.yaml").write_text(LENIENT)
    (tmp_path / "gate.json").write_text(json.dumps({"metrics": {"roc_auc": {">=": 0.95}}}))
    (tmp_path / "bad.yaml").write_text("max_slice_gpa: 0.1")
    assert cli("gate", "set", "credit", "--file", str(tmp_path / "gate.yaml"), "--workspace", ws,
               "--reason", "first gate") == 0  # fmt: skip
    assert cli("gate", "set", "credit", "--file", str(tmp_path / "gate.json"), "--workspace", ws,
               "--reason", "tighter") == 0  # fmt: skip
    assert (
        cli("gate", "set", "credit", "--file", str(tmp_path / "bad.yaml"), "--workspace", ws) == 2
    )
    assert "Did you mean 'max_slice_gap'?" in capsys.readouterr().err
    assert cli("gate", "show", "credit", "--json", "--workspace", ws) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"] == 2 and shown["reason"] == "tighter"
    assert shown["spec"]["metrics"] == {"roc_auc": {">=": 0.95}}
    assert cli("gate", "show", "credit", "--history", "--workspace", ws) == 0
    assert "version 1" in capsys.readouterr().out
    with Workspace.open(ws_path) as w:
        events = [e for e in w.audit.recent() if e.action == "gate.set"]
        assert [e.details["reason"] for e in events] == ["tighter", "first gate"]
        assert events[0].details["previous_spec"]["metrics"] == {"roc_auc": {">=": 0.6}}
        assert w.audit.verify().ok


def test_test_command_exits_on_the_gate_and_writes_reports(ws_path, tmp_path, capsys):
    ws = str(ws_path)
    (tmp_path / "strict.yaml").write_text(STRICT)
    (tmp_path / "lenient.yaml").write_text(LENIENT)
    assert cli("test", "credit@1", "--workspace", ws, "--resamples", "200") == 0  # no gate
    assert "No quality gate is set" in capsys.readouterr().out
    cli("gate", "set", "credit", "--file", str(tmp_path / "strict.yaml"), "--workspace", ws)
    html = tmp_path / "out" / "report.html"
    html.parent.mkdir()
    capsys.readouterr()
    code = cli("test", "credit@1", "--report", str(html), "--json", "--workspace", ws,
               "--resamples", "200")  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert code == 1 and result["passed"] is False
    failed = [line for line in result["gate"]["lines"] if not line["passed"]]
    assert failed and "misses ≥ 0.95" in failed[0]["reason"]
    assert html.is_file() and "https://" not in html.read_text()
    cli("gate", "set", "credit", "--file", str(tmp_path / "lenient.yaml"), "--workspace", ws)
    pdf = tmp_path / "out" / "report.pdf"
    assert cli("test", "credit@1", "--report", str(pdf), "--workspace", ws,
               "--resamples", "200") == 0  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "Quality gate PASSED" in capsys.readouterr().out
    with Workspace.open(ws_path) as w:
        version = w.models.get("credit@1")
        reports = w.reports.list(version.id)
        assert [r.passed for r in reports] == [None, 0, 1]
        latest = reports[-1]
        assert latest.pdf_hash and w.artifacts.read_bytes(latest.pdf_hash) == pdf.read_bytes()
        stored_html = w.artifacts.read_bytes(latest.html_hash).decode()
        assert "credit@1" in stored_html and "http://" not in stored_html
        assert latest.summary["gate"]["version"] == 2
        assert sum(e.action == "model.test" for e in w.audit.recent()) == 3
    assert cli("test", "credit@7", "--workspace", ws) == 2
    assert cli("test", "credit@1", "--report", str(tmp_path / "r.docx"), "--workspace", ws) == 2


def test_promotion_follows_the_latest_report(ws_path):
    with Workspace.open(ws_path) as ws:
        version = ws.models.get("credit@1")
        allowed, reason = check_promotion(ws, version)
        assert not allowed and "no quality gate" in reason
        gates = ws.gates
        gates.set("credit", {"metrics": {"roc_auc": {">=": 0.95}}}, reason="strict")
        allowed, reason = check_promotion(ws, version)
        assert not allowed and "has not been tested" in reason
        job, result = run_inline(
            ws, eval_jobs.test_model, {"model_ref": "credit@1", "resamples": 200}
        )
        assert job.status == "succeeded" and result["passed"] is False
        allowed, reason = check_promotion(ws, version)
        assert not allowed and "failed gate version 1" in reason and "ROC AUC" in reason
        # loosening the gate re-checks the stored report against the new gate
        gates.set("credit", {"metrics": {"roc_auc": {">=": 0.6}}}, reason="pilot threshold")
        allowed, reason = check_promotion(ws, version)
        assert allowed and "passed gate version 2" in reason


def test_behave_suggest_accept_and_list(ws_path, capsys):
    ws = str(ws_path)
    assert cli("behave", "suggest", "credit@1", "--accept", "--json", "--workspace", ws) == 0
    found = json.loads(capsys.readouterr().out)
    assert found and all("id" in s for s in found)
    assert cli("behave", "list", "credit", "--json", "--workspace", ws) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [t["id"] for t in listed] == [s["id"] for s in found]
    with Workspace.open(ws_path) as w:
        _, result = run_inline(w, eval_jobs.test_model, {"model_ref": "credit@1", "resamples": 200})
        summary = w.reports.get(result["report_id"]).summary
        assert len(summary["behavioural"]) == len(found)
        assert result["behavioural_failed"] == sum(not r["passed"] for r in summary["behavioural"])
