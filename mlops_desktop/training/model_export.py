"""Export a model version as plain scikit-learn: no MLOps Desktop class inside, so it loads with
scikit-learn alone (and with mlflow, from the MLflow folder).

The stored pipeline starts with ``SchemaCoercer`` (types and column choice) and encodes
categories after ``ToObject``; the copy drops the first (its ColumnTransformer picks columns by
name) and replaces the second with a fitted ``SimpleImputer`` filling the same marker. The copy
takes a frame typed as the signature says (numbers and yes/no columns as floats, categories as
text) and is checked to predict exactly as the stored pipeline on every row of the dataset.
"""

from __future__ import annotations

import copy
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError
from mlops_desktop.training.column_order import ordered_inputs
from mlops_desktop.training.preprocessing import (
    MISSING_CATEGORY,
    DatetimeFeatures,
    SchemaCoercer,
    ToObject,
)

FORMATS = ("mlflow", "skops", "joblib", "onnx")


def input_types(signature: dict) -> dict[str, str]:
    """``{column: kind}`` of the signature's inputs, in the training frame's column order."""
    return {spec["name"]: spec["type"] for spec in ordered_inputs(signature)}


def typed_frame(frame: pd.DataFrame, signature: dict) -> pd.DataFrame:
    """``frame``'s input columns typed as the exported model expects them (the signature's)."""
    return SchemaCoercer(input_types(signature)).transform(frame)


def _plain_text_step(columns: list[str], typed: pd.DataFrame) -> Any:
    """A fitted SimpleImputer doing ToObject's work on text columns: missing -> the marker."""
    from sklearn.impute import SimpleImputer

    imputer = SimpleImputer(
        strategy="constant", fill_value=MISSING_CATEGORY, keep_empty_features=True
    )
    return imputer.fit(typed[columns].astype(object))


def _replace_steps(estimator: Any, typed: pd.DataFrame, columns: list[str] | None = None) -> Any:
    """``estimator`` with every ToObject replaced (in place, recursively); DatetimeFeatures refused."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, DatetimeFeatures):
        raise InputError(
            "This model turns date columns into numbers with an MLOps Desktop step that has no "
            "plain scikit-learn equivalent yet, so it cannot be exported."
        )
    if isinstance(estimator, ToObject):
        if columns is None:
            raise InputError("The model's text encoding is not inside a column transformer.")
        return _plain_text_step(columns, typed)
    if isinstance(estimator, Pipeline):
        estimator.steps = [
            (name, _replace_steps(step, typed, columns)) for name, step in estimator.steps
        ]
    elif isinstance(estimator, ColumnTransformer):
        for attribute in ("transformers", "transformers_"):
            entries = getattr(estimator, attribute, None)
            if entries is None:
                continue
            setattr(
                estimator,
                attribute,
                [
                    (name, _replace_steps(step, typed, _names(cols)), cols)
                    for name, step, cols in entries
                ],
            )
    return estimator


def _names(columns: Any) -> list[str] | None:
    if isinstance(columns, str):
        return [columns]
    try:
        names = list(columns)
    except TypeError:
        return None
    return names if all(isinstance(n, str) for n in names) else None


def plain_pipeline(pipeline: Any, typed: pd.DataFrame) -> Any:
    """A deep copy of the stored ``pipeline`` made of scikit-learn classes only."""
    from sklearn.pipeline import Pipeline

    plain = copy.deepcopy(pipeline)
    if isinstance(plain, Pipeline) and isinstance(plain.steps[0][1], SchemaCoercer):
        rest = plain.steps[1:]
        plain = rest[0][1] if len(rest) == 1 else Pipeline(rest)
    plain = _replace_steps(plain, typed)
    leftovers = _own_classes(plain)
    if leftovers:
        raise InputError(
            f"The model holds MLOps Desktop classes that cannot be replaced: {', '.join(leftovers)}."
        )
    return plain


def _own_classes(obj: Any) -> list[str]:
    """Classes of this package that unpickling ``obj`` would need."""
    import pickletools

    found: set[str] = set()
    data = pickle.dumps(obj, protocol=4)
    strings = [arg for _op, arg, _pos in pickletools.genops(data) if isinstance(arg, str)]
    for index, text in enumerate(strings):
        if text.startswith("mlops_desktop") and index + 1 < len(strings):
            found.add(f"{text}.{strings[index + 1]}")
    return sorted(found)


def native_frame(frame: pd.DataFrame, signature: dict) -> pd.DataFrame:
    """``frame``'s input columns as a client of the export sends them: whole numbers as integers,
    yes/no columns as booleans, categories as text (the MLflow signature's types)."""
    out = {}
    for name, kind in input_types(signature).items():
        values = frame[name]
        if kind == "categorical":
            out[name] = values.astype(object).where(values.notna(), np.nan)
        elif kind == "boolean" and not values.isna().any():
            out[name] = values.astype(bool)
        elif kind in ("numeric", "boolean") and pd.api.types.is_integer_dtype(values):
            out[name] = values.astype("int64")
        else:
            out[name] = pd.to_numeric(values, errors="coerce").astype("float64")
    return pd.DataFrame(out, index=frame.index)


def predictions(model: Any, frame: pd.DataFrame, task: str) -> np.ndarray:
    """What a model answers for ``frame``: probabilities for a classifier, values otherwise."""
    if task == "regression":
        return np.asarray(model.predict(frame), dtype="float64")
    return np.asarray(model.predict_proba(frame), dtype="float64")


def check_identical(
    pipeline: Any, plain: Any, frame: pd.DataFrame, signature: dict, task: str
) -> int:
    """Refuse the export unless ``plain`` answers as ``pipeline`` on every row; the row count."""
    expected = predictions(pipeline, frame, task)
    for typed in (typed_frame(frame, signature), native_frame(frame, signature)):
        got = predictions(plain, typed, task)
        if expected.shape != got.shape or not np.array_equal(expected, got):
            diff = float(np.max(np.abs(expected - got))) if expected.shape == got.shape else "shape"
            raise InputError(
                f"The plain scikit-learn copy does not predict exactly as the model (largest "
                f"difference {diff}), so it was not exported."
            )
        if task != "regression" and not np.array_equal(
            pipeline.predict(frame), plain.predict(typed)
        ):
            raise InputError("The plain scikit-learn copy predicts other labels; not exported.")
    return len(frame)


def prepare_directory(directory: Path | str) -> Path:
    """The export folder: created when missing, refused when it holds anything."""
    path = Path(directory).expanduser()
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(f"{path} is not an empty folder; choose a new or empty one.")
    if not path.parent.is_dir():
        raise InputError(f"The folder {path.parent} does not exist.")
    return path


def _remove_written(folder: Path, created: bool) -> None:
    """Undo a failed export: the folder's files (and the folder when the export created it)."""
    for path in folder.iterdir():
        path.unlink()
    if created:
        folder.rmdir()


def export_model(ws: Any, ref: str, fmt: str, directory: Path | str) -> dict[str, Any]:
    """Write model version ``ref`` as ``fmt`` (mlflow, skops, joblib, onnx) into ``directory``."""
    from mlops_desktop.training.export_formats import write_export

    if fmt not in FORMATS:
        raise InputError(f"Unknown export format '{fmt}': use one of {', '.join(FORMATS)}.")
    version = ws.models.get(ref)
    run = ws.runs.get(version.run_id)
    dataset = ws.datasets.get_by_id(run.dataset_version_id)
    target = prepare_directory(directory)
    signature = version.signature or run.config.get("signature") or {}
    task = str((signature.get("output") or {}).get("task") or run.config.get("task"))
    pipeline = ws.artifacts.load_object(ws.models.bound_artifact(version))
    frame, _ = ws.datasets.load_frame(dataset)
    typed = typed_frame(frame, signature)
    plain = plain_pipeline(pipeline, typed)
    checked = check_identical(pipeline, plain, frame, signature, task)
    written, difference = plain, None
    if fmt == "onnx":  # converted, then run on every row before anything is written
        from mlops_desktop.training import onnx_export

        written = onnx_export.convert(plain, signature, task)
        difference = onnx_export.check(written, plain, typed, signature, task)
    created = not target.exists()
    target.mkdir(exist_ok=True)
    try:
        files = write_export(
            target, fmt, written, signature, {"model": version.ref, "dataset": dataset.ref}
        )
    except BaseException:
        _remove_written(target, created)
        raise
    ws.audit.record(
        "model.export",
        "model_version",
        version.ref,
        {"format": fmt, "directory": str(target.resolve()), "files": files},
    )
    return {
        "model": version.ref,
        "format": fmt,
        "directory": str(target.resolve()),
        "files": files,
        "dataset": dataset.ref,
        "checked_rows": checked,
        "largest_difference": difference,  # ONNX only: its answers against the model's
    }
