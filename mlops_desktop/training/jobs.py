"""Training as background jobs: ``train_model`` and ``retrain_model`` take a JobContext.

A run is recorded before fitting starts and ends succeeded, failed or cancelled with its reason.
Registration happens only after the pipeline is safely stored, in one transaction, so nothing is
ever half-registered.
"""

from __future__ import annotations

import platform
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sklearn

from mlops_desktop import __version__
from mlops_desktop.errors import InputError, JobCancelled
from mlops_desktop.jobs.cluster import check_address, connected, describe
from mlops_desktop.jobs.context import JobContext
from mlops_desktop.training.trainer import TrainConfig, TrainResult, train

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import DatasetVersion, Run


def library_versions() -> dict[str, str]:
    """Versions that decide whether a run can be reproduced."""
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "mlops-desktop": __version__,
    }


def _train_config(
    version: DatasetVersion, model: str, search: int, seed: int, cv_folds: int
) -> TrainConfig:
    task = version.roles.get("task")
    if task not in ("binary", "multiclass", "regression"):
        raise InputError(f"{version.ref} has no target task; set its target column first.")
    return TrainConfig(
        family=model,
        task=task,
        split_method=version.split.get("method", "random"),
        search=search,
        cv_folds=cv_folds,
        seed=seed,
    )


def _store_run(
    ctx: JobContext, run_id: str, config: TrainConfig, result: TrainResult, log_lines: list[str]
) -> tuple[Run, str, dict, dict]:
    """Store the pipeline and finish the run as succeeded: ``(run, artifact, metrics, signature)``."""
    ws = ctx.workspace()
    ctx.report(0.96, "Storing the pipeline")
    artifact = ws.artifacts.put_object(result.pipeline)
    metrics = {
        "cv": result.cv_metrics,
        "holdout": result.holdout_metrics,
        "baseline": result.baseline_metrics,
    }
    signature = dict(result.signature)
    signature["output"] = {**signature["output"], "positive_class": result.positive_class}
    ctx.check_cancelled()
    run = ws.runs.finish(
        run_id,
        "succeeded",
        params=result.params,
        metrics=metrics,
        library_versions=library_versions(),
        artifact_hash=artifact,
        fingerprint=result.fingerprint,
        log="\n".join(log_lines),
        config={
            **config.to_dict(),
            "signature": signature,
            "timings": result.timings,
            "candidates": result.candidates,
        },
    )
    return run, artifact, metrics, signature


def _job_output(
    run: Run, version: DatasetVersion, model: str, metrics: dict, result: TrainResult
) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "dataset": version.ref,
        "model": model,
        "metrics": metrics,
        "params": result.params,
        "fingerprint": result.fingerprint,
        "duration_s": run.duration_s,
    }


def train_model(
    ctx: JobContext,
    dataset: str,
    model: str,
    search: int = 0,
    seed: int = 42,
    cv_folds: int = 5,
    register: str | None = None,
    parent_version_id: int | None = None,
    cluster: str | None = None,
) -> dict[str, Any]:
    """Train ``model`` (logreg, linear, rf, hgb) on dataset version ``dataset`` (``name@N``).

    ``cluster`` (``tcp://host:port``, ``local`` or ``local:N``) cross-validates on Dask workers.
    Returns the run id, its metrics and, with ``register``, the registered ``name@N``.
    """
    if cluster is not None:
        cluster = check_address(cluster)  # a mistyped address fails before a run is recorded
    ws = ctx.workspace()
    ctx.report(0.0, f"Loading {dataset}")
    version = ws.datasets.get(dataset)
    roles = dict(version.roles)
    config = _train_config(version, model, search, seed, cv_folds)
    run = ws.runs.create(
        version.id,
        model,
        config=config.to_dict(),
        seed=seed,
        job_id=ctx.job_id,
        parent_model_version_id=parent_version_id,
    )
    log_lines: list[str] = []

    def log(message: str) -> None:
        log_lines.append(message)
        ctx.log(message)

    def report(fraction: float, message: str) -> None:
        ctx.report(0.02 + 0.93 * fraction, message)

    log(f"Run {run.id}: {model} on {version.ref} ({version.rows} rows), seed {seed}")
    try:
        # Loaded after the run exists, so a missing or damaged dataset file ends a visible run.
        frame, test_mask = ws.datasets.load_frame(version)
        with connected(cluster) as client:
            if client is not None:
                log(f"Cross-validating on the Dask cluster {cluster}: {describe(client).summary()}")
            result = train(frame, test_mask, version.schema, roles, config, report, log, client)
        run, artifact, metrics, signature = _store_run(ctx, run.id, config, result, log_lines)
    except JobCancelled:
        ws.runs.finish(run.id, "cancelled", error="Cancelled by the user", log="\n".join(log_lines))
        raise
    except Exception as exc:
        ws.runs.finish(run.id, "failed", error=str(exc), log="\n".join(log_lines))
        raise
    output = _job_output(run, version, model, metrics, result)
    if register:
        registered = ws.models.register(
            register, run.id, artifact, signature=signature, parent_id=parent_version_id
        )
        output["registered"] = registered.ref
    ctx.report(1.0, "Done")
    return output


def retrain_model(
    ctx: JobContext, model_ref: str, dataset: str, cluster: str | None = None
) -> dict[str, Any]:
    """Re-run a model version's config on another dataset version; register the result as the
    next version of the same model, linked to its parent."""
    ws = ctx.workspace()
    parent = ws.models.get(model_ref)
    parent_run = ws.runs.get(parent.run_id)
    config = parent_run.config
    if parent_run.model_family == "imported":
        raise InputError(
            f"{parent.ref} was fitted outside MLOps Desktop, so there is no training recipe to "
            "re-run; refit it where it was made and import it again, or train a model here."
        )
    started = time.time()
    result = train_model(
        ctx,
        dataset,
        parent_run.model_family,
        search=config.get("search", 0),
        seed=parent_run.seed or 42,
        cv_folds=config.get("cv_folds", 5),
        register=parent.name,
        parent_version_id=parent.id,
        cluster=cluster,
    )
    result["parent"] = parent.ref
    result["retrain_s"] = time.time() - started
    return result
