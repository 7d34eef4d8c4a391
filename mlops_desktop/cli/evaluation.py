"""Headless commands of the Test step: ``test``, ``gate show|set``, ``behave list|add|suggest``.

``test NAME@N`` exits 0 when the gate passes (or no gate is set) and 1 when it fails, so it can
run in CI. Wired into ``mlops_desktop.cli.entry`` by ``add_parsers``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from mlops_desktop.cli.output import EXIT_CHECK_FAILED, EXIT_OK, Progress
from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.evaluation.gates import load_gate_file
from mlops_desktop.formatting import ci, local_time, number

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace


def add_parsers(subparsers, common: argparse.ArgumentParser) -> None:
    """Add the Test step's commands to the CLI's subparsers (``common``: --workspace, --json)."""
    test = subparsers.add_parser(
        "test",
        parents=[common],
        help="test a model version; exit 1 when its quality gate fails",
        description="Holdout metrics with bootstrap CIs, slices, behavioural and contract "
        "tests, and the gate verdict. Exit 0: gate passed (or none set); 1: gate failed.",
    )
    test.add_argument("ref", metavar="NAME@N", help="model version, e.g. credit@3 or credit@live")
    test.add_argument("--report", metavar="FILE", help="also write the report (.html or .pdf)")
    test.add_argument(
        "--decision-column", metavar="COL", help="compare with the current human decision column"
    )
    test.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (1000)")
    test.add_argument("--seed", type=int, default=0, help="bootstrap seed (0)")
    test.set_defaults(handler=cmd_test)

    gate = subparsers.add_parser("gate", parents=[common], help="show or set a model's gate")
    gate_sub = gate.add_subparsers(dest="gate_command", metavar="ACTION", required=True)
    show = gate_sub.add_parser("show", parents=[common], help="show the current gate")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--history", action="store_true", help="every version, oldest first")
    show.set_defaults(handler=cmd_gate_show)
    set_ = gate_sub.add_parser("set", parents=[common], help="set a new gate version from a file")
    set_.add_argument("name", metavar="NAME")
    set_.add_argument("--file", required=True, metavar="GATE.yaml", help="YAML or JSON gate")
    set_.add_argument("--reason", default="", help="why the gate changes (kept in the audit)")
    set_.set_defaults(handler=cmd_gate_set)

    behave = subparsers.add_parser("behave", parents=[common], help="behavioural tests")
    behave_sub = behave.add_subparsers(dest="behave_command", metavar="ACTION", required=True)
    listing = behave_sub.add_parser("list", parents=[common], help="a model's tests")
    listing.add_argument("name", metavar="NAME")
    listing.set_defaults(handler=cmd_behave_list)
    add = behave_sub.add_parser("add", parents=[common], help="add a test from a YAML/JSON file")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--file", required=True, metavar="TEST.yaml", help="{kind, name, spec}")
    add.set_defaults(handler=cmd_behave_add)
    suggest = behave_sub.add_parser("suggest", parents=[common], help="candidates from the data")
    suggest.add_argument("ref", metavar="NAME@N")
    suggest.add_argument("--accept", action="store_true", help="store every candidate")
    suggest.set_defaults(handler=cmd_behave_suggest)


def _open(args):
    from mlops_desktop.cli.output import open_workspace

    return open_workspace(args)


def _emit(args, data, text) -> None:
    from mlops_desktop.cli.output import emit

    emit(args, data, text)


# -- test --------------------------------------------------------------------------------------


def _test_text(result: dict) -> str:
    lines = [f"{result['model']} tested on the test part of {result['dataset']}."]
    gate = result.get("gate")
    if gate is None:
        lines.append(
            "No quality gate is set, so nothing can fail. Set one with "
            f"'mlops-desktop gate set {result['model'].split('@')[0]} --file gate.yaml'."
        )
    else:
        word = "PASSED" if result["passed"] else "FAILED"
        lines.append(f"Quality gate {word} (version {gate['version']}):")
        for line in gate["lines"]:
            lines.append(
                f"  {'PASS' if line['passed'] else 'FAIL'}  {line['rule']}: {line['reason']}"
            )
    primary = result.get("primary_metric")
    entry = (result.get("metrics") or {}).get(primary) or {}
    if entry.get("value") is not None:
        interval = ci(entry.get("ci_low"), entry.get("ci_high"))
        shown = f" (95% CI {interval})" if entry.get("ci_low") is not None else ""
        lines.append(f"{primary}: {number(entry['value'])}{shown}")
    lines.append(
        f"Slices flagged: {result['slices_flagged']}; behavioural tests failed: "
        f"{result['behavioural_failed']}; contract tests failed: {result['contracts_failed']}."
    )
    where = result.get("report_path") or "stored with the model version"
    lines.append(f"Report {result['report_id']}: {where}")
    return "\n".join(lines)


def cmd_test(args: argparse.Namespace) -> int:
    from mlops_desktop.evaluation.jobs import check_report_path, test_model
    from mlops_desktop.jobs.inline import run_inline

    if args.resamples < 100:
        raise InputError("Use at least 100 bootstrap resamples (--resamples) for usable intervals.")
    path = check_report_path(str(Path(args.report).resolve()) if args.report else None)
    pdf = path is not None and path.suffix.lower() == ".pdf"
    with _open(args) as ws, Progress(args) as progress:
        _, result = run_inline(
            ws,
            test_model,
            {
                "model_ref": args.ref,
                "report_path": None if pdf or path is None else str(path),
                "current_decision_column": args.decision_column,
                "resamples": args.resamples,
                "seed": args.seed,
            },
            title=f"Test {args.ref}",
            on_progress=progress,
        )
        if pdf:
            result = _export_pdf(ws, result, path)
    _emit(args, result, lambda: _test_text(result))
    return EXIT_CHECK_FAILED if result["passed"] is False else EXIT_OK


def _export_pdf(ws: Workspace, result: dict, path: Path) -> dict:
    """Draw the stored report as a PDF at ``path`` (Qt, offscreen) and store it with the version."""
    from mlops_desktop.jobs.inline import run_inline
    from mlops_desktop.ui.evaluation.jobs import export_report

    run_inline(
        ws, export_report, {"report_id": result["report_id"], "path": str(path)}, title="Export PDF"
    )
    pdf_hash = ws.reports.get(result["report_id"]).pdf_hash
    return result | {"pdf_hash": pdf_hash, "report_path": str(path)}


# -- gate --------------------------------------------------------------------------------------


def _gate_dict(gate) -> dict:
    return {
        "id": gate.id,
        "model": gate.model_name,
        "version": gate.version,
        "spec": gate.spec,
        "reason": gate.reason,
        "created_by": gate.created_by,
        "created_at": gate.created_at,
    }


def _gate_text(gate) -> str:
    when = local_time(gate.created_at)
    why = f" ({gate.reason})" if gate.reason else ""
    spec = yaml.safe_dump(gate.spec, sort_keys=False, allow_unicode=True).rstrip()
    return f"Gate for {gate.model_name}, version {gate.version}, set by {gate.created_by} on {when}{why}:\n{spec}"


def cmd_gate_show(args: argparse.Namespace) -> int:
    with _open(args) as ws:
        store = ws.gates
        gates = store.history(args.name) if args.history else [store.current(args.name)]
    gates = [g for g in gates if g is not None]
    if not gates:
        raise NotFoundError(
            f"Model '{args.name}' has no quality gate yet. Set one with "
            f"'mlops-desktop gate set {args.name} --file gate.yaml'."
        )
    data = [_gate_dict(g) for g in gates] if args.history else _gate_dict(gates[0])
    _emit(args, data, lambda: "\n\n".join(_gate_text(g) for g in gates))
    return EXIT_OK


def cmd_gate_set(args: argparse.Namespace) -> int:

    spec = load_gate_file(args.file)
    with _open(args) as ws:
        gate = ws.gates.set(args.name, spec.to_dict(), reason=args.reason)
    _emit(
        args, _gate_dict(gate), lambda: f"Gate for {gate.model_name} is now version {gate.version}."
    )
    return EXIT_OK


# -- behave ------------------------------------------------------------------------------------


def _test_dict(t) -> dict:
    return {"id": t.id, "kind": t.kind, "name": t.name, "spec": t.spec, "enabled": bool(t.enabled)}


def cmd_behave_list(args: argparse.Namespace) -> int:
    with _open(args) as ws:
        tests = ws.behavioural.list(args.name)
    data = [_test_dict(t) for t in tests]
    _emit(
        args,
        data,
        lambda: (
            "\n".join(
                f"{t.id:>4}  {'on ' if t.enabled else 'off'}  {t.kind:<12} {t.name}" for t in tests
            )
            or f"Model '{args.name}' has no behavioural tests yet; try 'behave suggest {args.name}@N'."
        ),
    )
    return EXIT_OK


def cmd_behave_add(args: argparse.Namespace) -> int:
    from mlops_desktop.evaluation.behavioural import parse_spec

    try:
        data = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"Cannot read {args.file}: {exc.strerror}.") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{args.file} is not valid YAML or JSON: {exc}.") from exc
    if not isinstance(data, dict) or not {"kind", "name", "spec"} <= set(data):
        raise InputError(f"{args.file} must hold 'kind', 'name' and 'spec'.")
    with _open(args) as ws:
        signature = ws.models.get(args.name).signature
        spec = parse_spec(data["kind"], data["spec"], signature, data["name"])
        test = ws.behavioural.add(args.name, data["kind"], str(data["name"]), spec)
    _emit(args, _test_dict(test), f"Added behavioural test {test.id}: {test.name}.")
    return EXIT_OK


def cmd_behave_suggest(args: argparse.Namespace) -> int:
    from mlops_desktop.evaluation.jobs import load_inputs
    from mlops_desktop.evaluation.suggestions import suggest_tests

    with _open(args) as ws:
        version, _, inputs = load_inputs(ws, args.ref)
        roles = {"pii_columns": list(inputs.extra_slice_columns)}
        found = suggest_tests(inputs.test_frame, inputs.signature, inputs.pipeline, roles)
        if args.accept:
            store = ws.behavioural
            for item in found:
                item["id"] = store.add(version.name, item["kind"], item["name"], item["spec"]).id
    _emit(
        args,
        found,
        lambda: (
            "\n".join(
                f"- {s['kind']}: {s['name']}\n    {s['why']}"
                + (f" (stored as {s['id']})" if "id" in s else "")
                for s in found
            )
            or "No candidates found in the data."
        ),
    )
    return EXIT_OK
