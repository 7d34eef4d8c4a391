"""Behavioural tests, stored as data: what the model must do, whatever its metrics say.

Three kinds (specs are JSON objects):

- ``minimum``: ``{"input": {col: value, ...}, "expect": {"class": "bad"}}`` or
  ``{"expect": {"min": 0.2, "max": 0.9}}`` (the score: a regression prediction, or the
  probability of ``class``/the positive class). Columns left out of ``input`` are missing values.
- ``invariance``: ``{"feature": X, "values": [...]}`` or ``{"feature": X, "range": [lo, hi]}``;
  setting X to each value moves a row's score by at most ``epsilon`` (default 0.05).
- ``directional``: ``{"feature": X, "expect": "increase"|"decrease", "delta": d}``; raising X by
  d must not move the score against ``expect`` by more than ``epsilon`` (default 0).

Perturbation tests run on ``rows`` sampled test rows (default 200) and pass when MORE than
``pass_rate`` (default 0.5, Giskard's rule) of them behave.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError

KINDS = ("minimum", "invariance", "directional")
DEFAULT_PASS_RATE = 0.5
DEFAULT_ROWS = 200
DEFAULT_EPSILON = {"invariance": 0.05, "directional": 0.0}
RANGE_STEPS = 5
MAX_EXAMPLES = 3


def plain(value):
    """A JSON-safe Python value (numpy scalars unwrapped, NaN as None)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _inputs(signature: dict) -> dict[str, dict]:
    return {spec["name"]: spec for spec in signature.get("inputs") or []}


def _classes(signature: dict) -> list:
    return list((signature.get("output") or {}).get("classes") or [])


def _number(spec: dict, key: str, default: float, low: float, high: float, what: str) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise InputError(
            f"{what}: '{key}' must be a number from {low:g} to {high:g}, not {value!r}."
        )
    return float(value)


def _check_minimum(spec: dict, what: str, inputs: dict, classes: list, task: str | None) -> None:
    row, expect = spec.get("input"), spec.get("expect")
    if not isinstance(row, dict) or not row:
        raise InputError(f"{what}: 'input' must map input columns to values.")
    unknown = [c for c in row if c not in inputs]
    if unknown:
        raise InputError(f"{what}: '{unknown[0]}' is not an input of the model.")
    if not isinstance(expect, dict) or not ({"class", "min", "max"} & set(expect)):
        raise InputError(f"{what}: 'expect' needs a 'class', or a 'min' and/or 'max' score.")
    if "min" not in expect and "max" not in expect:
        if task == "regression":
            raise InputError(f"{what}: a regression model needs an expected 'min'/'max'.")
        if str(expect["class"]) not in [str(c) for c in classes]:
            raise InputError(f"{what}: class '{expect['class']}' is not one of {classes}.")


def _check_perturbation(kind: str, spec: dict, what: str, inputs: dict, task: str | None) -> None:
    """The feature, tolerance, pass rate and row count of an invariance or directional test."""
    feature = spec.get("feature")
    if feature not in inputs:
        raise InputError(
            f"{what}: 'feature' must name an input of the model ({', '.join(inputs)}), "
            f"not {feature!r}."
        )
    spec["epsilon"] = _number(spec, "epsilon", DEFAULT_EPSILON[kind], 0, math.inf, what)
    spec["pass_rate"] = _number(spec, "pass_rate", DEFAULT_PASS_RATE, 0, 0.999999, what)
    rows = spec.get("rows", DEFAULT_ROWS)
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise InputError(f"{what}: 'rows' must be a whole number of at least 1, not {rows!r}.")
    if task == "multiclass" and kind == "directional" and spec.get("class") is None:
        raise InputError(f"{what}: name the 'class' whose probability should move.")


def _check_invariance(spec: dict, what: str, inputs: dict) -> None:
    feature = spec["feature"]
    if "values" in spec:
        if not isinstance(spec["values"], list) or not spec["values"]:
            raise InputError(f"{what}: 'values' must be a non-empty list.")
    elif "range" in spec:
        bounds = spec["range"]
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or not all(isinstance(b, (int, float)) for b in bounds)
            or bounds[0] > bounds[1]
        ):
            raise InputError(f"{what}: 'range' must be [low, high] with low <= high.")
        if inputs[feature].get("type") != "numeric":
            raise InputError(f"{what}: a 'range' needs a numeric feature; '{feature}' is not.")
    else:
        raise InputError(f"{what}: give the 'values' or the 'range' that '{feature}' may take.")


def _check_directional(spec: dict, what: str, inputs: dict) -> None:
    feature = spec["feature"]
    if inputs[feature].get("type") != "numeric":
        raise InputError(f"{what}: directional tests need a numeric feature; '{feature}' is not.")
    if spec.get("expect") not in ("increase", "decrease"):
        raise InputError(f"{what}: 'expect' must be 'increase' or 'decrease'.")
    delta = spec.get("delta")
    if isinstance(delta, bool) or not isinstance(delta, (int, float)) or delta <= 0:
        raise InputError(f"{what}: 'delta' (how much to raise '{feature}') must be above 0.")


def parse_spec(kind: str, spec: dict, signature: dict, name: str = "") -> dict:
    """Validate a behavioural test against the model's signature; return it with defaults."""
    what = f"Behavioural test '{name or kind}'"
    if kind not in KINDS:
        raise InputError(f"{what}: kind '{kind}' is not one of {', '.join(KINDS)}.")
    if not isinstance(spec, dict):
        raise InputError(f"{what}: the spec must be a mapping, not {type(spec).__name__}.")
    inputs, classes = _inputs(signature), _classes(signature)
    task = (signature.get("output") or {}).get("task")
    spec = dict(spec)
    cls = spec.get("class")
    if cls is not None and str(cls) not in [str(c) for c in classes]:
        raise InputError(f"{what}: class '{cls}' is not one of the model's classes {classes}.")
    if kind == "minimum":
        _check_minimum(spec, what, inputs, classes, task)
        return spec
    _check_perturbation(kind, spec, what, inputs, task)
    if kind == "invariance":
        _check_invariance(spec, what, inputs)
    else:
        _check_directional(spec, what, inputs)
    return spec


# -- running -----------------------------------------------------------------------------------


def _scorer(pipeline, signature: dict, cls) -> Callable[[pd.DataFrame], np.ndarray]:
    """Rows -> score: the prediction, or the probability of one class (or all, for multiclass)."""
    output = signature.get("output") or {}
    if output.get("task") == "regression":
        return lambda rows: np.asarray(pipeline.predict(rows), dtype=float)
    classes = [str(c) for c in pipeline.classes_]
    if cls is None and len(classes) == 2:
        positive = output.get("positive_class")
        cls = positive if positive is not None else classes[1]
    if cls is None:
        return lambda rows: np.asarray(pipeline.predict_proba(rows), dtype=float)
    index = classes.index(str(cls))
    return lambda rows: np.asarray(pipeline.predict_proba(rows), dtype=float)[:, index]


def _result(test: dict, passed: bool, message: str, **extra) -> dict:
    return {
        "id": test.get("id"),
        "name": test.get("name") or test["kind"],
        "kind": test["kind"],
        "passed": bool(passed),
        "message": message,
        **extra,
    }


def _minimum(test: dict, pipeline, signature: dict) -> dict:
    spec = test["spec"]
    row = pd.DataFrame([{name: spec["input"].get(name, np.nan) for name in _inputs(signature)}])
    expect = spec["expect"]
    if "min" in expect or "max" in expect:
        score = float(_scorer(pipeline, signature, expect.get("class"))(row)[0])
        low, high = expect.get("min", -math.inf), expect.get("max", math.inf)
        ok = low <= score <= high
        return _result(
            test,
            ok,
            f"Score {score:.4g} is {'inside' if ok else 'outside'} the expected [{low:g}, {high:g}].",
            observed=score,
        )
    proba = np.asarray(pipeline.predict_proba(row), dtype=float)[0]
    classes = [str(c) for c in pipeline.classes_]
    predicted = classes[int(np.argmax(proba))]
    ok = predicted == str(expect["class"])
    return _result(
        test,
        ok,
        f"Predicted '{predicted}' ({proba.max():.0%}); expected '{expect['class']}'.",
        observed=predicted,
    )


def _perturbed(frame: pd.DataFrame, feature: str, value) -> pd.DataFrame:
    out = frame.copy()
    out[feature] = pd.Series([value] * len(out), index=out.index, dtype=object)
    return out


def _rate_result(test: dict, behaves: np.ndarray, rows: int, detail: str, examples) -> dict:
    spec = test["spec"]
    rate = float(np.mean(behaves)) if len(behaves) else 0.0
    ok = len(behaves) > 0 and rate > spec["pass_rate"]
    message = (
        f"{rate:.0%} of {len(behaves)} rows behave ({detail}); the test needs more than "
        f"{spec['pass_rate']:.0%}."
    )
    return _result(
        test,
        ok,
        message,
        rate=rate,
        pass_rate=spec["pass_rate"],
        rows=int(len(behaves)),
        examples=examples[:MAX_EXAMPLES],
    )


def _sample(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    if len(frame) <= rows:
        return frame.reset_index(drop=True)
    return frame.sample(rows, random_state=seed).reset_index(drop=True)


def _invariance(test: dict, pipeline, signature: dict, frame: pd.DataFrame, seed: int) -> dict:
    spec = test["spec"]
    feature, eps = spec["feature"], spec["epsilon"]
    values = spec.get("values") or list(np.linspace(*spec["range"], RANGE_STEPS))
    rows = _sample(frame, spec.get("rows", DEFAULT_ROWS), seed)
    score = _scorer(pipeline, signature, spec.get("class"))
    before = score(rows)
    # one scoring call for every perturbed copy: the pipeline's per-call cost is paid once
    after = score(pd.concat([_perturbed(rows, feature, v) for v in values], ignore_index=True))
    after = after.reshape(len(values), len(rows), *after.shape[1:])
    moved = np.abs(after - before[None])
    moved = moved.max(axis=2) if moved.ndim == 3 else moved
    worst = moved.max(axis=0)
    worst_value = [values[k] for k in moved.argmax(axis=0)]
    behaves = worst <= eps + 1e-12
    examples = [
        {
            "row": int(i),
            "from": plain(rows[feature].iloc[i]),
            "to": plain(worst_value[i]),
            "moved": float(worst[i]),
        }
        for i in np.argsort(-worst)
        if not behaves[i]
    ]
    detail = f"setting '{feature}' to {len(values)} values moves the score by at most {eps:g}"
    return _rate_result(test, behaves, len(rows), detail, examples)


def _directional(test: dict, pipeline, signature: dict, frame: pd.DataFrame, seed: int) -> dict:
    spec = test["spec"]
    feature, eps, delta = spec["feature"], spec["epsilon"], float(spec["delta"])
    rows = _sample(frame, spec.get("rows", DEFAULT_ROWS), seed)
    values = pd.to_numeric(rows[feature], errors="coerce")
    rows = rows[values.notna().to_numpy()].reset_index(drop=True)
    values = values.dropna().to_numpy(dtype=float)
    score = _scorer(pipeline, signature, spec.get("class"))
    before = score(rows)
    raised = rows.copy()
    raised[feature] = values + delta
    change = score(raised) - before
    up = spec["expect"] == "increase"
    behaves = change >= -eps - 1e-12 if up else change <= eps + 1e-12
    examples = [
        {
            "row": int(i),
            "from": plain(values[i]),
            "to": plain(values[i] + delta),
            "moved": float(change[i]),
        }
        for i in (np.argsort(change) if up else np.argsort(-change))
        if not behaves[i]
    ]
    way = "lower" if up else "raise"
    detail = f"raising '{feature}' by {delta:g} does not {way} the score"
    return _rate_result(test, behaves, len(rows), detail, examples)


def run_test(test: dict, pipeline, signature: dict, frame: pd.DataFrame, seed: int = 0) -> dict:
    """Run one stored test (``{"name", "kind", "spec"}``) on the test part's feature rows."""
    try:
        test = {**test, "spec": parse_spec(test["kind"], test["spec"], signature, test.get("name"))}
        if test["kind"] == "minimum":
            return _minimum(test, pipeline, signature)
        if test["kind"] == "invariance":
            return _invariance(test, pipeline, signature, frame, seed)
        return _directional(test, pipeline, signature, frame, seed)
    except (InputError, ValueError, TypeError) as exc:
        return _result(test, False, f"The test could not run: {exc}")


def run_tests(
    tests: list[dict],
    pipeline,
    signature: dict,
    frame: pd.DataFrame,
    progress: Callable[[float, str], None] | None = None,
    seed: int = 0,
) -> list[dict]:
    results = []
    for number, test in enumerate(tests):
        if progress is not None:
            progress(number / max(len(tests), 1), f"Behavioural test {number + 1} of {len(tests)}")
        results.append(run_test(test, pipeline, signature, frame, seed))
    return results
