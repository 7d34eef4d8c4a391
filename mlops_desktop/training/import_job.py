"""``import_model``: the background job that registers a model fitted elsewhere.

Everything is checked and evaluated first; then the run, its artifact and the version are
written, so a refused file leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlops_desktop.errors import InputError, JobCancelled
from mlops_desktop.jobs.context import JobContext
from mlops_desktop.registry.refs import check_name
from mlops_desktop.training.model_files import load_model_file
from mlops_desktop.training.model_import import IMPORTED, ImportEvaluation, evaluate_import


def import_model(
    ctx: JobContext,
    path: str,
    name: str,
    dataset: str,
    reason: str = "",
    trust: bool = False,
    origin_format: str | None = None,
    origin_name: str | None = None,
) -> dict[str, Any]:
    """Register the model in ``path`` (skops, joblib/pickle with ``trust``, an MLflow folder) as
    the next version of ``name``, evaluated on dataset version ``dataset`` (``name@N``)."""
    check_name(name, "model name")
    ws = ctx.workspace()
    ctx.report(0.0, f"Reading {Path(path).name}")
    version = ws.datasets.get(dataset)
    roles = dict(version.roles)
    if roles.get("task") not in ("binary", "multiclass", "regression"):
        raise InputError(f"{version.ref} has no target task; set its target column first.")
    loaded = load_model_file(path, trust)
    origin = {
        "file": origin_name or loaded.file_name,
        "format": origin_format or loaded.format,
        "sha256": loaded.sha256,
        "class": type(loaded.model).__name__,
        "trusted": bool(trust),
    }
    ctx.report(0.2, f"Evaluating on {version.ref}'s holdout")
    frame, test_mask = ws.datasets.load_frame(version)
    evaluation = evaluate_import(loaded.model, frame, test_mask, version.schema, roles)
    ctx.check_cancelled()
    return _record(ctx, version, name, reason, origin, evaluation)


def _record(
    ctx: JobContext, version, name: str, reason: str, origin: dict, ev: ImportEvaluation
) -> dict[str, Any]:
    """Write the run (with its origin), the artifact and the version, in that order."""
    from mlops_desktop.training.jobs import library_versions

    ws = ctx.workspace()
    task = version.roles.get("task")
    signature = dict(ev.signature)
    signature["output"] = {**signature["output"], "positive_class": ev.positive_class}
    config = {"family": IMPORTED, "task": task, "origin": origin, "reason": reason}
    run = ws.runs.create(version.id, IMPORTED, config=config, seed=None, job_id=ctx.job_id)
    log = f"Imported {origin['class']} from {origin['file']} ({origin['format']}, sha256 {origin['sha256']})"
    ctx.log(log)
    metrics = {"cv": {}, "holdout": ev.holdout, "baseline": ev.baseline}
    try:
        ctx.report(0.9, "Storing the pipeline")
        artifact = ws.artifacts.put_object(ev.pipeline)
        ctx.check_cancelled()
        run = ws.runs.finish(
            run.id,
            "succeeded",
            params={},
            metrics=metrics,
            library_versions=library_versions(),
            artifact_hash=artifact,
            fingerprint=ev.fingerprint,
            log=log,
            config={**config, "signature": signature},
        )
        registered = ws.models.register(
            name, run.id, artifact, signature=signature, description=reason, origin=origin
        )
    except JobCancelled:
        ws.runs.finish(run.id, "cancelled", error="Cancelled by the user", log=log)
        raise
    except Exception as exc:
        ws.runs.finish(run.id, "failed", error=str(exc), log=log)
        raise
    ctx.report(1.0, "Done")
    return {
        "run_id": run.id,
        "dataset": version.ref,
        "model": IMPORTED,
        "registered": registered.ref,
        "metrics": metrics,
        "origin": origin,
    }
