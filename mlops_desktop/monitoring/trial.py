"""A canary or shadow on trial, in figures: the candidate beside the live version so far.

What meeting mode shows beside Promote and Roll back: the candidate's share of the traffic, how
many requests each arm answered since the trial started, their error rates and, once outcomes
have arrived for their answers, each arm's quality (the gate's metric, else the task's primary
one) with the number of labelled rows it was measured on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_desktop.serving.stats import ArmFigures

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

ROLLOUT_MODES = ("canary", "shadow")


@dataclass(frozen=True)
class ArmQuality:
    """One arm's realized quality since the trial started (``value`` None: too few outcomes)."""

    metric: str | None
    value: float | None
    labelled: int


@dataclass(frozen=True)
class TrialFigures:
    """A model's candidate and live version side by side since the trial started."""

    model: str
    mode: str  # "canary" or "shadow"
    candidate: str
    live: str | None
    percent: float
    since: float
    candidate_arm: ArmFigures | None
    live_arm: ArmFigures | None
    candidate_quality: ArmQuality
    live_quality: ArmQuality


def _quality(ws: Workspace, name: str, arm: str, ref: str | None, since: float) -> ArmQuality:
    from mlops_desktop.monitoring.realized import gate_rules, labelled_rows, metrics_of
    from mlops_desktop.serving.stats import positive_index
    from mlops_desktop.training.metric_names import PRIMARY

    if ref is None:
        return ArmQuality(None, None, 0)
    version = ws.models.get(ref)
    output = version.signature.get("output") or {}
    task = output.get("task")
    gates = gate_rules(ws, name)
    metric = next(iter(gates)) if gates else PRIMARY.get(task)
    rows = labelled_rows(ws, name, (arm,))
    if len(rows):
        rows = rows[(rows["version_id"] == version.id) & (rows["ts"] >= since)]
    has_positive = positive_index(version.signature) is not None
    positive = output.get("positive_class") if has_positive else None
    value = metrics_of(rows, task, positive).get(metric) if len(rows) >= 2 else None
    return ArmQuality(metric, None if value is None else float(value), int(len(rows)))


def trial_figures(ws: Workspace, name: str) -> TrialFigures | None:
    """The figures of ``name``'s canary or shadow so far (None when nothing is on trial)."""
    from mlops_desktop.serving.deployments import live_at
    from mlops_desktop.serving.stats import arm_figures

    state = live_at(ws, name)
    dep = ws.deployments.current(name)
    if dep is None or state.mode not in ROLLOUT_MODES or not state.candidate:
        return None
    since = dep.started_at
    arms = arm_figures(ws, name, since=since)
    cand = next((f for f in arms if f.arm == state.mode and f.version == state.candidate), None)
    live = next((f for f in arms if f.arm == "live" and f.version == state.live), None)
    return TrialFigures(
        name,
        state.mode,
        state.candidate,
        state.live,
        float(state.canary_percent),
        float(since),
        cand,
        live,
        _quality(ws, name, state.mode, state.candidate, since),
        _quality(ws, name, "live", state.live, since),
    )
