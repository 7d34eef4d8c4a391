"""``mlops-desktop``: the GUI by default, and every action headless for schedules and CI.

Exit codes: 0 ok, 1 a check or gate failed, 2 a usage or input error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mlops_desktop import __version__
from mlops_desktop.cli.output import EXIT_OK, EXIT_USAGE, emit, open_workspace
from mlops_desktop.errors import MlopsError

EPILOG = """exit codes:
  0  ok
  1  a check or quality gate failed
  2  usage or input error (bad arguments, unusable file or workspace)
  141  the output pipe was closed (e.g. `| head`), quietly, as coreutils
"""
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell shows for `yes | head`


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep its wording, add a hint
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\nTry '{self.prog} --help'.\n")


def _common(suppress: bool) -> argparse.ArgumentParser:
    """--workspace and --json, accepted before or after the subcommand."""
    default: Any = argparse.SUPPRESS if suppress else None
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--workspace",
        metavar="DIR",
        type=Path,
        default=default,
        help="workspace folder (default: the per-user data folder)",
    )
    parent.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print machine-readable JSON",
    )
    parent.add_argument(
        "--create",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="create the --workspace folder when it does not exist yet",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mlops-desktop",
        description="Train, test, deploy and monitor scikit-learn models on this machine, offline. "
        "With no command, opens the desktop app.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the demo workspace (built on first use from a real dataset)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = _common(suppress=True)

    gui = sub.add_parser("gui", parents=[common], help="open the desktop app (the default)")
    gui.add_argument("--demo", action="store_true", default=argparse.SUPPRESS)
    gui.set_defaults(handler=cmd_gui)

    info = sub.add_parser(
        "info", parents=[common], help="show the workspace: path, schema version and counts"
    )
    info.set_defaults(handler=cmd_info)

    from mlops_desktop.cli.audit import add_parsers as add_audit
    from mlops_desktop.cli.card import add_parsers as add_card
    from mlops_desktop.cli.cluster import add_parsers as add_cluster
    from mlops_desktop.cli.data import add_parsers as add_data
    from mlops_desktop.cli.demo import add_parsers as add_demo
    from mlops_desktop.cli.erase import add_parsers as add_erase
    from mlops_desktop.cli.estimate import add_parsers as add_estimate
    from mlops_desktop.cli.evaluation import add_parsers as add_evaluation
    from mlops_desktop.cli.governance import add_parsers as add_governance
    from mlops_desktop.cli.monitoring import add_parsers as add_monitoring
    from mlops_desktop.cli.personal_data import add_parsers as add_personal_data
    from mlops_desktop.cli.retention import add_parsers as add_retention
    from mlops_desktop.cli.review import add_parsers as add_review
    from mlops_desktop.cli.serving import add_parsers as add_serving
    from mlops_desktop.cli.training import add_parsers as add_training

    add_data(sub, common)
    add_training(sub, common)
    add_evaluation(sub, common)
    add_serving(sub, common)
    add_monitoring(sub, common)
    add_estimate(sub, common)
    add_retention(sub, common)
    add_review(sub, common)
    add_audit(sub, common)
    add_erase(sub, common)
    add_governance(sub, common)
    add_personal_data(sub, common)
    add_card(sub, common)
    add_cluster(sub, common)
    add_demo(sub, common)
    return parser


# -- commands -----------------------------------------------------------------------------------


def cmd_info(args: argparse.Namespace) -> int:
    from mlops_desktop.registry.migrations import LATEST_VERSION

    with open_workspace(args) as ws:
        summary = ws.summary()
    data = asdict(summary) | {"app_version": __version__, "latest_schema_version": LATEST_VERSION}
    emit(
        args,
        data,
        lambda: "\n".join(
            [
                f"Workspace:        {summary.path}",
                f"Schema version:   {summary.schema_version}",
                f"Datasets:         {summary.datasets} ({summary.dataset_versions} versions)",
                f"Runs:             {summary.runs}",
                f"Model versions:   {summary.model_versions}",
                f"Deployments:      {summary.deployments}",
                f"Jobs:             {summary.jobs}",
                f"Open alerts:      {summary.open_alerts}",
            ]
        ),
    )
    return EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        from mlops_desktop.ui.shell.app import run_gui
    except ImportError as exc:  # e.g. Qt's system libraries are missing
        raise MlopsError(
            f"The desktop app cannot start: {exc}. Install the Qt system libraries listed in "
            "the README, or use the command-line commands (mlops-desktop --help)."
        ) from exc
    explicit = getattr(args, "workspace", None)
    return run_gui(
        workspace=Path(explicit) if explicit else None, demo=bool(getattr(args, "demo", False))
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", cmd_gui)
    try:
        return handler(args)
    except MlopsError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"error": exc.message, "hint": exc.cli_hint, "details": exc.details}))
        hint = f" {exc.cli_hint}" if exc.cli_hint else ""
        print(f"mlops-desktop: {exc.message}{hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mlops-desktop: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `... | head` closed the pipe: stop quietly, as coreutils do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
