"""What the Train page shows, computed from runs and jobs (Qt-free): the runs table's cells and
sort keys, its filter, the counts and the empty states, and the selected run's details
(headline, metrics, lineage, parameters, reproducibility).

Everything here runs without a display, so it is tested without Qt.
"""

from __future__ import annotations

import html
from typing import Any

from mlops_desktop.formatting import MISSING, duration, local_time, number, significant
from mlops_desktop.registry.entities import DatasetVersion, Run
from mlops_desktop.training.families import family_label
from mlops_desktop.training.metric_names import CLASSIFICATION_METRICS, REGRESSION_METRICS
from mlops_desktop.training.run_summary import (
    METRIC_LABELS,
    TASK_LABELS,
    LineageStep,
    RunRow,
    primary_metric,
    task_of,
)
from mlops_desktop.ui.kit.specs import EmptyStateSpec

#: The training jobs the Train page (and Govern ▸ Erasure's Retrain) submit.
TRAIN_JOB = "mlops_desktop.training.jobs:train_model"
RETRAIN_JOB = "mlops_desktop.training.jobs:retrain_model"

COLUMNS = (
    "Run",
    "Dataset",
    "Model",
    "Status",
    "Metric",
    "Holdout",
    "CV ± std",  # as in the run's metrics table
    "Baseline",
    "Seed",
    "Duration",
    "Started",
    "Notes",
)
(
    COL_RUN,
    COL_DATASET,
    COL_MODEL,
    COL_STATUS,
    COL_METRIC,
    COL_HOLDOUT,
    COL_CV,
    COL_BASELINE,
    COL_SEED,
    COL_DURATION,
    COL_STARTED,
    COL_NOTES,
) = range(len(COLUMNS))
NUMERIC = {COL_HOLDOUT, COL_CV, COL_BASELINE, COL_SEED, COL_DURATION, COL_STARTED}
#: Sorts after every real number, so runs without a value gather at one end.
SORTS_LAST = float("-inf")


def model_label(row: RunRow) -> str:
    return family_label(row.family)


def cell_text(row: RunRow, col: int) -> str:
    """What column ``col`` of the runs table shows for ``row``."""
    if col == COL_RUN:
        return row.run_id or MISSING
    if col == COL_DATASET:
        return row.dataset
    if col == COL_MODEL:
        return model_label(row)
    if col == COL_STATUS:
        return row.status.capitalize()
    if col == COL_METRIC:
        return METRIC_LABELS.get(row.metric, row.metric)
    if col == COL_HOLDOUT:
        return number(row.holdout)
    if col == COL_CV:
        if row.cv_mean is None:
            return MISSING
        std = f" ± {number(row.cv_std)}" if row.cv_std is not None else ""
        return number(row.cv_mean) + std
    if col == COL_BASELINE:
        return number(row.baseline)
    if col == COL_SEED:
        return MISSING if row.seed is None else str(row.seed)
    if col == COL_DURATION:
        return duration(row.duration_s)
    if col == COL_STARTED:
        return local_time(row.started_at)
    if col == COL_NOTES:
        return row.note
    return ""


def sort_key(row: RunRow, col: int) -> Any:
    """What column ``col`` sorts ``row`` by: numbers as numbers (missing ones last), else text."""
    numbers = {
        COL_HOLDOUT: row.holdout,
        COL_CV: row.cv_mean,
        COL_BASELINE: row.baseline,
        COL_SEED: row.seed,
        COL_DURATION: row.duration_s,
        COL_STARTED: row.started_at,
    }
    if col in numbers:
        value = numbers[col]
        return SORTS_LAST if value is None else float(value)
    return cell_text(row, col).casefold()


def row_matches(row: RunRow, text: str, status: str, dataset: str) -> bool:
    """Whether ``row`` passes the filters: every word of ``text`` (already casefolded) in its
    run id, job id, dataset or model; its ``status``; its ``dataset`` name ("" matches all)."""
    if status and row.status != status:
        return False
    if dataset and row.dataset.partition("@")[0] != dataset:
        return False
    if text:
        haystack = " ".join(
            [row.run_id or "", row.job_id or "", row.dataset, row.family, model_label(row)]
        ).casefold()
        return all(word in haystack for word in text.split())
    return True


def count_text(shown: int, total: int) -> str:
    """ "3 runs", or "2 of 3 runs" while a filter hides some."""
    return (
        f"{total} run{'s' if total != 1 else ''}" if shown == total else f"{shown} of {total} runs"
    )


def compare_text(count: int) -> str:
    """The Compare button's label for ``count`` comparable runs selected."""
    return f"C&ompare {count} runs" if count >= 2 else "C&ompare"


def dataset_names(rows: list[RunRow]) -> list[str]:
    """The dataset names the runs were trained on, sorted (the dataset filter's choices)."""
    return sorted({row.dataset.partition("@")[0] for row in rows if row.dataset})


def empty_spec(has_data: bool, versions: list[DatasetVersion]) -> EmptyStateSpec:
    """What the Train page says before the first run; its command trains the latest of
    ``versions`` (placeholders when none is known)."""
    if not has_data:
        return EmptyStateSpec(
            heading="Nothing to train on yet",
            text="Training needs a dataset version with a target. Import one on the Data "
            "page first.",
            action_label="Go to &Data",
            action_page="data",
        )
    ref, name = "DATASET@N", "NAME"
    if versions:
        latest = max(versions, key=lambda v: (v.created_at, v.id))
        ref, name = latest.ref, latest.name
    return EmptyStateSpec(
        heading="Train your first model",
        text="Choose a dataset version and one or more model families. Each run is "
        "cross-validated, scored on the holdout and compared with a dummy baseline.",
        command=f"mlops-desktop train {ref} --model hgb --register {name}",
        action_label="&New Run…",
        action_page="train",
    )


# -- the training form --------------------------------------------------------------------------


def dataset_caption(version: DatasetVersion) -> str:
    """A dataset version in the form's list: "credit@2 — 1,000 rows · binary classification"."""
    roles = version.roles or {}
    task = TASK_LABELS.get(roles.get("task", ""), "no target task")
    return f"{version.ref} — {version.rows:,} rows · {task}"


def task_text(version: DatasetVersion) -> str:
    """What the run will learn, from the version's target: "Binary classification of …"."""
    roles = version.roles or {}
    task, target = roles.get("task"), roles.get("target")
    if task not in TASK_LABELS or not target:
        return "This version has no target, so it cannot be trained on. Set one on the Data page."
    text = f"{TASK_LABELS[task].capitalize()} of “{target}”"
    if task == "binary" and roles.get("positive_class"):
        text += f" (positive class: {roles['positive_class']})"
    split = (version.split or {}).get("method")
    return text + (f", {split} split" if split else "")


# -- the selected run ----------------------------------------------------------------------------

LINEAGE_CAPTIONS = {
    "dataset": "Dataset",
    "run": "Run",
    "model": "Model version",
    "parent": "Retrained from",
}
ENDED = ("failed", "cancelled", "interrupted")


def subtitle_text(row: RunRow) -> str:
    """ "Gradient boosting on dataset credit@1 · Binary classification · succeeded in 4.2 s"."""
    family = family_label(row.family)
    task = TASK_LABELS.get(row.task, row.task)
    when = f" in {duration(row.duration_s)}" if row.duration_s is not None else ""
    parts = [f"{family} on dataset {row.dataset}"] + ([task] if task else [])
    return " · ".join(parts) + f" · {row.status}{when}"


def failure_text(row: RunRow) -> str:
    """Why a run ended without a model (rich text; "" when it did not fail)."""
    if row.status not in ENDED:
        return ""
    what = {"cancelled": "Cancelled", "interrupted": "Interrupted"}.get(row.status, "Failed")
    return f"<b>{what}:</b> {html.escape(row.note)}"


def retrain_tip(row: RunRow, can_retrain: bool) -> str:
    """The tooltip of "Retrain on newer data…"."""
    if can_retrain:
        return "Re-run this version's config on a newer dataset version and register the result"
    return (
        f"No newer version of {row.dataset.partition('@')[0]} yet: import one on the "
        "Data page first"
    )


def metric_rows(run: Run | None) -> list[tuple[list[str], bool]]:
    """The metrics table: per metric [label, holdout, baseline, "CV mean ± std"] and whether it
    is the run's primary metric."""
    metrics = (run.metrics if run is not None else None) or {}
    holdout = metrics.get("holdout") or {}
    baseline = metrics.get("baseline") or {}
    cv = metrics.get("cv") or {}
    task = task_of(run) if run is not None else "binary"
    order = REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS
    primary = primary_metric(run) if run is not None else ""
    rows = []
    for name in (m for m in order if m in holdout or m in cv):
        fold = cv.get(name) or {}
        cv_text = MISSING
        if fold.get("mean") is not None:
            cv_text = f"{number(fold.get('mean'))} ± {number(fold.get('std'))}"
        cells = [
            METRIC_LABELS.get(name, name),
            number(holdout.get(name)),
            number(baseline.get(name)),
            cv_text,
        ]
        rows.append((cells, name == primary))
    return rows


def lineage_html(row: RunRow, lineage: list[LineageStep]) -> str:
    """Dataset → run → model version → retrained from, one step a line (rich text; a parent
    links to its run by id)."""
    if not lineage:
        if row.status in ("queued", "running"):
            return f"Dataset {html.escape(row.dataset)} → the run is recorded as training starts."
        return f"Dataset {html.escape(row.dataset)} → no run recorded (the job ended first)."
    lines = []
    for step in lineage:
        caption = LINEAGE_CAPTIONS.get(step.kind, step.kind)
        ref = html.escape(step.ref)
        if step.kind == "parent" and step.run_id:
            ref = f'<a href="{step.run_id}">{ref}</a>'
        detail = f" <span>({html.escape(step.detail)})</span>" if step.detail else ""
        arrow = "↳ " if step.kind != "dataset" else ""
        lines.append(f"{arrow}{caption}: <b>{ref}</b>{detail}")
    return "<br>".join(lines)


def no_params_text(run: Run) -> str:
    """What "Chosen parameters" says when the search kept the family's defaults."""
    if run.model_family == "imported":
        return "Not recorded: the model was fitted outside MLOps Desktop."
    return (
        "The defaults won." if run.config.get("search", 0) else "The family's defaults (no search)."
    )


def param_texts(run: Run) -> list[tuple[str, str]]:
    """The chosen parameters as (name, value), sorted by name."""
    return [
        (key, significant(value) if isinstance(value, float) else str(value))
        for key, value in sorted((run.params or {}).items())
    ]


def search_text(run: Run) -> str:
    """ "20 candidates, 5 folds, stratified split"."""
    config = run.config or {}
    origin = config.get("origin")
    if run.model_family == "imported" and origin:
        return (
            f"Imported from {origin.get('file')} ({origin.get('format')}, sha256 "
            f"{str(origin.get('sha256'))[:12]}…); evaluated on the holdout, no cross-validation"
        )
    return (
        f"{config.get('search', 0)} candidates, {config.get('cv_folds', '?')} folds, "
        f"{config.get('split_method', 'random')} split"
    )


def timings_text(run: Run) -> str:
    """How long each stage took: "fit 2.1 s, score 0.3 s" ("" when not recorded)."""
    timings = (run.config or {}).get("timings") or {}
    return ", ".join(f"{k.removesuffix('_s')} {duration(v)}" for k, v in timings.items())
