"""``mlops-desktop serve | deploy | rollback | canary | shadow | promote | abort | history | score``.

The Deploy page's headless twin. Heavy modules are imported inside the handlers so that
``mlops-desktop --help`` stays instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_desktop.cli.output import Progress
from mlops_desktop.errors import InputError
from mlops_desktop.formatting import MISSING, local_time

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import Deployment
    from mlops_desktop.registry.workspace import Workspace


def _add_serve_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``serve``: the scoring service in the foreground."""
    serve = sub.add_parser(
        "serve",
        parents=[common],
        help="run the scoring service in the foreground (Ctrl-C stops it cleanly)",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=5151, help="port (default 5151; 0: any free)")
    serve.add_argument(
        "--token-file",
        metavar="PATH",
        help="file holding the token for admin endpoints (required, on every request, off "
        "loopback); or set MLOPS_DESKTOP_TOKEN",
    )
    serve.add_argument("--token", help=argparse.SUPPRESS)  # refused: argv shows in `ps`
    serve.add_argument("--model", help="model that /invocations scores when several are deployed")
    serve.add_argument("--require-token", action="store_true", help="require the token everywhere")
    serve.add_argument("--max-body-mb", type=float, default=16.0, help="largest request (MB)")
    serve.add_argument(
        "--scoring-processes",
        type=int,
        metavar="N",
        help="processes big requests (256 kB or more) are read and scored in: 2 by default on 2 "
        "cores or more, 0 for none",
    )
    serve.set_defaults(handler=cmd_serve)


def _add_deployment_parsers(
    sub: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """``deploy | rollback | canary | shadow | promote | abort``: change what is live."""
    deploy = sub.add_parser("deploy", parents=[common], help="make a model version live")
    deploy.add_argument("model", metavar="NAME@N")
    deploy.add_argument("--force", action="store_true", help="override the promotion rule")
    deploy.add_argument("--reason", default="", help="why (required with --force)")
    deploy.set_defaults(handler=cmd_deploy)

    rollback = sub.add_parser(
        "rollback", parents=[common], help="return live to the previous version"
    )
    rollback.add_argument("model", metavar="NAME")
    rollback.add_argument("--reason", default="")
    rollback.set_defaults(handler=cmd_rollback)

    canary = sub.add_parser("canary", parents=[common], help="send a share of traffic to a version")
    canary.add_argument("model", metavar="NAME@N")
    canary.add_argument("--percent", type=float, required=True, help="share of requests (0-100)")
    canary.add_argument("--force", action="store_true", help="override the promotion rule")
    canary.add_argument("--reason", default="", help="why (required with --force)")
    canary.set_defaults(handler=cmd_canary)

    shadow = sub.add_parser(
        "shadow", parents=[common], help="score every request with a version too, silently"
    )
    shadow.add_argument("model", metavar="NAME@N")
    shadow.add_argument("--force", action="store_true", help="override the promotion rule")
    shadow.add_argument("--reason", default="", help="why (required with --force)")
    shadow.set_defaults(handler=cmd_shadow)

    promote = sub.add_parser(
        "promote", parents=[common], help="make the canary/shadow version live"
    )
    promote.add_argument("model", metavar="NAME")
    promote.add_argument("--force", action="store_true", help="override the promotion rule")
    promote.add_argument("--reason", default="", help="why (required with --force)")
    promote.set_defaults(handler=cmd_promote)

    abort = sub.add_parser("abort", parents=[common], help="end the canary or shadow")
    abort.add_argument("model", metavar="NAME")
    abort.add_argument("--reason", default="")
    abort.set_defaults(handler=cmd_abort)


def _add_history_and_score_parsers(
    sub: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """``history`` (what was live when) and ``score`` (a batch file)."""
    history = sub.add_parser(
        "history", parents=[common], help="deployment timeline, or which version was live at a time"
    )
    history.add_argument("model", metavar="NAME")
    history.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="e.g. 2026-03-15T09:30 (local time unless it has an offset)",
    )
    history.set_defaults(handler=cmd_history)

    score = sub.add_parser("score", parents=[common], help="score a CSV or Parquet file (batch)")
    score.add_argument("model", metavar="NAME[@N|@live]")
    score.add_argument("input", metavar="IN")
    score.add_argument(
        "output", metavar="OUT", help=".csv or .parquet; bad rows go to OUT.rejects.csv"
    )
    from mlops_desktop.cli.cluster import add_cluster_argument

    add_cluster_argument(score, "check and score the chunks")
    score.set_defaults(handler=cmd_score)


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the Deploy step's commands: serve, deploy ... abort, history, score."""
    _add_serve_parser(sub, common)
    _add_deployment_parsers(sub, common)
    _add_history_and_score_parsers(sub, common)


def parse_time(text: str) -> float:
    """Seconds since the epoch for an ISO time; naive times are local time."""
    from mlops_desktop.errors import InputError

    try:
        stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(
            f"'{text}' is not an ISO date-time. Use e.g. 2026-03-15 or 2026-03-15T09:30:00."
        ) from exc
    if stamp.tzinfo is None:
        stamp = stamp.astimezone()  # local time, as the user reads clocks
    return stamp.timestamp()


def _done(args: argparse.Namespace, ws: Workspace, dep: Deployment, verb: str) -> int:
    """Print what a deploy, rollback, canary, shadow, promote or abort left open."""
    from dataclasses import asdict

    from mlops_desktop.cli.output import emit
    from mlops_desktop.serving.deployments import live_at
    from mlops_desktop.serving.process import find_service

    state = live_at(ws, dep.model_name)
    running = find_service(ws)
    data = {
        "deployment": asdict(dep),
        "state": state.to_dict(),
        "service": running.url if running else None,
    }
    lines = [f"{verb}: {dep.model_name} live = {state.live or 'none'}"]
    if state.candidate:
        split = f"{state.canary_percent:g}% canary" if state.mode == "canary" else "shadow"
        lines.append(f"  candidate = {state.candidate} ({split})")
    lines.append(
        f"  The service at {running.url} follows within a second."
        if running
        else "  No scoring service is running: start one with 'mlops-desktop serve'."
    )
    emit(args, data, "\n".join(lines))
    return 0


def _run(args, operation: str, verb: str, *params) -> int:
    from mlops_desktop.cli.output import open_workspace
    from mlops_desktop.registry.refs import parse_ref
    from mlops_desktop.serving import deployments

    with open_workspace(args) as ws:
        name = parse_ref(args.model).name
        before = ws.deployments.current(name) if name in ws.models.names() else None
        dep = getattr(deployments, operation)(ws, *params)
        if before is not None and dep.id == before.id:
            verb += " (unchanged, already in place)"
        return _done(args, ws, dep, verb)


def cmd_deploy(args: argparse.Namespace) -> int:
    return _run(args, "deploy", "Deployed", args.model, args.force, args.reason)


def cmd_rollback(args: argparse.Namespace) -> int:
    return _run(args, "rollback", "Rolled back", args.model, args.reason)


def cmd_canary(args: argparse.Namespace) -> int:
    return _run(args, "canary", "Canary", args.model, args.percent, args.reason, args.force)


def cmd_shadow(args: argparse.Namespace) -> int:
    return _run(args, "shadow", "Shadow", args.model, args.reason, args.force)


def cmd_promote(args: argparse.Namespace) -> int:
    return _run(args, "promote", "Promoted", args.model, args.force, args.reason)


def cmd_abort(args: argparse.Namespace) -> int:
    return _run(args, "abort", "Aborted", args.model, args.reason)


def cmd_history(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.serving.deployments import history, live_at

    with open_workspace(args) as ws:
        if args.at:
            state = live_at(ws, args.model, parse_time(args.at))
            data = state.to_dict()
            when = local_time(state.at, seconds=True)
            text = f"At {when}: {state.model} live = {state.live or 'none'}"
            if state.candidate:
                text += f", candidate = {state.candidate} ({state.mode}"
                text += f" {state.canary_percent:g}%)" if state.mode == "canary" else ")"
            if state.reason:
                text += f"  [{state.set_by}: {state.reason}]"
            emit(args, data, text)
            return 0
        rows = history(ws, args.model)

    def text() -> str:
        if not rows:
            return f"'{args.model}' has never been deployed. Deploy it: mlops-desktop deploy {args.model}@N"
        lines = [
            f"{'FROM':<20} {'UNTIL':<20} {'MODE':<8} {'LIVE':<16} {'CANDIDATE':<16} BY / REASON"
        ]
        for r in rows:
            cand = r["candidate"] or ""
            if r["mode"] == "canary":
                cand += f" {r['canary_percent']:g}%"
            lines.append(
                f"{local_time(r['started_at'], seconds=True):<20} "
                f"{local_time(r['ended_at'], seconds=True, empty='now'):<20} {r['mode']:<8} "
                f"{r['live'] or MISSING:<16} {cand:<16} {r['set_by']}: {r['reason']}"
            )
        return "\n".join(lines)

    emit(args, rows, text)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.formatting import counted
    from mlops_desktop.jobs.cluster import connected
    from mlops_desktop.serving.batch import score

    with open_workspace(args) as ws, Progress(args) as progress, connected(args.cluster) as client:
        result = score(ws, args.model, args.input, args.output, progress=progress, cluster=client)
    text = (
        f"Scored {result.scored:,} of {result.rows:,} rows with {result.model} into {result.output}"
    )
    if result.rejected:
        text += f"\nRejected {counted(result.rejected, 'row')} (reasons in {result.rejects})"
    if result.scored:
        text += (
            f"\nExplain a row: mlops-desktop explain {result.batch_id}-ROW (its request_id column)"
        )
    if result.reviews:
        text += (
            f"\nQueued {counted(result.reviews, 'row')} for review (review column 'pending'): "
            "mlops-desktop review list"
        )
    emit(args, result.to_dict(), text)
    return 0


def serve_token(args: argparse.Namespace) -> str | None:
    """The service token from ``--token-file`` or MLOPS_DESKTOP_TOKEN; ``--token`` is refused."""
    from mlops_desktop.serving.server import TOKEN_ENV

    if args.token is not None:
        raise InputError(
            "--token on the command line is refused: other users can read it with `ps`. Set "
            f"the {TOKEN_ENV} environment variable, or put the token in a file readable only "
            "by you and pass --token-file PATH."
        )
    if args.token_file is None:
        return os.environ.get(TOKEN_ENV) or None
    try:
        token = Path(args.token_file).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read the token file {args.token_file}: {exc}.") from exc
    if not token:
        raise InputError(f"The token file {args.token_file} is empty; write the token in it.")
    return token


def cmd_serve(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import check_exists, workspace_dir
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.predlog import stop_message
    from mlops_desktop.serving.server import run_server
    from mlops_desktop.serving.service import is_loopback

    check_exists(args)
    token = serve_token(args)
    path = workspace_dir(args)
    with Workspace.open(path) as ws:  # create or check it, with the usual error messages
        ws.clean_leftovers()

    def ready(host: str, port: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        print(f"Serving {path} on http://{shown}:{port} (docs: /docs). Ctrl-C stops.", flush=True)
        if not is_loopback(host):
            print(
                f"Warning: listening on {host}, reachable from other machines; every request "
                "needs the token.",
                file=sys.stderr,
                flush=True,
            )

    code = run_server(
        path,
        args.host,
        args.port,
        token,
        require_token=args.require_token,
        default_model=args.model,
        max_body=int(args.max_body_mb * 1024 * 1024),
        on_ready=ready,
        scoring_processes=args.scoring_processes,
        on_stopped=lambda counts: print(stop_message(counts), flush=True),
    )
    return code
