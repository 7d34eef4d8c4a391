"""Batch scoring's checks and predictions on a Dask cluster's workers.

The file is streamed here in the same 1,000-row chunks as a local run (the contract's "empty in
every row of this part" finding depends on them), groups of chunks go to the workers with the
pipeline broadcast once, and the results come back in the file's order: this process writes
the output, the rejects and the prediction log exactly as a local run does. At most two groups
per worker are in flight, so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

import pandas as pd

from mlops_desktop.serving.batch_judge import judge_many

CHUNKS_PER_TASK = 20  # 20,000 rows per task: the task overhead is small beside the scoring
IN_FLIGHT_PER_WORKER = 2

Chunk = tuple[pd.DataFrame, float]


def _groups(chunks: Iterator[Chunk], size: int) -> Iterator[list[Chunk]]:
    group: list[Chunk] = []
    for item in chunks:
        group.append(item)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def judged_on_cluster(client: Any, chunks: Iterator[Chunk], model: Any) -> Iterator[tuple]:
    """``(chunk, fraction read, Judged)`` for each chunk, in order, judged on ``client``'s
    workers. Leaving early (a failure, a cancel) cancels the tasks still pending."""
    workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
    pipeline = client.scatter(model.pipeline, broadcast=True)
    pending: deque = deque()
    try:
        for group in _groups(chunks, CHUNKS_PER_TASK):
            future = client.submit(
                judge_many,
                [chunk for chunk, _ in group],
                pipeline,
                model.signature,
                model.classes,
                pure=False,
            )
            pending.append((group, future))
            if len(pending) >= IN_FLIGHT_PER_WORKER * workers:
                yield from _results(*pending.popleft())
        while pending:
            yield from _results(*pending.popleft())
    finally:
        if pending:
            client.cancel([future for _, future in pending])


def _results(group: list[Chunk], future: Any) -> Iterator[tuple]:
    for (chunk, fraction), judged in zip(group, future.result(), strict=True):
        yield chunk, fraction, judged
