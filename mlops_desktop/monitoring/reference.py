"""The reference a live model version is monitored against.

The reference is the TRAINING part of the dataset version the model was trained on (model
version -> run -> dataset version), restricted to the model's input columns, plus the model's own
predictions on it (for prediction drift). Both are computed once per model version and kept in
this process (a few versions at most), so every window after the first costs no reload.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError
from mlops_desktop.serving.stats import positive_index

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

#: Model versions whose reference stays cached in this process.
CACHE_SIZE = 4
#: Bins of the prediction histogram for probabilities (on [0, 1]) and regression outputs.
PREDICTION_BINS = 10

#: Signature input type -> drift column kind.
KIND_OF_TYPE = {
    "numeric": "numeric",
    "datetime": "numeric",
    "boolean": "boolean",
    "categorical": "categorical",
}


@dataclass
class Reference:
    """Everything the monitor compares one model version's traffic with."""

    version_id: int
    version_ref: str
    dataset_ref: str
    frame: pd.DataFrame
    kinds: dict[str, str]
    types: dict[str, str]
    task: str | None
    target: str | None
    classes: list = field(default_factory=list)
    positive_index: int | None = None
    predictions: np.ndarray | None = None  # 1-D: positive-class probability, label or value
    prediction_kind: str = "label"  # "probability", "label" or "numeric"
    prediction_edges: list[float] = field(default_factory=list)

    _profile: Any = field(default=None, repr=False)

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    def profile(self):
        """The frame as a drift ``ReferenceProfile`` (sorted and counted once, then reused)."""
        if self._profile is None:
            from mlops_desktop.drift import ReferenceProfile

            self._profile = ReferenceProfile(self.frame, column_kinds=self.kinds)
        return self._profile


_cache: OrderedDict[tuple[str, int], Reference] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached reference (tests, or after a dataset was replaced)."""
    with _lock:
        _cache.clear()


def live_version_id(ws: Workspace, name: str) -> int:
    """The id of the version of ``name`` that is live now, or InputError saying what to do."""
    holding = ws.models.current_alias(name, "live")
    if holding is None:
        known = ws.models.names()
        if name not in known:
            raise InputError(
                f"No model named '{name}'. Registered models: {', '.join(known) or 'none yet'}."
            )
        raise InputError(
            f"No version of '{name}' is live, so there is nothing to monitor. Deploy one first."
        ).hinted(f"Run 'mlops-desktop deploy {name}@N'.")
    return int(holding.model_version_id)


def reference_for(ws: Workspace, version_id: int) -> Reference:
    """The (cached) reference of a model version."""
    key = (str(ws.path), int(version_id))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    ref = _build(ws, int(version_id))
    with _lock:
        _cache[key] = ref
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return ref


def cast_like(frame: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    """Give logged or uploaded columns the types the model was trained with.

    Numeric and datetime columns become float / datetime (bad values -> missing), categorical
    columns text (missing stays missing), so reference and current compare like with like.
    """
    out = {}
    for column, kind in types.items():
        values = frame[column] if column in frame.columns else pd.Series(np.nan, index=frame.index)
        if kind == "numeric":
            out[column] = _numeric(values)
        elif kind == "datetime":
            out[column] = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
        elif kind == "boolean":
            out[column] = _boolean(values)
        else:
            out[column] = _categorical(values)
    return pd.DataFrame(out, index=frame.index)


def _numeric(values: pd.Series) -> pd.Series:
    """Float64; numbers (and None) convert at C speed, anything odd goes through pandas."""
    if values.dtype == object:
        try:
            return pd.Series(np.array(values.to_numpy(), dtype="float64"), index=values.index)
        except (TypeError, ValueError):
            pass
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _categorical(values: pd.Series) -> pd.Series:
    """Text categories (missing stays missing); numbers written as the dataset writes them."""
    text = values.astype(object)
    if pd.api.types.infer_dtype(text, skipna=True) in ("string", "empty"):
        return text
    mask = text.notna()
    return text.where(~mask, text[mask].map(_text)).astype(object)


def _boolean(values: pd.Series) -> pd.Series:
    """Booleans as the dataset stores them (True/False); yes/no, 1/0 and true/false as sent."""
    from mlops_desktop.data.schema import FALSE_TOKENS, TRUE_TOKENS

    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    text = values.astype(str).str.strip().str.lower().where(values.notna())
    mapping = {t: True for t in TRUE_TOKENS} | {f: False for f in FALSE_TOKENS}
    mapping |= {"1.0": True, "0.0": False}
    return text.map(mapping).astype("boolean")


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _build(ws: Workspace, version_id: int) -> Reference:
    version = ws.models.by_id(version_id)
    run = ws.runs.get(version.run_id)
    signature = version.signature or run.config.get("signature") or {}
    inputs = signature.get("inputs") or []
    if not inputs:
        raise InputError(
            f"{version.ref} has no input signature, so its traffic cannot be compared with its "
            "training data. Retrain it with this version of MLOps Desktop."
        )
    dataset = ws.datasets.get_by_id(run.dataset_version_id)
    frame, test_mask = ws.datasets.load_frame(dataset)
    train = frame.loc[~test_mask].reset_index(drop=True)
    if len(train) == 0:
        raise InputError(f"{dataset.ref} has no training rows to use as the reference.")
    types = {spec["name"]: spec.get("type", "categorical") for spec in inputs}
    missing = [c for c in types if c not in train.columns]
    if missing:
        raise InputError(
            f"{dataset.ref} lacks the input column(s) {', '.join(missing)} of {version.ref}; "
            "the reference cannot be built."
        )
    output = signature.get("output") or {}
    ref = Reference(
        version_id=version.id,
        version_ref=version.ref,
        dataset_ref=dataset.ref,
        frame=cast_like(train[list(types)], types),
        kinds={c: KIND_OF_TYPE.get(t, "categorical") for c, t in types.items()},
        types=types,
        task=output.get("task"),
        target=output.get("name"),
        classes=list(output.get("classes") or []),
        positive_index=positive_index(signature),
    )
    pipeline = ws.artifacts.load_object(ws.models.bound_artifact(version))
    _reference_predictions(ref, pipeline, train[list(types)])
    return ref


def _reference_predictions(ref: Reference, pipeline, features: pd.DataFrame) -> None:
    """The model's outputs on its own training rows, reduced to one value per row."""
    if ref.task == "regression":
        values = np.asarray(pipeline.predict(features), dtype=float)
        ref.prediction_kind = "numeric"
        finite = values[np.isfinite(values)]
        lo, hi = np.quantile(finite, [0.01, 0.99]) if finite.size else (0.0, 1.0)
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        ref.prediction_edges = [float(e) for e in np.linspace(lo, hi, PREDICTION_BINS + 1)]
    elif ref.positive_index is not None and hasattr(pipeline, "predict_proba"):
        values = np.asarray(pipeline.predict_proba(features))[:, ref.positive_index]
        ref.prediction_kind = "probability"
        ref.prediction_edges = [float(e) for e in np.linspace(0, 1, PREDICTION_BINS + 1)]
    else:
        values = np.asarray(pipeline.predict(features)).astype(object)
        values = np.array([_text(v) for v in values], dtype=object)
        ref.prediction_kind = "label"
    ref.predictions = values
