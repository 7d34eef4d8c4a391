"""The ``estimated_metric`` alert signal: the estimated metric of the live version's latest
windows (CBPE or DLE, no labels needed) is worse than the gate's threshold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_desktop.formatting import counted, number
from mlops_desktop.monitoring.check import Check, _windows

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import AlertRule, ModelVersion
    from mlops_desktop.registry.workspace import Workspace


def _metric_and_threshold(ws: Workspace, rule: AlertRule, version: ModelVersion, estimated):
    """``(metric, threshold, source)``: the rule's, else the gate's first estimated metric."""
    from mlops_desktop.monitoring.realized import gate_rules
    from mlops_desktop.training.metric_names import PRIMARY

    gates = gate_rules(ws, rule.model_name)
    task = (version.signature.get("output") or {}).get("task")
    metric = rule.params.get("metric") or next(
        (m for m in gates if m in estimated),
        PRIMARY.get(task) if PRIMARY.get(task) in estimated else None,
    )
    threshold, source = rule.params.get("threshold"), "rule"
    if threshold is None and metric in gates:
        threshold, source = gates[metric]["threshold"], "gate"
    return metric, threshold, source


def check_estimated(ws: Workspace, rule: AlertRule, version: ModelVersion | None) -> Check:
    """Fire when each of the last ``windows`` windows estimates ``metric`` worse than the
    threshold (the gate's unless the rule sets one)."""
    from mlops_desktop.training.metric_names import HIGHER_IS_BETTER

    if version is None:
        return Check(rule, "unknown", f"No version of {rule.model_name} is live.")
    need = int(rule.params.get("windows", 2))
    windows = _windows(ws, rule.model_name, version.id, need)
    estimates = [(w.get("estimate") or {}).get("metrics") or {} for w in windows]
    if len(windows) < need or not all(estimates):
        return Check(rule, "unknown", f"{counted(need, 'estimated window')} needed; none yet.")
    metric, threshold, source = _metric_and_threshold(ws, rule, version, estimates[0])
    if metric is None or threshold is None:
        return Check(rule, "unknown", "No gate threshold for a metric the estimate covers.")
    values = [(e.get(metric) or {}).get("estimate") for e in estimates]
    if any(v is None for v in values):
        return Check(rule, "unknown", f"The latest windows have no estimate of {metric}.")
    higher = HIGHER_IS_BETTER.get(metric, True)
    worse = [v < threshold if higher else v > threshold for v in values]
    details = {"metric": metric, "values": values, "threshold": threshold, "source": source}
    shown = ", ".join(number(v) for v in values)
    if all(worse):
        return Check(
            rule,
            "fire",
            f"Estimated {metric} on {version.ref}: {shown} in the latest "
            f"{counted(need, 'window')}, {'below' if higher else 'above'} the {source} "
            f"({number(threshold)}). An estimate (no labels yet): check the drifted features, "
            "and confirm with outcomes when they arrive.",
            values[0],
            details,
        )
    return Check(
        rule,
        "ok",
        f"estimated {metric} {shown} vs {number(threshold)} ({source})",
        values[0],
        details,
    )
