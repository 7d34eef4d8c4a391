"""``mlops-desktop retention``: show, change and apply how long logs and outcomes are kept."""

from __future__ import annotations

import argparse

_OPTIONS = (
    ("--predictions-days", int, "predictions_days", "keep prediction log rows this many days"),
    ("--predictions-max-rows", int, "predictions_max_rows", "at most this many rows (0: no cap)"),
    ("--outcomes-days", int, "outcomes_days", "keep outcomes this many days"),
    ("--quarantine-days", int, "quarantine_days", "keep quarantined log rows this many days"),
    ("--log-mb", float, "log_mb", "rotate logs/service.log beyond this many MB"),
)


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    retention = sub.add_parser(
        "retention",
        parents=[common],
        help="show or apply how long the prediction log, outcomes and service log are kept",
        description="Show the retention settings, or apply them now (the running service also "
        "applies them every hour). Options change the saved settings (audited); with --dry-run "
        "they are only used to count what would be deleted. The prediction log is kept at "
        "least 183 days (the decision records).",
    )
    retention.add_argument("action", choices=("show", "apply"), nargs="?", default="show")
    for flag, kind, dest, text in _OPTIONS:
        retention.add_argument(flag, type=kind, dest=dest, metavar="N", help=text)
    retention.add_argument(
        "--dry-run", action="store_true", help="count what would be deleted; change nothing"
    )
    retention.set_defaults(handler=cmd_retention)


def cmd_retention(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.serving.retention import (
        apply_retention,
        get_retention,
        save_retention,
        with_overrides,
    )

    with open_workspace(args) as ws:
        saved = get_retention(ws)
        settings = with_overrides(saved, **{dest: getattr(args, dest) for *_, dest, _ in _OPTIONS})
        if settings != saved and not args.dry_run:
            save_retention(ws, settings)
        data: dict = {"settings": settings.to_dict()}
        text = _settings_text(settings.to_dict())
        if args.action == "apply":
            report = apply_retention(ws, settings, dry_run=args.dry_run)
            data["applied"] = report.to_dict()
            text += "\n" + report.text()
    emit(args, data, text)
    return 0


def _settings_text(settings: dict) -> str:
    cap = settings["predictions_max_rows"]
    return "\n".join(
        [
            f"Prediction log:   {settings['predictions_days']} days"
            + (f", at most {cap:,} rows" if cap else ", no row cap"),
            f"Outcomes:         {settings['outcomes_days']} days",
            f"Quarantined rows: {settings['quarantine_days']} days",
            f"Service log:      rotated beyond {settings['log_mb']:g} MB",
        ]
    )
