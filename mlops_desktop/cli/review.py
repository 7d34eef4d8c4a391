"""``mlops-desktop review ...``, ``pause`` and ``resume``: human review and the stop switch.

``review rules NAME`` shows, sets (``--band``, ``--share``, ``--slice``) or clears (``--clear``)
which decisions go to a person; ``review list|show|decide`` work the queue; ``review contest``
opens a review of a decision by its request id; ``pause NAME --reason TEXT`` stops a model's
answers (503 with the reason) until ``resume NAME``.
"""

from __future__ import annotations

import argparse

from mlops_desktop.formatting import local_time, number


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    review = sub.add_parser(
        "review",
        parents=[common],
        help="human review: rules per model, the queue, decisions and contests",
        description="Which decisions a person reviews, and the reviews themselves.",
    )
    verbs = review.add_subparsers(dest="verb", metavar="ACTION", required=True)
    rules = verbs.add_parser(
        "rules",
        parents=[common],
        help="show, set or clear a model's review rules",
        description="With no option, show the rules; options replace them as a whole (audited). "
        "A decision is reviewed when it is in the "
        "slice (when one is set) and its score is in the band or the share draws it (by request "
        "id, reproducibly); a slice alone reviews every decision in it. The score is the "
        "positive-class probability (binary), the top class's (multiclass) or the prediction.",
    )
    rules.add_argument("name", metavar="NAME")
    rules.add_argument("--band", metavar="LOW:HIGH", help="score band, e.g. 0.4:0.6")
    rules.add_argument("--share", type=float, metavar="F", help="random share, e.g. 0.05")
    rules.add_argument("--slice", dest="slice_", metavar="COL=VALUE", help="only this slice")
    rules.add_argument("--clear", action="store_true", help="remove the model's rules")
    rules.set_defaults(handler=cmd_rules)

    listed = verbs.add_parser("list", parents=[common], help="the review queue, pending first")
    listed.add_argument("--status", choices=("pending", "accepted", "overridden"))
    listed.add_argument("--model", metavar="NAME")
    listed.set_defaults(handler=cmd_list)

    show = verbs.add_parser("show", parents=[common], help="one review")
    show.add_argument("id", type=int, metavar="ID")
    show.set_defaults(handler=cmd_show)

    decide = verbs.add_parser(
        "decide",
        parents=[common],
        help="accept or override a decision, with a reason",
        description="--outcome equal to the model's suggestion accepts it; another outcome "
        "overrides it. Both the suggestion and the final outcome are kept.",
    )
    decide.add_argument("id", type=int, metavar="ID")
    decide.add_argument("--outcome", required=True, metavar="VALUE")
    decide.add_argument("--reason", required=True, metavar="TEXT")
    decide.set_defaults(handler=cmd_decide)

    contest = verbs.add_parser(
        "contest", parents=[common], help="contest a decision by its request id (opens a review)"
    )
    contest.add_argument("request_id", metavar="REQUEST_ID")
    contest.add_argument("--reason", required=True, metavar="TEXT")
    contest.add_argument("--row", type=int, default=0, metavar="N", help="row of the request")
    contest.set_defaults(handler=cmd_contest)

    pause = sub.add_parser(
        "pause",
        parents=[common],
        help="stop a model's answers (the service answers 503 with the reason)",
    )
    pause.add_argument("name", metavar="NAME")
    pause.add_argument("--reason", required=True, metavar="TEXT")
    pause.set_defaults(handler=cmd_pause)
    resume = sub.add_parser("resume", parents=[common], help="let a paused model answer again")
    resume.add_argument("name", metavar="NAME")
    resume.add_argument("--reason", default="", metavar="TEXT")
    resume.set_defaults(handler=cmd_resume)


def cmd_rules(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.errors import InputError
    from mlops_desktop.governance import review

    changing = args.band is not None or args.share is not None or args.slice_ is not None
    if args.clear and changing:
        raise InputError(
            "--clear removes the rules; give it alone, without --band/--share/--slice."
        )
    with open_workspace(args) as ws:
        if args.clear:
            review.clear_rules(ws, args.name)
            rule = None
        elif changing:
            rule = review.set_rules(ws, args.name, args.band, args.share, args.slice_)
        else:
            rule = review.get_rules(ws, args.name)
    emit(
        args,
        rule.to_dict() if rule else {"model": args.name, "rules": None},
        review.rule_text(rule),
    )
    return 0


def _line(r) -> str:
    outcome = f" -> {r.outcome}" if r.status != "pending" else ""
    score = f" score {number(r.score)}" if r.score is not None else ""
    return (
        f"{r.id:>5}  {r.status:<10}  {r.ref:<14} {r.trigger:<7} suggestion {r.suggestion}{outcome}"
        f"{score}  request {r.request_id}  {local_time(r.created_at)}"
    )


def cmd_list(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.governance import review

    with open_workspace(args) as ws:
        rows = review.list_reviews(ws, args.status, args.model)
    text = "\n".join(_line(r) for r in rows) or "No reviews yet."
    emit(args, [r.to_dict() for r in rows], text)
    return 0


def _detail(r) -> str:
    lines = [
        f"Review {r.id} ({r.status}) of request {r.request_id}, row {r.row_index}, {r.ref}",
        f"Picked by:   {r.trigger}"
        + (f" (score {number(r.score)})" if r.score is not None else ""),
        f"Suggestion:  {r.suggestion}",
        f"Queued:      {local_time(r.created_at)}",
    ]
    if r.status != "pending":
        lines += [
            f"Outcome:     {r.outcome} ({r.status} by {r.reviewer}, {local_time(r.decided_at)})",
            f"Reason:      {r.reason}",
        ]
    if r.contest_reason:
        lines.append(f"Contested:   {r.contest_reason} ({local_time(r.contested_at)})")
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.governance import review

    with open_workspace(args) as ws:
        r = review.get_review(ws, args.id)
    emit(args, r.to_dict(), _detail(r))
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.governance import review

    with open_workspace(args) as ws:
        r = review.decide(ws, args.id, args.outcome, args.reason)
    emit(args, r.to_dict(), _detail(r))
    return 0


def cmd_contest(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.governance import review

    with open_workspace(args) as ws:
        r = review.contest(ws, args.request_id, args.reason, args.row)
    emit(args, r.to_dict(), _detail(r))
    return 0


def cmd_pause(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.governance import review

    with open_workspace(args) as ws:
        p = review.pause(ws, args.name, args.reason)
    text = f"Paused {p.model_name}: a running service answers 503 with the reason within a second."
    emit(args, {"model": p.model_name, "paused": True, "reason": p.reason}, text)
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.governance import review

    with open_workspace(args) as ws:
        p = review.resume(ws, args.name, args.reason)
    emit(args, {"model": p.model_name, "paused": False}, f"Resumed {p.model_name}.")
    return 0
