"""``mlops-desktop cluster check ADDRESS`` and the ``--cluster`` option of train, retrain and
score: Dask workers for work one laptop outgrows (the optional ``[cluster]`` extra)."""

from __future__ import annotations

import argparse

CLUSTER_HELP = (
    "a scheduler address (tcp://host:8786), or local / local:N for N worker processes on this "
    "machine (needs pip install 'mlops-desktop[cluster]')"
)


def add_cluster_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """The ``--cluster ADDRESS`` option, saying what runs on the cluster."""
    parser.add_argument(
        "--cluster", metavar="ADDRESS", help=f"{what} on a Dask cluster: {CLUSTER_HELP}"
    )


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    cluster = sub.add_parser("cluster", parents=[common], help="check a Dask cluster")
    actions = cluster.add_subparsers(dest="cluster_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        parents=[common],
        help="connect, compare the workers' versions with ours, show workers and memory",
    )
    check.add_argument("address", metavar="ADDRESS", help="tcp://host:8786, local or local:N")
    check.set_defaults(handler=cmd_cluster_check)


def cmd_cluster_check(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import emit
    from mlops_desktop.jobs.cluster import check_address, connected, describe

    address = check_address(args.address)
    with connected(address) as client:
        info = describe(client)
    result = {**info.to_dict(), "address": address, "versions": "match"}

    def text() -> str:
        return (
            f"Cluster {address}: {info.summary()}; the workers' Python, scikit-learn, pandas, "
            "numpy, dask and mlops-desktop versions match this app's."
        )

    emit(args, result, text)
    return 0
