"""The promotion rule: a version becomes ``live`` only when its latest test report passes the
model's current gate. This is the only copy of the rule; ``serving.deployments`` applies it to
deploy and promote, and takes the override (``--force --reason``, kept in the audit trail)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_desktop.evaluation.gates import evaluate_gate, parse_gate
from mlops_desktop.registry.entities import ModelVersion

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace


@dataclass(frozen=True)
class PromotionCheck:
    allowed: bool
    reason: str
    report_id: int | None = None
    gate_version: int | None = None


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
            f"enough. Set a gate ('mlops-desktop gate set {version.name} --file gate.yaml') and "
            "run the tests, or give an override reason.",
        )
    report = ws.reports.latest(version.id)
    if report is None:
        return PromotionCheck(
            False,
            f"{version.ref} has not been tested. Run 'mlops-desktop test {version.ref}' first, "
            "or give an override reason.",
            gate_version=gate.version,
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
