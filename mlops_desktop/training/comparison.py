"""Run comparison: overlaid curves (a job), metrics side by side and the parameter diff.

``comparison_curves`` loads each run's pipeline and its dataset's holdout, so it runs as a job;
``metric_table`` and ``param_diff`` only read the runs' registry records and are cheap.
Everything returned is JSON-safe (plain lists, floats, strings, None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlops_desktop.errors import InputError
from mlops_desktop.registry.entities import Run
from mlops_desktop.training.metric_names import (
    CLASSIFICATION_METRICS,
    HIGHER_IS_BETTER,
    PRIMARY,
    REGRESSION_METRICS,
)

MAX_CURVE_POINTS = 300
MAX_SCATTER_POINTS = 2000
RESIDUAL_BINS = 30
#: Run settings shown in the parameter diff beside the searched hyper-parameters.
CONFIG_PARAMS = (
    ("model_family", "Model family"),
    ("dataset", "Dataset version"),
    ("seed", "Seed"),
    ("search", "Search budget"),
    ("cv_folds", "CV folds"),
)


def _finite(value: Any) -> float | None:
    """A float, or None for missing / NaN / infinite values (JSON has no NaN)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def downsample(x: np.ndarray, y: np.ndarray, limit: int = MAX_CURVE_POINTS) -> tuple[list, list]:
    """At most ``limit`` points of a curve, evenly spaced along it, keeping both ends."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) > limit:
        keep = np.unique(np.linspace(0, len(x) - 1, limit).round().astype(int))
        x, y = x[keep], y[keep]
    return [float(v) for v in x], [float(v) for v in y]


def _task(run: Run) -> str:
    return str(run.config.get("task") or "binary")


def _label(run: Run, dataset_ref: str) -> str:
    return f"{run.id} · {run.model_family} · {dataset_ref}"


def _classification_curves(pipeline: Any, X: Any, y: np.ndarray, positive: Any) -> dict:  # noqa: N803
    from sklearn import metrics as skm

    classes = [str(c) for c in pipeline.classes_]
    if positive is None or str(positive) not in classes:
        positive = classes[1] if len(classes) == 2 else classes[0]
    index = classes.index(str(positive))
    scores = pipeline.predict_proba(X)[:, index]
    truth = (np.asarray(y).astype(str) == str(positive)).astype(int)
    if truth.sum() in (0, len(truth)):
        raise InputError(f"The holdout has no rows of both '{positive}' and the other classes.")
    fpr, tpr, _ = skm.roc_curve(truth, scores)
    precision, recall, _ = skm.precision_recall_curve(truth, scores)
    # precision_recall_curve runs from high to low recall; plot from recall 0 to 1.
    precision, recall = precision[::-1], recall[::-1]
    roc_x, roc_y = downsample(fpr, tpr)
    pr_x, pr_y = downsample(recall, precision)
    return {
        "positive_class": str(positive),
        "roc": {"x": roc_x, "y": roc_y, "auc": _finite(skm.roc_auc_score(truth, scores))},
        "pr": {
            "x": pr_x,
            "y": pr_y,
            "ap": _finite(skm.average_precision_score(truth, scores)),
            "prevalence": float(truth.mean()),
        },
        "rows": int(len(truth)),
    }


def _regression_points(pipeline: Any, X: Any, y: np.ndarray, seed: int) -> dict:  # noqa: N803
    actual = np.asarray(y, dtype=float)
    predicted = np.asarray(pipeline.predict(X), dtype=float)
    sample = np.arange(len(actual))
    if len(sample) > MAX_SCATTER_POINTS:
        sample = np.sort(
            np.random.default_rng(seed).choice(len(actual), MAX_SCATTER_POINTS, replace=False)
        )
    return {
        "scatter": {
            "actual": [float(v) for v in actual[sample]],
            "predicted": [float(v) for v in predicted[sample]],
        },
        "residuals_all": actual - predicted,
        "rows": int(len(actual)),
    }


def _residual_histograms(entries: list[dict]) -> None:
    """Give every run a histogram of its residuals over the same bin edges (for overlaying)."""
    values = [e.pop("residuals_all") for e in entries]
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if finite.size == 0:
        edges = np.linspace(-1.0, 1.0, RESIDUAL_BINS + 1)
    else:
        low, high = np.percentile(finite, [0.5, 99.5])
        if high <= low:
            low, high = low - 1.0, high + 1.0
        edges = np.linspace(low, high, RESIDUAL_BINS + 1)
    for entry, residuals in zip(entries, values, strict=True):
        clipped = np.clip(residuals[np.isfinite(residuals)], edges[0], edges[-1])
        counts, _ = np.histogram(clipped, bins=edges)
        entry["residuals"] = {
            "edges": [float(e) for e in edges],
            "counts": [int(c) for c in counts],
            "mean": _finite(residuals.mean()) if residuals.size else None,
        }


def comparison_curves(ctx: Any, run_ids: list[str]) -> dict[str, Any]:
    """Curves of each run on its dataset version's holdout, ready to overlay.

    Classification: ROC and precision-recall points (≤ 300 each) for the positive class (binary)
    or the first class (one-vs-rest, multiclass). Regression: a ≤ 2,000-point sample of predicted
    vs actual values and residual histograms over shared bins. Runs without a stored pipeline
    (failed, cancelled) are listed in ``skipped`` with the reason.
    """
    if len(run_ids) < 1:
        raise InputError("Choose at least one run to compare.")
    ws = ctx.workspace()
    runs = [ws.runs.get(run_id) for run_id in run_ids]
    tasks = {_task(run) for run in runs if run.status == "succeeded"}
    kind = "regression" if tasks == {"regression"} else "classification"
    if len({t == "regression" for t in tasks}) > 1:
        raise InputError(
            "These runs mix classification and regression, so their curves cannot be overlaid. "
            "Compare runs of the same task."
        )
    frames: dict[int, tuple[Any, np.ndarray, Any]] = {}
    entries: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for number, run in enumerate(runs):
        ctx.report(number / len(runs), f"Scoring {run.id} on its holdout")
        if run.status != "succeeded" or not run.artifact_hash:
            skipped.append({"run_id": run.id, "reason": f"The run {run.status}; it has no model."})
            continue
        version = ws.datasets.get_by_id(run.dataset_version_id)
        if version.id not in frames:
            frame, test_mask = ws.datasets.load_frame(version)
            frames[version.id] = (frame[test_mask], version)
        test_part, version = frames[version.id]
        target = version.roles.get("target")
        pipeline = ws.artifacts.load_object(run.artifact_hash)
        entry: dict[str, Any] = {
            "run_id": run.id,
            "label": _label(run, version.ref),
            "dataset": version.ref,
            "model_family": run.model_family,
            "estimator_params": estimator_params(pipeline),
        }
        if kind == "classification":
            positive = (run.config.get("signature") or {}).get("output", {}).get("positive_class")
            entry.update(_classification_curves(pipeline, test_part, test_part[target], positive))
        else:
            entry.update(_regression_points(pipeline, test_part, test_part[target], run.seed or 0))
        entries.append(entry)
    if kind == "regression":
        _residual_histograms(entries)
    ctx.report(1.0, "Curves ready")
    return {"kind": kind, "runs": entries, "skipped": skipped}


def estimator_params(pipeline: Any) -> dict[str, Any]:
    """The fitted model's own parameters (the pipeline's last step), JSON-safe."""
    model = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    out: dict[str, Any] = {}
    for key, value in sorted(model.get_params(deep=False).items()):
        if value is None or isinstance(value, bool | int | str):
            out[key] = value
        elif isinstance(value, float):
            out[key] = value if math.isfinite(value) else str(value)
        else:
            out[key] = str(value)
    return out


# -- side-by-side tables (cheap: registry records only) ---------------------------------------


def _metric_order(runs: Sequence[Run]) -> list[str]:
    tasks = {_task(run) for run in runs}
    order = list(REGRESSION_METRICS if tasks == {"regression"} else CLASSIFICATION_METRICS)
    present = {k for run in runs for k in (run.metrics or {}).get("holdout", {})}
    return [m for m in order if m in present] + sorted(present - set(order))


def _value(run: Run, source: str, metric: str) -> float | None:
    section = (run.metrics or {}).get(source, {})
    value = section.get(metric)
    if isinstance(value, dict):  # CV: {"mean", "std"}
        value = value.get("mean")
    return _finite(value)


def metric_table(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """Metrics side by side: one row per (metric, source), values in run order, differences
    against the first run, and which run is best (respecting each metric's direction).

    Sources: ``holdout`` (the test part), ``cv`` (mean over folds, with ``stds``) and
    ``baseline`` (the dummy model on the holdout). The primary metric comes first.
    """
    if not runs:
        return []
    metrics = _metric_order(runs)
    primaries = {PRIMARY.get(_task(run)) for run in runs}
    metrics.sort(key=lambda m: 0 if m in primaries else 1)
    rows = []
    for metric in metrics:
        higher = HIGHER_IS_BETTER.get(metric, True)
        for source in ("holdout", "cv", "baseline"):
            values = [_value(run, source, metric) for run in runs]
            if all(v is None for v in values):
                continue
            first = values[0]
            diffs = [
                None if index == 0 or v is None or first is None else v - first
                for index, v in enumerate(values)
            ]
            known = [(v, i) for i, v in enumerate(values) if v is not None]
            distinct = len({v for v, _ in known}) > 1
            best = (max(known) if higher else min(known))[1] if distinct else None
            row: dict[str, Any] = {
                "metric": metric,
                "source": source,
                "primary": metric in primaries,
                "higher_is_better": higher,
                "values": values,
                "diffs": diffs,
                "best": best,
            }
            if source == "cv":
                row["stds"] = [
                    _finite(((run.metrics or {}).get("cv", {}).get(metric) or {}).get("std"))
                    for run in runs
                ]
            rows.append(row)
    return rows


def _config_value(run: Run, key: str, dataset_refs: dict[int, str]) -> Any:
    if key == "model_family":
        return run.model_family
    if key == "dataset":
        return dataset_refs.get(run.dataset_version_id, f"#{run.dataset_version_id}")
    if key == "seed":
        return run.seed
    return run.config.get(key)


def param_diff(
    runs: Sequence[Run],
    dataset_refs: dict[int, str] | None = None,
    estimator: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Settings and parameters whose values differ between the runs.

    Rows: the run settings (family, dataset, seed, search budget, folds), the hyper-parameters
    chosen by search, and — when ``estimator`` maps run ids to the fitted model's parameters
    (``comparison_curves`` returns them) and the runs share a family — the model's effective
    parameters. A value a run does not have is None (the family default / not applicable).
    """
    refs = dataset_refs or {}
    rows: list[dict[str, Any]] = []
    for key, label in CONFIG_PARAMS:
        values = [_config_value(run, key, refs) for run in runs]
        if len({repr(v) for v in values}) > 1:
            rows.append({"param": label, "kind": "setting", "values": values})
    searched = sorted({k for run in runs for k in (run.params or {})})
    for key in searched:
        values = [(run.params or {}).get(key) for run in runs]
        if len({repr(v) for v in values}) > 1:
            rows.append({"param": key, "kind": "chosen", "values": values})
    if estimator and len({run.model_family for run in runs}) == 1:
        model_params = [estimator.get(run.id, {}) for run in runs]
        for key in sorted({k for p in model_params for k in p} - set(searched)):
            values = [p.get(key) for p in model_params]
            if len({repr(v) for v in values}) > 1:
                rows.append({"param": key, "kind": "model", "values": values})
    return rows
