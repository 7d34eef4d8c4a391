"""Which rows the simulator replays: rows no serving version trained on, and their identities.

Every replayed row carries an identity, ``row_keys`` (a hash of its original values, drift or not),
sent as the request's entity key, so the prediction log knows which row a request replayed. A
retrain from an alert (``monitoring.loop``) keeps those keys as the new dataset's group column
(``KEY_COLUMN``): the split puts every replay of a row on one side, and the rows of its training
split are known by key. ``replay_rows`` then leaves out the rows any serving version (live,
canary or shadow) trained on: the live version's own training split, and the keys in the training
split of a version retrained on logged traffic. So a canary is never scored on its training rows,
and the rows are named in words for every figure measured on them.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.evaluation.behavioural import plain

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import ModelVersion
    from mlops_desktop.registry.workspace import Workspace

#: The column of a dataset built from logged traffic that holds each row's entity key.
KEY_COLUMN = "entity_key"
#: How a replayed row's key starts (a client's own entity keys are left as they are).
REPLAY_PREFIX = "row-"


def row_keys(frame: pd.DataFrame) -> list[str]:
    """Each row's identity: ``row-`` and a hash of its values by column name (order-free)."""
    columns = sorted(map(str, frame.columns))
    values = frame[columns].astype(object).where(frame[columns].notna(), None)
    keys = []
    for row in values.itertuples(index=False):
        text = json.dumps([plain(v) for v in row], default=str)
        keys.append(
            REPLAY_PREFIX + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]
        )
    return keys


def serving_versions(ws: Workspace, model: str) -> list[ModelVersion]:
    """The versions that get traffic now: live, and a canary or shadow candidate."""
    current = ws.deployments.current(model)
    if current is None:
        return []
    ids = [current.live_version_id, current.candidate_version_id]
    return [ws.models.by_id(i) for i in ids if i is not None]


def _trained_on(ws: Workspace, version: ModelVersion) -> int | None:
    try:
        return ws.runs.get(version.run_id).dataset_version_id
    except NotFoundError:  # without its run, every row is new to the model
        return None


def trained_keys(ws: Workspace, versions: list[ModelVersion]) -> set[str]:
    """The entity keys in the training split of each version's dataset (those that keep keys)."""
    keys: set[str] = set()
    for dataset_id in {_trained_on(ws, v) for v in versions} - {None}:
        data = ws.datasets.get_by_id(dataset_id)
        if KEY_COLUMN not in (data.schema or {}):
            continue
        frame, test_mask = ws.datasets.load_frame(data)
        train = frame[~test_mask] if test_mask is not None else frame
        keys.update(train[KEY_COLUMN].dropna().astype(str))
    return keys


def replay_rows(ws: Workspace, model: str, dataset: str) -> tuple[pd.DataFrame, str]:
    """The rows of ``dataset`` to replay to ``model``, and which they are in words.

    Left out: the training split of a serving version trained on ``dataset`` (its held-out test
    rows stay), and the rows whose identity is in a serving version's training data. Raises
    :class:`InputError` when no row is left.
    """
    data = ws.datasets.get(dataset)
    frame, test_mask = ws.datasets.load_frame(data)
    versions = serving_versions(ws, model) or [ws.models.get(f"{model}@live")]
    keep = np.ones(len(frame), dtype=bool)
    held_out = test_mask is not None and bool(test_mask.any())
    own = [v for v in versions if _trained_on(ws, v) == data.id]
    if own and held_out:
        keep &= np.asarray(test_mask, dtype=bool)
    seen = trained_keys(ws, [v for v in versions if v not in own])
    left_out = keep & np.isin(row_keys(frame), list(seen)) if seen else np.zeros_like(keep)
    rows = frame[keep & ~left_out].reset_index(drop=True)
    words = f"the {len(rows):,} {'held-out test ' if own and held_out else ''}rows of {data.ref}"
    if left_out.any():
        others = ", ".join(v.ref for v in versions if v not in own)
        words += f" that {others} did not train on"
    if rows.empty:
        raise InputError(
            f"Every row of {data.ref} is in the training data of a version that gets traffic "
            f"({', '.join(v.ref for v in versions)}). Choose other data to replay."
        )
    return rows, words
