"""Testing as a background job: ``test_model`` loads a model version and its dataset's test part,
runs every test with progress and cancel, and stores the report with the version.

The job writes HTML reports; a PDF is drawn by Qt, so the desktop layer exports it from the stored
report (``mlops_desktop.ui.evaluation.model.export_report``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.errors import InputError
from mlops_desktop.evaluation.gates import parse_gate
from mlops_desktop.evaluation.html import dataset_credit, render_html
from mlops_desktop.evaluation.report import ReportInputs, build_report, verdict_of
from mlops_desktop.jobs.context import JobContext

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

REPORT_SUFFIXES = (".html", ".htm", ".pdf")


def check_report_path(report_path: str | None) -> Path | None:
    """The report file to write (.html or .pdf), checked before any work starts."""
    if not report_path:
        return None
    path = Path(report_path).expanduser()
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise InputError(
            f"Cannot write a report to '{path.name}': use a file name ending in .html or .pdf."
        )
    if not path.parent.exists():
        raise InputError(f"The folder {path.parent} does not exist; create it or choose another.")
    return path


def load_inputs(ws: Workspace, model_ref: str) -> tuple[Any, Any, ReportInputs]:
    """The model version, its gate row and the report inputs (pipeline, test part, tests)."""
    version = ws.models.get(model_ref)
    run = ws.runs.get(version.run_id)
    datasets = ws.datasets
    dataset = datasets.get_by_id(run.dataset_version_id)
    frame, test_mask = datasets.load_frame(dataset)
    if not test_mask.any():
        raise InputError(f"{dataset.ref} has no test part, so {version.ref} cannot be tested.")
    pipeline = ws.artifacts.load_object(ws.models.bound_artifact(version))
    signature = version.signature or run.config.get("signature") or {}
    target = (signature.get("output") or {}).get("name")
    gate_row = ws.gates.current(version.name)
    tests = [
        {"id": t.id, "name": t.name, "kind": t.kind, "spec": t.spec}
        for t in ws.behavioural.list(version.name, enabled_only=True)
    ]
    roles = dict(dataset.roles or {})
    personal = list(roles.get("pii_columns") or []) + list((dataset.pii or {}).keys())
    extra = {
        c: dataset.schema[c]
        for c in personal
        if c in frame.columns and c in (dataset.schema or {}) and c != target
    }
    inputs = ReportInputs(
        pipeline=pipeline,
        signature=signature,
        test_frame=frame[test_mask],
        y_train=frame.loc[~test_mask, target],
        meta={
            "model": {
                "id": version.id,
                "ref": version.ref,
                "name": version.name,
                "number": version.number,
                "family": run.model_family,
                "run_id": run.id,
            },
            "dataset": {
                "id": dataset.id,
                "ref": dataset.ref,
                "name": dataset.name,
                "source": Path(dataset.source).name if dataset.source else "",
                "rows_total": dataset.rows,
                "credit": dataset_credit(dataset.source, dataset.name),
            },
        },
        gate=parse_gate(gate_row.spec) if gate_row else None,
        gate_meta={"id": gate_row.id, "version": gate_row.version} if gate_row else None,
        tests=tests,
        extra_slice_columns=extra,
    )
    return version, gate_row, inputs


def test_model(
    ctx: JobContext,
    model_ref: str,
    report_path: str | None = None,
    current_decision_column: str | None = None,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Test ``model_ref`` (``name@N`` or ``name@live``) on its dataset's test part.

    Stores the HTML report as an artifact and a ``test_reports`` row (with the gate verdict),
    records a ``model.test`` audit event, and writes ``report_path`` (.html) if given.
    """
    path = check_report_path(report_path)
    if path is not None and path.suffix.lower() == ".pdf":
        raise InputError("test_model writes HTML reports; export a PDF with export_report.")
    ws = ctx.workspace()
    ctx.report(0.0, f"Loading {model_ref}")
    version, gate_row, inputs = load_inputs(ws, model_ref)
    inputs.current_decision_column = current_decision_column
    inputs.n_boot, inputs.seed = int(resamples), int(seed)
    summary = build_report(inputs, lambda f, m: ctx.report(0.03 + 0.9 * f, m))
    ctx.report(0.94, "Rendering the report")
    html = render_html(summary).encode("utf-8")
    html_hash = ws.artifacts.put_bytes(html)
    if path is not None:
        path.write_bytes(html)
    ctx.check_cancelled()
    passed = verdict_of(summary)
    saved = ws.reports.add(
        version.id,
        summary,
        passed=passed,
        gate_id=gate_row.id if gate_row else None,
        job_id=ctx.job_id,
        html_hash=html_hash,
    )
    ws.audit.record(
        "model.test",
        "model_version",
        version.ref,
        {
            "report_id": saved.id,
            "passed": passed,
            "gate_version": gate_row.version if gate_row else None,
            "html": html_hash,
        },
    )
    ctx.report(1.0, "Done")
    return outcome(summary, saved.id, html_hash, None, str(path) if path else None)


def outcome(summary: dict, report_id: int, html_hash, pdf_hash, path: str | None) -> dict:
    """The short result shown by the CLI and the Jobs panel."""
    gate = summary.get("gate")
    slices = summary.get("slices") or {}
    return {
        "report_id": report_id,
        "model": (summary.get("model") or {}).get("ref"),
        "dataset": (summary.get("dataset") or {}).get("ref"),
        "passed": verdict_of(summary),
        "gate": None
        if gate is None
        else {"id": gate.get("id"), "version": gate.get("version"), "lines": gate.get("lines")},
        "primary_metric": summary.get("primary_metric"),
        "metrics": {k: v for k, v in (summary.get("metrics") or {}).items()},
        "slices_flagged": slices.get("flagged", 0),
        "behavioural_failed": sum(not r["passed"] for r in summary.get("behavioural") or []),
        "contracts_failed": sum(not r["passed"] for r in summary.get("contracts") or []),
        "html_hash": html_hash,
        "pdf_hash": pdf_hash,
        "report_path": path,
        "seconds": (summary.get("timings") or {}).get("total_s"),
    }


test_model.__test__ = False  # a job function, not a pytest test, wherever it is imported
