"""The Qt-free helpers behind the Test page: suggestion and export jobs, the version roster with
verdicts, chart SVGs, readable test specs and the gate YAML, on a real registered model."""

from __future__ import annotations

import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.evaluation.gates import parse_gate, parse_gate_text
from mlops_desktop.evaluation.jobs import test_model
from mlops_desktop.jobs.inline import run_inline
from mlops_desktop.ui.evaluation import jobs as ui_jobs
from mlops_desktop.ui.evaluation import model as view_model
from tests.evaluation.conftest import register_model

LENIENT = {"metrics": {"roc_auc": {">=": 0.6, "ci": True}}, "require_contracts_pass": True}


@pytest.fixture
def registered(workspace, credit_model):
    assert register_model(workspace, credit_model) == "credit@1"
    return workspace


def test_suggestions_mark_the_ones_already_stored(registered):
    ws = registered
    _, first = run_inline(ws, ui_jobs.suggest_behavioural_tests, {"model_ref": "credit@1"})
    assert first["model"] == "credit@1" and first["name"] == "credit"
    candidates = first["candidates"]
    assert candidates and not any(c["exists"] for c in candidates)
    assert {"minimum", "invariance"} <= {c["kind"] for c in candidates}
    assert all(c["why"] for c in candidates)
    chosen = candidates[0]
    ws.behavioural.add("credit", chosen["kind"], chosen["name"], chosen["spec"])
    _, again = run_inline(ws, ui_jobs.suggest_behavioural_tests, {"model_ref": "credit@1"})
    flags = {c["name"]: c["exists"] for c in again["candidates"]}
    assert flags[chosen["name"]] is True
    assert sum(flags.values()) == 1


def test_roster_verdicts_and_badge_count(registered, credit_model):
    ws = registered
    register_model(ws, credit_model, name="other")
    rows = view_model.version_roster(ws)
    assert [(r.ref, r.verdict) for r in rows] == [
        ("credit@1", "not tested"),
        ("other@1", "not tested"),
    ]
    run_inline(ws, test_model, {"model_ref": "credit@1", "resamples": 100})
    assert view_model.version_roster(ws)[0].verdict == "no gate"
    ws.gates.set("credit", {"metrics": {"roc_auc": {">=": 0.99}}}, reason="strict")
    run_inline(ws, test_model, {"model_ref": "credit@1", "resamples": 100})
    ws.models.set_alias("credit", "live", ws.models.get("credit@1").id, reason="test")
    rows = view_model.version_roster(ws)
    assert rows[0].verdict == "failed" and rows[0].aliases == ("live",)
    assert rows[0].label == "credit@1  (live)"
    assert view_model.failed_count(rows) == 1
    ws.gates.set("credit", LENIENT, reason="lenient")
    run_inline(ws, test_model, {"model_ref": "credit@1", "resamples": 100})
    rows = view_model.version_roster(ws)
    assert rows[0].verdict == "passed" and view_model.failed_count(rows) == 0
    assert rows[0].report_id == ws.reports.latest(rows[0].version_id).id


def test_export_job_writes_html_and_pdf_and_stores_the_pdf(registered, tmp_path):
    ws = registered
    ws.gates.set("credit", LENIENT, reason="lenient")
    _, outcome = run_inline(ws, test_model, {"model_ref": "credit@1", "resamples": 100})
    report_id = outcome["report_id"]
    html = tmp_path / "r.html"
    _, result = run_inline(ws, ui_jobs.export_report, {"report_id": report_id, "path": str(html)})
    assert result["format"] == "html" and result["bytes"] == html.stat().st_size
    text = html.read_text(encoding="utf-8")
    assert "https://" not in text and "<script" not in text
    assert ws.reports.get(report_id).pdf_hash is None
    pdf = tmp_path / "r.pdf"
    _, result = run_inline(ws, ui_jobs.export_report, {"report_id": report_id, "path": str(pdf)})
    assert pdf.read_bytes().startswith(b"%PDF") and result["format"] == "pdf"
    stored = ws.reports.get(report_id).pdf_hash
    assert stored and ws.artifacts.read_bytes(stored) == pdf.read_bytes()
    with pytest.raises(InputError, match="ending in .html or .pdf"):
        run_inline(
            ws, ui_jobs.export_report, {"report_id": report_id, "path": str(tmp_path / "r.docx")}
        )
    with pytest.raises(InputError, match="does not exist"):
        run_inline(
            ws,
            ui_jobs.export_report,
            {"report_id": report_id, "path": str(tmp_path / "no" / "r.html")},
        )

    summary = ws.reports.get(report_id).summary
    names = [name for name, _svg in view_model.chart_svgs(summary)]
    assert names[:4] == ["roc", "pr", "calibration", "confusion"]
    assert all(svg.startswith("<svg") for _name, svg in view_model.chart_svgs(summary))
    path = view_model.write_html_file(summary, tmp_path / "open")
    assert path.name == "test-report-credit-1.html" and "credit@1" in path.read_text()


def test_gate_yaml_round_trips_and_specs_read_as_sentences(registered):
    spec = parse_gate(
        {
            "metrics": {"roc_auc": {">=": 0.8, "ci": True}, "brier": {"<=": 0.2}},
            "max_slice_gap": 0.1,
            "min_slice_rows": 40,
        }  # fmt: skip
    ).to_dict()
    assert parse_gate_text(view_model.gate_yaml(spec)).to_dict() == spec
    assert parse_gate(spec).describe_lines() == [
        "ROC AUC ≥ 0.8 (95% CI bound)",
        "Brier score ≤ 0.2",
        "gap in the main metric between slices ≤ 0.1 (slices of at least 40 rows)",
    ]
    assert (
        view_model.describe_test(
            "directional", {"feature": "duration", "expect": "increase", "delta": 12.0}
        )
        == "raising 'duration' by 12 does not lower the score"
    )
    assert (
        view_model.describe_test(
            "invariance", {"feature": "age", "range": [20, 75], "epsilon": 0.1}
        )
        == "'age' over range 20 to 75 moves the score by ≤ 0.1"
    )
    assert (
        view_model.describe_test("minimum", {"input": {"a": 1, "b": 2}, "expect": {"class": "bad"}})
        == "2 input values → class 'bad'"
    )
    assert (
        view_model.describe_test(
            "minimum", {"input": {"a": 1}, "expect": {"min": 0.2, "max": 0.9, "class": "bad"}}
        )
        == "1 input values → score in [0.2, 0.9]"
    )
    assert view_model.decision_columns(registered, registered.models.get("credit@1")) == []
