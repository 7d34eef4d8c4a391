"""A Dask cluster for the work one laptop outgrows: connect, check versions, describe.

``--cluster ADDRESS`` names a running ``dask.distributed`` scheduler (``tcp://host:8786``) or
``local`` / ``local:N``, a LocalCluster of N single-threaded worker processes on this machine
(bound to 127.0.0.1, no dashboard). Before any work is submitted the workers' Python,
scikit-learn, pandas, numpy, dask and mlops-desktop versions are compared with ours: a pickled
pipeline or a task sent to a worker with other versions fails in ways that are hard to read, so
a mismatch is refused up front with what differs. Dask is the optional ``[cluster]`` extra.
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mlops_desktop.errors import InputError
from mlops_desktop.formatting import byte_size, counted

INSTALL_HINT = "Install the cluster extra: pip install 'mlops-desktop[cluster]'."
CONNECT_TIMEOUT_S = 10
LOCAL_START_TIMEOUT_S = 120  # a loaded laptop may take a while to start N Python processes
_LOCAL = re.compile(r"local(?::(\d{1,3}))?")
_REMOTE = re.compile(r"(tcp|tls|ucx|inproc)://[^\s/]+(:\d{1,5})?")
# How closely each library must match: "exact" or the number of leading version parts.
MATCH = {
    "python": 2,
    "scikit-learn": "exact",
    "pandas": 2,
    "numpy": 1,
    "dask": "exact",
    "mlops-desktop": "exact",
}


def check_address(text: str) -> str:
    """``text`` when it names a cluster (``local``, ``local:N``, ``tcp://host:port``), else an
    InputError saying what is accepted."""
    text = text.strip()
    local = _LOCAL.fullmatch(text)
    if local and (local.group(1) is None or 1 <= int(local.group(1)) <= 256):
        return text
    if _REMOTE.fullmatch(text):
        return text
    raise InputError(
        f"'{text}' is not a cluster address: give a Dask scheduler such as tcp://host:8786, "
        "or local (a cluster of this machine's cores) or local:N (N worker processes)."
    )


def _local_workers(address: str) -> int | None:
    """N of ``local:N`` (the cores, at most 4, for plain ``local``), None for a scheduler."""
    local = _LOCAL.fullmatch(address)
    if local is None:
        return None
    return int(local.group(1)) if local.group(1) else max(1, min(4, os.cpu_count() or 1))


#: The module whose ``__version__`` gives each library's version.
MODULES = {
    "scikit-learn": "sklearn",
    "pandas": "pandas",
    "numpy": "numpy",
    "dask": "dask",
    "mlops-desktop": "mlops_desktop",
}


def library_versions() -> dict[str, str | None]:
    """The versions that must agree between this process and a cluster's workers (run on
    each worker too); None for a library that is not installed."""
    import importlib

    versions: dict[str, str | None] = {"python": platform.python_version()}
    for library, module in MODULES.items():
        try:
            versions[library] = importlib.import_module(module).__version__
        except ImportError:
            versions[library] = None
    return versions


def _agrees(ours: str, theirs: str | None, rule: str | int) -> bool:
    if theirs is None:
        return False
    if rule == "exact":
        return ours == theirs
    return ours.split(".")[: int(rule)] == theirs.split(".")[: int(rule)]


def version_mismatches(ours: dict[str, str], workers: dict[str, dict[str, str | None]]) -> list:
    """``"worker: library theirs (ours X)"`` for every library a worker has at another version
    (or lacks)."""
    found = []
    for worker, theirs in sorted(workers.items()):
        for library, rule in MATCH.items():
            value = theirs.get(library)
            if not _agrees(ours[library], value, rule):
                shown = value or "not installed"
                found.append(f"{worker}: {library} {shown} (ours {ours[library]})")
    return found


def check_versions(client: Any) -> None:
    """Refuse (InputError) a cluster whose workers' versions differ from ours."""
    workers = client.run(library_versions)
    if not workers:
        raise InputError("The cluster has no workers yet; start some, then try again.")
    mismatches = version_mismatches(library_versions(), workers)
    if mismatches:
        shown = "; ".join(mismatches[:6]) + (
            f"; and {len(mismatches) - 6} more" if len(mismatches) > 6 else ""
        )
        raise InputError(
            f"The cluster's workers run other versions than this app: {shown}. Install the "
            "same versions on the workers (pip install mlops-desktop==<ours> on each), or use "
            "--cluster local."
        )


@dataclass(frozen=True)
class ClusterInfo:
    """What a connected cluster offers: its address, workers, threads and memory."""

    address: str
    workers: int
    threads: int
    memory_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def summary(self) -> str:
        """``2 workers, 2 threads, 25.3 GB of memory``."""
        return (
            f"{counted(self.workers, 'worker')}, {counted(self.threads, 'thread')}, "
            f"{byte_size(self.memory_bytes)} of memory"
        )


def describe(client: Any) -> ClusterInfo:
    """The connected cluster's workers, threads and memory."""
    info = client.scheduler_info(n_workers=-1)
    workers = info.get("workers", {}).values()
    return ClusterInfo(
        address=client.scheduler.address,
        workers=len(workers),
        threads=sum(int(w.get("nthreads", 0)) for w in workers),
        memory_bytes=sum(int(w.get("memory_limit", 0) or 0) for w in workers),
    )


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise InputError(
            f"Running on a Dask cluster needs dask.distributed. {INSTALL_HINT}"
        ) from None
    return distributed


WATCH = "mlops_desktop.jobs.cluster_watch"  # each process exits when its parent is gone


def _local_cluster(distributed: Any, n_workers: int) -> Any:
    """N single-threaded worker processes on 127.0.0.1, no dashboard. Inside a job worker (a
    daemon process, which multiprocessing forbids children) they start as subprocesses. Every
    process of the cluster exits when the one that started it dies (``cluster_watch``)."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        from distributed.deploy.subprocess import SubprocessCluster

        return SubprocessCluster(
            host="127.0.0.1",
            n_workers=n_workers,
            threads_per_worker=1,
            dashboard_address=None,
            scheduler_kwargs={"preload": [WATCH]},
            worker_kwargs={"preload": [WATCH], "preload_nanny": [WATCH]},
        )
    return distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        preload=[WATCH],
    )


@contextmanager
def connected(address: str | None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``address`` with its versions checked (None for None); a
    LocalCluster for ``local[:N]`` lives as long as the block."""
    if address is None:
        yield None
        return
    address = check_address(address)
    distributed = _import_distributed()
    n_workers = _local_workers(address)
    if n_workers is not None:
        with _local_cluster(distributed, n_workers) as local, distributed.Client(local) as client:
            client.wait_for_workers(n_workers, timeout=LOCAL_START_TIMEOUT_S)
            check_versions(client)
            yield client
        return
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"Could not reach the Dask scheduler at {address} within {CONNECT_TIMEOUT_S} s "
            f"({exc}). Is it running, and is the address right?"
        ) from None
    with client:
        check_versions(client)
        yield client


def check_job(ctx: Any, address: str) -> dict[str, Any]:
    """The job behind the GUI's Test Connection: connect, check versions, describe."""
    ctx.report(0.1, f"Connecting to {address}")
    with connected(address) as client:
        ctx.report(0.8, "Comparing versions and counting workers")
        info = describe(client)
    return {**info.to_dict(), "address": check_address(address), "summary": info.summary()}
