"""Assemble a test report: metrics with bootstrap CIs, baseline and current-decision comparisons,
slices, behavioural and contract tests, chart data and the gate verdict, as one JSON-safe dict.

Pure: no registry, no Qt. ``jobs.test_model`` feeds it from the registry.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from mlops_desktop import __version__
from mlops_desktop.errors import InputError
from mlops_desktop.evaluation.behavioural import run_tests
from mlops_desktop.evaluation.bootstrap import BootstrapPlan, MetricSet, interval, run_bootstrap
from mlops_desktop.evaluation.contract_tests import run_contract_tests
from mlops_desktop.evaluation.curves import classification_charts, regression_charts
from mlops_desktop.evaluation.gates import DEFAULT_MIN_SLICE_ROWS, GateSpec, evaluate_gate
from mlops_desktop.evaluation.importance import permutation_importance
from mlops_desktop.evaluation.slices import define_slices, slice_tasks, summarise_slices
from mlops_desktop.registry import clock
from mlops_desktop.training.metrics import HIGHER_IS_BETTER, PRIMARY

REPORT_FORMAT = 1
CONTRACT_SAMPLE_ROWS = 50
Progress = Callable[[float, str], None]


@dataclass
class ReportInputs:
    """Everything a report needs; ``test_frame`` holds the target and any other columns."""

    pipeline: object
    signature: dict
    test_frame: pd.DataFrame
    y_train: pd.Series
    meta: dict = field(default_factory=dict)
    gate: GateSpec | None = None
    gate_meta: dict | None = None
    tests: list[dict] = field(default_factory=list)
    current_decision_column: str | None = None
    extra_slice_columns: dict[str, str] = field(default_factory=dict)
    n_boot: int = 1000
    seed: int = 0


def clean(value):
    """JSON-safe copy: numpy scalars unwrapped, NaN and infinities as None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _with_ci(point: dict[str, float], boot: np.ndarray, names: tuple[str, ...]) -> dict:
    out = {}
    for k, name in enumerate(names):
        lo, hi = interval(boot[:, k])
        out[name] = {"value": point[name], "ci_low": lo, "ci_high": hi}
    return out


def _lift(a: dict, a_boot: np.ndarray, b: dict, b_boot: np.ndarray, names) -> dict:
    """``a`` better than ``b`` per metric (positive = better), paired over the same resamples."""
    out = {}
    for k, name in enumerate(names):
        sign = 1.0 if HIGHER_IS_BETTER[name] else -1.0
        lo, hi = interval(sign * (a_boot[:, k] - b_boot[:, k]))
        out[name] = {"value": sign * (a[name] - b[name]), "ci_low": lo, "ci_high": hi}
    return out


def _decisions(frame: pd.DataFrame, column: str, task: str, classes: list) -> tuple:
    """Rows with a recorded decision and the decision as model output (one-hot or values)."""
    if column not in frame.columns:
        raise InputError(
            f"The current-decision column '{column}' is not in the dataset. "
            f"Columns: {', '.join(map(str, frame.columns))}."
        )
    values = frame[column]
    rows = np.flatnonzero(values.notna().to_numpy())
    if not len(rows):
        raise InputError(f"The current-decision column '{column}' is empty in the test part.")
    if task == "regression":
        numbers = pd.to_numeric(values.iloc[rows], errors="coerce")
        if numbers.isna().any():
            raise InputError(f"The current-decision column '{column}' must hold numbers.")
        return rows, numbers.to_numpy(dtype=float)
    text = values.iloc[rows].astype(str).to_numpy()
    unknown = sorted(set(text) - set(classes))
    if unknown:
        raise InputError(
            f"The current-decision column '{column}' holds {unknown[:3]}, which are not classes "
            f"of the target ({', '.join(classes)}). It must record the decision taken per row."
        )
    return rows, (text[:, None] == np.asarray(classes)[None, :]).astype(float)


def _slice_columns(signature: dict, extra: dict[str, str]) -> dict[str, str]:
    columns = {
        s["name"]: s["type"]
        for s in signature.get("inputs") or []
        if s.get("type") in ("numeric", "categorical", "boolean")
    }
    return columns | {k: v for k, v in extra.items() if k not in columns}


def build_report(inputs: ReportInputs, progress: Progress = lambda _f, _m: None) -> dict:
    """Run every test on the test part and return the report dict (see ``html`` to render it).

    Runs single-threaded: the work is many small scoring calls and memory-bound array passes,
    where OpenMP threads only add overhead, and badly so on a busy machine.
    """
    with threadpool_limits(limits=1):
        return _build_report(inputs, progress)


@dataclass
class _Scored:
    """The test part scored by the model and by the dummy baseline."""

    task: str
    target: str
    primary: str
    frame: pd.DataFrame
    features: pd.DataFrame
    y: np.ndarray
    output: np.ndarray
    classes: list[str] | None
    positive: str | None
    model: MetricSet
    base: MetricSet


def _score_test_part(inputs: ReportInputs, progress: Progress) -> _Scored:
    signature, pipeline = inputs.signature, inputs.pipeline
    output = signature.get("output") or {}
    task, target = output.get("task"), output.get("name")
    frame = inputs.test_frame.reset_index(drop=True)
    if target not in frame.columns:
        raise InputError(f"The test part has no target column '{target}'.")
    if len(frame) == 0:
        raise InputError("The test part has no rows, so the model cannot be tested.")
    names = [s["name"] for s in signature.get("inputs") or []]
    features = frame[names]
    progress(0.01, f"Scoring {len(frame):,} test rows")
    primary = PRIMARY[task]
    if task == "regression":
        y = pd.to_numeric(frame[target], errors="coerce").to_numpy(dtype=float)
        output_model = np.asarray(pipeline.predict(features), dtype=float)
        output_base = np.full(len(y), float(pd.to_numeric(inputs.y_train).mean()))
        classes, positive = None, None
    else:
        y = frame[target].astype(str).to_numpy()
        classes = [str(c) for c in pipeline.classes_]
        positive = output.get("positive_class")
        positive = str(positive) if positive is not None else None
        output_model = np.asarray(pipeline.predict_proba(features), dtype=float)
        shares = inputs.y_train.astype(str).value_counts(normalize=True)
        output_base = np.tile([float(shares.get(c, 0.0)) for c in classes], (len(y), 1))
    model = MetricSet(task, y, output_model, classes, positive)
    base = MetricSet(task, y, output_base, classes, positive)
    return _Scored(
        task, target, primary, frame, features, y, output_model, classes, positive, model, base
    )


def _current_decision(inputs: ReportInputs, scored: _Scored) -> tuple | None:
    """``(rows, decision metrics, model metrics on those rows)``, or None without a column."""
    if not inputs.current_decision_column:
        return None
    s = scored
    rows, dec_out = _decisions(s.frame, inputs.current_decision_column, s.task, s.classes or [])
    dec_names = tuple(n for n in s.model.names if n != "log_loss")
    decision = MetricSet(s.task, s.y[rows], dec_out, s.classes, s.positive, dec_names)
    return rows, decision, s.model.take(rows, dec_names)


def _bootstrap_tasks(scored: _Scored, decision: tuple | None, slices, slice_metric: str):
    """The statistics every resample computes (model, baseline, slices, decision), and subsets."""
    tasks, subsets = slice_tasks(slices, scored.model, slice_metric)
    tasks = {"model": scored.model.weighted, "baseline": scored.base.weighted, **tasks}
    if decision is not None:
        rows, dec, model_on_rows = decision
        tasks["decision"] = lambda w, r=rows, d=dec: d.weighted(w[:, r])
        tasks["model_on_decided"] = lambda w, r=rows, m=model_on_rows: m.weighted(w[:, r])
    return tasks, subsets


def _metrics_sections(inputs: ReportInputs, scored: _Scored, point: dict, boot: dict) -> dict:
    """The report's head: what was tested, the metrics and the baseline with their CIs."""
    s = scored
    base_point = s.base.point()
    return {
        "format": REPORT_FORMAT,
        "app_version": __version__,
        "created_at": clock.now(),
        "model": dict(inputs.meta.get("model") or {}),
        "dataset": dict(inputs.meta.get("dataset") or {}),
        "task": s.task,
        "target": s.target,
        "primary_metric": s.primary,
        "positive_class": s.positive,
        "classes": s.classes,
        "rows": len(s.frame),
        "bootstrap": {"resamples": inputs.n_boot, "seed": inputs.seed, "level": 0.95},
        "metrics": _with_ci(point, boot["model"], s.model.names),
        "baseline": {
            "kind": "dummy: class shares of the training part"
            if s.classes
            else "dummy: mean of the training target",
            "metrics": _with_ci(base_point, boot["baseline"], s.base.names),
            "lift": _lift(point, boot["model"], base_point, boot["baseline"], s.model.names),
        },
        "current_decision": None,
    }


def _decision_section(inputs: ReportInputs, decision: tuple, boot: dict) -> dict:
    rows, dec, model_on_rows = decision
    dec_point, mod_point = dec.point(), model_on_rows.point()
    return {
        "column": inputs.current_decision_column,
        "rows": len(rows),
        "metrics": _with_ci(dec_point, boot["decision"], dec.names),
        "model_metrics": _with_ci(mod_point, boot["model_on_decided"], dec.names),
        "model_lift": _lift(
            mod_point, boot["model_on_decided"], dec_point, boot["decision"], dec.names
        ),
    }


def _test_sections(
    inputs: ReportInputs, scored: _Scored, progress: Progress, timings: dict
) -> dict:
    """Behavioural and contract tests, and the chart data."""
    sections: dict = {}
    t0 = time.perf_counter()
    sections["behavioural"] = run_tests(
        inputs.tests,
        inputs.pipeline,
        inputs.signature,
        scored.features,
        lambda f, m: progress(0.65 + 0.2 * f, m),
        inputs.seed,
    )
    timings["behavioural_s"] = time.perf_counter() - t0
    progress(0.86, "Contract tests")
    t0 = time.perf_counter()
    sections["contracts"] = run_contract_tests(
        inputs.pipeline, inputs.signature, scored.features.head(CONTRACT_SAMPLE_ROWS)
    )
    timings["contracts_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sections["importance"] = _importance(inputs, scored, progress)
    timings["importance_s"] = time.perf_counter() - t0
    progress(0.92, "Charts")
    if scored.task == "regression":
        sections["charts"] = regression_charts(scored.y, scored.output, inputs.seed)
    else:
        sections["charts"] = classification_charts(
            scored.y, scored.output, scored.classes, scored.positive
        )
    return sections


def _importance(inputs: ReportInputs, scored: _Scored, progress: Progress) -> dict:
    """Permutation importance of the inputs (personal-data columns first), on the primary metric."""
    return permutation_importance(
        inputs.pipeline,
        scored.task,
        scored.features,
        scored.y,
        scored.primary,
        classes=scored.classes,
        positive=scored.positive,
        first=list(inputs.extra_slice_columns),
        seed=inputs.seed,
        progress=lambda f, m: progress(0.87 + 0.05 * f, m),
    )


def _build_report(inputs: ReportInputs, progress: Progress) -> dict:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    scored = _score_test_part(inputs, progress)
    timings["score_s"] = time.perf_counter() - started
    decision = _current_decision(inputs, scored)

    gate = inputs.gate
    slice_metric = (gate.slice_metric if gate else None) or scored.primary
    min_rows = gate.min_slice_rows if gate else DEFAULT_MIN_SLICE_ROWS
    slices = define_slices(
        scored.frame, _slice_columns(inputs.signature, inputs.extra_slice_columns)
    )
    tasks, subsets = _bootstrap_tasks(scored, decision, slices, slice_metric)
    plan = BootstrapPlan(len(scored.frame), inputs.n_boot, inputs.seed)
    t0 = time.perf_counter()
    boot = run_bootstrap(plan, tasks, lambda f, m: progress(0.03 + 0.6 * f, m))
    timings["bootstrap_s"] = time.perf_counter() - t0

    point = scored.model.point()
    report = _metrics_sections(inputs, scored, point, boot)
    if decision is not None:
        report["current_decision"] = _decision_section(inputs, decision, boot)
    report["slices"] = summarise_slices(
        slices,
        subsets,
        boot,
        slice_metric,
        point.get(slice_metric, float("nan")),
        gate.max_slice_gap if gate else None,
        min_rows,
    )
    report |= _test_sections(inputs, scored, progress, timings)
    report["gate"] = None
    if gate is not None:
        report["gate"] = {**(inputs.gate_meta or {}), "spec": gate.to_dict()}
        report = clean(report)
        report["gate"] |= evaluate_gate(gate, report).to_dict()
    timings["total_s"] = time.perf_counter() - started
    report["timings"] = timings
    progress(0.97, "Report assembled")
    return clean(report)


def verdict_of(report: dict) -> bool | None:
    """True/False when a gate was checked, None when the model has no gate."""
    gate = report.get("gate")
    return None if gate is None else bool(gate.get("passed"))
