"""``mlops-desktop runs`` (every training run) and ``mlops-desktop alerts retrain ID`` (the
Monitor page's "Retrain on recent data": recent labelled traffic -> dataset -> retrain -> test
-> canary or shadow, by the promotion rule)."""

from __future__ import annotations

import argparse
from typing import Any

from mlops_desktop.cli.output import Progress
from mlops_desktop.formatting import MISSING, duration, local_time, number
from mlops_desktop.training.families import family_label


def add_runs_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    runs = sub.add_parser("runs", parents=[common], help="list training runs, newest first")
    runs.add_argument("--dataset", metavar="DATASET[@N]", help="only runs on this dataset version")
    runs.add_argument(
        "--status",
        choices=("succeeded", "failed", "running", "cancelled", "interrupted"),
        help="only runs in this state",
    )
    runs.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    runs.set_defaults(handler=cmd_runs)


def add_retrain_parser(alerts_sub: argparse._SubParsersAction, common) -> None:
    retrain = alerts_sub.add_parser(
        "retrain",
        parents=[common],
        help="retrain on recent traffic with outcomes and send the result to canary or shadow",
    )
    retrain.add_argument("alert_id", type=int, metavar="ID")
    retrain.add_argument("--shadow", action="store_true", help="shadow instead of canary")
    retrain.add_argument(
        "--percent", type=float, default=20.0, help="canary share of traffic (default 20)"
    )
    retrain.add_argument("--min-rows", type=int, default=100, help="fewest labelled rows (100)")
    retrain.add_argument("--force", action="store_true", help="override the promotion rule")
    retrain.add_argument("--reason", default="", help="why (required with --force)")
    retrain.set_defaults(handler=cmd_alerts_retrain)


def _run_row(ws, run, versions: dict[str, list]) -> dict[str, Any]:
    from mlops_desktop.training.run_summary import headline

    head = headline(run)
    dataset = ws.datasets.get_by_id(run.dataset_version_id)
    return {
        "id": run.id,
        "status": run.status,
        "model_family": run.model_family,
        "dataset": f"{dataset.name}@{dataset.number}",
        "created_at": run.created_at,
        "duration_s": run.duration_s,
        "metric": head.metric,
        "holdout": head.holdout,
        "cv_mean": head.cv_mean,
        "cv_std": head.cv_std,
        "baseline": head.baseline,
        "registered": [v.ref for v in versions.get(run.id, [])],
        "error": run.error,
    }


def _runs_text(rows: list[dict], filtered: bool = False) -> str:
    if not rows and filtered:
        return "No run matches; 'mlops-desktop runs' lists them all."
    if not rows:
        return "No runs yet. Train one with: mlops-desktop train DATASET --model hgb"
    lines = [
        f"{'RUN':<12} {'STARTED':<19} {'STATUS':<10} {'FAMILY':<26} {'DATASET':<14} "
        f"{'METRIC':<9} {'HOLDOUT':>8} {'CV MEAN ± STD':>15} {'TOOK':>7}  REGISTERED"
    ]
    for r in rows:
        cv = (
            f"{number(r['cv_mean'])} ± {number(r['cv_std'])}"
            if r["cv_mean"] is not None
            else MISSING
        )
        lines.append(
            f"{r['id'][:12]:<12} {local_time(r['created_at']):<19} {r['status']:<10} "
            f"{family_label(r['model_family'])[:26]:<26} {r['dataset'][:14]:<14} "
            f"{r['metric']:<9} {number(r['holdout']):>8} {cv:>15} "
            f"{duration(r['duration_s']) if r['duration_s'] else MISSING:>7}  "
            f"{', '.join(r['registered']) or (r['error'] or '')[:60]}"
        )
    return "\n".join(lines)


def cmd_runs(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.training.run_summary import registered_by_run

    with open_workspace(args) as ws:
        dataset_id = ws.datasets.get(args.dataset).id if args.dataset else None
        runs = ws.runs.list(dataset_id, args.status, max(1, args.limit))
        versions = registered_by_run(ws.models.list())
        rows = [_run_row(ws, run, versions) for run in runs]
    emit(args, rows, lambda: _runs_text(rows, bool(args.dataset or args.status)))
    return 0


def cmd_alerts_retrain(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.errors import InputError
    from mlops_desktop.jobs.inline import run_inline
    from mlops_desktop.monitoring.loop import retrain_from_alert

    if args.force and not args.reason.strip():
        raise InputError(
            "Overriding the promotion rule needs a written reason; it is kept in the audit trail."
        ).hinted("Add --reason TEXT.")
    mode = "shadow" if args.shadow else "canary"
    with open_workspace(args) as ws, Progress(args) as progress:
        _, result = run_inline(
            ws,
            retrain_from_alert,
            {
                "alert_id": args.alert_id,
                "mode": mode,
                "percent": args.percent,
                "min_rows": args.min_rows,
                "force": args.force,
                "force_reason": args.reason,
            },
            title=f"Retrain on recent data (alert #{args.alert_id})",
            on_progress=progress,
        )
    where = f"a {result['percent']:g}% canary" if mode == "canary" else "a shadow"
    verdict = "passed" if result["test"]["passed"] else "did not pass"
    text = (
        f"Retrained {result['parent']} on {result['dataset']} ({result['rows']:,} recent rows "
        f"with outcomes) as {result['candidate']}; it {verdict} its gate and is now {where}.\n"
        f"Promote it with 'mlops-desktop promote {result['model']}' or end it with "
        f"'mlops-desktop abort {result['model']}'."
    )
    emit(args, result, text)
    return 0
