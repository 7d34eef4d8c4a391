"""``mlops-desktop audit list | verify | export``: the tamper-evident audit trail, headless.

``audit verify`` exits 1 when the hash chain is broken, naming the first event that does not fit.
"""

from __future__ import annotations

import argparse


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    audit = sub.add_parser("audit", parents=[common], help="list, verify or export the audit trail")
    asub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    listing = asub.add_parser(
        "list",
        parents=[common],
        help="events, newest first (bulk events summarised per day)",
        description="Every recorded change, newest first. Events machines record in bulk "
        "(outcomes, batch scoring, retention passes) are summarised per day and action unless "
        "--all is given. Times are ISO dates or date-times, local time unless they say.",
    )
    listing.add_argument("--since", metavar="T", help="from this time on")
    listing.add_argument("--until", metavar="T", help="before this time")
    listing.add_argument("--object", metavar="REF", help="a model, dataset or version (credit@2)")
    listing.add_argument("--who", metavar="USER", help="the operating-system user who acted")
    listing.add_argument("--action", metavar="A", help="an action, e.g. deploy or deploy.live")
    listing.add_argument("--all", action="store_true", help="one line per event, bulk too")
    listing.set_defaults(handler=cmd_audit_list)
    check = asub.add_parser(
        "verify", parents=[common], help="check the hash chain (exit 1 when it is broken)"
    )
    check.set_defaults(handler=cmd_audit_verify)
    export = asub.add_parser("export", parents=[common], help="write every event to .csv or .jsonl")
    export.add_argument("file", metavar="FILE")
    export.set_defaults(handler=cmd_audit_export)


def cmd_audit_list(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.cli.serving import parse_time
    from mlops_desktop.governance.audit import AuditFilter, entries, entry_line

    filters = AuditFilter(
        since=parse_time(args.since) if args.since else None,
        until=parse_time(args.until) if args.until else None,
        object_ref=args.object,
        who=args.who,
        action=args.action,
    )
    with open_workspace(args) as ws:
        found = entries(ws, filters, every=args.all)
    text = "\n".join(entry_line(e) for e in found) if found else "No audit event matches."
    emit(args, [e.to_dict() for e in found], text)
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import EXIT_CHECK_FAILED, EXIT_OK, emit, open_workspace
    from mlops_desktop.governance.audit import verify

    with open_workspace(args) as ws:
        result = verify(ws)
    emit(args, result.to_dict(), result.message)
    return EXIT_OK if result.ok else EXIT_CHECK_FAILED


def cmd_audit_export(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.formatting import counted
    from mlops_desktop.governance.audit import export

    with open_workspace(args) as ws:
        written = export(ws, args.file)
    emit(
        args,
        {"file": args.file, "events": written},
        f"Wrote {counted(written, 'event')} to {args.file}",
    )
    return 0
