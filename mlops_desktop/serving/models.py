"""Loaded model versions, cached by version id, scored a whole micro-batch at a time.

A request keeps a reference to the ``LoadedModel`` it started with, so swapping the live
version never pulls a model out from under a request in flight.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

from mlops_desktop.registry.entities import ModelVersion
from mlops_desktop.serving.fast_scoring import compile_scorer
from mlops_desktop.serving.integrity import load_verified
from mlops_desktop.serving.validation import Table
from mlops_desktop.training.column_order import ordered_inputs, positional_names

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace


@dataclass(eq=False)
class LoadedModel:
    """A model version ready to score: its pipeline, signature and input orders (``names`` the
    pipeline's, ``positional`` the training frame's, which rows given as lists follow)."""

    version: ModelVersion
    pipeline: Any
    names: list[str]
    task: str
    classes: list | None
    positional: list[str] = field(default_factory=list)
    batcher: Any = field(default=None, repr=False)
    fast: Any = field(default=None, repr=False)  # a FastScorer proven equal, or None

    @property
    def name(self) -> str:
        return self.version.name

    @property
    def number(self) -> int:
        return self.version.number

    @property
    def ref(self) -> str:
        return self.version.ref

    @property
    def signature(self) -> dict:
        return self.version.signature

    def listed_signature(self) -> dict:
        """The signature with its inputs in the training frame's order (what users read)."""
        return self.signature | {"inputs": ordered_inputs(self.signature)}

    def columns_of(self, tables: list[Table]) -> dict[str, list]:
        """Several requests' rows as one list per input column."""
        if len(tables) == 1:
            return tables[0].columns
        return {c: list(chain.from_iterable(t.columns[c] for t in tables)) for c in self.names}

    def frame(self, tables: list[Table]):
        """One DataFrame for several requests' rows (one pandas construction per micro-batch)."""
        import pandas as pd

        return pd.DataFrame(self.columns_of(tables), columns=self.names)

    def _answers(self, output) -> tuple[list, list[list[float]] | None]:
        if self.classes is None:
            return output.tolist(), None
        labels = [self.classes[i] for i in output.argmax(axis=1).tolist()]
        return labels, output.tolist()

    def score(self, frame) -> tuple[list, list[list[float]] | None]:
        """Predictions (labels or values) and, for classifiers, class probabilities."""
        method = "predict" if self.classes is None else "predict_proba"
        return self._answers(getattr(self.pipeline, method)(frame))

    def score_tables(self, tables: list[Table]) -> tuple[list, list[list[float]] | None]:
        """``score`` for requests' rows: the lean path when proven, else the pipeline's."""
        if self.fast is not None:
            try:
                return self._answers(self.fast(self.columns_of(tables)))
            except Exception:  # noqa: BLE001 - the pipeline's path raises the specific error
                pass
        return self.score(self.frame(tables))


def _warm_row(signature: dict) -> dict[str, list]:
    row: dict[str, list] = {}
    for spec in signature.get("inputs") or []:
        kind = spec.get("type")
        if kind in ("numeric", "boolean"):
            low, high = spec.get("min"), spec.get("max")
            row[spec["name"]] = [(low + high) / 2 if low is not None and high is not None else 0.0]
        elif kind == "categorical":
            row[spec["name"]] = [(spec.get("categories") or ["x"])[0]]
        else:
            row[spec["name"]] = [spec.get("min")]
    return row


def load_model(ws: Workspace, version: ModelVersion) -> LoadedModel:
    """Unpickle a version's pipeline (hash bound and verified first); score one row to warm it."""
    pipeline = load_verified(ws, version)
    signature = version.signature or {}
    names = [spec["name"] for spec in signature.get("inputs") or []]
    task = (signature.get("output") or {}).get("task") or "regression"
    classes = None
    if task != "regression" and hasattr(pipeline, "predict_proba"):
        classes = [c.item() if hasattr(c, "item") else c for c in pipeline.classes_]
    model = LoadedModel(version, pipeline, names, task, classes, positional_names(signature))
    model.fast = compile_scorer(
        pipeline, names, signature, "predict" if classes is None else "predict_proba"
    )
    try:
        model.score(model.frame([Table(_warm_row(signature), 1)]))
    except Exception:  # noqa: BLE001 - warming is best effort; real requests report their errors
        pass
    return model


class ModelCache:
    """Loaded models by version id; loading happens off the request path (in the watcher)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._models: dict[int, LoadedModel] = {}
        self._lock = threading.Lock()

    def get(self, version: ModelVersion) -> LoadedModel:
        with self._lock:
            cached = self._models.get(version.id)
        if cached is not None:
            return cached
        model = load_model(self.ws, version)
        with self._lock:
            return self._models.setdefault(version.id, model)

    def keep_only(self, version_ids: set[int]) -> None:
        """Forget versions no longer routed (requests in flight still hold their reference)."""
        with self._lock:
            for vid in [v for v in self._models if v not in version_ids]:
                del self._models[vid]

    def loaded(self) -> list[int]:
        with self._lock:
            return sorted(self._models)
