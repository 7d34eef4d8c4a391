"""Micro-batching: concurrent requests for one model are scored in one ``predict_proba`` call.

While a batch is being scored (in a worker thread), new requests queue up; the next batch takes
all of them at once. Under light load a request is scored alone with no added wait; under heavy
load one pipeline call serves dozens of requests, which is where the throughput comes from (a
1,000-row ``predict_proba`` costs about what 8 single rows do).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor

from mlops_desktop.serving.models import LoadedModel
from mlops_desktop.serving.protocols import Scored
from mlops_desktop.serving.validation import RequestError, Table

log = logging.getLogger(__name__)
MAX_WAIT_S = 0.003  # the longest a batch waits for more requests to join it
# Larger batches score in a worker thread: the model's C code releases the GIL for most of a
# big batch, so the loop parses the next requests on the other core meanwhile. Small batches
# score on the loop, where a thread would hold the GIL anyway and make the loop wait (convoy).
INLINE_ROWS = 256
MAX_BATCH_ROWS = 2048  # requests are combined up to this many rows (one alone may exceed)


class ModelError(Exception):
    """The model failed on input that passed validation (a server-side problem: 500)."""


def _split(model: LoadedModel, tables: list[Table], preds: list, proba) -> list[Scored]:
    out, start = [], 0
    for table in tables:
        end = start + table.n
        out.append(
            Scored(preds[start:end], proba[start:end] if proba is not None else None, model.classes)
        )
        start = end
    return out


def score_tables(model: LoadedModel, tables: list[Table]) -> list[Scored | Exception]:
    """Score several requests at once; if the batch fails, score each alone to find the culprit."""
    try:
        preds, proba = model.score_tables(tables)
        return _split(model, tables, preds, proba)
    except Exception as exc:  # noqa: BLE001 - isolated below, request by request
        if len(tables) == 1:
            return [_as_request_error(model, exc)]
    results: list[Scored | Exception] = []
    for table in tables:
        try:
            preds, proba = model.score_tables([table])
            results.extend(_split(model, [table], preds, proba))
        except Exception as exc:  # noqa: BLE001
            results.append(_as_request_error(model, exc))
    return results


def _as_request_error(model: LoadedModel, exc: Exception) -> Exception:
    if isinstance(exc, (ValueError, TypeError)):
        return RequestError(
            f"{model.ref} could not score the request: {exc}", code="INVALID_PARAMETER_VALUE"
        )
    log.exception("model %s failed", model.ref, exc_info=exc)
    return ModelError(f"{model.ref} failed while scoring ({type(exc).__name__}: {exc}).")


class Batcher:
    """One per loaded model; lives on the event loop, scores in ``executor``."""

    def __init__(
        self,
        model: LoadedModel,
        executor: Executor,
        arriving: Callable[[], int] = lambda: 0,
        max_rows: int = MAX_BATCH_ROWS,
    ):
        self.model = model
        self.executor = executor
        self.arriving = arriving
        self.max_rows = max_rows
        self._pending: deque[tuple[Table, asyncio.Future]] = deque()
        self._running = False
        self.batches = 0
        self.requests = 0
        self.last_size = 0

    def submit(self, table: Table) -> asyncio.Future:
        """Queue ``table``; the future resolves to a Scored or raises RequestError/ModelError."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((table, future))
        if not self._running:
            self._running = True
            loop.create_task(self._drain())
        return future

    async def _gather(self) -> None:
        """Let requests the loop has already received reach the queue (at most MAX_WAIT_S).

        Two loop turns read what is waiting on the sockets; then, while requests are still
        being parsed (``arriving``), a little longer: one batch for all of them costs far less
        than one each.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_WAIT_S
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        while self.arriving() > 0 and loop.time() < deadline:
            await asyncio.sleep(0)
        # Under load (the last batch served several clients), those clients are about to send
        # again: wait a moment for as many as last time rather than scoring them one by one.
        while self.last_size > 1 and len(self._pending) < self.last_size and loop.time() < deadline:
            await asyncio.sleep(0.0005)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                await self._gather()
                batch, rows = [], 0
                while self._pending and (
                    not batch or rows + self._pending[0][0].n <= self.max_rows
                ):
                    item = self._pending.popleft()
                    batch.append(item)
                    rows += item[0].n
                tables = [t for t, _ in batch]
                if rows <= INLINE_ROWS:
                    # Small batches score right here: a worker thread would hold the GIL for
                    # most of the call anyway and make the event loop wait for it (convoy).
                    results = score_tables(self.model, tables)
                    await asyncio.sleep(0)  # answer, and read the requests that queued meanwhile
                else:
                    try:
                        results = await loop.run_in_executor(
                            self.executor, score_tables, self.model, tables
                        )
                    except Exception as exc:  # noqa: BLE001 - executor shut down, etc.
                        results = [ModelError(f"{self.model.ref} could not score: {exc}")] * len(
                            batch
                        )
                self.batches += 1
                self.requests += len(batch)
                self.last_size = len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._running = False


def batcher_for(
    model: LoadedModel, executor: Executor, arriving: Callable[[], int] = lambda: 0
) -> Batcher:
    """The model's batcher (created on first use, on the running event loop)."""
    if model.batcher is None:
        model.batcher = Batcher(model, executor, arriving)
    return model.batcher
