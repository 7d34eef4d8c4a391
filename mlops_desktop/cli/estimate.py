"""``mlops-desktop estimate NAME@N CURRENT``: how well is the model doing, before the labels?

Per chunk of CURRENT's rows: each metric's estimate (CBPE for classifiers, DLE for regressors)
with its 95% band, and the realized value beside it when CURRENT holds the target column.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlops_desktop.formatting import number


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    estimate = sub.add_parser(
        "estimate",
        parents=[common],
        help="estimate a model's performance on a CSV or Parquet file without its labels",
        description="Cut CURRENT's rows into consecutive chunks and estimate the model's "
        "metrics on each without labels: CBPE (calibrated probabilities, for classifiers) or "
        "DLE (a model of the error, for regressors), each with a 95% band. When CURRENT holds "
        "the target column, the realized value is shown beside each estimate. Estimates assume "
        "the relation between inputs and outcome is unchanged (no concept drift).",
    )
    estimate.add_argument("model", metavar="NAME@N")
    estimate.add_argument("current", type=Path, metavar="CURRENT")
    size = estimate.add_mutually_exclusive_group()
    size.add_argument(
        "--chunks", type=int, metavar="K", help="cut into K equal chunks (default 10)"
    )
    size.add_argument("--chunk-size", type=int, metavar="N", help="chunks of N rows")
    estimate.add_argument(
        "--shift-correction",
        action="store_true",
        help="re-weight the holdout to look like each chunk before calibrating (PAPE)",
    )
    estimate.set_defaults(handler=cmd_estimate)


def cmd_estimate(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit, open_workspace
    from mlops_desktop.data.readers import read_frame
    from mlops_desktop.monitoring.estimates import estimate_performance

    with open_workspace(args) as ws:
        ws.models.get(args.model)  # an unknown model fails before the file is read
        print(f"Reading {args.current.name}…", file=sys.stderr)
        frame, _ = read_frame(args.current)
        result = estimate_performance(
            ws,
            args.model,
            frame,
            chunks=args.chunks,
            chunk_size=args.chunk_size,
            shift_correction=args.shift_correction,
        )
    emit(args, result, lambda: render(result))
    return 0


def _cell(values: dict) -> str:
    estimate, low, high = values["estimate"], values["low"], values["high"]
    if estimate is None:
        return "n/a"
    band = "" if low is None or high is None else f" [{number(low)}–{number(high)}]"
    return f"{number(estimate)}{band}"


def render(result: dict) -> str:
    """The estimate table a person reads: one line per chunk and metric."""
    labelled = result["labelled"]
    lines = [
        f"{result['model']}: {result['method']} estimates on {result['rows']:,} rows "
        f"in {len(result['chunks'])} chunks"
        + (" (holdout re-weighted per chunk)" if result["shift_correction"] else ""),
        *(
            [f"Probabilities calibrated on the holdout: {result['calibration']}"]
            if result.get("calibration")
            else []
        ),
        "",
        f"{'CHUNK':<7} {'ROWS':>7}  {'METRIC':<10} {'ESTIMATE [95% BAND]':<26}"
        + ("  REALIZED" if labelled else ""),
    ]
    for chunk in result["chunks"]:
        for metric in result["metrics"]:
            values = chunk["metrics"][metric]
            line = f"{chunk['chunk'] + 1:<7} {chunk['rows']:>7,}  {metric:<10} {_cell(values):<26}"
            if labelled:
                realized = values["realized"]
                line += f"  {'n/a' if realized is None else number(realized)}"
                if realized is not None and values["low"] is not None:
                    inside = values["low"] <= realized <= values["high"]
                    line += "" if inside else "  (outside the band)"
            lines.append(line)
    reference = [
        f"{m} {number(r['test_report'])}"
        for m, r in result["reference"].items()
        if r["test_report"] is not None
    ]
    if reference:
        lines += ["", "Test report: " + ", ".join(reference)]
    gates = [
        f"{m} {r['gate']['op']} {number(r['gate']['threshold'])}"
        for m, r in result["reference"].items()
        if r["gate"]
    ]
    if gates:
        lines.append("Gate: " + ", ".join(gates))
    lines += ["", result["caveat"]]
    return "\n".join(lines)
