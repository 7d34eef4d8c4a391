"""``mlops-desktop monitor | outcomes import | simulate | alerts``: the Monitor page, headless.

``monitor NAME --once`` exits 1 when the model has an open alert (one nobody acknowledged) after
the pass, so cron can mail someone; acknowledged alerts do not count. Heavy modules are imported
inside the handlers so ``mlops-desktop --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
import time

from mlops_desktop.cli.output import Progress
from mlops_desktop.formatting import counted, duration, local_time


def _add_monitor_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``monitor NAME [--once]`` and the window and drift settings it saves."""
    monitor = sub.add_parser(
        "monitor",
        parents=[common],
        help="compute the due drift windows and evaluate alerts (exit 1 when an alert is open)",
        description="Compute the drift windows that are due from the prediction log and evaluate "
        "the model's alert rules (default rules are created on first use). With --once: one "
        "pass, for cron; exit code 1 when an unacknowledged alert is open. Without: repeat "
        "every --interval seconds until Ctrl-C.",
    )
    monitor.add_argument("model", metavar="NAME")
    monitor.add_argument("--once", action="store_true", help="one pass, then exit")
    monitor.add_argument("--interval", type=float, default=60.0, help="seconds between passes")
    monitor.add_argument(
        "--kind", choices=("count", "time"), help="window by rows or by time (saved)"
    )
    monitor.add_argument("--size", type=int, help="rows per count window (saved; default 500)")
    monitor.add_argument("--freq", help="time window length, e.g. 5min, 1h, 1D (saved)")
    monitor.add_argument(
        "--share",
        type=float,
        help="dataset drift when at least this share of features drift (saved)",
    )
    monitor.add_argument(
        "--threshold",
        action="append",
        metavar="METHOD=VALUE",
        help="a drift method's threshold, e.g. ks=0.01 or wasserstein=0.2 (saved; repeatable; "
        "METHOD=default restores the default)",
    )
    monitor.add_argument(
        "--multivariate",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run the domain classifier per window (saved)",
    )
    monitor.add_argument(
        "--shift-correction",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="re-weight the holdout per window before estimating performance (PAPE; saved)",
    )
    monitor.set_defaults(handler=cmd_monitor)


def _add_outcomes_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``outcomes import FILE``: real outcomes for logged predictions."""
    outcomes = sub.add_parser("outcomes", parents=[common], help="record real outcomes")
    osub = outcomes.add_subparsers(dest="outcomes_command", metavar="ACTION", required=True)
    imp = osub.add_parser(
        "import",
        parents=[common],
        help="import outcomes from a CSV or Parquet file",
        description="Each row names a logged prediction by request id (default) or entity key "
        "and gives its real outcome. Outcomes that match no prediction are kept and reported.",
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--model", required=True, metavar="NAME")
    imp.add_argument("--key", required=True, metavar="COL", help="column with the key")
    imp.add_argument("--label", required=True, metavar="COL", help="column with the outcome")
    imp.add_argument(
        "--by", choices=("request_id", "entity"), default="request_id", help="what the key is"
    )
    imp.add_argument("--observed-at", metavar="COL", help="column with when it was observed")
    imp.set_defaults(handler=cmd_outcomes_import)


def _add_simulate_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``simulate NAME --data FILE --rate R``: replay rows, optionally drifting."""
    sim = sub.add_parser(
        "simulate",
        parents=[common],
        help="replay a data file against the running service, optionally drifting columns",
    )
    sim.add_argument("model", metavar="NAME")
    sim.add_argument("--data", required=True, metavar="FILE", help="CSV or Parquet rows to send")
    sim.add_argument("--rate", type=float, required=True, help="requests per second")
    sim.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    sim.add_argument(
        "--drift",
        action="append",
        default=[],
        metavar="COL=SHIFT",
        help="numeric: shift by SHIFT standard deviations by the end; categorical: replace up to "
        "SHIFT (0-1) of rows by the rarest category (repeatable)",
    )
    sim.add_argument(
        "--outcomes", type=float, default=0.5, help="share of rows whose outcome is recorded"
    )
    sim.add_argument(
        "--outcome-delay", type=float, default=2.0, help="seconds before an outcome arrives"
    )
    sim.add_argument("--max-requests", type=int)
    sim.add_argument("--url", help="service address (default: the workspace's running service)")
    sim.add_argument("--seed", type=int, default=0)
    sim.set_defaults(handler=cmd_simulate)


def _add_alerts_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``alerts list | ack | resolve | retrain | rules``."""
    alerts = sub.add_parser("alerts", parents=[common], help="list, acknowledge or resolve alerts")
    asub = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    listing = asub.add_parser("list", parents=[common], help="alerts, newest first")
    listing.add_argument("--model", metavar="NAME")
    listing.add_argument(
        "--state",
        choices=("open", "acknowledged", "resolved", "active", "all"),
        default="active",
        help="active = open or acknowledged (default)",
    )
    listing.set_defaults(handler=cmd_alerts_list)
    for action, text in (("ack", "acknowledge an open alert"), ("resolve", "resolve an alert")):
        p = asub.add_parser(action, parents=[common], help=text)
        p.add_argument("alert_id", type=int, metavar="ID")
        p.add_argument("--note", default="", help="what was done or decided")
        p.set_defaults(handler=cmd_alerts_change, action=action)
    from mlops_desktop.cli.runs import add_retrain_parser

    add_retrain_parser(asub, common)
    rules = asub.add_parser("rules", parents=[common], help="the model's alert rules")
    rules.add_argument("model", metavar="NAME")
    rules.set_defaults(handler=cmd_alerts_rules)


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the Monitor step's commands: monitor, outcomes import, simulate, alerts."""
    _add_monitor_parser(sub, common)
    _add_outcomes_parser(sub, common)
    _add_simulate_parser(sub, common)
    _add_alerts_parser(sub, common)


def _monitor_text(result) -> str:
    lines = []
    for w in result.windows:
        cols = (w.results or {}).get("drifted_columns", [])
        kind = "batch window" if w.window_kind == "batch" else "window"
        lines.append(
            f"{kind} {w.id}: {w.n_rows} rows to {local_time(w.window_end, seconds=True)}, drift "
            f"share {(w.drift_share or 0):.0%}{' DATASET DRIFT' if w.dataset_drift else ''}"
            f"{' (' + ', '.join(cols[:5]) + ')' if cols else ''}{_estimate_text(w.results)}"
        )
    lines.append(f"{counted(len(result.windows), 'new window')} for {result.model}.")
    for a in result.opened:
        lines.append(f"OPENED alert {a.id} [{a.severity}] {a.message}")
        if "drift" in a.signal:
            lines.append(f"  Retrain on recent data: mlops-desktop alerts retrain {a.id}")
    for a in result.resolved:
        lines.append(f"resolved alert {a.id} ({a.signal}): signal recovered")
    for a in result.active:
        if a not in result.opened:
            lines.append(f"{a.state} alert {a.id} [{a.severity}] {a.message}")
    if not result.active:
        lines.append("No active alert.")
    return "\n".join(lines)


def _estimate_text(results: dict | None) -> str:
    """``; estimated roc_auc 0.781 [0.74–0.82]``: the window's first estimated metric."""
    from mlops_desktop.formatting import number

    metrics = ((results or {}).get("estimate") or {}).get("metrics") or {}
    for metric, v in metrics.items():
        if v.get("estimate") is not None:
            return (
                f"; estimated {metric} {number(v['estimate'])}"
                f" [{number(v['low'])}–{number(v['high'])}]"
            )
    return ""


def _thresholds(saved: dict, items: list[str] | None) -> dict | None:
    """The saved thresholds with ``--threshold`` changes (``METHOD=default`` drops one)."""
    from mlops_desktop.monitoring.settings import check_method, parse_thresholds

    if not items:
        return None
    merged = dict(saved)
    for item in items:
        method, sep, value = item.partition("=")
        method = method.strip().lower()
        if sep and value.strip().lower() == "default":
            merged.pop(check_method(method), None)
        else:
            merged |= parse_thresholds([item])
    return merged


def cmd_monitor(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.monitoring.monitor_job import run_once
    from mlops_desktop.monitoring.settings import get_settings, save_settings, with_overrides

    with open_workspace(args) as ws:
        current = get_settings(ws, args.model)
        new = with_overrides(
            current,
            kind=args.kind,
            size=args.size,
            freq=args.freq,
            drift_share=args.share,
            multivariate=args.multivariate,
            thresholds=_thresholds(current.thresholds, args.threshold),
            shift_correction=args.shift_correction,
        )
        if new != current:
            save_settings(ws, args.model, new, reason="mlops-desktop monitor")
        while True:
            with Progress(args) as progress:
                result = run_once(ws, args.model, on_progress=progress)
            emit(args, result.to_dict(), lambda r=result: _monitor_text(r))
            if args.once:
                return 1 if result.open_alerts else 0
            time.sleep(max(1.0, args.interval))


def cmd_outcomes_import(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.serving.outcomes import import_outcomes

    with open_workspace(args) as ws:
        summary = import_outcomes(
            ws, args.file, args.model, args.key, args.label, args.by, args.observed_at
        )
    emit(args, summary.to_dict(), summary.describe())
    return 0


def _parse_drift(items: list[str]) -> dict[str, float]:
    from mlops_desktop.errors import InputError

    drift = {}
    for item in items:
        column, sep, shift = item.rpartition("=")
        try:
            drift[column] = float(shift)
        except ValueError:
            column = ""
        if not sep or not column:
            raise InputError(f"--drift takes COL=SHIFT (e.g. age=2 or purpose=0.5), not '{item}'.")
    return drift


def cmd_simulate(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.data.readers import read_frame
    from mlops_desktop.errors import InputError
    from mlops_desktop.monitoring.simulate import simulate
    from mlops_desktop.serving.batch import reading_rules
    from mlops_desktop.serving.outcomes import record_outcomes
    from mlops_desktop.serving.process import find_service

    drift = _parse_drift(args.drift)
    with open_workspace(args) as ws:
        version = ws.models.get(f"{args.model}@live")
        target = (version.signature.get("output") or {}).get("name")
        url = args.url
        if url is None:
            handle = find_service(ws)
            if handle is None:
                raise InputError(
                    "No scoring service is running for this workspace. Start one with "
                    "'mlops-desktop serve', or give --url."
                )
            url = handle.url
        frame, _ = read_frame(args.data, reading_rules(ws, version))  # as `score` reads it
        print(f"Replaying {len(frame):,} rows to {url} at {args.rate:g}/s…", file=sys.stderr)
        with Progress(args) as progress:
            result = simulate(
                url,
                args.model,
                frame,
                args.rate,
                args.duration,
                drift=drift,
                seed=args.seed,
                on_progress=progress,
                target=target,
                outcome_share=args.outcomes,
                outcome_delay=args.outcome_delay,
                record=lambda rows: record_outcomes(ws, args.model, rows, source="simulator"),
                max_requests=args.max_requests,
            )
    text = (
        f"Sent {result.requests:,} requests in {duration(result.seconds)} "
        f"({result.achieved_rate:.1f}/s): "
        f"{result.ok:,} answered, {result.failed:,} failed; {result.outcomes_sent:,} outcomes recorded."
    )
    if result.errors:
        text += " Failures by status: " + ", ".join(f"{k}: {v}" for k, v in result.errors.items())
    for problem in result.outcome_errors:
        text += "\n" + problem
    emit(args, result.to_dict(), text)
    return 0


def _alert_line(a) -> str:
    opened = local_time(a.opened_at, seconds=True)
    return f"{a.id:>5}  {a.model_name:<14} {a.severity:<8} {a.state:<12} {opened}  {a.message}"


def cmd_alerts_list(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.monitoring.alerts import list_alerts

    states = {"active": ("open", "acknowledged"), "all": None}.get(args.state, (args.state,))
    with open_workspace(args) as ws:
        alerts = list_alerts(ws, args.model, states)
    header = f"{'ID':>5}  {'MODEL':<14} {'SEVERITY':<8} {'STATE':<12} {'OPENED':<19}  MESSAGE"
    emit(
        args,
        [asdict(a) for a in alerts],
        lambda: "\n".join([header, *map(_alert_line, alerts)]) if alerts else "No alerts.",
    )
    return 0


def cmd_alerts_change(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.monitoring.alerts import acknowledge, resolve

    with open_workspace(args) as ws:
        change = acknowledge if args.action == "ack" else resolve
        alert = change(ws, args.alert_id, args.note)
    emit(args, asdict(alert), f"Alert {alert.id} is now {alert.state}.")
    return 0


def cmd_alerts_rules(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.monitoring.alerts import list_rules

    with open_workspace(args) as ws:
        rules = list_rules(ws, args.model)
    lines = [
        f"{r.id:>4}  {r.signal:<17} {'on ' if r.enabled else 'off'}  "
        + ", ".join(f"{k}={v}" for k, v in sorted(r.params.items()))
        for r in rules
    ]
    text = "\n".join(lines) or f"No rules yet; 'mlops-desktop monitor {args.model}' creates them."
    emit(args, [asdict(r) for r in rules], text)
    return 0
