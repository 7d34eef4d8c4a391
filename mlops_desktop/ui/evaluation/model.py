"""What the desktop Test page shows (Qt-free): the version roster with verdicts, the report's
verdict, metrics, slices and test results as text and rows, chart SVGs, readable test specs and
the gate YAML.

Everything here runs without a display, so it is tested without Qt.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mlops_desktop.evaluation.html import render_html
from mlops_desktop.formatting import MISSING, ci, difference, local_time, number
from mlops_desktop.training.metric_names import (
    CLASSIFICATION_METRICS,
    METRIC_LABELS,
    REGRESSION_METRICS,
)
from mlops_desktop.ui.kit.specs import Column, EmptyStateSpec

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

#: No version is registered yet, so the command names none.
CLI_EXAMPLE = "mlops-desktop test NAME@N --report report.html"

# -- what the page shows -------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    """One model version in the picker: its name, aliases and the verdict of its latest report."""

    version_id: int
    name: str
    number: int
    ref: str
    aliases: tuple[str, ...]
    verdict: str  # "passed", "failed", "no gate" or "not tested"
    report_id: int | None

    @property
    def label(self) -> str:
        alias = f"  ({', '.join(self.aliases)})" if self.aliases else ""
        return f"{self.ref}{alias}"


def verdict_word(passed: int | bool | None, tested: bool) -> str:
    if not tested:
        return "not tested"
    if passed is None:
        return "no gate"
    return "passed" if passed else "failed"


def version_roster(ws: Workspace) -> list[VersionRow]:
    """Every model version, newest first within each name, with its latest verdict."""
    rows = []
    for version in ws.models.list():
        report = ws.reports.latest(version.id)
        rows.append(
            VersionRow(
                version.id,
                version.name,
                version.number,
                version.ref,
                tuple(ws.models.aliases_of(version.id)),
                verdict_word(report.passed if report else None, report is not None),
                report.id if report else None,
            )
        )
    rows.sort(key=lambda r: (r.name, -r.number))
    return rows


def failed_count(rows: list[VersionRow]) -> int:
    """How many versions' latest report failed its gate (the Test page's rail badge)."""
    return sum(r.verdict == "failed" for r in rows)


def chart_svgs(report: dict) -> list[tuple[str, str]]:
    """The report's charts as ``(name, svg)``: the same inline SVG the HTML report embeds."""
    found: list[tuple[str, str]] = []

    def keep(name: str, svg: str) -> str:
        found.append((name, svg))
        return ""

    render_html(report, keep)
    return found


def write_html_file(report: dict, folder: Path | str | None = None) -> Path:
    """Render ``report`` to a self-contained HTML file in ``folder`` (a temp folder by default)."""
    base = Path(folder) if folder else Path(tempfile.gettempdir()) / "mlops-desktop-reports"
    base.mkdir(parents=True, exist_ok=True)
    model = str((report.get("model") or {}).get("ref") or "model").replace("@", "-")
    path = base / f"test-report-{model}.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


def gate_yaml(spec: dict) -> str:
    """A gate spec as the YAML a gate file would hold (``gate set --file``)."""
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, default_flow_style=None)


def describe_test(kind: str, spec: dict) -> str:
    """One readable line for a behavioural test's spec."""
    if kind == "minimum":
        expect = spec.get("expect") or {}
        if "class" in expect and "min" not in expect and "max" not in expect:
            want = f"class '{expect['class']}'"
        else:
            low, high = expect.get("min", "-∞"), expect.get("max", "∞")
            want = f"score in [{low}, {high}]"
        return f"{len(spec.get('input') or {})} input values → {want}"
    feature = spec.get("feature", "?")
    if kind == "invariance":
        if "range" in spec:
            where = f"range {spec['range'][0]:g} to {spec['range'][1]:g}"
        else:
            values = spec.get("values") or []
            where = f"{len(values)} values"
        return f"'{feature}' over {where} moves the score by ≤ {spec.get('epsilon', 0.05):g}"
    way = "lower" if spec.get("expect") == "increase" else "raise"
    delta = spec.get("delta")
    amount = f"{delta:g}" if isinstance(delta, (int, float)) else "?"
    return f"raising '{feature}' by {amount} does not {way} the score"


def decision_columns(ws: Workspace, version: Any) -> list[str]:
    """Dataset columns that could hold today's human decision: not an input, not the target."""
    run = ws.runs.get(version.run_id)
    dataset = ws.datasets.get_by_id(run.dataset_version_id)
    signature = version.signature or {}
    inputs = {s["name"] for s in signature.get("inputs") or []}
    target = (signature.get("output") or {}).get("name")
    return [c for c in (dataset.schema or {}) if c not in inputs and c != target]


def empty_spec(has_runs: bool) -> EmptyStateSpec:
    """What the Test page says before a model version is registered."""
    if has_runs:
        text = "Register a model on the Train page to test it against a quality gate."
    else:
        text = "Train a model, then register a model on the Train page to test it."
    return EmptyStateSpec(
        heading="No model versions to test yet",
        text=text,
        command=CLI_EXAMPLE,
        action_label="Go to &Train",
        action_page="train",
    )


def version_meta(ws: Workspace, version: Any) -> str:
    """ "hgb on dataset credit@1 · run r-12 · aliases: live": where a version comes from (the
    page names the model version too, so "dataset" tells the two credit@N apart)."""
    run = ws.runs.get(version.run_id)
    aliases = ws.models.aliases_of(version.id)
    alias_text = f" · aliases: {', '.join(aliases)}" if aliases else ""
    dataset = ws.datasets.get_by_id(run.dataset_version_id).ref
    return f"{run.model_family} on dataset {dataset} · run {run.id}{alias_text}"


# -- the report ----------------------------------------------------------------------------------


def verdict_texts(report: dict | None) -> tuple[str, str, str]:
    """The verdict banner: its state ("passed", "failed", "none"), heading and rule lines (rich
    text, failed rules first)."""
    gate = (report or {}).get("gate")
    if report is None:
        return "none", "Not tested yet", ""
    if gate is None:
        return (
            "none",
            "No quality gate set for this model: nothing can fail",
            "Set a gate on the Quality gate tab, then run the tests again.",
        )
    rules = gate.get("lines") or []
    failed = [line for line in rules if not line["passed"]]
    if failed:
        heading = f"✘ Quality gate failed: {len(failed)} of {len(rules)} rules"
    else:
        heading = f"✔ Quality gate passed: all {len(rules)} rules"
    heading += f" (gate version {gate.get('version')})"
    ordered = failed + [line for line in rules if line["passed"]]
    lines = "<br>".join(rule_html(line) for line in ordered)
    return ("passed" if gate.get("passed") else "failed"), heading, lines


def rule_html(line: dict) -> str:
    """One rule of the gate with its reason; a failed one in bold."""
    mark = "✔" if line["passed"] else "✘"
    text = f"{mark} {escape(line['rule'])}: {escape(line['reason'])}"
    return text if line["passed"] else f"<b>{text}</b>"


def metric_rows(report: dict) -> tuple[list[Column], list[list]]:
    """The holdout metrics table: model with 95% CI, dummy baseline, lift, current decision."""
    columns = [
        Column("Metric", width=170, stretch=True),
        Column("Model", True, 80),
        Column("95% CI", True, 130),
        Column("Dummy baseline", True, 120),
        Column("Lift over baseline (95% CI)", True, 230),
    ]
    decision = report.get("current_decision")
    if decision:
        columns += [
            Column(f"Current decision ({decision['column']})", True, 190),
            Column("Model minus decision (95% CI)", True, 230),
        ]
    baseline = report.get("baseline") or {}
    rows = []
    metrics = report.get("metrics") or {}
    primary = report.get("primary_metric")
    order = [primary, *CLASSIFICATION_METRICS, *REGRESSION_METRICS]
    names = sorted(metrics, key=lambda n: order.index(n) if n in order else len(order))
    for name in names:
        entry = metrics[name]
        label = METRIC_LABELS.get(name, name)
        if name == report.get("primary_metric"):
            label += " (primary)"
        base = (baseline.get("metrics") or {}).get(name) or {}
        lift = (baseline.get("lift") or {}).get(name) or {}
        row = [
            (label, label),
            entry.get("value"),
            (ci(entry.get("ci_low"), entry.get("ci_high")), entry.get("ci_low")),
            base.get("value"),
            (
                difference(lift.get("value"), lift.get("ci_low"), lift.get("ci_high")),
                lift.get("value"),
            ),
        ]
        if decision:
            dec = (decision.get("metrics") or {}).get(name) or {}
            dlift = (decision.get("model_lift") or {}).get(name) or {}
            diff = difference(dlift.get("value"), dlift.get("ci_low"), dlift.get("ci_high"))
            row += [dec.get("value"), (diff, dlift.get("value"))]
        rows.append(row)
    return columns, rows


def metrics_note(report: dict) -> str:
    """Where the holdout metrics come from: rows, dataset, when, the bootstrap and baseline."""
    boot = report.get("bootstrap") or {}
    baseline = report.get("baseline") or {}
    when = local_time(report.get("created_at"))
    text = (
        f"{report.get('rows', 0):,} held-out rows of dataset {(report.get('dataset') or {}).get('ref')}, "
        f"tested {when}. Intervals: percentile bootstrap, {boot.get('resamples')} resamples "
        f"(seed {boot.get('seed')}). Lift is signed so that positive means better. "
        f"Baseline: {baseline.get('kind', '')}."
    )
    decision = report.get("current_decision")
    if decision:
        text += (
            f" The current decision ('{decision['column']}') is compared on the "
            f"{decision['rows']:,} rows where it is recorded."
        )
    return text


def untested_text(ref: str) -> str:
    """What the Report tab says of a version without a report."""
    return (
        f"{ref} has not been tested yet. Press Run tests to get holdout metrics with "
        "confidence intervals, slices, behavioural and contract tests, and the gate verdict."
    )


def glance_text(summary: dict) -> str:
    """One line: flagged slices, behavioural and contract results (details on their tabs)."""
    slices = summary.get("slices") or {}
    behavioural = summary.get("behavioural") or []
    contracts = summary.get("contracts") or []
    passed_b = sum(bool(r["passed"]) for r in behavioural)
    passed_c = sum(bool(r["passed"]) for r in contracts)
    parts = [
        f"Slices: {slices.get('flagged', 0)} flagged of {len(slices.get('rows') or [])}",
        f"Behavioural tests: {passed_b} of {len(behavioural)} passed"
        if behavioural
        else "Behavioural tests: none enabled",
        f"Contract tests: {passed_c} of {len(contracts)} passed",
    ]
    return " · ".join(parts) + "  (details on the Slices and Test results tabs)"


# -- slices and test results ---------------------------------------------------------------------


def slice_metric(slices: dict) -> str:
    """The readable name of the metric the slices are scored with."""
    return METRIC_LABELS.get(slices.get("metric"), slices.get("metric") or "metric")


def slices_intro(slices: dict) -> str:
    """What the slices table holds, the overall figure, and what is flagged (and why)."""
    rows = slices.get("rows") or []
    intro = (
        f"{slice_metric(slices)} on every category and quartile bin of "
        f"{len(slices.get('columns', []))} columns ({len(rows)} slices), worst first. "
        f"Overall: {number(slices.get('overall'))}. "
    )
    if slices.get("max_gap") is not None:
        return intro + (
            f"Flagged: slices of at least {slices.get('min_rows')} rows trailing overall by "
            f"more than {slices['max_gap']:g} — {slices.get('flagged', 0)} found."
        )
    return intro + "No gate sets a maximum slice gap, so nothing is flagged."


def slice_rows(rows: list[dict]) -> list[list]:
    """The slices table's rows, worst first (the report's order is kept as the Slice sort)."""
    table_rows = []
    for harm, r in enumerate(rows):
        size = f"{r['rows']:,}" + (" (small)" if r.get("small") else "")
        table_rows.append(
            [
                (str(r["column"]), str(r["column"])),
                (str(r["label"]), harm),
                (size, r["rows"]),
                r.get("value"),
                (ci(r.get("ci_low"), r.get("ci_high")), r.get("ci_low")),
                r.get("gap"),
                r.get("base_rate"),
                ("flagged" if r.get("flagged") else "", int(bool(r.get("flagged")))),
            ]
        )
    return table_rows


def result_mark(passed: bool | None) -> tuple[str, int]:
    """A test result's cell: "✔ pass", "✘ FAIL" or "n/a", sorted failures first."""
    if passed is None:
        return ("n/a", -1)
    return ("✔ pass", 1) if passed else ("✘ FAIL", 0)


def behaviour_note(results: list[dict]) -> str:
    """How many behavioural tests passed (or why there are none)."""
    if not results:
        return (
            "No behavioural tests were enabled for this model when it was tested. Add or "
            "accept some on the Behavioural tests tab."
        )
    failed = sum(not r["passed"] for r in results)
    return f"{len(results) - failed} of {len(results)} passed."


def behaviour_rows(results: list[dict]) -> list[list]:
    """The behavioural results table: result, kind, test, what happened."""
    return [
        [
            result_mark(r["passed"]),
            (r["kind"], r["kind"]),
            (r["name"], r["name"]),
            (r["message"], r["message"]),
        ]
        for r in results
    ]


def contracts_heading(contracts: list[dict]) -> str:
    """ "Pipeline contract tests: 5 of 6 passed"."""
    failed = sum(not r["passed"] for r in contracts)
    return f"Pipeline contract tests: {len(contracts) - failed} of {len(contracts)} passed"


def contract_rows(contracts: list[dict]) -> list[list]:
    """The contract results table: result, case, column, what is by design, what happened."""
    return [
        [
            result_mark(r["passed"]),
            (r["name"], r["name"]),
            (str(r.get("column") or MISSING), ""),
            (r["expected"], r["expected"]),
            (r["message"], r["message"]),
        ]
        for r in contracts
    ]


def failed_tests_note(summary: dict | None) -> str:
    """ " 1 of 7 behavioural tests failed; …" when a report that passed its gate still has
    failing behavioural or contract tests (the gate does not require them), else ""."""
    parts = []
    for key, noun in (("behavioural", "behavioural test"), ("contracts", "contract test")):
        results = (summary or {}).get(key) or []
        failed = sum(not r.get("passed") for r in results)
        if failed:
            parts.append(f"{failed} of {len(results)} {noun}s failed")
    if not parts:
        return ""
    return f" {' and '.join(parts)}; the gate does not require them (see Test results)."
