"""The checks report: leakage, quality and representativeness findings for one dataset version.

Each check is a function ``check(data: CheckData) -> list[Finding]``; thresholds are documented
at the top of each module.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from mlops_desktop.data.checks import leakage, quality, representativeness
from mlops_desktop.data.checks.base import (
    CATEGORIES,
    SEVERITIES,
    CheckData,
    Finding,
    json_safe,
    sort_findings,
)
from mlops_desktop.data.roles import Roles
from mlops_desktop.data.splits import Split

Progress = Callable[[float, str], None]
ALL_CHECKS = (*leakage.CHECKS, *quality.CHECKS, *representativeness.CHECKS)

__all__ = [
    "ALL_CHECKS",
    "CATEGORIES",
    "SEVERITIES",
    "CheckData",
    "Finding",
    "blocking",
    "run_checks",
    "sort_findings",
]


def run_checks(
    df: pd.DataFrame,
    schema: dict[str, str],
    roles: Roles,
    split: Split,
    ctx=None,
    *,
    coercions: dict[str, dict] | None = None,
    progress: Progress | None = None,
) -> list[Finding]:
    """Run every check on the typed frame; blocking findings first.

    ``ctx`` (a JobContext) or ``progress`` receives a fraction 0..1 as checks finish; a
    cancelled job stops between checks.
    """
    report = progress or (ctx.report if ctx is not None else None)
    data = CheckData(df=df, schema=schema, roles=roles, split=split, coercions=coercions or {})
    findings: list[Finding] = []
    for i, check in enumerate(ALL_CHECKS):
        if report:
            report(i / len(ALL_CHECKS), f"Checking: {check.__name__.replace('_', ' ')}")
        for finding in check(data):
            findings.append(Finding(**{**finding.__dict__, "details": json_safe(finding.details)}))
    if report:
        report(1.0, "Checks done")
    return sort_findings(findings)


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "blocking"]
