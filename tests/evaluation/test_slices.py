"""Slice analysis: a planted bad slice is found, flagged, ranked first and fails the gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.evaluation.gates import evaluate_gate, parse_gate
from mlops_desktop.evaluation.report import ReportInputs, build_report
from mlops_desktop.evaluation.slices import define_slices

GATE = {"max_slice_gap": 0.3, "min_slice_rows": 40}
PLANTED = ("housing", "rent")  # about a sixth of the rows


def _report(credit_model, test: pd.DataFrame) -> dict:
    frame, mask, _schema, _roles, result, signature = credit_model
    return build_report(
        ReportInputs(
            result.pipeline,
            signature,
            test,
            frame.loc[~mask, "creditability"],
            gate=parse_gate(GATE),
            n_boot=200,
        )
    )


def _row(report: dict, column: str, label: str) -> dict:
    return next(r for r in report["slices"]["rows"] if (r["column"], r["label"]) == (column, label))


@pytest.fixture(scope="module")
def clean_and_planted(credit_model):
    frame, mask = credit_model[0], credit_model[1]
    test = frame[mask].copy()
    clean = _report(credit_model, test)
    planted = test.copy()
    rows = planted[PLANTED[0]] == PLANTED[1]
    planted.loc[rows, "creditability"] = planted.loc[rows, "creditability"].map(
        {"good": "bad", "bad": "good"}
    )
    return clean, _report(credit_model, planted)


def test_clean_model_does_not_flag_the_slice(clean_and_planted):
    clean, _ = clean_and_planted
    row = _row(clean, *PLANTED)
    assert row["rows"] >= 40 and not row["flagged"]


def test_planted_slice_is_flagged_first_and_fails_the_gate(clean_and_planted):
    _, planted = clean_and_planted
    first = planted["slices"]["rows"][0]
    assert (first["column"], first["label"]) == PLANTED
    assert first["flagged"] and first["gap"] > 0.3
    assert first["ci_low"] is not None and first["ci_low"] <= first["value"] <= first["ci_high"]
    verdict = evaluate_gate(parse_gate(GATE), planted)
    assert not verdict.passed
    (line,) = verdict.failed_lines
    assert "housing = rent (50 rows)" in line.reason and "worse than overall" in line.reason


def test_small_slices_are_never_flagged(clean_and_planted):
    _, planted = clean_and_planted
    small = [r for r in planted["slices"]["rows"] if r["rows"] < 40]
    assert small and all(r["small"] and not r["flagged"] for r in small)
    assert any(r["gap"] is not None and r["gap"] > 0.3 for r in small)  # big gap, too few rows


def test_slices_cover_categories_quartile_bins_and_missing_values():
    frame = pd.DataFrame(
        {
            "age": [20, 30, 40, 50, 60, 70, 80, 90, np.nan, 35],
            "kind": ["a", "b", "a", None, "b", "a", "a", "b", "a", "c"],
            "flag": [0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
        }
    )
    slices = define_slices(frame, {"age": "numeric", "kind": "categorical", "flag": "numeric"})
    labels = {(s.column, s.label): len(s.rows) for s in slices}
    assert labels[("kind", "a")] == 5 and labels[("kind", "(missing)")] == 1
    assert labels[("age", "(missing)")] == 1
    assert sum(n for (c, label), n in labels.items() if c == "age" and label != "(missing)") == 9
    assert labels[("flag", "0")] == 5 and labels[("flag", "1")] == 5  # few values: one slice each
    assert any(label.startswith("[20, ") for c, label in labels if c == "age")
