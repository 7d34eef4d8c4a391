"""``python -m mlops_desktop.serving``: the scoring service process (started by ``process.py``).

The token comes from the MLOPS_DESKTOP_TOKEN environment variable, never the command line.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from mlops_desktop.errors import MlopsError
from mlops_desktop.serving.predlog import stop_message
from mlops_desktop.serving.server import DEFAULT_HOST, DEFAULT_PORT, run_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlops_desktop.serving")
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--model", help="the model /invocations scores when several are deployed")
    parser.add_argument("--require-token", action="store_true")
    parser.add_argument("--max-body-mb", type=float, default=16.0)
    parser.add_argument(
        "--scoring-processes",
        type=int,
        help="processes big requests are read and scored in (default: 2 on 2 cores or more)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")

    def ready(host: str, port: int) -> None:
        print(f"Serving {args.workspace} on {host}:{port}", flush=True)

    try:
        return run_server(
            args.workspace,
            args.host,
            args.port,
            require_token=args.require_token,
            default_model=args.model,
            max_body=int(args.max_body_mb * 1024 * 1024),
            scoring_processes=args.scoring_processes,
            on_ready=ready,
            on_stopped=lambda counts: print(stop_message(counts), flush=True),
        )
    except MlopsError as exc:
        print(f"mlops-desktop serve: {exc.message}", file=sys.stderr, flush=True)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
