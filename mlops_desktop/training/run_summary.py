"""What the Train page says about a run, computed without Qt: its headline numbers, the rows of
the table, its lineage and the CLI command equivalent to a training form."""

from __future__ import annotations

import math
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlops_desktop.registry.entities import DatasetVersion, ModelVersion, Run
from mlops_desktop.training.families import family_label
from mlops_desktop.training.metric_names import METRIC_LABELS, PRIMARY  # noqa: F401 - METRIC_LABELS re-exported

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

TASK_LABELS = {
    "binary": "binary classification",
    "multiclass": "multiclass classification",
    "regression": "regression",
}


def task_of(run: Run) -> str:
    return str(run.config.get("task") or "binary")


def families_for(task: str) -> list[str]:
    """The families a user may pick for ``task`` (the linear one depends on the task)."""
    linear = "linear" if task == "regression" else "logreg"
    return [linear, "rf", "hgb"]


def primary_metric(run: Run) -> str:
    return PRIMARY.get(task_of(run), "roc_auc")


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Headline:
    """A run's primary metric on the holdout, in CV (mean ± std) and for the dummy baseline."""

    metric: str
    holdout: float | None
    cv_mean: float | None
    cv_std: float | None
    baseline: float | None


def headline(run: Run) -> Headline:
    metric = primary_metric(run)
    metrics = run.metrics or {}
    cv = (metrics.get("cv") or {}).get(metric) or {}
    return Headline(
        metric,
        _num((metrics.get("holdout") or {}).get(metric)),
        _num(cv.get("mean")),
        _num(cv.get("std")),
        _num((metrics.get("baseline") or {}).get(metric)),
    )


def registered_by_run(versions: Iterable[ModelVersion]) -> dict[str, list[ModelVersion]]:
    """Model versions grouped by the run they were registered from (oldest first)."""
    out: dict[str, list[ModelVersion]] = {}
    for version in sorted(versions, key=lambda v: (v.created_at, v.id)):
        out.setdefault(version.run_id, []).append(version)
    return out


def status_note(run: Run, registered: list[ModelVersion]) -> str:
    """The table's note: the failure reason, or where the run is registered."""
    if run.status in ("failed", "cancelled", "interrupted"):
        return run.error or f"The run was {run.status}."
    if registered:
        words = "model" if len(registered) == 1 else "models"  # the row names its dataset too
        return f"Registered as {words} " + ", ".join(v.ref for v in registered)
    if run.status == "running":
        return "Training…"
    return ""


@dataclass(frozen=True)
class LineageStep:
    """One link of a run's lineage: ``kind`` is dataset, run, model or parent."""

    kind: str
    ref: str
    detail: str = ""
    run_id: str | None = None


def lineage(ws: Workspace, run: Run) -> list[LineageStep]:
    """Dataset version → run → model version(s) → parent version(s) when retrained.

    Reads registry rows only (quick enough for the GUI thread).
    """
    steps: list[LineageStep] = []
    version = ws.datasets.get_by_id(run.dataset_version_id)
    steps.append(LineageStep("dataset", version.ref, f"{version.rows:,} rows"))
    steps.append(LineageStep("run", run.id, family_label(run.model_family), run.id))
    registered = [v for v in ws.models.list() if v.run_id == run.id]
    for model in registered:
        aliases = ws.models.aliases_of(model.id)
        detail = f"aliases: {', '.join(aliases)}" if aliases else ""
        steps.append(LineageStep("model", model.ref, detail, run.id))
    parent_id = run.parent_model_version_id
    if parent_id is None and registered:
        parent_id = registered[0].parent_id
    seen: set[int] = set()
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        parent = ws.models.by_id(parent_id)
        parent_run = ws.runs.get(parent.run_id)
        parent_data = ws.datasets.get_by_id(parent_run.dataset_version_id)
        steps.append(
            LineageStep("parent", parent.ref, f"trained on {parent_data.ref}", parent_run.id)
        )
        parent_id = parent.parent_id
    return steps


def newer_dataset_versions(ws: Workspace, run: Run) -> list[DatasetVersion]:
    """Versions of the run's dataset newer than the one it was trained on (newest first)."""
    version = ws.datasets.get_by_id(run.dataset_version_id)
    return [v for v in reversed(ws.datasets.list(version.name)) if v.number > version.number]


def train_command(
    dataset: str,
    families: list[str],
    search: int = 0,
    seed: int = 42,
    folds: int = 5,
    register: str = "",
    cluster: str | None = None,
) -> str:
    """The ``mlops-desktop train`` command(s) equivalent to the form (one line per family)."""
    commands = []
    for key in families or ["hgb"]:
        parts = ["mlops-desktop", "train", dataset, "--model", key]
        if search:
            parts += ["--search", str(search)]
        if seed != 42:
            parts += ["--seed", str(seed)]
        if folds != 5:
            parts += ["--folds", str(folds)]
        if register:
            parts += ["--register", register]
        if cluster:
            parts += ["--cluster", cluster]
        commands.append(" ".join(shlex.quote(p) for p in parts))
    return "\n".join(commands)


TRAIN_JOB_KINDS = ("train_model", "retrain_model", "import_model")


@dataclass(frozen=True)
class RunRow:
    """One row of the runs table: a recorded run, or a training job that has no run (yet, or
    ever: a job that failed before its run was recorded, e.g. on a damaged dataset file)."""

    key: str
    status: str
    dataset: str
    family: str
    run_id: str | None = None
    job_id: str | None = None
    dataset_version_id: int | None = None
    task: str = ""
    metric: str = ""
    holdout: float | None = None
    cv_mean: float | None = None
    cv_std: float | None = None
    baseline: float | None = None
    seed: int | None = None
    duration_s: float | None = None
    started_at: float | None = None
    note: str = ""
    registered: tuple[str, ...] = ()


def _run_row(run: Run, dataset_refs: dict[int, str], versions: list[ModelVersion]) -> RunRow:
    line = headline(run)
    return RunRow(
        key=run.id,
        status=run.status,
        dataset=dataset_refs.get(run.dataset_version_id, f"#{run.dataset_version_id}"),
        family=run.model_family,
        run_id=run.id,
        job_id=run.job_id,
        dataset_version_id=run.dataset_version_id,
        task=task_of(run),
        metric=line.metric,
        holdout=line.holdout,
        cv_mean=line.cv_mean,
        cv_std=line.cv_std,
        baseline=line.baseline,
        seed=run.seed,
        duration_s=run.duration_s,
        started_at=run.started_at or run.created_at,
        note=status_note(run, versions),
        registered=tuple(v.ref for v in versions),
    )


def _job_row(job: Any) -> RunRow:
    """A training job that has no run yet (queued, starting, or ended before recording one)."""
    params = job.params or {}
    if job.finished:
        note = job.error or f"The job was {job.status} before its run was recorded."
    else:
        note = "Waiting for a worker…" if job.status == "queued" else (job.message or "Starting…")
    duration = (job.finished_at - job.started_at) if job.finished_at and job.started_at else None
    return RunRow(
        key=job.id,
        status=job.status,
        dataset=str(params.get("dataset", "")),
        family=str(
            params.get("model", params.get("model_ref", "imported" if params.get("path") else ""))
        ),
        job_id=job.id,
        seed=params.get("seed"),
        duration_s=duration,
        started_at=job.started_at or job.created_at,
        note=note,
    )


def run_rows(
    runs: Iterable[Run],
    jobs: Iterable[Any],
    dataset_refs: dict[int, str],
    registered: dict[str, list[ModelVersion]],
) -> list[RunRow]:
    """Rows for the runs table: every run, plus training jobs without a run (newest first)."""
    rows: list[RunRow] = []
    job_ids = set()
    for run in runs:
        job_ids.add(run.job_id)
        rows.append(_run_row(run, dataset_refs, registered.get(run.id, [])))
    for job in jobs:
        if job.kind not in TRAIN_JOB_KINDS or job.id in job_ids:
            continue
        rows.append(_job_row(job))
    rows.sort(key=lambda r: r.started_at or 0.0, reverse=True)
    return rows
