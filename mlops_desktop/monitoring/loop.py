"""Close the loop: from an alert, retrain on recent data with outcomes and send the result to
canary or shadow.

``retrain_from_alert`` (a job function) takes the latest logged inputs that have an outcome
(live and canary arms), labels them with the model's target, saves them as the next version of
the live model's dataset (through the normal import: checks, split, profile), retrains the live
version's configuration on it, tests the result, and deploys it as canary (a share of traffic)
or shadow (scored silently). The alert is acknowledged with a note naming the candidate.

Exact duplicate rows (same inputs and label, e.g. a replayed file) are kept once: otherwise the
import's train/test overlap check rightly blocks the version. When requests carried entity keys
(a customer's id, or the simulator's row identity), they become the new dataset's group column
(``replay.KEY_COLUMN``, not a feature): every row of one entity falls on one side of the split,
and the simulator knows which rows the candidate trained on and replays it only the others.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mlops_desktop.errors import CheckFailed, InputError
from mlops_desktop.formatting import counted
from mlops_desktop.jobs.context import JobContext
from mlops_desktop.monitoring.logs import decode_inputs
from mlops_desktop.monitoring.realized import labelled_rows
from mlops_desktop.monitoring.reference import cast_like
from mlops_desktop.monitoring.replay import KEY_COLUMN, REPLAY_PREFIX

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import Alert, DatasetVersion, Deployment, ModelVersion
    from mlops_desktop.registry.workspace import Workspace

MIN_ROWS = 100
MAX_ROWS = 20_000


class _Step:
    """A view of the job's context mapping a step's 0..1 progress onto [lo, hi]."""

    def __init__(self, parent: JobContext, lo: float, hi: float) -> None:
        self._parent, self._lo, self._hi = parent, lo, hi

    def report(self, fraction: float, message: str = "") -> None:
        self._parent.report(self._lo + (self._hi - self._lo) * fraction, message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parent, name)


def recent_labelled_frame(
    ws: Workspace, name: str, version: ModelVersion, max_rows: int = MAX_ROWS
) -> pd.DataFrame:
    """The latest ``max_rows`` logged input rows of ``name`` with their outcome as the target,
    after their entity keys (``KEY_COLUMN``) when some requests sent one."""
    signature = version.signature or {}
    types = {s["name"]: s.get("type", "categorical") for s in signature.get("inputs") or []}
    target = (signature.get("output") or {}).get("name")
    labelled = labelled_rows(ws, name, arms=("live", "canary"))
    labelled = labelled.sort_values(["ts", "prediction_id", "row"]).tail(max_rows)
    if labelled.empty:
        return pd.DataFrame(columns=[*types, target])
    ids = sorted(set(labelled["prediction_id"].astype(int)))
    texts = ws.predictions.inputs_of(ids)
    decoded = decode_inputs([texts[i] for i in ids], list(types))
    first_row = np.concatenate([[0], np.cumsum(decoded.rows_per_request)[:-1]])
    position = {pid: first_row[k] for k, pid in enumerate(ids)}
    rows = [
        position[int(p)] + int(r)
        for p, r in zip(labelled["prediction_id"], labelled["row"], strict=True)
    ]
    frame = cast_like(decoded.frame.iloc[rows].reset_index(drop=True), types)
    for column, kind in types.items():
        if kind == "datetime":
            frame[column] = frame[column].dt.tz_localize(None)
    keys = ws.predictions.entity_keys_of(ids)
    if any(keys.values()) and KEY_COLUMN not in frame.columns:
        frame[KEY_COLUMN] = [  # a request without a key is an entity of its own
            keys[int(p)] or f"prediction-{int(p)}" for p in labelled["prediction_id"]
        ]
    frame[target] = labelled["label"].to_numpy()
    return frame


def _dataset_types(dataset: DatasetVersion, columns: list[str]) -> dict[str, str]:
    schema = dataset.schema or {}
    return {c: schema[c] for c in columns if c in schema}


def retrain_from_alert(
    ctx: JobContext,
    alert_id: int,
    mode: str = "canary",
    percent: float = 20.0,
    min_rows: int = MIN_ROWS,
    max_rows: int = MAX_ROWS,
    resamples: int = 200,
    force: bool = False,
    force_reason: str = "",
) -> dict[str, Any]:
    """Build a dataset from recent labelled traffic, retrain, test, deploy as canary or shadow.

    The deployment follows the promotion rule: a candidate that fails the gate is registered
    and tested but gets no traffic (CheckFailed, the alert stays open) unless ``force`` with a
    ``force_reason``.
    """
    from mlops_desktop.evaluation.jobs import test_model
    from mlops_desktop.monitoring.alerts import get_alert
    from mlops_desktop.training.jobs import retrain_model

    if mode not in ("canary", "shadow"):
        raise InputError(f"Deploy the retrained model as 'canary' or 'shadow', not {mode!r}.")
    ws = ctx.workspace()
    alert = get_alert(ws, alert_id)
    name = alert.model_name
    live = ws.models.get(f"{name}@live")
    run = ws.runs.get(live.run_id)
    dataset = ws.datasets.get_by_id(run.dataset_version_id)
    ctx.report(0.01, f"Collecting recent predictions of {name} that have outcomes")
    frame, duplicates = _recent_unique_frame(ws, name, live, min_rows, max_rows)
    ctx.log(f"{len(frame)} labelled rows ({duplicates} duplicate rows left out)")
    imported = _import_recent(ctx, name, frame, dataset)
    new_data = imported["ref"]
    ctx.report(0.3, f"Retraining {live.ref} on {new_data}")
    trained = retrain_model(_Step(ctx, 0.3, 0.7), live.ref, new_data)
    candidate = trained["registered"]
    ctx.report(0.7, f"Testing {candidate}")
    tested = test_model(_Step(ctx, 0.7, 0.94), candidate, resamples=resamples)
    ctx.check_cancelled()
    reason = f"retrained from alert #{alert.id} ({alert.signal}) on {new_data}"
    if force:
        reason += f"; rule overridden: {force_reason}" if force_reason.strip() else ""
    deployment = _deploy(ws, candidate, mode, percent, reason, force, bool(force_reason.strip()))
    note = f"Retrained as {candidate} on {new_data}; deployed as {mode}"
    note += f" ({percent:g}% of traffic)." if mode == "canary" else "."
    _close_alert(ws, alert, note, new_data, candidate, mode, percent, len(frame))
    ctx.report(1.0, note)
    return {
        "alert_id": alert.id,
        "model": name,
        "parent": live.ref,
        "dataset": new_data,
        "dataset_status": imported["status"],
        "rows": len(frame),
        "duplicates_left_out": duplicates,
        "candidate": candidate,
        "test": {
            "passed": tested.get("passed"),
            "report_id": tested.get("report_id"),
            "metrics": tested.get("metrics"),
        },
        "mode": mode,
        "percent": percent if mode == "canary" else 0.0,
        "deployment_id": deployment.id,
    }


def _recent_unique_frame(
    ws: Workspace, name: str, live: ModelVersion, min_rows: int, max_rows: int
) -> tuple[pd.DataFrame, int]:
    """The recent labelled rows without exact duplicates, and how many duplicates were dropped.

    A row the simulator replayed many times is one case seen again: its latest replay counts,
    once (else a slice of 30 rows may hold a dozen cases). Raises :class:`InputError` when fewer
    than ``min_rows`` remain.
    """
    frame = recent_labelled_frame(ws, name, live, max_rows)
    labelled = len(frame)
    frame = frame.drop_duplicates(keep="last")
    if KEY_COLUMN in frame.columns:
        replay = frame[KEY_COLUMN].astype(str).str.startswith(REPLAY_PREFIX)
        again = replay & frame[KEY_COLUMN].duplicated(keep="last")
        frame = frame[~again]
    frame = frame.reset_index(drop=True)
    duplicates = labelled - len(frame)
    if len(frame) < min_rows:
        raise InputError(
            f"Only {counted(len(frame), 'recent prediction row')} of {name} have an outcome"
            f"{f' ({duplicates} duplicates left out)' if duplicates else ''}; retraining needs at "
            f"least {min_rows}. Record more outcomes and try again."
        ).hinted("Import them with 'mlops-desktop outcomes import FILE --model NAME ...'.")
    return frame, duplicates


def _import_recent(
    ctx: JobContext, name: str, frame: pd.DataFrame, dataset: DatasetVersion
) -> dict[str, Any]:
    """Save ``frame`` as the next version of ``dataset`` (same types, task and split settings).

    Raises :class:`CheckFailed` when the import's checks block the version.
    """
    from mlops_desktop.data.importer import import_dataset

    target = frame.columns[-1]
    roles = dataset.roles or {}
    types = _dataset_types(dataset, list(frame.columns))
    with tempfile.TemporaryDirectory(prefix="mlops-retrain-") as tmp:
        path = Path(tmp) / f"{name}-recent-outcomes.parquet"
        frame.to_parquet(path, index=False)
        imported = import_dataset(
            _Step(ctx, 0.03, 0.3),
            str(path),
            dataset.name,
            target,
            types=types,
            task=roles.get("task"),
            group_col=KEY_COLUMN if KEY_COLUMN in frame.columns else None,
            seed=int((dataset.split or {}).get("seed", 42)),
            test_size=float((dataset.split or {}).get("test_size", 0.2)),
        )
    if imported["status"] == "blocked":
        raise CheckFailed(
            f"The recent data of {name} could not be saved as a dataset version: "
            f"{imported['message']} Review the findings of that dataset version."
        ).hinted(f"'mlops-desktop data show {dataset.name}' lists them.")
    return imported


def _deploy(
    ws: Workspace,
    candidate: str,
    mode: str,
    percent: float,
    reason: str,
    force: bool = False,
    has_reason: bool = False,
) -> Deployment:
    """Deploy ``candidate`` as canary (``percent`` of traffic) or shadow, by the promotion rule."""
    from mlops_desktop.errors import PromotionRefused
    from mlops_desktop.serving.deployments import canary, shadow

    why = reason if has_reason or not force else ""  # forcing needs the user's own reason
    try:
        if mode == "canary":
            return canary(ws, candidate, percent, reason=why, force=force)
        return shadow(ws, candidate, reason=why, force=force)
    except PromotionRefused as exc:
        share = f" --percent {percent:g}" if mode == "canary" else ""
        raise CheckFailed(
            f"{candidate} was registered and tested, but it gets no traffic: {exc.message}"
        ).hinted(
            f"To send it traffic anyway: mlops-desktop {mode} {candidate}{share} --force "
            "--reason TEXT."
        ) from exc


def _close_alert(
    ws: Workspace,
    alert: Alert,
    note: str,
    new_data: str,
    candidate: str,
    mode: str,
    percent: float,
    rows: int,
) -> None:
    """Acknowledge the alert (if still open) with ``note`` and audit the retraining."""
    from mlops_desktop.monitoring.alerts import acknowledge, get_alert

    if get_alert(ws, alert.id).state == "open":
        acknowledge(ws, alert.id, note)
    ws.audit.record(
        "alert.retrain",
        "alert",
        f"{alert.model_name}#alert{alert.id}",
        {
            "dataset": new_data,
            "candidate": candidate,
            "mode": mode,
            "percent": percent,
            "rows": rows,
        },
    )
