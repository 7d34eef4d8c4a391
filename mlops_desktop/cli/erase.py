"""``mlops-desktop erase --key COLUMN --value VALUE --reason TEXT [--dry-run]`` (GDPR Art. 17)."""

from __future__ import annotations

import argparse
import sys


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    erase = sub.add_parser(
        "erase",
        parents=[common],
        help="erase one person's data from every place of the workspace (--dry-run counts)",
        description="Find the rows where COLUMN is VALUE in every dataset version (old ones "
        "too), the prediction log, its quarantine, outcomes, batch scoring outputs, log files, "
        "test reports and every other registry record, and remove them. Dataset versions are "
        "rewritten as new versions without the rows; the old ones are recorded as superseded "
        "and their files deleted; model versions trained on them are flagged. The records and "
        "the audit event hold a salted hash of the value, never the value.",
    )
    erase.add_argument("--key", required=True, metavar="COLUMN", help="the identifying column")
    erase.add_argument(
        "--value",
        required=True,
        metavar="VALUE",
        help="the person's value; '-' reads it from standard input (kept out of shell history)",
    )
    erase.add_argument("--reason", metavar="TEXT", help="why (kept; must not hold the value)")
    erase.add_argument("--dry-run", action="store_true", help="count per place; change nothing")
    erase.set_defaults(handler=cmd_erase)


def cmd_erase(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.governance.erasure import erase

    value = sys.stdin.readline().rstrip("\r\n") if args.value == "-" else args.value
    with open_workspace(args) as ws:
        result = erase(ws, args.key, value, args.reason, dry_run=args.dry_run)
    emit(args, result.to_dict(), result.text)
    return 0
