"""Quality gates: what "good enough to ship" means for a model, decided before shipping.

A gate file (YAML or JSON)::

    metrics:
      roc_auc: {">=": 0.80}          # the point estimate must clear the threshold
      brier: {"<=": 0.20, ci: true}  # ... or, with ci, the pessimistic end of the 95% CI
    min_lift_over_baseline: 0.05     # primary metric better than the dummy baseline by this much
    max_slice_gap: 0.10              # no slice with >= min_slice_rows rows may trail by more
    min_slice_rows: 50
    slice_metric: roc_auc            # optional; default: the task's primary metric
    require_behavioural_pass: true
    require_contracts_pass: true

``evaluate_gate`` checks a report against a gate and explains every line.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlops_desktop.errors import InputError
from mlops_desktop.formatting import compared, counted, metric_label, number, operator
from mlops_desktop.training.metric_names import HIGHER_IS_BETTER, PRIMARY

OPERATORS = (">=", ">", "<=", "<")
KEYS = (
    "metrics",
    "min_lift_over_baseline",
    "max_slice_gap",
    "min_slice_rows",
    "slice_metric",
    "require_behavioural_pass",
    "require_contracts_pass",
)
DEFAULT_MIN_SLICE_ROWS = 30


@dataclass(frozen=True)
class MetricRule:
    metric: str
    op: str
    threshold: float
    ci: bool = False

    def describe(self) -> str:
        where = " (95% CI bound)" if self.ci else ""
        return f"{metric_label(self.metric)} {operator(self.op)} {self.threshold:g}{where}"


@dataclass(frozen=True)
class GateSpec:
    """A parsed, validated gate."""

    metrics: tuple[MetricRule, ...] = ()
    min_lift_over_baseline: float | None = None
    max_slice_gap: float | None = None
    min_slice_rows: int = DEFAULT_MIN_SLICE_ROWS
    slice_metric: str | None = None
    require_behavioural_pass: bool = False
    require_contracts_pass: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form (what the registry stores and ``gate show`` prints)."""
        out: dict[str, Any] = {}
        if self.metrics:
            out["metrics"] = {
                r.metric: {r.op: r.threshold, **({"ci": True} if r.ci else {})}
                for r in self.metrics
            }
        for key in ("min_lift_over_baseline", "max_slice_gap", "slice_metric"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.max_slice_gap is not None:
            out["min_slice_rows"] = self.min_slice_rows
        out["require_behavioural_pass"] = self.require_behavioural_pass
        out["require_contracts_pass"] = self.require_contracts_pass
        return out

    def describe_lines(self) -> list[str]:
        """The rules as sentences, one per rule, in the order the gate checks them."""
        lines = [rule.describe() for rule in self.metrics]
        if self.min_lift_over_baseline is not None:
            lines.append(f"lift over the baseline ≥ {self.min_lift_over_baseline:g}")
        if self.max_slice_gap is not None:
            metric = metric_label(self.slice_metric) if self.slice_metric else "the main metric"
            lines.append(
                f"gap in {metric} between slices ≤ {self.max_slice_gap:g} "
                f"(slices of at least {self.min_slice_rows} rows)"
            )
        if self.require_behavioural_pass:
            lines.append("every behavioural test passes")
        if self.require_contracts_pass:
            lines.append("every input contract holds")
        return lines


@dataclass(frozen=True)
class GateLine:
    rule: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class GateVerdict:
    passed: bool
    lines: list[GateLine] = field(default_factory=list)

    @property
    def failed_lines(self) -> list[GateLine]:
        return [line for line in self.lines if not line.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "lines": [{"rule": x.rule, "passed": x.passed, "reason": x.reason} for x in self.lines],
        }


# -- parsing -----------------------------------------------------------------------------------


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{where} must be a number, not {value!r}.")
    return float(value)


def _metric_rule(metric: str, rule: Any) -> MetricRule:
    where = f"Gate metric '{metric}'"
    if metric not in HIGHER_IS_BETTER:
        raise InputError(
            f"{where} is not a metric the tests compute.{_suggest(metric, HIGHER_IS_BETTER)} "
            f"Known metrics: {', '.join(HIGHER_IS_BETTER)}."
        )
    if isinstance(rule, str):  # shorthand: roc_auc: ">= 0.8"
        text = rule.strip()
        op = next((o for o in OPERATORS if text.startswith(o)), None)
        if op is None:
            raise InputError(
                f"{where}: '{rule}' should start with one of {', '.join(OPERATORS)}, e.g. '>= 0.8'."
            )
        try:
            value = float(text[len(op) :])
        except ValueError:
            raise InputError(f"{where}: '{text[len(op) :].strip()}' is not a number.") from None
        return MetricRule(metric, op, _number(value, where))
    if not isinstance(rule, dict):
        raise InputError(f"{where} should map an operator to a threshold, e.g. {{'>=': 0.8}}.")
    ci = rule.get("ci", False)
    if not isinstance(ci, bool):
        raise InputError(f"{where}: 'ci' must be true or false, not {ci!r}.")
    ops = [k for k in rule if k != "ci"]
    unknown = [k for k in ops if k not in OPERATORS]
    if unknown:
        raise InputError(
            f"{where}: '{unknown[0]}' is not an operator; use one of {', '.join(OPERATORS)}."
        )
    if len(ops) != 1:
        raise InputError(f"{where} needs exactly one operator and threshold, e.g. {{'>=': 0.8}}.")
    op = ops[0]
    return MetricRule(metric, op, _number(rule[op], f"{where} threshold"), ci)


def parse_gate(data: Any) -> GateSpec:
    """Validate a gate given as a mapping; raise InputError naming the first problem."""
    if not isinstance(data, dict):
        raise InputError(
            "A gate must be a mapping of rules (metrics, min_lift_over_baseline, max_slice_gap, "
            "…), not " + type(data).__name__ + "."
        )
    for key in data:
        if key not in KEYS:
            raise InputError(
                f"Unknown gate rule '{key}'.{_suggest(str(key), KEYS)} Known rules: {', '.join(KEYS)}."
            )
    metrics = data.get("metrics") or {}
    if not isinstance(metrics, dict):
        raise InputError(
            "Gate 'metrics' must map metric names to rules, e.g. roc_auc: {'>=': 0.8}."
        )
    rules = tuple(_metric_rule(str(m), r) for m, r in metrics.items())
    lift = data.get("min_lift_over_baseline")
    gap = data.get("max_slice_gap")
    rows = data.get("min_slice_rows", DEFAULT_MIN_SLICE_ROWS)
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise InputError(
            f"Gate 'min_slice_rows' must be a whole number of at least 1, not {rows!r}."
        )
    if gap is not None and _number(gap, "Gate 'max_slice_gap'") < 0:
        raise InputError("Gate 'max_slice_gap' cannot be negative.")
    slice_metric = data.get("slice_metric")
    if slice_metric is not None and slice_metric not in HIGHER_IS_BETTER:
        raise InputError(
            f"Gate 'slice_metric' '{slice_metric}' is not a metric the tests compute."
            f"{_suggest(str(slice_metric), HIGHER_IS_BETTER)}"
        )
    flags = {}
    for key in ("require_behavioural_pass", "require_contracts_pass"):
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise InputError(f"Gate '{key}' must be true or false, not {value!r}.")
        flags[key] = value
    return GateSpec(
        metrics=rules,
        min_lift_over_baseline=None
        if lift is None
        else _number(lift, "Gate 'min_lift_over_baseline'"),
        max_slice_gap=None if gap is None else float(gap),
        min_slice_rows=rows,
        slice_metric=slice_metric,
        **flags,
    )


def parse_gate_text(text: str, source: str = "the gate file") -> GateSpec:
    """Parse YAML or JSON text (JSON is YAML); syntax errors name the line."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            f"{source} is not valid YAML or JSON{where}: {problem}. Fix the syntax and try again."
        ) from exc
    if data is None:
        raise InputError(
            f"{source} is empty. Write at least one rule, e.g. metrics: {{roc_auc: {{'>=': 0.8}}}}."
        )
    return parse_gate(data)


def load_gate_file(path: Path | str) -> GateSpec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot read the gate file {path}: {exc.strerror}.") from exc
    return parse_gate_text(text, source=f"The gate file {path.name}")


# -- evaluation --------------------------------------------------------------------------------


def _compare(value: float, op: str, threshold: float) -> bool:
    return {
        ">=": value >= threshold,
        ">": value > threshold,
        "<=": value <= threshold,
        "<": value < threshold,
    }[op]


def _metric_line(rule: MetricRule, report: dict) -> GateLine:
    entry = (report.get("metrics") or {}).get(rule.metric)
    if entry is None or entry.get("value") is None or not math.isfinite(entry["value"]):
        task = report.get("task", "this")
        return GateLine(
            rule.describe(),
            False,
            f"{metric_label(rule.metric)} was not computed for this {task} model on this test "
            "data; "
            "remove the rule or choose a metric the report shows.",
        )
    value, what = entry["value"], "is"
    if rule.ci:
        bound = entry.get("ci_low") if rule.op.startswith(">") else entry.get("ci_high")
        if bound is None:
            return GateLine(
                rule.describe(), False, f"{metric_label(rule.metric)} has no confidence interval."
            )
        value, what = bound, "CI bound is"
    ok = _compare(value, rule.op, rule.threshold)
    verdict = "meets" if ok else "misses"
    return GateLine(
        rule.describe(),
        ok,
        f"{metric_label(rule.metric)} {what} {compared(value, rule.threshold)}, which {verdict} "
        f"{operator(rule.op)} {rule.threshold:g}.",
    )


def _lift_line(spec: GateSpec, report: dict) -> GateLine:
    primary = report.get("primary_metric") or PRIMARY.get(report.get("task", ""), "")
    rule = f"lift over baseline ≥ {spec.min_lift_over_baseline:g} ({metric_label(primary)})"
    lift = ((report.get("baseline") or {}).get("lift") or {}).get(primary) or {}
    value = lift.get("value")
    if value is None or not math.isfinite(value):
        return GateLine(
            rule, False, f"The lift in {metric_label(primary)} over the dummy baseline is unknown."
        )
    ok = value >= spec.min_lift_over_baseline
    return GateLine(
        rule,
        ok,
        f"{metric_label(primary)} is {compared(value, spec.min_lift_over_baseline)} better than "
        "the dummy baseline "
        f"({'enough' if ok else 'not enough'}; the gate asks for {spec.min_lift_over_baseline:g}).",
    )


def _slice_line(spec: GateSpec, report: dict) -> GateLine:
    slices = report.get("slices") or {}
    metric = slices.get("metric")
    wanted = spec.slice_metric or report.get("primary_metric")
    rule = (
        f"no slice of {spec.min_slice_rows}+ rows trails by more than {spec.max_slice_gap:g} "
        f"({metric_label(wanted)})"
    )
    if metric != wanted:
        return GateLine(
            rule,
            False,
            f"The report measured slices by {metric_label(metric)}, the gate asks for "
            f"{metric_label(wanted)}: run the tests again.",
        )
    bad = [
        s
        for s in slices.get("rows", [])
        if s["rows"] >= spec.min_slice_rows
        and s.get("gap") is not None
        and s["gap"] > spec.max_slice_gap
    ]
    if not bad:
        return GateLine(
            rule, True, f"Every slice of {spec.min_slice_rows}+ rows is within the gap."
        )
    worst = max(bad, key=lambda s: s["gap"])
    more = f" and {counted(len(bad) - 1, 'more slice')}" if len(bad) > 1 else ""
    return GateLine(
        rule,
        False,
        f"{worst['column']} = {worst['label']} ({worst['rows']} rows) has {metric_label(metric)} "
        f"{number(worst['value'])}, {compared(worst['gap'], spec.max_slice_gap)} worse than "
        f"overall{more}.",
    )


def _all_pass_line(rule: str, results: list[dict], what: str, fix: str) -> GateLine:
    if not results:
        return GateLine(rule, False, f"The gate requires {what}, but none ran. {fix}")
    failed = [r["name"] for r in results if not r.get("passed")]
    if failed:
        shown = ", ".join(failed[:4]) + (f" and {len(failed) - 4} more" if len(failed) > 4 else "")
        return GateLine(rule, False, f"{len(failed)} of {len(results)} failed: {shown}.")
    return GateLine(rule, True, f"All {len(results)} passed.")


def evaluate_gate(spec: GateSpec, report: dict) -> GateVerdict:
    """Check ``report`` (the dict from ``build_report``) against ``spec``, line by line."""
    lines = [_metric_line(rule, report) for rule in spec.metrics]
    if spec.min_lift_over_baseline is not None:
        lines.append(_lift_line(spec, report))
    if spec.max_slice_gap is not None:
        lines.append(_slice_line(spec, report))
    if spec.require_behavioural_pass:
        lines.append(
            _all_pass_line(
                "all behavioural tests pass",
                report.get("behavioural") or [],
                "behavioural tests",
                "Accept suggested tests or add one for this model.",
            )
        )
    if spec.require_contracts_pass:
        lines.append(
            _all_pass_line(
                "all pipeline contract tests pass",
                report.get("contracts") or [],
                "contract tests",
                "Run the tests again.",
            )
        )
    if not lines:
        lines.append(GateLine("(empty gate)", True, "The gate has no rules, so nothing can fail."))
    return GateVerdict(all(line.passed for line in lines), lines)
