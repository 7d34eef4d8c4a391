"""Deployments: which version of a model is live, which is the candidate, and how traffic splits.

Deploy, promote, canary and shadow put traffic on a version, so each goes through the one
promotion rule (``evaluation.promotion.require_promotion``) with its override. Repeating a
canary or shadow that is already in place changes nothing. Every operation (deploy, rollback,
canary, shadow, promote, abort, undeploy) that changes something writes, in one
transaction, a new ``deployments`` row (closing the open one), the ``live`` / ``candidate``
aliases (whose history answers "which version was live at T") and an audit event. A running
service picks the change up from the registry within a second.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.evaluation.promotion import require_promotion
from mlops_desktop.registry.db import write
from mlops_desktop.registry.entities import Deployment, ModelVersion
from mlops_desktop.registry.refs import parse_ref
from mlops_desktop.serving.integrity import check_promotable

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

LIVE, CANDIDATE = "live", "candidate"


def _version(ws: Workspace, ref: str) -> ModelVersion:
    parsed = parse_ref(ref)
    if parsed.number is None and parsed.alias is None:
        raise InputError(f"Name the version, e.g. {parsed.name}@1 (or {parsed.name}@candidate).")
    return ws.models.get(ref)


def _live(ws: Workspace, name: str) -> ModelVersion:
    holding = ws.models.current_alias(name, LIVE)
    if holding is None:
        raise InputError(f"No version of '{name}' is live. Deploy one first.").hinted(
            f"Run 'mlops-desktop deploy {name}@N'."
        )
    return ws.models.by_id(holding.model_version_id)


def _record(ws: Workspace, action: str, ref: str, details: dict) -> None:
    ws.audit.record(f"deploy.{action}", "model_version", ref, details)


def deploy(ws: Workspace, ref: str, force: bool = False, reason: str = "") -> Deployment:
    """Make ``ref`` the live version (ends any canary or shadow)."""
    version = _version(ws, ref)
    check_promotable(ws, version)
    gate = require_promotion(ws, version, "deploy", force, reason)
    store = ws.deployments
    with write(ws.db):
        ws.models.set_alias(version.name, LIVE, version.id, reason or "deploy")
        if ws.models.current_alias(version.name, CANDIDATE) is not None:
            ws.models.clear_alias(version.name, CANDIDATE, "deploy")
        dep = store.open(version.name, LIVE, version.id, reason=reason)
        _record(ws, "live", version.ref, {"reason": reason, **gate})
    return dep


def rollback_target(ws: Workspace, name: str) -> str | None:
    """The version a rollback of ``name`` would make live (None when there is none)."""
    holding = ws.models.current_alias(name, LIVE)
    if holding is None:
        return None
    earlier = [
        h
        for h in ws.models.alias_history(name, LIVE)
        if h.ended_at is not None and h.model_version_id != holding.model_version_id
    ]
    return ws.models.by_id(earlier[-1].model_version_id).ref if earlier else None


def rollback(ws: Workspace, name: str, reason: str = "") -> Deployment:
    """Return ``live`` to the version that was live before the current one."""
    name = parse_ref(name).name
    current = _live(ws, name)
    target = rollback_target(ws, name)
    if target is None:
        _nothing_to_roll_back(ws, name, current)
    previous = ws.models.get(target)
    check_promotable(ws, previous)
    store = ws.deployments
    with write(ws.db):
        ws.models.set_alias(name, LIVE, previous.id, reason or f"rollback from {current.ref}")
        if ws.models.current_alias(name, CANDIDATE) is not None:
            ws.models.clear_alias(name, CANDIDATE, "rollback")
        dep = store.open(name, LIVE, previous.id, reason=reason or f"rollback from {current.ref}")
        _record(ws, "rollback", previous.ref, {"from": current.ref, "reason": reason})
    return dep


def _nothing_to_roll_back(ws: Workspace, name: str, current: ModelVersion) -> None:
    """Raise the InputError for a rollback with no earlier live version (a canary: abort it)."""
    dep = ws.deployments.current(name)
    if dep is not None and dep.mode in ("canary", "shadow") and dep.candidate_version_id:
        candidate = ws.models.by_id(dep.candidate_version_id).ref
        share = f"{dep.canary_percent:g}% canary" if dep.mode == "canary" else "shadow"
        raise InputError(
            f"{current.ref} is the only version of '{name}' that has been live, so there is no "
            f"earlier version to roll back to. To take the {share} {candidate} off the traffic, "
            f"abort it: every request goes to {current.ref} again."
        ).hinted(f"Run 'mlops-desktop abort {name}'.")
    raise InputError(
        f"{current.ref} is the only version of '{name}' that has been live; there is nothing "
        "to roll back to. Deploy another version instead."
    ).hinted(f"Run 'mlops-desktop deploy {name}@N'.")


def _candidate(
    ws: Workspace, ref: str, mode: str, percent: float, reason: str, force: bool
) -> Deployment:
    version = _version(ws, ref)
    live = _live(ws, version.name)
    if version.id == live.id:
        raise InputError(f"{version.ref} is already live; choose another version as {mode}.")
    current = ws.deployments.current(version.name)
    if (
        current is not None
        and current.mode == mode
        and current.candidate_version_id == version.id
        and float(current.canary_percent or 0.0) == percent
    ):
        return current  # already in place: no new history row, no audit event
    check_promotable(ws, version)
    gate = require_promotion(ws, version, mode, force, reason)
    store = ws.deployments
    with write(ws.db):
        ws.models.set_alias(version.name, CANDIDATE, version.id, reason or mode)
        dep = store.open(version.name, mode, live.id, version.id, percent, reason)
        _record(
            ws,
            mode,
            version.ref,
            {"live": live.ref, "percent": percent, "reason": reason, **gate},
        )
    return dep


def canary(
    ws: Workspace, ref: str, percent: float, reason: str = "", force: bool = False
) -> Deployment:
    """Send ``percent`` % of traffic (by request id) to ``ref``; the rest stays on live."""
    if not 0 <= float(percent) <= 100:
        raise InputError(f"The canary share must be between 0 and 100 percent, not {percent}.")
    return _candidate(ws, ref, "canary", float(percent), reason, force)


def shadow(ws: Workspace, ref: str, reason: str = "", force: bool = False) -> Deployment:
    """Score every request with ``ref`` too, silently: logged, never returned."""
    return _candidate(ws, ref, "shadow", 0.0, reason, force)


def _open_candidate(ws: Workspace, name: str) -> tuple[Deployment, ModelVersion]:
    dep = ws.deployments.current(name)
    if dep is None or dep.mode not in ("canary", "shadow") or dep.candidate_version_id is None:
        raise InputError(
            f"'{name}' has no canary or shadow candidate. Start a canary or a shadow first."
        ).hinted(
            f"Run 'mlops-desktop canary {name}@N --percent 10' or 'mlops-desktop shadow {name}@N'."
        )
    return dep, ws.models.by_id(dep.candidate_version_id)


def promote(ws: Workspace, name: str, force: bool = False, reason: str = "") -> Deployment:
    """Make the canary or shadow candidate live."""
    name = parse_ref(name).name
    dep, candidate = _open_candidate(ws, name)
    check_promotable(ws, candidate)
    gate = require_promotion(ws, candidate, "promote", force, reason)
    store = ws.deployments
    with write(ws.db):
        ws.models.set_alias(name, LIVE, candidate.id, reason or f"promoted from {dep.mode}")
        ws.models.clear_alias(name, CANDIDATE, "promoted")
        new = store.open(name, LIVE, candidate.id, reason=reason or f"promoted from {dep.mode}")
        _record(ws, "promote", candidate.ref, {"from_mode": dep.mode, "reason": reason, **gate})
    return new


def abort(ws: Workspace, name: str, reason: str = "") -> Deployment:
    """End the canary or shadow; all traffic stays on live."""
    name = parse_ref(name).name
    dep, candidate = _open_candidate(ws, name)
    store = ws.deployments
    with write(ws.db):
        ws.models.clear_alias(name, CANDIDATE, reason or "aborted")
        new = store.open(name, LIVE, dep.live_version_id, reason=reason or f"{dep.mode} aborted")
        _record(ws, "abort", candidate.ref, {"mode": dep.mode, "reason": reason})
    return new


def undeploy(ws: Workspace, name: str, reason: str = "") -> Deployment:
    """Stop serving ``name``: no version is live afterwards (history keeps what was)."""
    name = parse_ref(name).name
    live = _live(ws, name)
    store = ws.deployments
    with write(ws.db):
        ws.models.clear_alias(name, LIVE, reason or "undeploy")
        if ws.models.current_alias(name, CANDIDATE) is not None:
            ws.models.clear_alias(name, CANDIDATE, reason or "undeploy")
        dep = store.open(name, "stopped", None, reason=reason)
        _record(ws, "stop", live.ref, {"reason": reason})
    return dep


@dataclass(frozen=True)
class LiveAt:
    """Who served ``model`` at ``at``: the live version, the candidate and the traffic split."""

    model: str
    at: float
    live: str | None
    candidate: str | None
    mode: str | None
    canary_percent: float
    set_by: str | None
    reason: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def _ref(ws: Workspace, version_id: int | None) -> str | None:
    return ws.models.by_id(version_id).ref if version_id is not None else None


def live_at(ws: Workspace, name: str, at: float | None = None) -> LiveAt:
    """Which version was live (and which was the candidate) at time ``at`` (now when None)."""
    name = parse_ref(name).name
    ts = time.time() if at is None else at
    live = ws.models.alias_at(name, LIVE, ts)
    cand = ws.models.alias_at(name, CANDIDATE, ts)
    dep = ws.deployments.at(name, ts)
    return LiveAt(
        model=name,
        at=ts,
        live=_ref(ws, live.model_version_id) if live else None,
        candidate=_ref(ws, cand.model_version_id) if cand else None,
        mode=dep.mode if dep else None,
        canary_percent=dep.canary_percent if dep else 0.0,
        set_by=(dep.set_by if dep else live.set_by if live else None),
        reason=(dep.reason if dep else live.reason if live else None),
    )


def history(ws: Workspace, name: str) -> list[dict]:
    """The deployment timeline of ``name``, oldest first (one entry per change)."""
    name = parse_ref(name).name
    if name not in ws.models.names():
        raise NotFoundError(f"No model named '{name}'. Registered: {', '.join(ws.models.names())}.")
    return [
        asdict(d)
        | {"live": _ref(ws, d.live_version_id), "candidate": _ref(ws, d.candidate_version_id)}
        for d in ws.deployments.list(name)
    ]


@dataclass(frozen=True)
class RouteSpec:
    """What the service should serve for one model (read by the watcher)."""

    name: str
    live_id: int
    candidate_id: int | None
    mode: str
    percent: float


def routing_table(ws: Workspace) -> dict[str, RouteSpec]:
    """Every model with a live version, and its candidate and split, in two small queries."""
    live = ws.models.holders(LIVE)
    open_rows = ws.deployments.open_splits()
    out = {}
    for name, live_id in live.items():
        mode, cand, percent = open_rows.get(name, (LIVE, None, 0.0))
        if mode == "stopped":
            continue
        if mode not in ("canary", "shadow") or cand is None:
            mode, cand, percent = LIVE, None, 0.0
        out[name] = RouteSpec(name, live_id, cand, mode, float(percent or 0.0))
    return out
