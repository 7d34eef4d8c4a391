"""The notebook's way in: ``training_data`` gives a dataset version's rows as every model here
receives them, ``register`` registers a pipeline fitted on them (``mlops_desktop.register``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


def training_data(dataset: str, workspace: str | Path) -> tuple[Any, Any, Any]:
    """``(X, y, test_mask)`` of dataset version ``dataset`` (``name@N``) in ``workspace``.

    ``X`` holds the feature columns typed as a model receives them when it scores (numbers and
    booleans as floats, categories as text); ``y`` is the target (text for a classifier). Fit on
    ``X[~test_mask]`` so the holdout evaluation at registration stays honest.
    """
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.training.preprocessing import SchemaCoercer, feature_columns

    with Workspace.open(workspace, create=False) as ws:
        version = ws.datasets.get(dataset)
        frame, test_mask = ws.datasets.load_frame(version)
    roles = dict(version.roles)
    groups = feature_columns(version.schema, roles)
    listed = {c for cols in groups.values() for c in cols}
    kinds = {c: k for k, cols in groups.items() for c in cols}
    types = {c: kinds[c] for c in frame.columns if c in listed}
    X = SchemaCoercer(types).transform(frame)  # noqa: N806 - scikit-learn naming
    y = frame[roles["target"]]
    if roles.get("task") != "regression":
        y = y.astype(str)
    return X, y, test_mask


def register(
    pipeline: Any,
    dataset: str,
    workspace: str | Path,
    name: str,
    reason: str = "",
) -> str:
    """Register a fitted scikit-learn ``pipeline`` as the next version of ``name``, evaluated on
    ``dataset``'s holdout like a model trained in the app; return its ``name@N``.

    Raises ``mlops_desktop.errors.InputError`` (nothing registered) when it does not fit the data.
    """
    import joblib

    from mlops_desktop.jobs.inline import run_inline
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.training.import_job import import_model

    with tempfile.TemporaryDirectory(prefix="mlops-register-") as tmp:
        path = Path(tmp) / "model.joblib"
        joblib.dump(pipeline, path)  # the caller's own object: nothing foreign is unpickled
        with Workspace.open(workspace, create=False) as ws:
            _, result = run_inline(
                ws,
                import_model,
                {
                    "path": str(path),
                    "name": name,
                    "dataset": dataset,
                    "reason": reason,
                    "trust": True,
                    "origin_format": "python object (joblib)",
                    "origin_name": f"{type(pipeline).__name__} from a notebook",
                },
                title=f"Register {type(pipeline).__name__} as {name}",
            )
    return result["registered"]
