"""Behavioural tests on a real credit model: ones that pass, ones that fail, Giskard's >50% rule,
specific errors for bad specs, and suggestions drawn from the data."""

from __future__ import annotations

import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.evaluation.behavioural import parse_spec, run_test
from mlops_desktop.evaluation.suggestions import suggest_tests


@pytest.fixture(scope="module")
def model(credit_model):
    frame, mask, _schema, _roles, result, signature = credit_model
    test = frame[mask]
    return result.pipeline, signature, test.drop(columns=["creditability"]), test


def _run(model, kind: str, spec: dict) -> dict:
    pipeline, signature, features, _ = model
    return run_test({"name": "t", "kind": kind, "spec": spec}, pipeline, signature, features)


def _clear_case(model, cls: str) -> dict:
    pipeline, _, features, test = model
    proba = pipeline.predict_proba(features)[:, list(pipeline.classes_).index(cls)]
    row = features.iloc[int(proba.argmax())]
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def test_minimum_functionality_passes_and_fails(model):
    row = _clear_case(model, "bad")
    passed = _run(model, "minimum", {"input": row, "expect": {"class": "bad"}})
    assert passed["passed"] and "Predicted 'bad'" in passed["message"]
    failed = _run(model, "minimum", {"input": row, "expect": {"class": "good"}})
    assert not failed["passed"] and "expected 'good'" in failed["message"]
    in_range = _run(model, "minimum", {"input": row, "expect": {"min": 0.7, "max": 1.0}})
    assert in_range["passed"]
    out_of_range = _run(model, "minimum", {"input": row, "expect": {"max": 0.1}})
    assert not out_of_range["passed"] and "outside" in out_of_range["message"]


def test_invariance_passes_for_telephone_and_fails_for_checking_account(model):
    phone = _run(
        model,
        "invariance",
        {"feature": "telephone", "values": ["none", "yes, registered under the customers name"]},
    )
    assert phone["passed"] and phone["rate"] > 0.9
    account = _run(
        model,
        "invariance",
        {
            "feature": "status_of_existing_checking_account",
            "values": ["no checking account", "... < 0 DM"],
            "epsilon": 0.01,
        },
    )
    assert not account["passed"] and account["rate"] < 0.5
    assert account["examples"] and account["examples"][0]["moved"] > 0.01


def test_directional_passes_one_way_and_fails_the_other(model):
    longer = {"feature": "duration_in_month", "delta": 12, "expect": "increase"}
    up = _run(model, "directional", longer)
    assert up["passed"] and "does not lower" in up["message"]
    down = _run(model, "directional", {**longer, "expect": "decrease"})
    assert not down["passed"] and down["examples"]


def test_pass_rate_is_strictly_more_than_giskards_half(model):
    spec = {"feature": "age_in_years", "range": [19, 75], "epsilon": 0.1}
    rate = _run(model, "invariance", spec)["rate"]
    assert 0 < rate < 1
    assert not _run(model, "invariance", {**spec, "pass_rate": rate})["passed"]  # equal: fails
    assert _run(model, "invariance", {**spec, "pass_rate": rate - 0.01})["passed"]


@pytest.mark.parametrize(
    ("kind", "spec", "expected"),
    [
        ("invariance", {"feature": "salary", "values": [1]}, "must name an input of the model"),
        ("invariance", {"feature": "telephone"}, "give the 'values' or the 'range'"),
        ("invariance", {"feature": "telephone", "range": [0, 1]}, "a 'range' needs a numeric"),
        ("invariance", {"feature": "age_in_years", "range": [5, 1]}, "low <= high"),
        ("invariance", {"feature": "age_in_years", "values": [1], "pass_rate": 1.5}, "pass_rate"),
        ("directional", {"feature": "purpose", "delta": 1, "expect": "increase"}, "numeric"),
        ("directional", {"feature": "age_in_years", "delta": 0, "expect": "increase"}, "delta"),
        ("directional", {"feature": "age_in_years", "delta": 1, "expect": "up"}, "'increase'"),
        ("minimum", {"input": {"age_in_years": 30}}, "'expect' needs a 'class'"),
        ("minimum", {"input": {"x": 1}, "expect": {"class": "bad"}}, "'x' is not an input"),
        ("minimum", {"input": {"age_in_years": 3}, "expect": {"class": "ok"}}, "not one of"),
        ("fairness", {}, "kind 'fairness' is not one of"),
    ],
)
def test_bad_specs_are_refused_with_the_reason(model, kind, spec, expected):
    with pytest.raises(InputError) as caught:
        parse_spec(kind, spec, model[1], "my test")
    assert expected in str(caught.value) and "'my test'" in str(caught.value)


def test_suggestions_are_valid_specs_drawn_from_the_data(model):
    pipeline, signature, features, test = model
    found = suggest_tests(test, signature, pipeline)
    kinds = {s["kind"] for s in found}
    assert kinds == {"minimum", "invariance", "directional"}
    for s in found:
        parse_spec(s["kind"], s["spec"], signature, s["name"])
        assert s["why"]
    personal = {s["spec"]["feature"] for s in found if s["kind"] == "invariance"}
    assert {"personal_status_and_sex", "age_in_years", "foreign_worker"} <= personal
    minimum = [s for s in found if s["kind"] == "minimum"]
    assert {s["spec"]["expect"]["class"] for s in minimum} == {"bad", "good"}
    for s in minimum:  # real rows the model is sure of pass today
        assert run_test(s, pipeline, signature, features)["passed"]
