"""``mlops-desktop card NAME@N --out FILE``: the model card (AI Act Annex IV), HTML or PDF."""

from __future__ import annotations

import argparse

from mlops_desktop.cli.output import EXIT_OK, Progress, emit, open_workspace


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    card = sub.add_parser(
        "card",
        parents=[common],
        help="write a model version's card (technical documentation, AI Act Annex IV)",
        description="Write the model card of NAME@N: intended purpose, data, development, "
        "evaluation, human oversight, monitoring plan and change history, offline and "
        "self-contained (.html or .pdf).",
    )
    card.add_argument("ref", metavar="NAME@N", help="the model version (or NAME@ALIAS)")
    card.add_argument("--out", required=True, metavar="FILE", help="a .html or .pdf file")
    card.set_defaults(handler=cmd_card)


def cmd_card(args: argparse.Namespace) -> int:
    from mlops_desktop.governance.card import check_card_path
    from mlops_desktop.jobs.inline import run_inline
    from mlops_desktop.ui.governance.card_jobs import export_card

    path = check_card_path(args.out).resolve()
    with open_workspace(args) as ws, Progress(args) as progress:
        _, result = run_inline(
            ws,
            export_card,
            {"model_ref": args.ref, "path": str(path)},
            title=f"Model card {args.ref}",
            on_progress=progress,
        )
    emit(args, result, f"Wrote the model card of {result['model']} to {result['path']}.")
    return EXIT_OK
