"""``mlops-desktop data import | list | show``: the Data step without the GUI.

``cli.build_parser`` calls ``add_parsers(sub, common)``; handlers return an exit code
(0 ok, 1 blocking findings stopped the import, 2 usage or input error).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mlops_desktop.cli.output import EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE, Progress
from mlops_desktop.data.vocabulary import SPLIT_METHODS as METHODS
from mlops_desktop.data.vocabulary import ColumnType
from mlops_desktop.formatting import local_time, name_list, profile_numbers

SEVERITY_MARK = {"blocking": "BLOCKING", "warning": "warning ", "info": "info    "}


def add_parsers(subparsers: Any, common_parent: argparse.ArgumentParser) -> None:
    """Add the ``data`` command group to the CLI's subparsers."""
    data = subparsers.add_parser(
        "data", parents=[common_parent], help="import, list and show datasets"
    )
    data.set_defaults(handler=lambda args: _usage(data))
    sub = data.add_subparsers(dest="data_command", metavar="ACTION", parser_class=type(data))

    _add_import_parser(sub, common_parent)

    lst = sub.add_parser("list", parents=[common_parent], help="list datasets and versions")
    lst.set_defaults(handler=cmd_list)

    show = sub.add_parser(
        "show", parents=[common_parent], help="show a version's column profile and checks report"
    )
    show.add_argument("ref", metavar="NAME[@N]", help="dataset name (latest) or name@N")
    show.set_defaults(handler=cmd_show)


def _add_read_options(imp: argparse.ArgumentParser) -> None:
    """Column types and the file's read options (sniffed when not given)."""
    imp.add_argument(
        "--type",
        action="append",
        default=[],
        metavar="COL=TYPE",
        help=f"set a column's type ({', '.join(t.value for t in ColumnType)}); repeatable",
    )
    imp.add_argument("--delimiter", help="CSV delimiter (default: sniffed; 'tab' for TSV)")
    imp.add_argument("--encoding", help="text encoding (default: sniffed)")
    imp.add_argument("--decimal", choices=(".", ","), help="decimal mark (default: sniffed)")
    imp.add_argument("--sheet", help="Excel sheet name (default: the first)")


def _add_import_parser(sub: Any, common_parent: argparse.ArgumentParser) -> None:
    """``data import FILE --name --target ...``: the Data wizard's choices as options."""
    imp = sub.add_parser(
        "import",
        parents=[common_parent],
        help="import a CSV/TSV, Excel or Parquet file as a new dataset version",
        description="Read FILE, type its columns, split it, run the leakage, "
        "quality and drift checks and save it as NAME@N. Importing identical "
        "data again returns the existing version. Exit 1 when blocking "
        "findings stop the import.",
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--name", required=True, help="dataset name (letters, digits, _ - .)")
    imp.add_argument("--target", required=True, metavar="COL", help="the column to predict")
    imp.add_argument(
        "--task",
        choices=("binary", "multiclass", "regression"),
        help="override the task inferred from the target",
    )
    imp.add_argument("--time-col", metavar="C", help="time column (enables the time split)")
    imp.add_argument(
        "--id-col",
        metavar="C",
        action="append",
        default=[],
        help="identifier column, kept out of the features (repeatable)",
    )
    imp.add_argument("--group-col", metavar="C", help="entity column for the group split")
    imp.add_argument(
        "--pii", metavar="C1,C2", help="personal-data columns (default: the suggested ones)"
    )
    imp.add_argument(
        "--split",
        choices=("auto", *METHODS),
        default="auto",
        help="split method (default auto: time, group, stratified or random)",
    )
    imp.add_argument(
        "--test-size", type=float, default=0.2, metavar="F", help="test fraction (default 0.2)"
    )
    imp.add_argument("--seed", type=int, default=42, metavar="N", help="split seed (default 42)")
    _add_read_options(imp)
    imp.add_argument(
        "--allow-blocking",
        action="store_true",
        help="save despite blocking findings (needs --reason)",
    )
    imp.add_argument(
        "--reason",
        metavar="TEXT",
        help="why blocking findings are overridden (recorded in the audit trail)",
    )
    imp.set_defaults(handler=cmd_import)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _types(pairs: list[str]) -> dict[str, str]:
    from mlops_desktop.errors import InputError

    types = {}
    for pair in pairs:
        col, sep, kind = pair.rpartition("=")
        if not sep or not col:
            raise InputError(f"--type {pair!r} must be COLUMN=TYPE, e.g. --type zip=categorical.")
        types[col] = kind.strip().lower()
    return types


def findings_text(findings: list[dict]) -> list[str]:
    if not findings:
        return ["Checks: no findings."]
    lines = ["Checks:"]
    for f in findings:
        cols = f" [{name_list(f['columns'])}]" if f.get("columns") else ""
        lines.append(
            f"  {SEVERITY_MARK.get(f['severity'], f['severity'])} {f['category']}: "
            f"{f['title']}{cols}"
        )
        lines.append(f"           why: {f['why']}")
        lines.append(f"           fix: {f['fix']}")
    return lines


def _read_options(args: argparse.Namespace) -> dict[str, str]:
    """The read options given on the command line (the rest are sniffed)."""
    return {
        k: v
        for k, v in {
            "delimiter": "\t" if args.delimiter in ("tab", "\\t") else args.delimiter,
            "encoding": args.encoding,
            "decimal": args.decimal,
            "sheet": args.sheet,
        }.items()
        if v
    }


def _import_text(result: dict) -> str:
    head = {
        "created": f"Created {result['ref']}",
        "existing": f"Identical data is already stored as {result['ref']}; nothing new was saved",
        "blocked": "Not saved: blocking findings",
    }[result["status"]]
    lines = [
        f"{head} ({result['rows']:,} rows x {result['columns']} columns, task "
        f"{result['task']}, {result['split']['method']} split)."
    ]
    if result.get("override_reason"):
        lines.append(f"Blocking findings overridden: {result['override_reason']}")
    lines += findings_text(result["findings"])
    if result["status"] == "blocked":
        lines.append(
            "Fix the blocking findings, or re-run with --allow-blocking --reason "
            "TEXT to save anyway (the reason goes to the audit trail)."
        )
    return "\n".join(lines)


def cmd_import(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.data.importer import import_dataset
    from mlops_desktop.jobs import run_inline

    kwargs = {
        "path": str(args.file),
        "name": args.name,
        "target": args.target,
        "types": _types(args.type),
        "task": args.task,
        "time_col": args.time_col,
        "id_cols": args.id_col,
        "group_col": args.group_col,
        "pii_cols": args.pii,
        "split": args.split,
        "test_size": args.test_size,
        "seed": args.seed,
        "allow_blocking": args.allow_blocking,
        "reason": args.reason,
        "read_options": _read_options(args) or None,
    }
    with open_workspace(args) as ws, Progress(args) as progress:
        _job, result = run_inline(
            ws, import_dataset, kwargs, title=f"Import {args.name}", on_progress=progress
        )
    emit(args, result, lambda: _import_text(result))
    return EXIT_CHECK_FAILED if result["status"] == "blocked" else EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.registry.dataset_store import DatasetStore

    with open_workspace(args) as ws:
        store = DatasetStore(ws)
        versions = store.list()
        replaced = {v.id: store.superseded_by(v.id) for v in versions}
    rows = [
        {
            "ref": v.ref,
            "name": v.name,
            "number": v.number,
            "rows": v.rows,
            "columns": v.columns,
            "target": v.roles.get("target"),
            "task": v.roles.get("task"),
            "split": v.split.get("method"),
            "created_at": v.created_at,
            "created_by": v.created_by,
            "content_hash": v.content_hash,
            "blocking_overridden": bool(v.override_reason),
            "findings": _counts(v.checks),
            "superseded_by": replaced[v.id],
        }
        for v in versions
    ]

    def text() -> str:
        if not rows:
            return "No datasets yet. Import one with: mlops-desktop data import FILE --name NAME --target COL"
        lines = [f"{'VERSION':<24} {'ROWS':>10} {'COLS':>5}  {'TARGET':<18} {'TASK':<11} FINDINGS"]
        for r in rows:
            c = r["findings"]
            lines.append(
                f"{r['ref']:<24} {r['rows']:>10,} {r['columns']:>5}  "
                f"{str(r['target']):<18} {str(r['task']):<11} "
                f"{c['blocking']} blocking, {c['warning']} warnings, {c['info']} info"
                + (" (overridden)" if r["blocking_overridden"] else "")
            )
            if r["superseded_by"] is not None:
                lines.append(f"  erased rows: superseded by {r['superseded_by'] or 'nothing'}")
        return "\n".join(lines)

    emit(args, rows, text)
    return EXIT_OK


def _counts(checks: list[dict]) -> dict[str, int]:
    counts = {"blocking": 0, "warning": 0, "info": 0}
    for f in checks:
        counts[f.get("severity", "info")] = counts.get(f.get("severity", "info"), 0) + 1
    return counts


def _column_summary(info: dict) -> str:
    if "mean" in info:
        low, mean, high = profile_numbers(*(info.get(k) for k in ("min", "mean", "max")))
        return f"min {low}, mean {mean}, max {high}"
    if "top_values" in info:
        tops = ", ".join(f"{t['value']} ({t['count']:,})" for t in info["top_values"][:3])
        return tops + (" …" if len(info["top_values"]) > 3 else "")
    if "min" in info:
        return f"{info['min']} … {info['max']}"
    return ""


def cmd_show(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.registry.dataset_store import DatasetStore

    with open_workspace(args) as ws:
        version = DatasetStore(ws).get(args.ref)
    data = asdict(version) | {"ref": version.ref}

    def text() -> str:
        roles, split = version.roles, version.split
        lines = [
            f"Dataset {version.ref}: {version.rows:,} rows x {version.columns} columns",
            f"Source:   {version.source}",
            f"Created:  {local_time(version.created_at)} by {version.created_by}",
            f"Target:   {roles.get('target')} ({roles.get('task')})",
            f"Split:    {split.get('method')}, test {split.get('test_size')}, seed "
            f"{split.get('seed')} ({split.get('n_train', 0):,} train / "
            f"{split.get('n_test', 0):,} test rows)",
            f"Content:  {version.content_hash[:16]}…",
        ]
        for label, key in (
            ("ID columns", "id_columns"),
            ("Time", "time_column"),
            ("Group", "group_column"),
        ):
            if roles.get(key):
                value = roles[key]
                lines.append(f"{label}: {', '.join(value) if isinstance(value, list) else value}")
        if version.pii:
            lines.append(
                "Personal data: "
                + ", ".join(f"{c} ({p.get('kind')})" for c, p in version.pii.items())
            )
        if version.override_reason:
            lines.append(f"Blocking findings overridden: {version.override_reason}")
        lines += ["", f"{'COLUMN':<28} {'TYPE':<12} {'MISSING':>8} {'UNIQUE':>9}  SUMMARY"]
        columns = version.profile.get("columns", {})
        for col in version.profile.get("column_order") or list(columns):
            info = columns[col]
            lines.append(
                f"{col[:28]:<28} {info['type']:<12} {info['missing_share']:>8.1%} "
                f"{info['unique']:>9,}  {_column_summary(info)}"
            )
        lines.append("")
        lines += findings_text(version.checks)
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_OK
