"""Qt-free helpers behind the desktop Deploy page.

What the page shows (the version table, the timeline, "which version was live at…", the service
card, the figures of a running canary or shadow, copyable example requests) and the work it runs
off the GUI thread (deploy and start the service, start and stop the service). Everything here
runs without a display, so it is tested without Qt.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mlops_desktop.errors import MlopsError
from mlops_desktop.evaluation.promotion import promotion_status
from mlops_desktop.formatting import MISSING, count, local_time, millis, number, percent
from mlops_desktop.serving.deployments import LiveAt, history, live_at
from mlops_desktop.serving.process import (
    ServiceHandle,
    find_service,
    load_problems,
    start_service,
    stop_service,
)
from mlops_desktop.serving.server import DEFAULT_HOST, DEFAULT_PORT
from mlops_desktop.serving.service import is_loopback
from mlops_desktop.serving.stats import ArmFigures, ShadowAgreement, arm_figures, shadow_agreement
from mlops_desktop.training.column_order import ordered_inputs
from mlops_desktop.training.metric_names import PRIMARY
from mlops_desktop.ui.kit.specs import EmptyStateSpec

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

ROLLOUT_MODES = ("canary", "shadow")
#: No version is registered yet, so the command names none (a made-up "credit@1" misled).
CLI_EXAMPLE = "mlops-desktop deploy NAME@N"

#: Service processes this process started: pid -> Popen, so stopping them later reaps them.
_STARTED: dict[int, subprocess.Popen] = {}


def empty_spec(has_runs: bool) -> EmptyStateSpec:
    """What the Deploy page says before a model version is registered."""
    if has_runs:
        text = "Register a trained run on the Train page, test it, then deploy it here."
        label, page = "Go to &Train", "train"
    else:
        text = "Deploy needs a registered model version that passed its tests: train one first."
        label, page = "Go to &Train", "train"
    return EmptyStateSpec("Nothing to deploy yet", text, CLI_EXAMPLE, label, page)


# -- the version table -------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    """One model version as the Deploy page lists it."""

    version_id: int
    name: str
    number: int
    ref: str
    aliases: tuple[str, ...]
    verdict: str  # "passed", "failed", "no gate" or "not tested"
    gate_reason: str
    allowed: bool
    registered_at: float
    family: str
    metric_name: str
    metric_value: float | None
    erased_data: str = ""  # "trained on erased data (name@N)" after an erasure

    @property
    def is_live(self) -> bool:
        return "live" in self.aliases

    @property
    def is_candidate(self) -> bool:
        return "candidate" in self.aliases


def _verdict(ws: Workspace, version: Any, allowed: bool) -> str:
    report = ws.reports.latest(version.id)
    if report is None:
        return "not tested"
    if ws.gates.current(version.name) is None:
        return "no gate"
    return "passed" if allowed else "failed"


def version_rows(ws: Workspace) -> list[VersionRow]:
    """Every model version, newest first within each name, with aliases and gate verdict."""
    from mlops_desktop.governance.erasure import erased_training

    rows, erased = [], erased_training(ws)
    for version in ws.models.list():
        status = promotion_status(ws, version)
        run = ws.runs.get(version.run_id)
        task = str(run.config.get("task") or (version.signature.get("output") or {}).get("task"))
        metric = PRIMARY.get(task, "roc_auc")
        value = ((run.metrics or {}).get("holdout") or {}).get(metric)
        rows.append(
            VersionRow(
                version.id,
                version.name,
                version.number,
                version.ref,
                tuple(sorted(ws.models.aliases_of(version.id))),
                _verdict(ws, version, status.allowed),
                status.reason,
                status.allowed,
                version.created_at,
                run.model_family,
                metric,
                float(value) if isinstance(value, (int, float)) else None,
                erased.get(version.id, ""),
            )
        )
    rows.sort(key=lambda r: (r.name, -r.number))
    return rows


def open_candidates(ws: Workspace) -> int:
    """How many models have a canary or shadow waiting for Promote or Abort (the rail badge)."""
    store = ws.deployments
    count = 0
    for name in ws.models.names():
        dep = store.current(name)
        count += int(dep is not None and dep.mode in ROLLOUT_MODES)
    return count


# -- timeline and "live at" --------------------------------------------------------------------


def mode_text(mode: str | None, percent: float = 0.0) -> str:
    if mode == "canary":
        return f"canary {percent:g}%"
    return mode or MISSING


def timeline(ws: Workspace, name: str) -> list[dict]:
    """The deployment timeline of ``name``, newest first, with a readable mode."""
    rows = history(ws, name)
    for row in rows:
        row["mode_text"] = mode_text(row["mode"], row["canary_percent"])
    return list(reversed(rows))


def describe_live_at(state: LiveAt) -> str:
    """One sentence answering "which version was live at…"."""
    when = local_time(state.at, seconds=True, empty="now")
    if state.live is None:
        return f"At {when}, no version of {state.model} was live."
    text = f"At {when}, {state.live} was live"
    if state.candidate and state.mode == "canary":
        text += f", with {state.candidate} as a {state.canary_percent:g}% canary"
    elif state.candidate and state.mode == "shadow":
        text += f", with {state.candidate} in shadow"
    text += "."
    if state.set_by or state.reason:
        text += f" Set by {state.set_by or 'unknown'}"
        text += f": {state.reason}." if state.reason else "."
    return text


def rollout_sentence(state: LiveAt, target: str | None) -> str:
    """What the rollout panel says about ``state`` (``target``: the version a canary would use)."""
    live, cand, mode, name = state.live, state.candidate, state.mode, state.model
    if live is None:
        return f"Nothing of {name} is live. Deploy a version first, then try another one here."
    if mode == "canary" and cand:
        return (
            f"{cand} gets {state.canary_percent:g}% of {name}'s traffic; {live} (live) "
            "answers the rest. Promote or abort when the figures convince you."
        )
    if mode == "shadow" and cand:
        return (
            f"{cand} scores every request in shadow; clients only see {live}'s answers. "
            "Promote or abort when the agreement convinces you."
        )
    if target:
        return (
            f"{live} is live. Drag the slider to send a share of the traffic to {target}, "
            "or shadow it."
        )
    return f"{live} is live. Select another version of {name} to try it here."


# -- the service -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceInfo:
    """A running scoring service as the service card shows it."""

    url: str
    host: str
    port: int
    pid: int
    started_at: float
    loopback: bool
    load_errors: tuple[str, ...] = ()  # versions it could not load, as its /ping says

    @property
    def status_text(self) -> str:
        if self.load_errors:
            return f"Scoring service at {self.url}: {'; '.join(self.load_errors)}"
        return f"Scoring service: running at {self.url}"


def service_info(handle: ServiceHandle | None) -> ServiceInfo | None:
    if handle is None:
        return None
    inst = handle.instance
    return ServiceInfo(
        handle.url, inst.host, inst.port, inst.pid, inst.started_at, is_loopback(inst.host)
    )


def _remember(handle: ServiceHandle) -> ServiceHandle:
    if handle.process is not None:
        _STARTED[handle.instance.pid] = handle.process
    return handle


def start_local_service(
    ws: Workspace, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None
) -> ServiceInfo:
    """Start the service (or find the running one) and describe it. Takes seconds."""
    handle = _remember(start_service(ws, host=host, port=port, token=token))
    return service_info(handle)


def stop_local_service(ws: Workspace) -> bool:
    """Stop this workspace's running service gracefully; False when none was running."""
    handle = find_service(ws)
    if handle is None:
        return False
    handle.process = _STARTED.pop(handle.instance.pid, None)
    return stop_service(ws, handle)


def deploy_and_serve(
    ws: Workspace,
    ref: str,
    force: bool = False,
    reason: str = "",
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
) -> dict:
    """Make ``ref`` live, then start the service when none runs (the page's one-click Deploy).

    A refused promotion raises CheckFailed with the reason before anything changes. When the
    version went live but the service could not start (port in use, …), ``service`` is None and
    ``service_error``/``service_error_details`` say why.
    """
    from mlops_desktop.serving.deployments import deploy

    dep = deploy(ws, ref, force=force, reason=reason)
    running = find_service(ws)
    result = {
        "model": dep.model_name,
        "live": ws.models.by_id(dep.live_version_id).ref,
        "started": running is None,
        "service": service_info(running),
        "service_error": None,
        "service_error_details": "",
    }
    if running is None:
        try:
            result["service"] = start_local_service(ws, host, port)
        except MlopsError as exc:
            result["started"] = False
            result["service_error"] = exc.message
            result["service_error_details"] = exc.details or ""
    return result


# -- live figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RolloutFigures:
    """What the rollout panels show for one model: both arms' figures and shadow agreement."""

    model: str
    mode: str | None
    since: float | None
    live_version: str | None
    candidate_version: str | None
    canary_percent: float
    live: ArmFigures | None
    candidate: ArmFigures | None
    agreement: ShadowAgreement | None


def rollout_figures(ws: Workspace, name: str) -> RolloutFigures:
    """Figures of ``name``'s live and candidate arms since its current deployment started."""
    state = live_at(ws, name)
    dep = ws.deployments.current(name)
    since = dep.started_at if dep is not None else None
    figures = arm_figures(ws, name, since=since) if since is not None else []
    cand_arm = state.mode if state.mode in ROLLOUT_MODES else None
    live = next((f for f in figures if f.arm == "live" and f.version == state.live), None)
    cand = next(
        (f for f in figures if cand_arm and f.arm == cand_arm and f.version == state.candidate),
        None,
    )
    agreement = shadow_agreement(ws, name, since=since) if state.mode == "shadow" else None
    return RolloutFigures(
        name,
        state.mode,
        since,
        state.live,
        state.candidate,
        state.canary_percent,
        live,
        cand,
        agreement,
    )


def monitor_snapshot(ws: Workspace, figures_for: str | None = None) -> dict:
    """One poll of the service monitor: the running service and (optionally) rollout figures."""
    handle = find_service(ws)
    info = service_info(handle)
    if handle is not None and info is not None:
        info = replace(info, load_errors=load_problems(handle))
    snapshot: dict[str, Any] = {"at": time.time(), "service": info}
    if figures_for and figures_for in ws.models.names():
        snapshot["figures"] = rollout_figures(ws, figures_for)
    return snapshot


def figure_lines(fig: ArmFigures | None) -> list[tuple[str, str]]:
    """(label, value) lines of one arm for the side-by-side panel."""
    if fig is None:
        fig = ArmFigures("", None, 0, 0, 0, 0.0, None, None, None)
        rate = MISSING
    else:
        rate = percent(fig.error_rate)
    return [
        ("Requests", count(fig.requests)),
        ("Error rate", rate),
        ("Latency p50", millis(fig.latency_p50_ms)),
        ("Latency p95", millis(fig.latency_p95_ms)),
        ("Latency p99", millis(fig.latency_p99_ms)),
        ("Positive rate", percent(fig.positive_rate)),
        ("Mean score", number(fig.mean_score)),
    ]


# -- example requests --------------------------------------------------------------------------


def example_record(signature: dict) -> dict:
    """A plausible input row from a model's signature (first category, middle of the range)."""
    record: dict[str, Any] = {}
    for spec in ordered_inputs(signature):  # the training frame's order
        kind = spec.get("type")
        if spec.get("categories"):
            record[spec["name"]] = spec["categories"][0]
        elif kind == "boolean":
            record[spec["name"]] = False
        elif kind == "numeric":
            low, high = spec.get("min"), spec.get("max")
            middle = (low + high) / 2 if low is not None and high is not None else 0
            integer = str(spec.get("dtype", "")).startswith(("int", "uint"))
            record[spec["name"]] = round(middle) if integer else round(middle, 3)
        else:
            record[spec["name"]] = ""
    return record


def example_requests(url: str, name: str, signature: dict) -> dict[str, str]:
    """Copyable curl and Python examples scoring one plausible row with ``name``'s live model."""
    body = {"dataframe_records": [example_record(signature)]}
    text = json.dumps(body)
    quoted = text.replace("'", "'\\''")  # safe inside single quotes in a POSIX shell
    return {
        "body": text,
        "curl": (
            f"curl -s {url}/invocations -H 'Content-Type: application/json' \\\n"
            f"  -H 'X-Model-Name: {name}' \\\n"
            f"  -d '{quoted}'"
        ),
        "python": (
            "import httpx\n\n"
            f"rows = {body['dataframe_records']!r}\n"
            "answer = httpx.post(\n"
            f"    '{url}/invocations',\n"
            "    json={'dataframe_records': rows},\n"
            f"    headers={{'X-Model-Name': '{name}'}},\n"
            ")\n"
            "print(answer.headers['X-Model-Name'], answer.headers['X-Model-Version'],\n"
            "      answer.json()['predictions'])"
        ),
        "model": name,
    }
