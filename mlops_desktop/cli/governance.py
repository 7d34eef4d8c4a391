"""The Govern step's commands: ``mlops-desktop explain REQUEST_ID [--json]``."""

from __future__ import annotations

import argparse


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    explain = sub.add_parser(
        "explain",
        parents=[common],
        help="explain a logged decision: each input's contribution and the three main reasons",
        description="Explain the decision logged under REQUEST_ID (the X-Request-ID of a "
        "scoring service answer): the additive contribution of every input column (base value "
        "+ contributions = the model's raw output), the three main reasons in plain words, and "
        "which of them are personal data. Computed again from the logged inputs and the model "
        "version's verified artifact; nothing is stored. Exit 2 for an unknown id.",
    )
    explain.add_argument("request_id", metavar="REQUEST_ID")
    explain.set_defaults(handler=cmd_explain)


def cmd_explain(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import EXIT_OK, emit, open_workspace
    from mlops_desktop.governance.explanations import explain_request, text_lines

    with open_workspace(args) as ws:
        result = explain_request(ws, args.request_id)
    emit(args, result.to_dict(), lambda: "\n".join(text_lines(result)))
    return EXIT_OK
