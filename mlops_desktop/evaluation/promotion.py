"""The promotion rule: a version gets traffic (live, canary or shadow) only when its latest test
report passes the model's current gate. This is the only copy of the rule: ``require_promotion``
is what deploy, promote, canary and shadow call, from the CLI, the admin HTTP routes and the
desktop app alike, and it takes the override (force with a written reason, kept in the audit
trail). Messages name no interface; ``cli_hint`` holds the command-line way out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_desktop.errors import InputError, PromotionRefused
from mlops_desktop.evaluation.gates import evaluate_gate, parse_gate
from mlops_desktop.formatting import compared
from mlops_desktop.registry.entities import ModelVersion
from mlops_desktop.training.metric_names import HIGHER_IS_BETTER, METRIC_LABELS, PRIMARY

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace


@dataclass(frozen=True)
class PromotionCheck:
    allowed: bool
    reason: str
    report_id: int | None = None
    gate_version: int | None = None
    cli_hint: str = ""


def promotion_status(ws: Workspace, version: ModelVersion) -> PromotionCheck:
    """Whether ``version`` may go live on its test evidence, with the reason in one sentence.

    When the gate changed after the latest report, the stored report is re-checked against the
    current gate, so loosening or tightening a gate takes effect without hiding the evidence.
    """
    gate = ws.gates.current(version.name)
    if gate is None:
        return PromotionCheck(
            False,
            f"Model '{version.name}' has no quality gate, so nothing says {version.ref} is good "
            "enough. Set a gate and test the version, or give an override reason.",
            cli_hint=f"Set a gate with 'mlops-desktop gate set {version.name} --file gate.yaml', "
            f"then run 'mlops-desktop test {version.ref}'.",
        )
    report = ws.reports.latest(version.id)
    if report is None:
        return PromotionCheck(
            False,
            f"{version.ref} has not been tested. Test it first, or give an override reason.",
            gate_version=gate.version,
            cli_hint=f"Test it with 'mlops-desktop test {version.ref}'.",
        )
    if report.gate_id == gate.id:
        passed = bool(report.passed)
        lines = (report.summary.get("gate") or {}).get("lines") or []
        failed = [line["reason"] for line in lines if not line["passed"]]
    else:
        verdict = evaluate_gate(parse_gate(gate.spec), report.summary)
        passed = verdict.passed
        failed = [line.reason for line in verdict.failed_lines]
    if passed:
        return PromotionCheck(
            True,
            f"{version.ref} passed gate version {gate.version} in test report {report.id}.",
            report.id,
            gate.version,
        )
    first = (failed[0] if failed else "the gate failed").rstrip(".")
    more = f" (and {len(failed) - 1} more rule(s))" if len(failed) > 1 else ""
    return PromotionCheck(
        False,
        f"{version.ref} failed gate version {gate.version} in test report {report.id}: "
        f"{first}{more}. Fix the model, or give an override reason.",
        report.id,
        gate.version,
    )


def check_promotion(ws: Workspace, version: ModelVersion) -> tuple[bool, str]:
    """``(allowed, reason)``: may ``version`` become live on its test evidence alone?"""
    status = promotion_status(ws, version)
    return status.allowed, status.reason


ACTIONS = {  # what each way of putting traffic on a version asks for, in words
    "deploy": "go live",
    "promote": "go live",
    "canary": "get canary traffic",
    "shadow": "shadow the live traffic",
}


def require_promotion(
    ws: Workspace, version: ModelVersion, action: str, force: bool = False, reason: str = ""
) -> dict:
    """Apply the rule before ``action`` puts traffic on ``version``; the audit details.

    Raises :class:`PromotionRefused` when the evidence does not allow it and it is not forced,
    and :class:`InputError` when it is forced without a written reason.
    """
    status = promotion_status(ws, version)
    if not status.allowed and not force:
        raise PromotionRefused(
            f"{version.ref} may not {ACTIONS[action]}: {status.reason}", version.ref, action
        ).hinted(
            " ".join(
                filter(
                    None,
                    [
                        status.cli_hint,
                        "To override the rule, add --force --reason TEXT (the reason is kept in "
                        "the audit trail).",
                    ],
                )
            )
        )
    if force and not reason.strip():
        raise InputError(
            "Overriding the promotion rule needs a written reason; it is kept in the audit trail."
        ).hinted("Add --reason TEXT.")
    return {
        "allowed": status.allowed,
        "verdict": status.reason,
        "forced": bool(force and not status.allowed),
    }


def worse_than_live(ws: Workspace, candidate_ref: str, live_ref: str | None) -> str:
    """One plain sentence when ``candidate_ref`` scores worse than ``live_ref`` on the primary
    metric of their latest test reports (e.g. "adult@2's ROC AUC 0.853 is below adult@1's
    0.929."), else "" (no live version, a report missing, or the candidate as good or better)."""
    if not live_ref or live_ref == candidate_ref:
        return ""
    reports = [ws.reports.latest(ws.models.get(ref).id) for ref in (candidate_ref, live_ref)]
    if any(r is None for r in reports):
        return ""
    cand, live = (r.summary for r in reports)
    metric = cand.get("primary_metric") or PRIMARY.get(cand.get("task", ""), "")
    values = [((s.get("metrics") or {}).get(metric) or {}).get("value") for s in (cand, live)]
    if metric not in HIGHER_IS_BETTER or not all(isinstance(v, (int, float)) for v in values):
        return ""
    new, old = values
    higher = HIGHER_IS_BETTER[metric]
    if (new >= old) if higher else (new <= old):
        return ""
    word = "below" if higher else "above"
    return (
        f"{candidate_ref}'s {METRIC_LABELS.get(metric, metric)} {compared(new, old)} is {word} "
        f"{live_ref}'s {compared(old, new)}."
    )
