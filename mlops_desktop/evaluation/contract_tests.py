"""Contract tests: seven ways a batch goes wrong, each handled by design or refused loudly.

Missing column, extra column, changed dtype, empty batch, unseen category, out-of-range value and
all-null column are thrown at the guarded scoring path (``contracts.score_frame``) with the saved
pipeline. A case passes only when the outcome is the designed one; a case that scores garbage
without a word, or fails without naming the column, fails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlops_desktop.evaluation.contracts import ScoreResult, score_frame

# -- contract tests --------------------------------------------------------------------------

UNSEEN = "__never_seen_in_training__"


def _attempt(pipeline, signature: dict, frame: pd.DataFrame):
    try:
        return score_frame(pipeline, signature, frame), None
    except Exception as exc:  # noqa: BLE001 - every failure is an outcome to judge
        return None, exc


def _sane(result: ScoreResult, n: int) -> str | None:
    """Why the output is garbage, or None when it is a well-formed prediction per row."""
    if len(result.predictions) != n:
        return f"returned {len(result.predictions)} predictions for {n} rows"
    if result.proba is None:
        values = np.asarray(result.predictions, dtype=float)
        return None if np.isfinite(values).all() else "returned non-finite predictions"
    p = result.proba
    if not (np.isfinite(p).all() and (p >= 0).all() and np.allclose(p.sum(axis=1), 1)):
        return "returned probabilities that are not valid"
    return None


def _outputs(result: ScoreResult) -> np.ndarray:
    if result.proba is not None:
        return result.proba
    return np.asarray(result.predictions, dtype=float)


def _case(name, column, expected, passed, outcome, message) -> dict:
    return {
        "name": name,
        "column": column,
        "expected": expected,
        "outcome": outcome,
        "passed": bool(passed),
        "message": message,
    }


def _loud(pipeline, signature, frame, name, column, expected) -> dict:
    result, exc = _attempt(pipeline, signature, frame)
    if exc is None:
        return _case(
            name,
            column,
            expected,
            False,
            "silent",
            f"Scored {len(result.predictions)} rows without complaint: garbage in, garbage out.",
        )
    text = str(exc)
    if column in text:
        return _case(name, column, expected, True, "failed loudly", text)
    return _case(
        name, column, expected, False, "crashed", f"Failed without naming '{column}': {text}"
    )


def _handled(pipeline, signature, frame, name, column, expected, reference, changed_rows, warn):
    result, exc = _attempt(pipeline, signature, frame)
    if exc is not None:
        return _case(name, column, expected, False, "refused", f"Refused a valid batch: {exc}")
    garbage = _sane(result, len(frame))
    if garbage:
        return _case(name, column, expected, False, "garbage", f"The pipeline {garbage}.")
    same = np.ones(len(frame), dtype=bool)
    same[list(changed_rows)] = False
    if reference is not None and not np.allclose(_outputs(result)[same], reference[same]):
        return _case(
            name, column, expected, False, "changed", "Predictions of untouched rows changed."
        )
    if warn and not any(v.column == column and v.severity == "warning" for v in result.violations):
        return _case(
            name,
            column,
            expected,
            False,
            "silent",
            f"Scored the bad value in '{column}' without any warning.",
        )
    notes = [v.message for v in result.violations if v.column == column]
    return _case(name, column, expected, True, "handled", " ".join(notes) or "Scored as before.")


def _changed_dtype(pipeline, signature, sample, reference, column: str) -> dict:
    """Numbers sent as text must be read as numbers; text that is no number must fail loudly."""
    as_text = sample.assign(**{column: sample[column].map(lambda v: "" if pd.isna(v) else str(v))})
    as_text[column] = as_text[column].replace("", np.nan)
    read = _handled(
        pipeline,
        signature,
        as_text,
        "changed dtype",
        column,
        "numbers sent as text are read as numbers; text that is not a number fails loudly",
        reference,
        (),
        False,
    )
    garbage = as_text.copy()
    garbage.loc[0, column] = "not a number"
    loud = _loud(pipeline, signature, garbage, "changed dtype", column, read["expected"])
    if read["passed"] and not loud["passed"]:
        return loud
    if read["passed"]:
        read["message"] = f"Text numbers were read as numbers. {loud['message']}"
    return read


def _unseen_category(pipeline, signature, sample, reference, column: str) -> dict:
    unseen = sample.copy()
    unseen[column] = unseen[column].astype(object)
    unseen.loc[0, column] = UNSEEN
    return _handled(
        pipeline,
        signature,
        unseen,
        "unseen category",
        column,
        "scored as an unknown category, with a warning naming the column",
        reference,
        (0,),
        True,
    )


def _out_of_range(pipeline, signature, sample, reference, target: dict) -> dict:
    column = target["name"]
    low = target.get("min") or 0.0
    high = target.get("max") or 1.0
    far = sample.copy()
    far[column] = far[column].astype("float64")
    far.loc[0, column] = high + 10 * (high - low + 1)
    return _handled(
        pipeline,
        signature,
        far,
        "out-of-range value",
        column,
        "scored, with a warning naming the column",
        reference,
        (0,),
        True,
    )


def run_contract_tests(pipeline, signature: dict, sample: pd.DataFrame) -> list[dict]:
    """The seven contract cases against the guarded scoring path, each passed or failed.

    ``sample`` is a few valid rows (e.g. from the test part) that the cases then break.
    """
    inputs = signature.get("inputs") or []
    sample = sample.reset_index(drop=True).head(50)
    base, exc = _attempt(pipeline, signature, sample)
    if exc is not None or not inputs:
        why = f"the unmodified sample cannot be scored: {exc}" if exc else "no input signature"
        return [_case("contract tests", None, "a valid sample scores", False, "crashed", why)]
    reference = _outputs(base)
    numeric = [s for s in inputs if s.get("type") == "numeric"]
    ranged = [s for s in numeric if s.get("min") is not None and s.get("max") is not None]
    categorical = [s for s in inputs if s.get("type") == "categorical"]
    first = (numeric or inputs)[0]["name"]
    loudly = "fails loudly naming the column"
    results = [
        _loud(pipeline, signature, sample.drop(columns=[first]), "missing column", first, loudly),
        _handled(
            pipeline,
            signature,
            sample.assign(__extra_column__=np.arange(len(sample))),
            "extra column",
            "__extra_column__",
            "ignored; same predictions",
            reference,
            (),
            False,
        ),
    ]
    if numeric:
        results.append(_changed_dtype(pipeline, signature, sample, reference, numeric[0]["name"]))
    empty_batch = "no rows in, no predictions out"
    results.append(
        _handled(
            pipeline, signature, sample.iloc[:0], "empty batch", None, empty_batch, None, (), False
        )
    )
    if categorical:
        column = categorical[0]["name"]
        results.append(_unseen_category(pipeline, signature, sample, reference, column))
    target = (ranged or numeric or [None])[0]
    if target is not None:
        results.append(_out_of_range(pipeline, signature, sample, reference, target))
    empty = sample.copy()
    empty[first] = np.nan
    results.append(_loud(pipeline, signature, empty, "all-null column", first, loudly))
    return results
