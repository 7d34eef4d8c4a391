"""What explaining a logged decision needs, kept per process so one decision costs milliseconds:
the verified pipeline, its lean transform, the logged rows as the model sees them, and the mean
of the training rows a linear model is explained from.

- ``cached_pipeline``: the artifact, loaded once per process for a few versions (artifacts are
  content-addressed; the trees' leaf tables built on the first explanation stay with it).
- ``transformed``: the logged rows through ``training.lean.LeanTransform`` (proven equal to the
  pipeline's own steps when it is built), or through the pipeline when the lean path does not
  apply or cannot take a value (the pipeline then accepts it or refuses it by name).
- ``background_mean``: the mean of up to ``BACKGROUND_ROWS`` transformed training rows, once per
  model and dataset version. A dataset version an erasure rewrote has no artifact any more: the
  rows are those of the version that replaced it (the same rows without the person's).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError
from mlops_desktop.training.explain import background_mean as mean_of
from mlops_desktop.training.lean import LeanTransform, compile_transform

if TYPE_CHECKING:
    from mlops_desktop.registry.entities import DatasetVersion, ModelVersion
    from mlops_desktop.registry.workspace import Workspace

#: Training rows a linear model's mean is taken from.
BACKGROUND_ROWS = 5000
#: Versions (pipelines, background means) kept per process.
KEPT = 4

_pipelines: OrderedDict[str, Any] = OrderedDict()
_means: OrderedDict[tuple, tuple[np.ndarray, str]] = OrderedDict()
_lean: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _keep(cache: OrderedDict, key, value) -> None:
    with _lock:
        cache[key] = value
        while len(cache) > KEPT:
            cache.popitem(last=False)


def _cached(cache: OrderedDict, key):
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    return None


def cached_pipeline(version: ModelVersion, load: Callable[[], Any]) -> Any:
    """The version's pipeline, loaded (verified) by ``load`` once per process."""
    pipeline = _cached(_pipelines, version.artifact_hash)
    if pipeline is None:
        pipeline = load()
        _keep(_pipelines, version.artifact_hash, pipeline)
    return pipeline


@dataclass(frozen=True)
class LoggedRows:
    """A logged request's ``{"columns": [...], "data": [[...], ...]}``: its first rows."""

    columns: list[str]
    rows: list[list]
    total: int

    def records(self) -> list[dict[str, Any]]:
        """The rows as ``{column: value}``, a missing value as None."""
        return [{c: _plain(v) for c, v in zip(self.columns, row, strict=True)} for row in self.rows]

    def column_lists(self) -> dict[str, list]:
        return {c: [row[i] for row in self.rows] for i, c in enumerate(self.columns)}

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.columns)


def _plain(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def logged_rows(inputs: Any, limit: int) -> LoggedRows:
    """The first ``limit`` rows of the logged ``inputs`` (InputError when not in that form)."""
    if not isinstance(inputs, dict) or "columns" not in inputs or "data" not in inputs:
        raise InputError("The logged inputs of this request are not in the expected form.")
    columns, data = list(inputs["columns"]), inputs["data"]
    if not isinstance(data, list) or any(
        not isinstance(r, list) or len(r) != len(columns) for r in data
    ):
        raise InputError("The logged inputs of this request are not in the expected form.")
    return LoggedRows(columns, data[:limit], len(data))


def lean_transform(pipeline: Any, signature: dict) -> LeanTransform | None:
    """The pipeline's lean transform (proven equal on probe rows), built once per pipeline."""
    with _lock:
        if pipeline in _lean:
            return _lean[pipeline]
    names = [spec["name"] for spec in signature.get("inputs") or []]
    lean = compile_transform(pipeline, names, signature) if names else None
    with _lock:
        _lean[pipeline] = lean
    return lean


def transformed(pipeline: Any, signature: dict, rows: LoggedRows) -> np.ndarray:
    """``pipeline[:-1].transform`` of the logged rows: the lean path when it takes them."""
    lean = lean_transform(pipeline, signature)
    if lean is not None:
        try:
            return lean(rows.column_lists())
        except (TypeError, KeyError, ValueError):
            pass  # the pipeline's own path accepts the value, or names what is wrong with it
    return np.asarray(pipeline[:-1].transform(rows.frame()), dtype=np.float64)


def kept_dataset_version(ws: Workspace, dataset: DatasetVersion) -> DatasetVersion:
    """``dataset``, or the version that replaced it after erasures (followed to the last)."""
    seen = {dataset.id}
    while (replaced := ws.datasets.superseded_by(dataset.id)) is not None:
        if not replaced:
            raise InputError(
                f"The model was trained on {dataset.ref}, which an erasure rewrote with no row "
                "left: a linear model is explained against its training rows' mean, so this "
                "decision cannot be explained. Retrain the model on data that is still kept."
            )
        dataset = ws.datasets.get(replaced)
        if dataset.id in seen:
            break
        seen.add(dataset.id)
    return dataset


def background_mean(
    ws: Workspace, version: ModelVersion, dataset: DatasetVersion | None, pipeline: Any
) -> tuple[np.ndarray, str]:
    """The transformed training rows' mean a linear model is explained from, and the ref of the
    dataset version the rows came from (``dataset`` or the one that replaced it)."""
    if dataset is None:
        raise InputError(
            f"The training data of {version.ref} is no longer recorded (its run is gone): a "
            "linear model is explained against its training rows' mean."
        )
    source = kept_dataset_version(ws, dataset)
    key = (str(ws.path), version.artifact_hash, source.id)
    found = _cached(_means, key)
    if found is not None:
        return found
    frame, test_mask = ws.datasets.load_frame(source)
    train = frame.loc[~np.asarray(test_mask, dtype=bool)]
    train = train.sample(min(len(train), BACKGROUND_ROWS), random_state=0)
    found = (mean_of(pipeline, train), source.ref)
    _keep(_means, key, found)
    return found
