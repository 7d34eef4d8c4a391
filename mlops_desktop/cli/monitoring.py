"""``mlops-desktop drift REFERENCE CURRENT``: has this file drifted from that one?

Also registers the Monitor step's other commands (``monitor_commands``): monitor, outcomes
import, simulate, alerts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlops_desktop.formatting import number, p_value, significant


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    drift = sub.add_parser(
        "drift",
        parents=[common],
        help="compare two CSV or Parquet files column by column (exit 1 when the data drifted)",
        description="Compare every shared column of CURRENT with REFERENCE using the monitor's "
        "statistics (KS, chi-square or z-test on small references; normed Wasserstein or "
        "Jensen-Shannon on large ones; PSI always). Exit code 1 when at least the drift-share "
        "threshold of columns drifted.",
    )
    drift.add_argument("reference", type=Path, metavar="REFERENCE")
    drift.add_argument("current", type=Path, metavar="CURRENT")
    drift.add_argument("--columns", metavar="C1,C2", help="only these columns")
    drift.add_argument(
        "--threshold",
        action="append",
        metavar="METHOD=VALUE",
        help="a drift method's threshold, e.g. ks=0.01 or wasserstein=0.2 (repeatable)",
    )
    drift.add_argument(
        "--share",
        type=float,
        default=0.5,
        metavar="F",
        help="dataset drift when at least this share of columns drift (default 0.5)",
    )
    drift.add_argument(
        "--multivariate",
        action="store_true",
        help="also train a domain classifier (drift when its AUC > 0.65)",
    )
    drift.set_defaults(handler=cmd_drift)

    from mlops_desktop.cli.monitor import add_parsers as add_monitor

    add_monitor(sub, common)


def _read(path: Path):
    from mlops_desktop.data.readers import read_frame

    frame, _ = read_frame(path)
    return frame


def cmd_drift(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit
    from mlops_desktop.drift import DriftSettings, compare
    from mlops_desktop.errors import InputError
    from mlops_desktop.monitoring.settings import parse_thresholds

    if not 0 < args.share <= 1:
        raise InputError(f"--share must be between 0 and 1, not {args.share}.")
    thresholds = parse_thresholds(args.threshold)  # before reading: a typo fails at once
    print(f"Reading {args.reference.name} and {args.current.name}…", file=sys.stderr)
    reference, current = _read(args.reference), _read(args.current)
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    if columns:
        unknown = [c for c in columns if c not in reference.columns or c not in current.columns]
        if unknown:
            raise InputError(f"Column(s) not in both files: {', '.join(unknown)}.")
    report = compare(
        reference,
        current,
        columns=columns,
        settings=DriftSettings(drift_share=args.share, thresholds=thresholds),
        multivariate=args.multivariate,
    )

    def text() -> str:
        lines = [
            f"{'COLUMN':<28} {'KIND':<12} {'METHOD':<14} {'STATISTIC':>10} {'P-VALUE':>9} "
            f"{'THRESHOLD':>9}  VERDICT"
        ]
        for col in report.columns:
            lines.append(
                f"{col.column[:28]:<28} {col.kind:<12} {col.method:<14} "
                f"{significant(col.statistic):>10} {p_value(col.p_value):>9} "
                f"{significant(col.threshold):>9}  "
                f"{'DRIFT' if col.drifted else 'ok'}"
            )
        drifted = len(report.drifted_columns)
        lines.append("")
        lines.append(
            f"{drifted} of {len(report.columns)} columns drifted "
            f"({report.drift_share:.0%}; dataset drift at ≥ {report.share_threshold:.0%}): "
            f"{'DATASET DRIFT' if report.dataset_drift else 'no dataset drift'}."
        )
        if report.multivariate_auc is not None:
            lines.append(
                f"Domain classifier AUC {number(report.multivariate_auc)}"
                f"{' (drift)' if report.multivariate_drift else ''}."
            )
        for col in report.columns:
            if col.drifted:
                lines.append(f"- {col.explanation}")
        return "\n".join(lines)

    emit(args, report.to_dict(), text)
    return 1 if report.dataset_drift else 0
