"""ONNX export through skl2onnx, where it can convert the pipeline (the optional ``[onnx]`` extra).

The plain scikit-learn copy (``model_export.plain_pipeline``) is converted with one input per
column, text as strings and everything else as doubles, then run by onnxruntime on every row
of the model's dataset: it is written only when it gives the copy's labels on every row and its
probabilities or values within ``TOLERANCE`` (ONNX tree ensembles compute in 32-bit floats).
Where skl2onnx or onnxruntime cannot take the pipeline, the export is refused with their reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.errors import InputError
from mlops_desktop.training.column_order import ordered_inputs

TOLERANCE = 1e-5
_OTHER_FORMATS = "Export as mlflow, skops or joblib instead."


def _libraries() -> tuple[Any, Any]:
    try:
        import onnxruntime
        import skl2onnx
    except ImportError:
        raise InputError(
            "ONNX export needs skl2onnx and onnxruntime, which are not installed: "
            f"pip install 'mlops-desktop[onnx]'. {_OTHER_FORMATS}"
        ) from None
    return skl2onnx, onnxruntime


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _inputs(signature: dict) -> list[tuple[str, bool]]:
    """``(column, is text)`` in the training frame's order."""
    return [(spec["name"], spec["type"] == "categorical") for spec in ordered_inputs(signature)]


def _feeds(typed: pd.DataFrame, columns: list[tuple[str, bool]]) -> dict[str, np.ndarray]:
    feeds = {}
    for name, text in columns:
        values = typed[name]
        feeds[name] = (
            values.astype(object).where(values.notna(), "").astype(str).to_numpy().reshape(-1, 1)
            if text
            else values.astype(np.float64).to_numpy().reshape(-1, 1)
        )
    return feeds


def convert(plain: Any, signature: dict, task: str) -> bytes:
    """The ONNX model of ``plain`` (InputError with skl2onnx's reason when it cannot)."""
    skl2onnx, _ = _libraries()
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType

    columns = _inputs(signature)
    types = [
        (n, StringTensorType([None, 1]) if t else DoubleTensorType([None, 1])) for n, t in columns
    ]
    final = plain.steps[-1][1] if hasattr(plain, "steps") else plain
    options = {id(final): {"zipmap": False}} if task != "regression" else None
    try:
        return skl2onnx.to_onnx(plain, initial_types=types, options=options).SerializeToString()
    except Exception as exc:  # noqa: BLE001 - the converter's own reason, shown to the user
        raise InputError(
            f"skl2onnx cannot convert this pipeline ({type(exc).__name__}: {_first_line(exc)}). "
            f"{_OTHER_FORMATS}"
        ) from None


def check(model: bytes, plain: Any, typed: pd.DataFrame, signature: dict, task: str) -> float:
    """Run the ONNX model on ``typed`` with onnxruntime; refuse unless it answers as ``plain``
    does. The largest difference in probabilities (or values) it showed."""
    _, onnxruntime = _libraries()
    try:
        session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
        outputs = session.run(None, _feeds(typed, _inputs(signature)))
    except Exception as exc:  # noqa: BLE001 - the runtime's own reason, shown to the user
        raise InputError(
            f"onnxruntime cannot run the converted model ({_first_line(exc)}). {_OTHER_FORMATS}"
        ) from None
    if task == "regression":
        expected, got = plain.predict(typed).astype(np.float64), np.ravel(outputs[0])
    else:
        labels = np.ravel(outputs[0]).astype(str)
        if not np.array_equal(labels, plain.predict(typed).astype(str)):
            wrong = int(np.sum(labels != plain.predict(typed).astype(str)))
            raise InputError(
                f"The ONNX model gives other labels on {wrong:,} of {len(typed):,} rows, so it "
                f"was not exported. {_OTHER_FORMATS}"
            )
        expected, got = plain.predict_proba(typed), np.asarray(outputs[1], dtype=np.float64)
    largest = float(np.max(np.abs(expected - got))) if len(typed) else 0.0
    if not largest <= TOLERANCE:
        raise InputError(
            f"The ONNX model's answers differ from the model's by up to {largest:.2g} (more than "
            f"{TOLERANCE:g}), so it was not exported. {_OTHER_FORMATS}"
        )
    return largest
