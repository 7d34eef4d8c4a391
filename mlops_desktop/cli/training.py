"""``mlops-desktop train | retrain | models``: the Train page's headless twin."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.cluster import add_cluster_argument
from mlops_desktop.cli.output import Progress
from mlops_desktop.formatting import number
from mlops_desktop.training.families import family_label

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

# Heavy modules (pandas, scikit-learn) are imported inside the handlers so that
# `mlops-desktop --help` and `--version` stay instant.


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    train = sub.add_parser("train", parents=[common], help="train a model on a dataset version")
    train.add_argument("dataset", metavar="DATASET[@N]", help="dataset version (latest when no @N)")
    train.add_argument(
        "--model",
        required=True,
        choices=["logreg", "linear", "rf", "hgb"],
        help="model family (a dummy baseline is always trained beside it)",
    )
    train.add_argument(
        "--search",
        type=int,
        default=0,
        metavar="N",
        help="random-search candidates, cross-validated (default: 0, defaults only)",
    )
    train.add_argument("--seed", type=int, default=42)
    train.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    train.add_argument("--register", metavar="NAME", help="register the run as NAME@N")
    add_cluster_argument(train, "cross-validate")
    train.set_defaults(handler=cmd_train)

    retrain = sub.add_parser(
        "retrain",
        parents=[common],
        help="re-run a model version's config on a newer dataset version",
    )
    retrain.add_argument("model", metavar="NAME@N")
    retrain.add_argument("--dataset", required=True, metavar="DATASET[@M]")
    add_cluster_argument(retrain, "cross-validate")
    retrain.set_defaults(handler=cmd_retrain)

    from mlops_desktop.cli.runs import add_runs_parser

    add_runs_parser(sub, common)
    models = sub.add_parser(
        "models", parents=[common], help="list, show, import or export model versions"
    )
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    listing = models_sub.add_parser("list", parents=[common], help="every model version")
    listing.set_defaults(handler=cmd_models_list)
    show = models_sub.add_parser("show", parents=[common], help="one model version in detail")
    show.add_argument("model", metavar="NAME[@N]")
    show.set_defaults(handler=cmd_models_show)
    from mlops_desktop.cli.model_io import add_parsers as add_model_io_parsers

    add_model_io_parsers(models_sub, common)


def _summary_text(result: dict[str, Any]) -> str:
    holdout = result["metrics"]["holdout"]
    baseline = result["metrics"]["baseline"]
    lines = [f"Run {result['run_id']}: {family_label(result['model'])} on {result['dataset']}"]
    for key, value in holdout.items():
        lines.append(
            f"  {key:<10} {number(value):>8}   (dummy baseline {number(baseline.get(key))})"
        )
    if result.get("registered"):
        lines.append(f"Registered {result['registered']}")
    return "\n".join(lines)


def cmd_train(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.jobs.inline import run_inline
    from mlops_desktop.training.jobs import train_model

    with open_workspace(args) as ws, Progress(args) as progress:
        _, result = run_inline(
            ws,
            train_model,
            {
                "dataset": args.dataset,
                "model": args.model,
                "search": args.search,
                "seed": args.seed,
                "cv_folds": args.folds,
                "register": args.register,
                "cluster": args.cluster,
            },
            title=f"Train {args.model} on {args.dataset}",
            on_progress=progress,
        )
    emit(args, result, lambda: _summary_text(result))
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.jobs.inline import run_inline
    from mlops_desktop.training.jobs import retrain_model

    with open_workspace(args) as ws, Progress(args) as progress:
        _, result = run_inline(
            ws,
            retrain_model,
            {"model_ref": args.model, "dataset": args.dataset, "cluster": args.cluster},
            title=f"Retrain {args.model} on {args.dataset}",
            on_progress=progress,
        )
    emit(args, result, lambda: _summary_text(result) + f"\nParent: {result['parent']}")
    return 0


def _version_dict(ws: Workspace, version) -> dict[str, Any]:
    from mlops_desktop.training.metrics import PRIMARY

    run = ws.runs.get(version.run_id)
    task = run.config.get("task", "binary")
    return {
        **asdict(version),
        "ref": version.ref,
        "aliases": ws.models.aliases_of(version.id),
        "run": {
            "id": run.id,
            "model_family": run.model_family,
            "status": run.status,
            "seed": run.seed,
            "params": run.params,
            "metrics": run.metrics,
            "dataset_version_id": run.dataset_version_id,
            "fingerprint": run.fingerprint,
            "library_versions": run.library_versions,
            "duration_s": run.duration_s,
            "origin": run.config.get("origin"),
        },
        "primary_metric": PRIMARY.get(task),
        "lineage": [v.ref for v in ws.models.lineage(version)],
    }


def cmd_models_list(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.governance.erasure import erased_training

    with open_workspace(args) as ws:
        flags = erased_training(ws)
        rows = [_version_dict(ws, v) | {"erased_data": flags.get(v.id)} for v in ws.models.list()]

    def text() -> str:
        if not rows:
            return "No model versions yet. Train one with: mlops-desktop train DATASET --model hgb --register NAME"
        lines = [f"{'MODEL':<24} {'FAMILY':<28} {'METRIC':<10} {'VALUE':>8}  ALIASES"]
        for row in rows:
            metric = row["primary_metric"]
            value = row["run"]["metrics"].get("holdout", {}).get(metric)
            lines.append(
                f"{row['ref']:<24} {family_label(row['run']['model_family']):<28} {metric:<10} "
                f"{number(value):>8}  {', '.join(row['aliases'])}"
            )
            if row["erased_data"]:
                lines.append(f"  {row['erased_data']}: retrain it on the rewritten version")
        return "\n".join(lines)

    emit(args, rows, text)
    return 0


def cmd_models_show(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace

    with open_workspace(args) as ws:
        data = _version_dict(ws, ws.models.get(args.model))

    def text() -> str:
        from mlops_desktop.training.column_order import positional_names

        run = data["run"]
        seed = f", seed {run['seed']}" if run["seed"] is not None else ""
        lines = [f"{data['ref']}  (run {run['id']}, {family_label(run['model_family'])}{seed})"]
        if run["origin"]:
            origin = run["origin"]
            lines.append(
                f"Origin:   {origin['file']} ({origin['format']}), sha256 {origin['sha256']}"
            )
        lines += [
            f"Lineage:  {' ← '.join(data['lineage'])}",
            f"Aliases:  {', '.join(data['aliases']) or 'none'}",
            f"Params:   {run['params'] or 'defaults'}",
            "Holdout metrics:",
        ]
        for key, value in run["metrics"].get("holdout", {}).items():
            lines.append(f"  {key:<10} {number(value)}")
        lines.append(f"Inputs:   {', '.join(positional_names(data['signature']))}")
        return "\n".join(lines)

    emit(args, data, text)
    return 0
