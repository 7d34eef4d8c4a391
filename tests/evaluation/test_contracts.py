"""Pipeline contract tests: the seven cases on a real saved pipeline, per-row violations naming
the column, and a contract that cannot see ranges or categories failing its tests."""

from __future__ import annotations

import copy

import joblib
import numpy as np
import pytest

from mlops_desktop.evaluation.contract_tests import run_contract_tests
from mlops_desktop.evaluation.contracts import ContractError, score_frame, validate_frame

CASES = {
    "missing column",
    "extra column",
    "changed dtype",
    "empty batch",
    "unseen category",
    "out-of-range value",
    "all-null column",
}


@pytest.fixture(scope="module")
def saved(credit_model, tmp_path_factory):
    """The pipeline after a save and load, as serving and batch scoring will see it."""
    frame, mask, _schema, _roles, result, signature = credit_model
    path = tmp_path_factory.mktemp("model") / "pipeline.joblib"
    joblib.dump(result.pipeline, path)
    return joblib.load(path), signature, frame[mask].drop(columns=["creditability"])


def test_all_seven_cases_pass_on_the_saved_pipeline(saved):
    pipeline, signature, sample = saved
    results = {r["name"]: r for r in run_contract_tests(pipeline, signature, sample)}
    assert set(results) == CASES
    failed = {name: r["message"] for name, r in results.items() if not r["passed"]}
    assert failed == {}
    assert results["missing column"]["outcome"] == "failed loudly"
    assert "'duration_in_month' is missing" in results["missing column"]["message"]
    assert results["all-null column"]["outcome"] == "failed loudly"
    assert results["extra column"]["outcome"] == "handled"
    assert results["empty batch"]["outcome"] == "handled"
    assert "never seen in training" in results["unseen category"]["message"]
    assert "outside the training range" in results["out-of-range value"]["message"]
    assert "not finite numbers" in results["changed dtype"]["message"]


def test_a_contract_blind_to_ranges_and_categories_fails_those_cases(saved):
    pipeline, signature, sample = saved
    blind = copy.deepcopy(signature)
    for spec in blind["inputs"]:
        for key in ("min", "max", "categories"):
            spec.pop(key, None)
    results = {r["name"]: r for r in run_contract_tests(pipeline, blind, sample)}
    for name in ("unseen category", "out-of-range value"):
        assert not results[name]["passed"]
        assert results[name]["outcome"] == "silent"
        assert "without any warning" in results[name]["message"]


def test_violations_name_the_column_and_the_rows(saved):
    pipeline, signature, sample = saved
    batch = sample.head(6).copy()
    batch["age_in_years"] = batch["age_in_years"].astype(object)
    batch.loc[batch.index[[1, 4]], "age_in_years"] = "forty"
    batch.loc[batch.index[2], "purpose"] = "space travel"
    batch.loc[batch.index[3], "credit_amount"] = 10**9
    found = {v.kind: v for v in validate_frame(batch, signature)}
    wrong = found["wrong_type"]
    assert wrong.column == "age_in_years" and wrong.rows == (1, 4) and wrong.count == 2
    assert wrong.severity == "error" and "'forty' in row 1" in wrong.message
    assert found["unseen_category"].rows == (2,) and found["unseen_category"].column == "purpose"
    assert found["out_of_range"].rows == (3,) and found["out_of_range"].severity == "warning"
    with pytest.raises(ContractError) as caught:
        score_frame(pipeline, signature, batch)
    assert "age_in_years" in caught.value.message
    assert len(caught.value.violations) == 3


def test_guarded_scoring_ignores_extra_columns_and_reads_numbers_sent_as_text(saved):
    pipeline, signature, sample = saved
    batch = sample.head(20)
    plain = score_frame(pipeline, signature, batch)
    text = batch.astype(str).assign(note="not a feature")
    guarded = score_frame(pipeline, signature, text)
    np.testing.assert_allclose(guarded.proba, plain.proba)
    kinds = {v.kind for v in guarded.violations}
    assert {"extra_column", "converted"} <= kinds and not guarded.warnings
    empty = score_frame(pipeline, signature, batch.iloc[:0])
    assert empty.proba.shape == (0, 2)
