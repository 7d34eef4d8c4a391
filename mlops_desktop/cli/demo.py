"""``mlops-desktop demo [--workspace DIR] [--serve]``: build the demo workspace headless.

For a meeting laptop prepared in advance (and for tests): the same build as ``--demo`` (a
dataset, three runs, two tested versions, ``credit@1`` live with three days of traffic, drift
windows and a drift alert, behavioural tests and review rules on ``credit``), in the per-user
demo folder or in DIR, which must be new, empty or a demo workspace already (an interrupted
build resumes, a finished one is left as it is). With ``--serve`` the scoring service then runs
in the foreground, as ``serve`` does, so meeting mode's traffic simulator has something to send
to.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.output import EXIT_OK, Progress, emit
from mlops_desktop.errors import InputError

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``demo``."""
    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="build the demo workspace (in the per-user demo folder or --workspace DIR)",
        description="Build the demo workspace without opening the app: German credit, three "
        "runs, credit@1 live and credit@2 tested (a candidate for a canary), three days of "
        "traffic with outcomes, drift windows and a drift alert, behavioural tests and review "
        "rules. DIR must be new, empty or a demo workspace already; a finished demo is left as "
        "it is.",
    )
    demo.add_argument(
        "--serve",
        action="store_true",
        help="then run the scoring service in the foreground (Ctrl-C stops it)",
    )
    demo.add_argument(
        "--port", type=int, default=None, help="port for --serve (default 5151; 0: any free)"
    )
    demo.set_defaults(handler=cmd_demo)


def demo_dir(args: argparse.Namespace) -> Path:
    from mlops_desktop.paths import demo_workspace_dir

    given = getattr(args, "workspace", None)
    return Path(given).expanduser() if given else demo_workspace_dir()


def _check_usable(ws: Workspace) -> None:
    """Refuse a workspace that holds someone's own work (the demo would mix with it)."""
    from mlops_desktop.demo.workspace import is_demo

    if is_demo(ws):
        return
    summary = ws.summary()
    if summary.datasets or summary.runs or summary.model_versions:
        raise InputError(
            f"{ws.path} is a workspace with its own work ({summary.datasets} dataset(s), "
            f"{summary.runs} run(s)), not a demo workspace; the demo is not added to it. Give "
            "--workspace a new or empty folder, or leave it out to use the per-user demo folder."
        )


def cmd_demo(args: argparse.Namespace) -> int:
    from mlops_desktop.demo.workspace import build_demo, is_built
    from mlops_desktop.jobs.inline import run_inline
    from mlops_desktop.registry.workspace import Workspace

    if args.port is not None and not args.serve:
        raise InputError("--port is the scoring service's port: use it with --serve.")
    if args.port is not None and not 0 <= args.port <= 65535:
        raise InputError(f"--port must be between 0 and 65535, not {args.port}.")
    path = demo_dir(args)
    with Workspace.open(path, create=True) as ws:  # refuses files and other people's folders
        _check_usable(ws)
        ws.clean_leftovers()
        built_before = is_built(ws)
        if not built_before:
            with Progress(args) as progress:
                run_inline(ws, build_demo, title="Build the demo workspace", on_progress=progress)
        data = describe(ws) | {"built_now": not built_before}
    emit(args, data, lambda: _text(data, args.serve))
    if args.serve:
        return _serve(args, Path(data["path"]))
    return EXIT_OK


def describe(ws: Workspace) -> dict[str, Any]:
    """What the demo holds: versions, the live one, traffic, windows and the active alerts."""
    from mlops_desktop.demo.workspace import DEMO_NAME
    from mlops_desktop.governance.review import get_rules, rule_text
    from mlops_desktop.monitoring.alerts import list_alerts
    from mlops_desktop.monitoring.settings import get_settings

    live = ws.models.current_alias(DEMO_NAME, "live")
    settings = get_settings(ws, DEMO_NAME)
    return {
        "path": str(ws.path),
        "model": DEMO_NAME,
        "versions": [v.ref for v in ws.models.list()],
        "tested": [_tested(ws, v) for v in ws.models.list()],
        "behavioural_tests": [t.name for t in ws.behavioural.list(DEMO_NAME)],
        "review_rules": rule_text(get_rules(ws, DEMO_NAME)),
        "live": ws.models.by_id(live.model_version_id).ref if live else None,
        "requests": ws.predictions.count(DEMO_NAME),
        "windows": ws.drift_windows.count(DEMO_NAME, settings.kind),
        "window_rows": settings.size if settings.kind == "count" else None,
        "alerts": [
            {"id": a.id, "signal": a.signal, "state": a.state, "message": a.message}
            for a in list_alerts(ws, DEMO_NAME, states=("open", "acknowledged"))
        ],
    }


def _tested(ws: Workspace, version) -> dict[str, Any]:
    """The version's test figure and what it was measured on (its test split's rows)."""
    report = ws.reports.latest(version.id)
    if report is None:
        return {"ref": version.ref, "passed": None}
    summary = report.summary or {}
    behaved = summary.get("behavioural") or []
    metric = summary.get("primary_metric")
    value = ((summary.get("metrics") or {}).get(metric) or {}).get("value")
    return {
        "ref": version.ref,
        "passed": report.passed,
        "metric": metric,
        "value": value,
        "rows": summary.get("rows"),
        "dataset": (summary.get("dataset") or {}).get("ref"),
        "behavioural": {"run": len(behaved), "passed": sum(bool(b["passed"]) for b in behaved)},
    }


def _tested_line(t: dict[str, Any]) -> str:
    if t.get("value") is None:
        return f"    {t['ref']}: not tested"
    verdict = "passed its gate" if t["passed"] else "failed its gate"
    behaved = t.get("behavioural") or {}
    tests = f", {behaved['passed']}/{behaved['run']} behavioural tests pass" if behaved else ""
    return (
        f"    {t['ref']}: {t['metric']} {t['value']:.3f} on {t['rows']:,} held-out test rows of "
        f"{t['dataset']} ({verdict}{tests})"
    )


def _text(data: dict[str, Any], serving: bool) -> str:
    path = data["path"]
    lines = [
        f"Demo workspace {'built' if data['built_now'] else 'ready (built before)'}: {path}",
        f"  Versions:  {', '.join(data['versions'])} (live: {data['live']})",
        *[_tested_line(t) for t in data["tested"]],
        f"  Traffic:   {data['requests']:,} requests, {data['windows']:,} drift windows"
        + (f" of {data['window_rows']} rows" if data["window_rows"] else ""),
        f"  Review:    {data['review_rules']}",
        f"  Alerts:    {len(data['alerts'])} active",
    ]
    lines += [
        f"    #{a['id']} {a['signal']}: {a['message'].split(' (')[0]}" for a in data["alerts"]
    ]
    lines.append(f"Open it: mlops-desktop gui --workspace {path}")
    if not serving:
        lines.append(f"Serve it: mlops-desktop serve --workspace {path}")
    return "\n".join(lines)


def _serve(args: argparse.Namespace, path: Path) -> int:
    """The scoring service in the foreground, as ``serve`` runs it."""
    from mlops_desktop.cli.serving import cmd_serve
    from mlops_desktop.serving.server import DEFAULT_PORT

    serve_args = argparse.Namespace(
        workspace=path,
        create=False,
        json=False,
        host="127.0.0.1",
        port=DEFAULT_PORT if args.port is None else args.port,
        token=None,
        token_file=None,
        model=None,
        require_token=False,
        max_body_mb=16.0,
        scoring_processes=None,  # the default: two on two cores or more
    )
    return cmd_serve(serve_args)
