"""Gate files: specific parse errors, YAML and JSON alike, and a reason for every line."""

from __future__ import annotations

import json

import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.evaluation.gates import (
    evaluate_gate,
    load_gate_file,
    parse_gate,
    parse_gate_text,
)

YAML = """
metrics:
  roc_auc: {">=": 0.8}
  brier: "<= 0.2"
min_lift_over_baseline: 0.05
max_slice_gap: 0.1
min_slice_rows: 50
require_behavioural_pass: true
require_contracts_pass: true
"""


def test_yaml_and_json_files_give_the_same_gate(tmp_path):
    (tmp_path / "g.yaml").write_text(YAML)
    spec = load_gate_file(tmp_path / "g.yaml")
    (tmp_path / "g.json").write_text(json.dumps(spec.to_dict()))
    assert load_gate_file(tmp_path / "g.json") == spec
    assert spec.to_dict()["metrics"] == {"roc_auc": {">=": 0.8}, "brier": {"<=": 0.2}}
    assert parse_gate(spec.to_dict()) == spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max_slice_gpa: 0.1", "Unknown gate rule 'max_slice_gpa'. Did you mean 'max_slice_gap'?"),
        ("metrics: {auc: {'>=': 0.8}}", "Gate metric 'auc' is not a metric the tests compute."),
        ("metrics: {roc_aux: {'>=': 0.8}}", "Did you mean 'roc_auc'?"),
        ("metrics: {roc_auc: {'=>': 0.8}}", "'=>' is not an operator; use one of >=, >, <=, <."),
        ("metrics: {roc_auc: {'>=': high}}", "threshold must be a number, not 'high'"),
        ("metrics: {roc_auc: '~ 0.8'}", "should start with one of >=, >, <=, <"),
        ("metrics: {roc_auc: {'>=': 0.8, '<=': 0.9}}", "needs exactly one operator"),
        ("min_slice_rows: 0", "'min_slice_rows' must be a whole number of at least 1, not 0"),
        ("max_slice_gap: -0.1", "'max_slice_gap' cannot be negative"),
        ("require_contracts_pass: maybe", "must be true or false, not 'maybe'"),
        ("metrics:\n  roc_auc: {'>=': 0.8\n", "at line"),
        ("", "is empty"),
        ("- roc_auc", "A gate must be a mapping of rules"),
    ],
)
def test_parse_errors_name_the_problem(text, expected):
    with pytest.raises(InputError) as caught:
        parse_gate_text(text, "The gate file g.yaml")
    assert expected in str(caught.value)


def _report(**overrides) -> dict:
    report = {
        "task": "binary",
        "primary_metric": "roc_auc",
        "metrics": {
            "roc_auc": {"value": 0.82, "ci_low": 0.78, "ci_high": 0.86},
            "brier": {"value": 0.18, "ci_low": 0.16, "ci_high": 0.21},
        },
        "baseline": {"lift": {"roc_auc": {"value": 0.32}}},
        "slices": {"metric": "roc_auc", "rows": []},
        "behavioural": [{"name": "clear case", "passed": True}],
        "contracts": [{"name": "missing column", "passed": True}],
    }
    report.update(overrides)
    return report


def test_every_line_has_a_reason_and_the_verdict_is_their_conjunction():
    spec = parse_gate_text(YAML)
    verdict = evaluate_gate(spec, _report())
    assert verdict.passed and len(verdict.lines) == 6
    assert all(line.reason for line in verdict.lines)
    failing = _report(
        behavioural=[{"name": "age barely matters", "passed": False}],
        slices={
            "metric": "roc_auc",
            "rows": [{"column": "sex", "label": "f", "rows": 80, "value": 0.6, "gap": 0.22}],
        },
    )
    verdict = evaluate_gate(spec, failing)
    assert not verdict.passed
    reasons = {line.rule: line.reason for line in verdict.failed_lines}
    assert any("sex = f (80 rows)" in r for r in reasons.values())
    assert reasons["all behavioural tests pass"] == "1 of 1 failed: age barely matters."


def test_ci_rules_use_the_pessimistic_bound_and_missing_metrics_fail():
    spec = parse_gate({"metrics": {"roc_auc": {">=": 0.8, "ci": True}, "rmse": {"<=": 3}}})
    verdict = evaluate_gate(spec, _report())
    ci_line, rmse_line = verdict.lines
    assert not ci_line.passed and "CI bound is 0.78" in ci_line.reason
    assert not rmse_line.passed and "RMSE was not computed" in rmse_line.reason


def test_requiring_tests_that_never_ran_fails():
    spec = parse_gate({"require_behavioural_pass": True})
    verdict = evaluate_gate(spec, _report(behavioural=[]))
    assert not verdict.passed and "none ran" in verdict.lines[0].reason
