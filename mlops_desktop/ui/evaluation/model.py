"""Qt-free helpers behind the desktop Test page: job wrappers (suggestions, report export) and
the small pieces of logic the page shows (version roster, chart SVGs, readable test specs).

Everything here runs without a display, so it is tested without Qt.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlops_desktop.errors import InputError
from mlops_desktop.evaluation.html import render_html
from mlops_desktop.jobs.context import JobContext

EXPORT_SUFFIXES = (".html", ".htm", ".pdf")


# -- jobs ----------------------------------------------------------------------------------------


def suggest_behavioural_tests(ctx: JobContext, model_ref: str) -> dict[str, Any]:
    """Candidate behavioural tests for ``model_ref`` drawn from its test part.

    Each candidate is ``{kind, name, spec, why, exists}``; ``exists`` is True when the model
    name already holds a test of that kind with the same spec, so the page can leave it unticked.
    """
    from mlops_desktop.evaluation.jobs import load_inputs
    from mlops_desktop.evaluation.suggestions import suggest_tests

    ws = ctx.workspace()
    ctx.report(0.05, f"Loading {model_ref} and its test data")
    version, _gate, inputs = load_inputs(ws, model_ref)
    ctx.report(0.5, "Looking for candidate tests in the data")
    roles = {"pii_columns": list(inputs.extra_slice_columns)}
    found = suggest_tests(inputs.test_frame, inputs.signature, inputs.pipeline, roles)
    have = {(t.kind, _canonical(t.spec)) for t in ws.behavioural.list(version.name)}
    candidates = [
        {**item, "exists": (item["kind"], _canonical(item["spec"])) in have} for item in found
    ]
    ctx.report(1.0, f"{len(candidates)} candidate tests")
    return {"model": version.ref, "name": version.name, "candidates": candidates}


def write_report_file(summary: dict, path: Path | str) -> bytes:
    """Write ``summary`` as HTML or PDF (by the file's suffix); return the bytes written."""
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        from mlops_desktop.ui.evaluation.pdf_export import report_pdf_bytes  # Qt, only for PDF

        data = report_pdf_bytes(summary)
    else:
        data = render_html(summary).encode("utf-8")
    path.write_bytes(data)
    return data


def export_report(ctx: JobContext, report_id: int, path: str) -> dict[str, Any]:
    """Write stored test report ``report_id`` to ``path`` (.html or .pdf, by its suffix).

    A PDF is also stored with the model version (the report row's ``pdf_hash``).
    """
    target = Path(path).expanduser()
    if target.suffix.lower() not in EXPORT_SUFFIXES:
        raise InputError(f"Cannot export to '{target.name}': use a name ending in .html or .pdf.")
    if not target.parent.is_dir():
        raise InputError(f"The folder {target.parent} does not exist; choose another.")
    ws = ctx.workspace()
    ctx.report(0.05, f"Loading test report {report_id}")
    report = ws.reports.get(int(report_id))
    ctx.report(0.2, f"Writing {target.name}")
    try:
        data = write_report_file(report.summary, target)
    except OSError as exc:
        raise InputError(f"Cannot write {target}: {exc.strerror or exc}.") from exc
    pdf = target.suffix.lower() == ".pdf"
    if pdf:
        ws.reports.set_pdf(report.id, ws.artifacts.put_bytes(data))
    ctx.report(1.0, "Done")
    return {
        "report_id": report.id,
        "path": str(target),
        "format": "pdf" if pdf else "html",
        "bytes": len(data),
    }


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


def version_roster(ws: Any) -> list[VersionRow]:
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


def decision_columns(ws: Any, version: Any) -> list[str]:
    """Dataset columns that could hold today's human decision: not an input, not the target."""
    run = ws.runs.get(version.run_id)
    dataset = ws.datasets.get_by_id(run.dataset_version_id)
    signature = version.signature or {}
    inputs = {s["name"] for s in signature.get("inputs") or []}
    target = (signature.get("output") or {}).get("name")
    return [c for c in (dataset.schema or {}) if c not in inputs and c != target]


def _canonical(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True, default=str)
