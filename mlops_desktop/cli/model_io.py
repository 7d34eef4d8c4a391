"""``mlops-desktop models import | export``: models in from a notebook or MLflow, and out again."""

from __future__ import annotations

import argparse
from typing import Any

from mlops_desktop.cli.output import Progress
from mlops_desktop.formatting import number

EXPORT_FORMATS = ("mlflow", "skops", "joblib", "onnx")


def add_parsers(models_sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    imp = models_sub.add_parser(
        "import",
        parents=[common],
        help="register a fitted scikit-learn model (skops, joblib/pickle, MLflow folder)",
    )
    imp.add_argument("file", metavar="FILE", help=".skops, .joblib/.pkl or an MLflow model folder")
    imp.add_argument("--name", required=True, help="register it as NAME@N")
    imp.add_argument("--dataset", required=True, metavar="D@V", help="dataset version it fits")
    imp.add_argument("--reason", default="", help="why it is imported (kept in the audit trail)")
    imp.add_argument(
        "--trust",
        action="store_true",
        help="load a pickle or unreviewed skops types: this runs code from the file",
    )
    imp.set_defaults(handler=cmd_models_import)

    exp = models_sub.add_parser(
        "export", parents=[common], help="write a model version as plain scikit-learn"
    )
    exp.add_argument("model", metavar="NAME@N")
    exp.add_argument("directory", metavar="DIR", help="folder to write (created; must be empty)")
    exp.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    exp.set_defaults(handler=cmd_models_export)


def _import_text(result: dict[str, Any]) -> str:
    origin = result["origin"]
    lines = [
        f"Registered {result['registered']} from {origin['file']} ({origin['format']}, "
        f"sha256 {origin['sha256'][:12]}…), run {result['run_id']} on {result['dataset']}"
    ]
    baseline = result["metrics"]["baseline"]
    for key, value in result["metrics"]["holdout"].items():
        lines.append(
            f"  {key:<10} {number(value):>8}   (dummy baseline {number(baseline.get(key))})"
        )
    return "\n".join(lines)


def cmd_models_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.jobs.inline import run_inline
    from mlops_desktop.training.import_job import import_model

    path = str(Path(args.file).expanduser().resolve())
    with open_workspace(args) as ws, Progress(args) as progress:
        _, result = run_inline(
            ws,
            import_model,
            {
                "path": path,
                "name": args.name,
                "dataset": args.dataset,
                "reason": args.reason,
                "trust": args.trust,
            },
            title=f"Import {Path(path).name} as {args.name}",
            on_progress=progress,
        )
    emit(args, result, lambda: _import_text(result))
    return 0


def cmd_models_export(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.training.model_export import export_model

    with open_workspace(args) as ws:
        result = export_model(ws, args.model, args.format, args.directory)
    emit(
        args,
        result,
        lambda: _exported(result),
    )
    return 0


def _exported(result: dict) -> str:
    rows = f"{result['checked_rows']:,} rows of {result['dataset']}"
    checked = f"predictions identical on {rows}"
    if result.get("largest_difference") is not None:  # ONNX computes trees in 32-bit floats
        checked = f"answers within {result['largest_difference']:.1g} of the model's on {rows}"
    return f"Exported {result['model']} as {result['format']} to {result['directory']} ({checked})"
