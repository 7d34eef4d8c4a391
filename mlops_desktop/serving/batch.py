"""Batch scoring: a CSV or Parquet file in, predictions out, bad rows set aside with the reason.

The model's input contract is enforced row by row (``evaluation.contracts.validate_frame``, in
chunks): a row that breaks it goes to ``OUT.rejects.csv`` with its row number and the reason, and
is never scored. Every output row names the model version and its request id (``request_id``,
``<batch id>-<row number>``): the run's scored rows are logged in the prediction log (arm
``batch``, their model inputs and id columns only, see ``batch_log``), so ``mlops-desktop explain
ID`` explains any of them and ``review contest ID`` opens a review of one, and the run is in the
audit trail. When the model has review rules, the rows they pick are queued for a person
(``batch_review``) and the output's ``review`` column says ``pending`` for them. The log rows,
the reviews and the summary are published together at the end. Meant for cron:
``mlops-desktop score NAME@live IN OUT``. A paused model scores nothing.
A run that fails (no row scored, a missing column, an unreadable file, an unknown version) writes
no output file, no log rows and no reviews, and is logged as a failure, with a 4xx/5xx status and
its message, so the model's ``batch_feed`` alert fires.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.registry.batch_row_store import row_id
from mlops_desktop.serving.batch_files import Writer, rejects_path
from mlops_desktop.serving.batch_judge import Judged, judge
from mlops_desktop.serving.batch_log import (
    BatchResult,
    ChunkLog,
    logged_columns,
    new_batch_id,
    record_failure,
)
from mlops_desktop.serving.batch_review import BatchReview, review_column
from mlops_desktop.serving.oversight import paused_message

if TYPE_CHECKING:
    from mlops_desktop.data.sniff import ReadOptions
    from mlops_desktop.registry.entities import ModelVersion
    from mlops_desktop.registry.workspace import Workspace

Progress = Callable[[float, str], None]
CHUNK_ROWS = 1000  # validate_frame lists up to 1,000 rows per problem: one chunk, every row
ABANDONED_S = 3600  # a run that logged no chunk for an hour and never published has died


def reading_rules(ws: Workspace, version: ModelVersion) -> ReadOptions:
    """How files scored by ``version`` are read: its training dataset's missing-value markers.

    Format, encoding, delimiter, decimal mark and header are sniffed per file (as at import);
    the markers (e.g. Adult's ``?``) are the ones recorded when the dataset was imported, so a
    file scores the same as its rows did when imported. Default rules when no dataset is known.
    """
    from mlops_desktop.data.sniff import ReadOptions

    try:
        run = ws.runs.get(version.run_id)
        dataset = ws.datasets.get_by_id(run.dataset_version_id)
    except (NotFoundError, KeyError, TypeError):
        return ReadOptions()
    recorded = ((dataset.profile or {}).get("source") or {}).get("read_options") or {}
    markers = recorded.get("na_values")
    return ReadOptions() if markers is None else ReadOptions(na_values=tuple(markers))


def _chunks(path: Path, rows: int, rules: ReadOptions):
    """(chunk, fraction read) pairs, typed by the import's reader with ``rules`` as the whole
    file would be, streamed: a file larger than memory scores too."""
    from mlops_desktop.data.stream import iter_frames

    return iter_frames(path, rules, rows)


def score(
    ws: Workspace,
    ref: str,
    in_path: Path | str,
    out_path: Path | str,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    cluster: Any = None,
) -> BatchResult:
    """Score ``in_path`` with model version ``ref`` (``name@N``, ``name@live``, ``name``).

    ``cluster`` (a ``distributed.Client``) checks and scores the chunks on its workers; the
    output, rejects and log are the same as without it.

    A run that fails (unreadable file, missing columns, every row rejected, unknown version)
    writes no output file, is logged as a failed batch (status 400/404/500 with the message) so
    the ``batch_feed`` alert fires, and raises.
    """
    started = time.perf_counter()
    try:
        return _score(
            ws, ref, (Path(in_path), Path(out_path)), progress, chunk_rows, started, cluster
        )
    except Exception as exc:
        record_failure(ws, ref, Path(in_path), Path(out_path), exc, started)
        raise


@dataclass
class _Model:
    """The version being scored with, its loaded pipeline, signature and classes."""

    version: ModelVersion
    pipeline: object
    signature: dict
    classes: list | None  # None for a regressor
    review: BatchReview | None  # the model's review rules, None when it has none

    @classmethod
    def load(cls, ws: Workspace, ref: str) -> _Model:
        version = ws.models.get(ref)
        pause = ws.pauses.get(version.name)
        if pause is not None and pause.paused:  # the stop switch holds for batch runs too
            raise InputError(paused_message(pause)).hinted(
                f"Run 'mlops-desktop resume {version.name}'."
            )
        pipeline = ws.artifacts.load_object(ws.models.bound_artifact(version))
        signature = version.signature or {}
        task = (signature.get("output") or {}).get("task")
        classes = (
            None
            if task == "regression"
            else [c.item() if hasattr(c, "item") else c for c in pipeline.classes_]
        )
        return cls(version, pipeline, signature, classes, BatchReview.for_model(ws, version))

    def added_columns(self) -> list[str]:
        """The columns a run adds to the file's own in its output."""
        added = ["request_id", "prediction", "model_version"]
        added += [f"proba_{c}" for c in self.classes or []]
        return added + (["review"] if self.review is not None else [])


@dataclass
class _Tally:
    """Rows read, scored and rejected so far, and the contract's warnings by kind and column."""

    rows: int = 0
    scored: int = 0
    rejected: int = 0
    warnings: dict[str, int] = field(default_factory=dict)


def _judged_chunks(in_path: Path, chunk_rows: int, rules, model: _Model, cluster: Any, report):
    """``(chunk, fraction, Judged or None)``: judged on the cluster (read there as a
    dask.dataframe when its workers see the file, else streamed from here), or None (judged
    here)."""
    if cluster is None:
        return ((chunk, fraction, None) for chunk, fraction in _chunks(in_path, chunk_rows, rules))
    from mlops_desktop.data.partitions import plan_partitions
    from mlops_desktop.serving import batch_cluster

    seen = batch_cluster.workers_see(cluster, in_path)  # before planning: a plan costs a pass
    plan = (
        plan_partitions(in_path, rules, chunk_rows * batch_cluster.CHUNKS_PER_TASK)
        if seen
        else None
    )
    if plan is not None:
        parts = len(plan.partitions)
        report(0.0, f"Workers read {in_path.name} in {parts:,} partitions (dask.dataframe)")
        return batch_cluster.judged_partitions(cluster, plan, model, chunk_rows)
    why = "the workers do not see this file" if not seen else "it cannot be split"
    report(0.0, f"Sending the rows of {in_path.name} to the workers ({why})")
    return batch_cluster.judged_on_cluster(cluster, _chunks(in_path, chunk_rows, rules), model)


def _score(
    ws: Workspace,
    ref: str,
    paths: tuple[Path, Path],
    progress: Progress | None,
    chunk_rows: int,
    started: float,
    cluster: Any,
) -> BatchResult:
    in_path, out_path = paths
    if not in_path.is_file():
        raise InputError(f"{in_path} does not exist or is not a file.")
    if out_path.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"{out_path.name}: write predictions to a .csv or .parquet file.")
    model = _Model.load(ws, ref)
    version = model.version
    report = progress or (lambda _f, _m: None)
    writer, rejects = Writer(out_path), Writer(rejects_path(out_path))
    tally, placed = _Tally(), []
    ws.batch_rows.drop_abandoned(version.name, time.time() - ABANDONED_S)
    chunks = ChunkLog(ws, version, new_batch_id(), logged_columns(ws, version))
    try:
        rules = reading_rules(ws, version)
        for chunk, fraction, judged in _judged_chunks(
            in_path, chunk_rows, rules, model, cluster, report
        ):
            check_added_columns(chunk, model, in_path)
            if judged is None:
                judged = judge(chunk, model.pipeline, model.signature, model.classes)
            record_chunk(chunk, judged, model, in_path, (writer, rejects, chunks), tally)
            report(fraction, f"Scored {tally.scored:,} rows, rejected {tally.rejected:,}")
        _close_files(writer, rejects, tally, in_path, version)
        result = _result(version, (in_path, out_path), rejects, tally, chunks.batch_id, started)
        placed.append(writer.place())
        if tally.rejected:
            placed.append(rejects.place())
        chunks.publish(result)  # the log rows, reviews and summary, all at once
    except BaseException:
        for w in (writer, rejects):
            w.discard()
            if w.path in placed:  # in place, but the run could not be published
                w.path.unlink(missing_ok=True)
        chunks.discard()
        raise
    queued = f"; {result.reviews:,} queued for review" if result.reviews else ""
    report(
        1.0, f"Scored {tally.scored:,} rows with {version.ref}; {tally.rejected:,} rejected{queued}"
    )
    return result


def _result(version, paths, rejects, tally, batch_id, started) -> BatchResult:
    return BatchResult(
        version.ref,
        str(paths[0]),
        str(paths[1]),
        str(rejects.path) if tally.rejected else None,
        tally.rows,
        tally.scored,
        tally.rejected,
        time.perf_counter() - started,
        tally.warnings,
        batch_id,
    )


def check_added_columns(chunk: pd.DataFrame, model: _Model, in_path: Path) -> None:
    """Refuse a file that already has a column the output adds (an earlier run's output)."""
    taken = [c for c in model.added_columns() if c in chunk.columns]
    if taken:
        raise InputError(
            f"{in_path.name} already has column(s) {', '.join(taken)}, which the output of "
            f"{model.version.ref} adds; no row was scored. Rename or drop them (is this an "
            "output of an earlier run?)."
        )


def record_chunk(
    chunk: pd.DataFrame,
    judged: Judged,
    model: _Model,
    in_path: Path,
    outputs: tuple[Writer, Writer, ChunkLog],
    tally: _Tally,
) -> None:
    """Write (and log) a judged chunk's scored and rejected rows; count them in ``tally``."""
    writer, rejects, chunks = outputs
    missing = [v.column for v in judged.violations if v.kind == "missing_column"]
    if missing:
        raise InputError(
            f"{in_path.name} lacks column(s) {', '.join(missing)} that {model.version.ref} "
            "needs; no row was scored. Add the column(s) (empty cells are allowed)."
        )
    for v in judged.violations:
        if v.severity == "warning":
            key = f"{v.kind}:{v.column}"
            tally.warnings[key] = tally.warnings.get(key, 0) + v.count
    out, good, reasons = judged.out, judged.good, judged.reasons
    rows = np.flatnonzero(good) + tally.rows + 1
    proba = [f"proba_{c}" for c in model.classes] if model.classes is not None else None
    probabilities = out[proba].to_numpy() if proba else None
    labels = out["prediction"].to_numpy()
    review = (
        model.review.entries(chunks.batch_id, out, rows, labels, probabilities)
        if model.review is not None
        else None
    )
    chunks.add(chunk[good], rows, labels, probabilities, review)
    out.insert(0, "request_id", [row_id(chunks.batch_id, r) for r in rows])
    out["model_version"] = model.version.ref
    if review is not None:
        out["review"] = review_column(review, out.index)
    writer.write(out)
    bad = chunk[~good].copy()
    if len(bad):
        bad.insert(0, "row_number", np.flatnonzero(~good) + tally.rows + 1)
        bad.insert(1, "reason", ["; ".join(reasons[i]) for i in np.flatnonzero(~good)])
        bad["model_version"] = model.version.ref
        rejects.write(bad)
    tally.rows += len(chunk)
    tally.scored += int(good.sum())
    tally.rejected += int((~good).sum())


def _close_files(
    writer: Writer, rejects: Writer, tally: _Tally, in_path: Path, version: ModelVersion
) -> None:
    """Complete the output (and the rejects, if any), not yet in place; fail when no row was
    scored (the rejects file with the reasons is put in place then, and no output)."""
    if tally.rows and not tally.scored:  # keep the reasons, write no output: the run failed
        rejects.finish()
        raise InputError(
            f"No row of {in_path.name} could be scored: all {tally.rows:,} rows break "
            f"{version.ref}'s input contract; the reasons are in {rejects.path}."
        )
    writer.close()
    if tally.rejected:
        rejects.close()
    else:
        rejects.discard()
        rejects.path.unlink(missing_ok=True)


def score_job(ctx, ref: str, in_path: str, out_path: str, cluster: str | None = None) -> dict:
    """The job-pool entry point (the GUI's batch-scoring dialog); ``cluster`` an address."""
    from mlops_desktop.jobs.cluster import connected

    with connected(cluster) as client:
        return score(ctx.workspace(), ref, in_path, out_path, ctx.report, cluster=client).to_dict()
