"""Big requests read, checked and scored in their own processes, beside the event loop.

One process cannot go much past 45 requests of 1,000 rows a second on this design: reading the
JSON, checking it and the lean transform all hold the GIL, and a big ``predict_proba`` waits
for the GIL once per tree (measured: 7 ms alone, 560 ms beside a busy Python thread). So an
MLflow or KServe v1 body of ``OFFLOAD_BYTES`` or more goes whole to one of the scoring
processes, which runs the very functions the in-process path runs (``parse_body``,
``validate_table``, ``score_tables``, the log's ``payload_json``) and sends back only the
answer and the log's text of the inputs. The service process keeps the routing, the answer,
the prediction log and the metrics, so a request gets the same answer, the same error and the
same log row either way.

Requests stay in-process when offloading could change what happens to them: a shadow model
(it scores the parsed rows too), review rules (they read them), Open Inference v2 (its body
carries the request id and the outputs asked for). The processes start with the first big
request and load each model version once (verified by its hash, as the service loads it);
until they are ready, and if one dies, requests are scored in-process.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from mlops_desktop.serving.offload_worker import Offloaded, score_body, start_process, warm

log = logging.getLogger(__name__)

OFFLOAD_BYTES = 256 * 1024  # bodies this big are read and scored in a scoring process


def default_processes() -> int:
    """Two scoring processes where there are two cores or more, else none."""
    return 2 if (os.cpu_count() or 1) >= 2 else 0


class ScoringProcesses:
    """The service's scoring processes (none until the first big request)."""

    def __init__(self, workspace: Path, processes: int) -> None:
        self.workspace = str(Path(workspace).resolve())
        self.processes = processes
        self.requests = 0  # requests scored in the processes
        self.restarts = 0
        self._pool: ProcessPoolExecutor | None = None
        self._warm: dict[int, list[Future]] = {}

    def takes(self, body: bytes, style: str, v2: bool) -> bool:
        """Whether a body this big, in this protocol, is worth sending to a process."""
        big = len(body) >= OFFLOAD_BYTES
        return self.processes > 0 and big and not v2 and style in ("mlflow", "v1")

    def ready(self, version_id: int) -> bool:
        """Whether ``version_id`` is loaded in the processes; starts them loading it if not."""
        warming = self._warm.get(version_id)
        if warming is None:
            self._start_warming(version_id)
            return False
        if not all(f.done() for f in warming):
            return False
        errors = [e for e in map(Future.exception, warming) if e is not None]
        if any(isinstance(e, BrokenProcessPool) for e in errors):
            self._restart()  # a process died while loading: the next big request starts afresh
        return not errors  # a model that failed to load there is scored here, which says why

    def _start_warming(self, version_id: int) -> None:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=context, initializer=start_process
            )
        self._warm[version_id] = [
            self._pool.submit(warm, self.workspace, version_id) for _ in range(self.processes)
        ]

    async def score(
        self, version_id: int, body: bytes, content_type: str, style: str, names: list
    ) -> Offloaded | None:
        """The request scored in a process, or None when the processes are gone (a process
        died): they are started afresh for the next requests, and this one is scored here."""
        pool = self._pool
        if pool is None:  # restarted since ready() said yes
            return None
        loop = asyncio.get_running_loop()
        args = (self.workspace, version_id, body, content_type, style, names)
        try:
            result = await loop.run_in_executor(pool, score_body, *args)
        except BrokenProcessPool:
            if self._pool is pool:  # not yet replaced by a request that met the same death
                log.warning("a scoring process died; starting them afresh")
                self._restart()
            return None
        self.requests += 1
        return result

    def _restart(self) -> None:
        pool, self._pool = self._pool, None
        self._warm.clear()
        self.restarts += 1
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def status(self) -> dict:
        return {
            "processes": self.processes if self._pool is not None else 0,
            "requests": self.requests,
            "restarts": self.restarts,
        }

    def close(self) -> None:
        """Stop the processes (requests under way finish first)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
