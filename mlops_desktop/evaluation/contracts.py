"""The input contract of a model version, enforced wherever it scores (tests, serving, batches).

``validate_frame`` compares a batch with the model's input signature and lists every problem,
naming the column and the rows. Errors refuse the batch; warnings are scored and reported;
notes describe what was handled by design (an extra column ignored, text read as numbers).
``score_frame`` is the guarded scoring path; ``contract_tests.run_contract_tests`` attacks it
with the seven classic ways a batch goes wrong and fails any case that scores garbage silently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError

MAX_ROWS_LISTED = 1000
BOOL_WORDS = {"true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0, "1": 1.0, "0": 0.0}


@dataclass(frozen=True)
class Violation:
    """One problem in a batch: ``severity`` is error (refused), warning (scored) or note."""

    kind: str
    column: str | None
    severity: str
    message: str
    rows: tuple[int, ...] = ()
    count: int = 0

    def to_dict(self) -> dict:
        return asdict(self) | {"rows": list(self.rows)}


class ContractError(InputError):
    """A batch breaks the model's input contract; ``violations`` lists every problem."""

    def __init__(self, violations: list[Violation]) -> None:
        errors = [v for v in violations if v.severity == "error"]
        head = " ".join(v.message for v in errors[:3])
        more = f" ({len(errors) - 3} more problems.)" if len(errors) > 3 else ""
        super().__init__(
            f"The batch was not scored: {head}{more}",
            details="\n".join(f"{v.severity}: {v.message}" for v in violations),
        )
        self.violations = violations


def _where(mask: np.ndarray, values: pd.Series) -> tuple[tuple[int, ...], int, str]:
    positions = np.flatnonzero(mask)
    first = positions[0]
    value = values.iloc[first]
    value = value.item() if hasattr(value, "item") else value
    example = f"{value!r} in row {first}"
    return tuple(int(p) for p in positions[:MAX_ROWS_LISTED]), len(positions), example


def _as_numbers(values: pd.Series, kind: str) -> pd.Series:
    if kind == "boolean" and not pd.api.types.is_numeric_dtype(values):
        values = values.map(
            lambda v: BOOL_WORDS.get(str(v).strip().lower(), v) if pd.notna(v) else v
        )
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _numeric_violations(
    name: str, spec: dict, kind: str, values: pd.Series, null: np.ndarray
) -> list[Violation]:
    """A numeric or boolean column: values that are no numbers, text read as numbers, range."""
    numbers = _as_numbers(values, kind)
    bad = (numbers.isna().to_numpy() & ~null) | np.isinf(numbers.to_numpy())
    if bad.any():
        rows, count, example = _where(bad, values)
        message = (
            f"Column '{name}' expects {kind} values but {count} value(s) are not finite "
            f"numbers (e.g. {example}). Send numbers, or leave the cell empty."
        )
        return [Violation("wrong_type", name, "error", message, rows, count)]
    out: list[Violation] = []
    if not pd.api.types.is_numeric_dtype(values) and (~null).any():
        message = f"Column '{name}' arrived as {values.dtype} and was read as numbers."
        out.append(Violation("converted", name, "note", message))
    low, high = spec.get("min"), spec.get("max")
    if low is not None and high is not None:
        outside = ((numbers < low) | (numbers > high)).to_numpy()
        if outside.any():
            rows, count, example = _where(outside, values)
            message = (
                f"Column '{name}' has {count} value(s) outside the training range "
                f"[{low:g}, {high:g}] (e.g. {example}); they were scored, but the model "
                "never saw such values, so treat those predictions with care."
            )
            out.append(Violation("out_of_range", name, "warning", message, rows, count))
    return out


def _categorical_violations(
    name: str, spec: dict, values: pd.Series, null: np.ndarray
) -> list[Violation]:
    """A categorical column: values never seen in training (when all categories are known)."""
    known = spec.get("categories") or []
    if not known or spec.get("categories_truncated"):
        return []
    known_text = set(known)
    text = values.astype(object).where(~null, None)
    unseen = np.array([v is not None and str(v) not in known_text for v in text])
    if not unseen.any():
        return []
    rows, count, example = _where(unseen, values)
    message = (
        f"Column '{name}' has {count} value(s) never seen in training "
        f"(e.g. {example}); they were scored as an unknown category."
    )
    return [Violation("unseen_category", name, "warning", message, rows, count)]


def _datetime_violations(name: str, values: pd.Series, null: np.ndarray) -> list[Violation]:
    """A datetime column: values that are not dates."""
    stamps = pd.to_datetime(values, errors="coerce")
    bad = stamps.isna().to_numpy() & ~null
    if not bad.any():
        return []
    rows, count, example = _where(bad, values)
    message = (
        f"Column '{name}' expects dates but {count} value(s) are not dates "
        f"(e.g. {example}). Send dates such as 2024-05-31."
    )
    return [Violation("wrong_type", name, "error", message, rows, count)]


def _check_column(name: str, spec: dict, values: pd.Series, n: int) -> list[Violation]:
    kind = spec.get("type", "categorical")
    out: list[Violation] = []
    null = values.isna().to_numpy()
    if n >= 2 and null.all():
        return [
            Violation(
                "all_null",
                name,
                "error",
                f"Column '{name}' is empty in all {n} rows; the column was probably not filled. "
                "Send its values, or score rows that have them.",
                count=n,
            )
        ]
    if null.any() and not spec.get("nullable", True):
        rows, count, _ = _where(null, values)
        out.append(
            Violation(
                "null_value",
                name,
                "warning",
                f"Column '{name}' has {count} empty value(s) (e.g. row {rows[0]}); it had none in "
                "training, so they were filled with the training median or marked missing.",
                rows,
                count,
            )
        )
    if kind in ("numeric", "boolean"):
        return out + _numeric_violations(name, spec, kind, values, null)
    if kind == "categorical":
        return out + _categorical_violations(name, spec, values, null)
    if kind == "datetime":
        return out + _datetime_violations(name, values, null)
    return out


def validate_frame(frame: pd.DataFrame, signature: dict) -> list[Violation]:
    """Every way ``frame`` departs from the model's input ``signature``, column by column."""
    inputs = signature.get("inputs") or []
    expected = {spec["name"]: spec for spec in inputs}
    out: list[Violation] = []
    for name, spec in expected.items():
        if name not in frame.columns:
            out.append(
                Violation(
                    "missing_column",
                    name,
                    "error",
                    f"Column '{name}' is missing; the model needs it ({spec.get('type')}). "
                    "Add the column (empty cells are allowed).",
                )
            )
    output = (signature.get("output") or {}).get("name")
    for name in frame.columns:
        if name not in expected and name != output:
            out.append(
                Violation(
                    "extra_column",
                    str(name),
                    "note",
                    f"Column '{name}' is not used by the model and was ignored.",
                )
            )
    if len(frame) == 0:
        out.append(
            Violation("empty_batch", None, "note", "The batch has no rows; nothing to score.")
        )
        return out
    for name, spec in expected.items():
        if name in frame.columns:
            out += _check_column(name, spec, frame[name], len(frame))
    return out


def check_frame(frame: pd.DataFrame, signature: dict) -> tuple[pd.DataFrame, list[Violation]]:
    """The model's columns of ``frame``, or ContractError when any problem is an error."""
    violations = validate_frame(frame, signature)
    if any(v.severity == "error" for v in violations):
        raise ContractError(violations)
    features = {}
    for spec in signature.get("inputs") or []:
        values = frame[spec["name"]]
        if spec.get("type") in ("numeric", "boolean"):
            values = _as_numbers(values, spec["type"])
        elif spec.get("type") == "datetime":
            values = pd.to_datetime(values, errors="coerce")
        features[spec["name"]] = values
    return pd.DataFrame(features, index=frame.index), violations


@dataclass
class ScoreResult:
    predictions: np.ndarray
    proba: np.ndarray | None = None
    classes: list | None = None
    violations: list[Violation] = field(default_factory=list)

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "warning"]


def score_frame(pipeline, signature: dict, frame: pd.DataFrame) -> ScoreResult:
    """Check ``frame`` against the contract, then score it (an empty batch gives no rows)."""
    features, violations = check_frame(frame, signature)
    task = (signature.get("output") or {}).get("task")
    classes = list(getattr(pipeline, "classes_", [])) if task != "regression" else None
    if len(features) == 0:
        proba = None if classes is None else np.empty((0, len(classes)))
        return ScoreResult(np.empty(0), proba, classes, violations)
    try:
        if classes is None:
            return ScoreResult(np.asarray(pipeline.predict(features)), None, None, violations)
        proba = np.asarray(pipeline.predict_proba(features), dtype=float)
    except ValueError as exc:
        raise InputError(f"The model could not score the batch: {exc}", details=repr(exc)) from exc
    predictions = np.asarray(classes, dtype=object)[np.argmax(proba, axis=1)]
    return ScoreResult(predictions, proba, classes, violations)
