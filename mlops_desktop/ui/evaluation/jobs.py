"""The Test page's jobs (Qt-free, run in a worker): candidate behavioural tests for a model
version, and a stored report exported to HTML or PDF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlops_desktop.errors import InputError
from mlops_desktop.jobs.context import JobContext

EXPORT_SUFFIXES = (".html", ".htm", ".pdf")


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
        from mlops_desktop.evaluation.html import render_html

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


def _canonical(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True, default=str)
