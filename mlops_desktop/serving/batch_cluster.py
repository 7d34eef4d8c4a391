"""Batch scoring's checks and predictions on a Dask cluster's workers.

Where the workers can open the input file (a local cluster; a remote one on shared storage)
it is a dask.dataframe: ``dask.dataframe.from_map`` over partitions of whole rows that the
workers read themselves (``data.partitions``: typed as a local run types them, a quoted line
break never split), each cut into the same 1,000-row chunks as a local run (the contract's
"empty in every row of this part" finding depends on them) and judged beside where it was
read. Elsewhere (the workers see another file or none, or the file cannot be split) the file
is streamed here in those chunks and groups of them go to the workers.

Either way the pipeline is broadcast once, the results come back in the file's order and
this process writes the output, the rejects and the prediction log exactly as a local run
does. At most two tasks per worker are in flight, so memory stays bounded whatever the size.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mlops_desktop.serving.batch_judge import judge_many

if TYPE_CHECKING:
    from mlops_desktop.data.partitions import FilePlan

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


def workers_see(client: Any, path: Path) -> bool:
    """Whether every worker finds this very file at ``path`` (on this machine, or on storage
    they share): the same size and first and last 64 KiB."""
    from mlops_desktop.data.partitions import fingerprint

    here = fingerprint(path)
    try:
        found = client.run(fingerprint, str(path))
    except OSError:
        return False
    return bool(here and found) and all(seen == here for seen in found.values())


def judged_partitions(client: Any, plan: FilePlan, model: Any, rows: int) -> Iterator[tuple]:
    """``(chunk, fraction read, Judged)`` for each chunk of ``plan``'s file, in order: a
    dask.dataframe of the file's partitions, read and judged on ``client``'s workers."""
    import dask
    import dask.dataframe as dd

    workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
    frame = dd.from_map(
        _read,
        range(len(plan.partitions)),
        args=[plan],
        meta=pd.DataFrame({name: pd.Series(dtype=object) for name in plan.columns}),
        enforce_metadata=False,
        label="read-" + Path(plan.path).name,
    )
    pipeline = client.scatter(model.pipeline, broadcast=True)
    tasks = (
        dask.delayed(_judge_partition, pure=False)(
            part, pipeline, model.signature, model.classes, rows
        )
        for part in frame.to_delayed()
    )
    pending: deque = deque()
    done = [0]

    def results() -> Iterator[tuple]:
        for chunk, judged in pending.popleft().result():
            done[0] += len(chunk)
            yield chunk, done[0] / plan.rows, judged

    try:
        for task in tasks:
            pending.append(client.compute(task))
            if len(pending) >= IN_FLIGHT_PER_WORKER * workers:
                yield from results()
        while pending:
            yield from results()
    finally:
        if pending:
            client.cancel(list(pending))


def _read(index: int, plan: FilePlan) -> pd.DataFrame:
    from mlops_desktop.data.partitions import read_partition

    return read_partition(plan, index)


def _judge_partition(frame: pd.DataFrame, pipeline, signature, classes, rows: int) -> list:
    """A partition cut into ``rows``-row chunks, each judged (on the worker that read it)."""
    from mlops_desktop.data.partitions import chunks_of

    chunks = chunks_of(frame, rows)
    return list(zip(chunks, judge_many(chunks, pipeline, signature, classes), strict=True))
