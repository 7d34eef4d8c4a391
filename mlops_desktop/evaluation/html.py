"""Render a report dict as one self-contained HTML file: inline CSS, inline SVG, no URL at all.

It opens offline in any browser, prints cleanly, and is readable on a projector. The same HTML
(with charts as images instead of inline SVG) feeds Qt's PDF writer in ``ui.pdf_export``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape

from mlops_desktop.evaluation import charts
from mlops_desktop.formatting import MISSING, ci, difference, local_time, number
from mlops_desktop.training.families import family_label
from mlops_desktop.training.metric_names import (
    CLASSIFICATION_METRICS,
    METRIC_LABELS,
    REGRESSION_METRICS,
)

ChartHook = Callable[[str, str], str]
SLICE_ROWS_SHOWN = 40
FLAG = ' class="flag"'
#: CSS that browsers need but Qt's rich-text tables mishandle (the PDF writer drops it).
QT_UNSUPPORTED_CSS = (
    " white-space: nowrap;",
    "overflow-wrap: anywhere;",
    "td.label { white-space: nowrap; }",
)
#: The real datasets shipped for the demo, tests and benchmarks (CC BY 4.0), by file stem.
SHIPPED_CREDITS = {
    "uci_statlog_german_credit": "Hofmann, H. (1994). Statlog (German Credit Data). "
    "UCI Machine Learning Repository. CC BY 4.0.",
    "uci_adult_census_income": "Becker, B. & Kohavi, R. (1996). Adult. "
    "UCI Machine Learning Repository. CC BY 4.0.",
    "uci_bikeshare_2011_hourly": "Fanaee-T, H. & Gama, J. (2013). Bike Sharing. "
    "UCI Machine Learning Repository. CC BY 4.0.",
}

CSS = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 18px; color: #111;
       background: #fff; margin: 0 auto; max-width: 1240px; padding: 24px 32px; line-height: 1.45; }
h1 { font-size: 34px; margin: 0 0 4px 0; }
h2 { font-size: 26px; margin: 36px 0 10px 0; border-bottom: 3px solid #111; padding-bottom: 4px; }
p.sub { font-size: 18px; color: #333; margin: 0 0 16px 0; }
p.note { color: #333; font-size: 16px; }
.verdict { font-size: 30px; font-weight: bold; padding: 14px 20px; margin: 12px 0;
           border: 4px solid; }
.pass { color: #14532d; background: #dcfce7; border-color: #15803d; }
.fail { color: #7f1d1d; background: #fee2e2; border-color: #b91c1c; }
.none { color: #333; background: #f1f1f1; border-color: #777; }
table { border-collapse: collapse; margin: 8px 0 12px 0; width: 100%; }
th, td { border: 1px solid #999; padding: 6px 10px; text-align: left; vertical-align: top; }
th { background: #e8e8e8; font-size: 17px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.wrap { white-space: normal; }
td.label { white-space: nowrap; }
td.ok { color: #14532d; font-weight: bold; white-space: nowrap; }
td.bad { color: #991b1b; font-weight: bold; white-space: nowrap; }
tr.flag td { background: #fee2e2; }
table.grid, table.grid td { border: none; width: auto; }
.charts { margin: 8px 0; }
.chart { display: inline-block; vertical-align: top; width: 48.5%; margin: 0 1% 16px 0; }
.chart.wide { width: 100%; max-width: 1000px; }
.chart svg { width: 100%; height: auto; border: 1px solid #ccc; }
td { overflow-wrap: anywhere; }
footer { margin-top: 40px; border-top: 1px solid #999; padding-top: 10px; font-size: 15px;
         color: #333; }
@media print { body { max-width: none; padding: 0; font-size: 12pt; }
               h2 { page-break-after: avoid; } .chart, tr { page-break-inside: avoid; } }
"""


def dataset_credit(source: str | None, name: str | None = None) -> str | None:
    """The credit line when the dataset is one of the real ones shipped with the app."""
    text = f"{source or ''} {name or ''}".lower()
    return next((credit for stem, credit in SHIPPED_CREDITS.items() if stem in text), None)


def _n(value) -> str:
    return escape(number(value))


def _ci(entry: dict | None) -> str:
    entry = entry or {}
    return escape(ci(entry.get("ci_low"), entry.get("ci_high")))


def _difference(entry: dict | None) -> str:
    entry = entry or {}
    return escape(difference(entry.get("value"), entry.get("ci_low"), entry.get("ci_high")))


def _mark(passed: bool | None) -> str:
    if passed is None:
        return '<td class="none">n/a</td>'
    return '<td class="ok">✔&nbsp;PASS</td>' if passed else '<td class="bad">✘&nbsp;FAIL</td>'


def _table(
    head: list[str],
    rows: list[str],
    numeric: set[int] = frozenset(),
    widths: tuple[int, ...] = (),
) -> str:
    """A table; ``widths`` (percent per column) keep long prose columns wide (Qt's PDF layout
    otherwise squeezes them into a column a word wide)."""

    def th(i: int, h: str) -> str:
        width = f' width="{widths[i]}%"' if i < len(widths) else ""
        klass = ' class="num"' if i in numeric else ""
        return f"<th{klass}{width}>{escape(h)}</th>"

    cells = "".join(th(i, h) for i, h in enumerate(head))
    return (
        f'<table cellspacing="0" cellpadding="6" border="1"><tr>{cells}</tr>{"".join(rows)}</table>'
    )


def _gate(report: dict) -> str:
    gate = report.get("gate")
    if gate is None:
        return (
            '<div class="verdict none">No quality gate set for this model</div>'
            '<p class="note">Nothing here can fail. Set a gate (metrics, lift over the baseline, '
            "slice gap, tests) before deciding what is good enough to ship.</p>"
        )
    passed = gate.get("passed")
    word = "PASSED" if passed else "FAILED"
    failed = [line for line in gate.get("lines", []) if not line["passed"]]
    summary = f" – {len(failed)} of {len(gate.get('lines', []))} rules failed" if failed else ""
    rows = [
        f"<tr>{_mark(line['passed'])}<td>{escape(line['rule'])}</td>"
        f"<td>{escape(line['reason'])}</td></tr>"
        for line in gate.get("lines", [])
    ]
    return (
        f'<div class="verdict {"pass" if passed else "fail"}">Quality gate {word}'
        f"{escape(summary)} (gate version {_n(gate.get('version'))})</div>"
        + _table(["Result", "Rule", "Why"], rows, widths=(11, 32, 57))
    )


METRIC_ORDER = {name: i for i, name in enumerate(CLASSIFICATION_METRICS + REGRESSION_METRICS)}


def ordered_metrics(metrics: dict) -> list[tuple[str, dict]]:
    """Metrics in the app's order (ROC AUC, PR AUC, accuracy, …), whatever order the dict has
    (a stored summary comes back with sorted keys, and the PDF is drawn from it)."""
    return sorted(
        metrics.items(), key=lambda kv: (METRIC_ORDER.get(kv[0], len(METRIC_ORDER)), kv[0])
    )


def _metrics(report: dict) -> str:
    baseline = report.get("baseline") or {}
    decision = report.get("current_decision")
    head = ["Metric", "Model", "95% CI", "Dummy baseline", "Lift over baseline (95% CI)"]
    if decision:
        head += [f"Current decision ({decision['column']})", "Model minus decision"]
    rows = []
    for name, entry in ordered_metrics(report.get("metrics") or {}):
        label = METRIC_LABELS.get(name, name)
        if name == report.get("primary_metric"):
            label += " (primary)"
        cells = [
            f'<td class="label">{escape(label)}</td>',
            f'<td class="num"><b>{_n(entry.get("value"))}</b></td>',
            f'<td class="num">{_ci(entry)}</td>',
            f'<td class="num">{_n((baseline.get("metrics") or {}).get(name, {}).get("value"))}</td>',
            f'<td class="num wrap">{_difference((baseline.get("lift") or {}).get(name))}</td>',
        ]
        if decision:
            dec = (decision.get("metrics") or {}).get(name) or {}
            lift = (decision.get("model_lift") or {}).get(name)
            cells.append(f'<td class="num">{_n(dec.get("value"))}</td>')
            cells.append(f'<td class="num wrap">{_difference(lift)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    boot = report.get("bootstrap") or {}
    note = (
        f'<p class="note">{report.get("rows", 0):,} test rows. Intervals: percentile bootstrap, '
        f"{boot.get('resamples')} resamples (seed {boot.get('seed')}). Lift is signed so that "
        f"positive always means better. Baseline: {escape(str(baseline.get('kind', '')))}."
    )
    if decision:
        note += (
            f" The current decision is compared on the {decision['rows']:,} rows where it is "
            "recorded (probability metrics use the decision as a 0/1 score)."
        )
    numeric = set(range(1, len(head)))
    widths = (14, 10, 15, 10, 19, 11, 21) if decision else (22, 12, 20, 16, 30)
    return _table(head, rows, numeric, widths) + note + "</p>"


def _chart_blocks(report: dict, hook: ChartHook, grid: bool) -> str:
    data = report.get("charts") or {}
    blocks = []
    if data.get("kind") == "classification":
        curves = data.get("curves") or {}
        metrics = report.get("metrics") or {}
        if len(curves) == 1:
            cls = next(iter(curves))
            auc = {cls: (metrics.get("roc_auc") or {}).get("value")}
            ap = {cls: (metrics.get("pr_auc") or {}).get("value")}
        else:
            auc, ap = {}, {}
        if curves:
            blocks.append(("roc", charts.roc_chart(curves, auc)))
            blocks.append(("pr", charts.pr_chart(curves, ap)))
        if data.get("calibration"):
            blocks.append(
                (
                    "calibration",
                    charts.calibration_chart(data["calibration"], data["positive_class"]),
                )
            )
        confusion = data.get("confusion") or {}
        if confusion.get("labels"):
            blocks.append(
                ("confusion", charts.confusion_chart(confusion["labels"], confusion["matrix"]))
            )
    elif data.get("kind") == "regression":
        target = str(report.get("target") or "target")
        blocks.append(
            ("actual", charts.predicted_actual_chart(data["actual"], data["predicted"], target))
        )
        blocks.append(
            ("residuals", charts.residual_chart(data["actual"], data["predicted"], target))
        )
    if grid:  # a two-column table, for renderers without inline blocks (Qt's rich text)
        cells = [f"<td>{hook(name, svg)}</td>" for name, svg in blocks]
        rows = ["<tr>" + "".join(cells[i : i + 2]) + "</tr>" for i in range(0, len(cells), 2)]
        return f'<table class="grid" border="0" cellpadding="4">{"".join(rows)}</table>'
    return "".join(f'<div class="chart">{hook(name, svg)}</div>' for name, svg in blocks)


def _slices(report: dict, hook: ChartHook, shown: int = SLICE_ROWS_SHOWN) -> str:
    slices = report.get("slices") or {}
    rows = slices.get("rows") or []
    metric = METRIC_LABELS.get(slices.get("metric"), slices.get("metric") or "")
    intro = (
        f'<p class="note">{metric} on every category and quartile bin of '
        f"{len(slices.get('columns', []))} columns ({len(rows)} slices), worst first. Overall: "
        f"{_n(slices.get('overall'))}. "
    )
    if slices.get("max_gap") is not None:
        intro += (
            f"Flagged (red): slices of at least {slices.get('min_rows')} rows trailing overall by "
            f"more than {slices['max_gap']:g}: <b>{slices.get('flagged', 0)}</b>."
        )
    else:
        intro += "No gate sets a maximum slice gap, so nothing is flagged."
    chart = ""
    if any(r.get("gap") is not None for r in rows):
        chart = f'<div class="chart wide">{hook("slices", charts.slice_gap_chart(rows, metric, slices.get("max_gap")))}</div>'
    body = []
    for r in rows[:shown]:
        size = f"{r['rows']:,}" + (" (small)" if r.get("small") else "")
        body.append(
            f"<tr{FLAG if r.get('flagged') else ''}>"
            f"<td>{escape(str(r['column']))}</td><td>{escape(str(r['label']))}</td>"
            f'<td class="num">{size}</td><td class="num">{_n(r.get("value"))}</td>'
            f'<td class="num">{_ci(r)}</td><td class="num">{_n(r.get("gap"))}</td>'
            f'<td class="num">{_n(r.get("base_rate"))}</td></tr>'
        )
    more = len(rows) - shown
    tail = f'<p class="note">{more} more slices are in the JSON summary.</p>' if more > 0 else ""
    base = "Mean target" if report.get("task") == "regression" else "Positive share"
    table = _table(
        ["Column", "Slice", "Rows", metric, "95% CI", "Gap", base],
        body,
        {2, 3, 4, 5, 6},
        (19, 21, 11, 9, 16, 10, 14),
    )
    return intro + "</p>" + chart + table + tail


def _importance(report: dict, shown: int = SLICE_ROWS_SHOWN) -> str:
    """Permutation importance, largest first: the primary metric's loss when a column's values
    are shuffled (what the personal-data inventory's minimisation hint reads)."""
    importance = report.get("importance") or {}
    columns = importance.get("columns") or {}
    if not columns:
        return '<p class="note">This report has no feature importance (test the model again).</p>'
    metric = METRIC_LABELS.get(importance.get("metric"), importance.get("metric") or "")
    ranked = sorted(columns.items(), key=lambda kv: -float(kv[1].get("mean") or 0.0))
    rows = [
        f'<tr><td>{escape(str(column))}</td><td class="num">{_n(entry.get("mean"))}</td>'
        f'<td class="num">± {_n(entry.get("std"))}</td></tr>'
        for column, entry in ranked[:shown]
    ]
    intro = (
        f'<p class="note">How much {escape(metric)} ({_n(importance.get("base"))} on the test '
        f"rows) worsens when one column's values are shuffled, so the model can no longer use "
        f"it: {importance.get('rows', 0):,} test rows, {importance.get('repeats')} repeats each "
        "(± the spread over the repeats). Near 0: the model hardly uses the column; below 0: "
        "shuffling it did no harm.</p>"
    )
    more = len(ranked) - shown
    tail = f'<p class="note">{more} more columns are in the JSON summary.</p>' if more > 0 else ""
    head = ["Input column", f"Loss of {metric} when shuffled", "Spread"]
    return intro + _table(head, rows, {1, 2}, (50, 30, 20)) + tail


def _behavioural(report: dict) -> str:
    results = report.get("behavioural") or []
    if not results:
        return '<p class="note">No behavioural tests are defined for this model yet.</p>'
    rows = [
        f"<tr>{_mark(r['passed'])}<td>{escape(r['kind'])}</td><td>{escape(r['name'])}</td>"
        f"<td>{escape(r['message'])}</td></tr>"
        for r in results
    ]
    return _table(["Result", "Kind", "Test", "What happened"], rows, widths=(11, 12, 27, 50))


def _contracts(report: dict) -> str:
    rows = [
        f"<tr>{_mark(r['passed'])}<td>{escape(r['name'])}</td>"
        f"<td>{escape(str(r.get('column') or MISSING))}</td><td>{escape(r['expected'])}</td>"
        f"<td>{escape(r['message'])}</td></tr>"
        for r in report.get("contracts") or []
    ]
    return _table(
        ["Result", "Case", "Column", "By design", "What happened"],
        rows,
        widths=(11, 13, 15, 20, 41),
    )


def render_html(
    report: dict,
    chart_hook: ChartHook | None = None,
    chart_grid: bool = False,
    slice_rows: int = SLICE_ROWS_SHOWN,
) -> str:
    """The report as a complete HTML document. ``chart_hook(name, svg)`` may replace inline
    SVG and ``chart_grid`` lays charts out in a table; the PDF writer uses both, and lists
    fewer slices (``slice_rows``; the worst come first, the rest are in the JSON summary)."""
    hook = chart_hook or (lambda _name, svg: svg)
    model = report.get("model") or {}
    dataset = report.get("dataset") or {}
    title = f"Test report: {model.get('ref', 'model')}"
    when = local_time(report.get("created_at") or time.time())
    sub = (
        f"{escape(str(report.get('task', '')))} model"
        + (f" ({escape(family_label(str(model['family'])))})" if model.get("family") else "")
        + f" · tested on {report.get('rows', 0):,} held-out rows of "
        f"{escape(str(dataset.get('ref', 'its dataset')))} · {when}"
    )
    credit = dataset.get("credit") or dataset_credit(dataset.get("source"), dataset.get("name"))
    footer = (
        f"Generated by MLOps Desktop {escape(str(report.get('app_version', '')))} on {when}. "
        "This file is self-contained: it loads nothing from the network."
    )
    if credit:
        footer += f"<br>Data: {escape(credit)}"
    sections = [
        ("Verdict", _gate(report)),
        ("Holdout metrics", _metrics(report)),
        ("Charts", f'<div class="charts">{_chart_blocks(report, hook, chart_grid)}</div>'),
        ("Slices", _slices(report, hook, slice_rows)),
        ("Feature importance", _importance(report, slice_rows)),
        ("Behavioural tests", _behavioural(report)),
        ("Pipeline contract tests", _contracts(report)),
    ]
    body = "".join(f"<h2>{escape(name)}</h2>{html}" for name, html in sections)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="sub">{sub}</p>{body}'
        f"<footer>{footer}</footer></body></html>"
    )
