"""The files of an export: a joblib or skops file, or an MLflow sklearn model folder written
without mlflow (``MLmodel``, ``model.pkl``, ``requirements.txt``, ``conda.yaml``,
``python_env.yaml``) that ``mlflow.pyfunc.load_model`` and ``mlflow.sklearn.load_model`` read.
"""

from __future__ import annotations

import json
import pickle
import platform
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mlops_desktop.training.column_order import ordered_inputs

#: MLflow's column types for the signature's kinds (whole numbers are ``long``, as MLflow infers).
MLFLOW_TYPES = {"numeric": "double", "boolean": "boolean", "categorical": "string"}


def mlflow_type(spec: dict) -> str:
    """MLflow's type for one input: ``long`` for a whole-number column without missing values."""
    dtype = str(spec.get("dtype") or "").lower()
    if spec["type"] == "numeric" and dtype.startswith(("int", "uint")):
        return "long"
    return MLFLOW_TYPES.get(spec["type"], "string")


def mlflow_signature(signature: dict) -> dict[str, str]:
    """The signature in MLflow's JSON column format (inputs in the training frame's order)."""
    inputs = [
        {"type": mlflow_type(spec), "name": spec["name"], "required": True}
        for spec in ordered_inputs(signature)
    ]
    task = (signature.get("output") or {}).get("task")
    output = [{"type": "double" if task == "regression" else "string", "required": True}]
    return {"inputs": json.dumps(inputs), "outputs": json.dumps(output), "params": None}


def requirements() -> list[str]:
    """Pinned requirements of the exported model (scikit-learn must match to unpickle)."""
    import numpy
    import pandas
    import scipy
    import sklearn

    return [
        "mlflow",
        f"scikit-learn=={sklearn.__version__}",
        f"numpy=={numpy.__version__}",
        f"pandas=={pandas.__version__}",
        f"scipy=={scipy.__version__}",
    ]


def _yaml(path: Path, data: dict) -> None:
    import yaml

    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def write_mlflow(folder: Path, model: Any, signature: dict, meta: dict) -> list[str]:
    """An MLflow sklearn model folder for ``model`` (pickled with the standard library)."""
    import sklearn

    with open(folder / "model.pkl", "wb") as handle:
        pickle.dump(model, handle, protocol=pickle.DEFAULT_PROTOCOL)
    reqs = requirements()
    (folder / "requirements.txt").write_text("\n".join(reqs) + "\n", encoding="utf-8")
    python = platform.python_version()
    _yaml(
        folder / "conda.yaml",
        {
            "channels": ["conda-forge"],
            "dependencies": [f"python={python}", "pip", {"pip": reqs}],
            "name": "mlflow-env",
        },
    )
    _yaml(
        folder / "python_env.yaml",
        {
            "python": python,
            "build_dependencies": ["pip", "setuptools", "wheel"],
            "dependencies": ["-r requirements.txt"],
        },
    )
    _yaml(
        folder / "MLmodel",
        {
            "flavors": {
                "python_function": {
                    "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
                    "loader_module": "mlflow.sklearn",
                    "model_path": "model.pkl",
                    "predict_fn": "predict",
                    "python_version": python,
                },
                "sklearn": {
                    "code": None,
                    "pickled_model": "model.pkl",
                    "serialization_format": "pickle",
                    "sklearn_version": sklearn.__version__,
                },
            },
            "metadata": {"exported_by": "mlops-desktop", **meta},
            "model_uuid": uuid.uuid4().hex,
            "signature": mlflow_signature(signature),
            "utc_time_created": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f"),
        },
    )
    return ["MLmodel", "model.pkl", "requirements.txt", "conda.yaml", "python_env.yaml"]


def write_export(folder: Path, fmt: str, model: Any, signature: dict, meta: dict) -> list[str]:
    """Write ``model`` in ``fmt`` into ``folder``; the names of the files written."""
    if fmt == "mlflow":
        return write_mlflow(folder, model, signature, meta)
    if fmt == "skops":
        import skops.io as sio

        sio.dump(model, folder / "model.skops")
        written = ["model.skops"]
    elif fmt == "onnx":  # ``model`` is the checked ONNX model's bytes
        (folder / "model.onnx").write_bytes(model)
        written = ["model.onnx"]
    else:
        import joblib

        joblib.dump(model, folder / "model.joblib")
        written = ["model.joblib"]
    info = {
        **meta,
        "columns": [
            {"name": spec["name"], "type": spec["type"]} for spec in ordered_inputs(signature)
        ],
        "output": signature.get("output") or {},
        "requirements": requirements()[1:],
    }
    (folder / "signature.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return [*written, "signature.json"]
