"""One chunk of a batch run checked against the model's input contract and scored: the part of
batch scoring that needs only the pipeline, so it runs here or on a cluster's worker alike."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

REASONS = {
    "wrong_type": "expects {type} values",
    "all_null": "is empty in every row of this part of the file",
}


@dataclass
class Judged:
    """One chunk checked against the contract and scored: the contract's findings, which rows
    are good, each row's reasons, and the good rows with their predictions."""

    violations: list
    good: np.ndarray
    reasons: list[list[str]]
    out: pd.DataFrame | None  # None when a column the model needs is missing


def judge(chunk: pd.DataFrame, pipeline, signature: dict, classes: list | None) -> Judged:
    """Check ``chunk`` against ``signature`` and score its good rows (in this process or on a
    cluster's worker: it needs only the pipeline)."""
    from mlops_desktop.evaluation.contracts import validate_frame

    violations = validate_frame(chunk, signature)
    if any(v.kind == "missing_column" for v in violations):
        return Judged(violations, np.zeros(len(chunk), dtype=bool), [], None)
    reasons = _reasons(chunk, violations, signature)
    good = np.array([not r for r in reasons], dtype=bool)
    out, good, reasons = _predictions(pipeline, classes, chunk, good, reasons)
    return Judged(violations, good, reasons, out)


def judge_many(chunks: list[pd.DataFrame], pipeline, signature, classes) -> list[Judged]:
    """``judge`` for each chunk: one cluster task for several chunks, each judged on its own."""
    return [judge(chunk, pipeline, signature, classes) for chunk in chunks]


def _reasons(chunk: pd.DataFrame, violations, signature: dict) -> list[list[str]]:
    types = {s["name"]: s.get("type") for s in signature.get("inputs") or []}
    reasons: list[list[str]] = [[] for _ in range(len(chunk))]
    for v in violations:
        if v.severity != "error":
            continue
        rows = v.rows or tuple(range(len(chunk)))
        text = REASONS.get(v.kind, v.kind.replace("_", " ")).format(type=types.get(v.column))
        for r in rows:
            value = chunk[v.column].iloc[r] if v.column in chunk.columns else None
            got = f" (got {value!r})" if v.kind == "wrong_type" else ""
            reasons[r].append(f"column '{v.column}' {text}{got}")
    return reasons


def _predict(pipeline, frame: pd.DataFrame, classes) -> tuple[np.ndarray, np.ndarray | None]:
    if classes is None:
        return np.asarray(pipeline.predict(frame)), None
    proba = np.asarray(pipeline.predict_proba(frame), dtype=float)
    return np.asarray(classes, dtype=object)[proba.argmax(axis=1)], proba


def _predictions(
    pipeline, classes: list | None, chunk: pd.DataFrame, good: np.ndarray, reasons: list[list[str]]
) -> tuple[pd.DataFrame, np.ndarray, list[list[str]]]:
    """The ``good`` rows with their prediction (and probabilities), and the updated ``good``.

    Rows the model cannot score although the contract let them through are found one by one
    and turned into rejects (``good`` and ``reasons`` say so).
    """
    out = chunk[good].copy()
    if not len(out):
        out["prediction"] = pd.Series(dtype=object)
        for cls in classes or []:
            out[f"proba_{cls}"] = pd.Series(dtype=float)
        return out, good, reasons
    try:
        labels, proba = _predict(pipeline, out, classes)
    except ValueError:  # isolate what the contract did not catch, row by row
        labels, proba, good, reasons = _row_by_row(pipeline, chunk, good, reasons, classes)
        out = chunk[good].copy()
    out["prediction"] = labels
    if proba is not None:
        for j, cls in enumerate(classes):
            out[f"proba_{cls}"] = proba[:, j]
    return out, good, reasons


def _row_by_row(pipeline, chunk, good, reasons, classes):
    good = good.copy()
    for i in np.flatnonzero(good):
        try:
            _predict(pipeline, chunk.iloc[[i]], classes)
        except ValueError as exc:
            good[i] = False
            reasons[i].append(f"the model could not score it: {exc}")
    labels, proba = _predict(pipeline, chunk[good], classes) if good.any() else ([], None)
    return labels, proba, good, reasons
