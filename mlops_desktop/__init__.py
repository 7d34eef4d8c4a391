"""MLOps Desktop: train, test, deploy and monitor scikit-learn models offline."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def register(pipeline: Any, dataset: str, workspace: Any, name: str, reason: str = "") -> str:
    """Register a fitted scikit-learn pipeline from a notebook as ``name@N`` (see
    ``mlops_desktop.notebook.register``); imports its machinery on use."""
    from mlops_desktop.notebook import register as _register

    return _register(pipeline, dataset=dataset, workspace=workspace, name=name, reason=reason)


def training_data(dataset: str, workspace: Any) -> tuple[Any, Any, Any]:
    """``(X, y, test_mask)`` of a dataset version, typed as a model receives them (see
    ``mlops_desktop.notebook.training_data``)."""
    from mlops_desktop.notebook import training_data as _training_data

    return _training_data(dataset, workspace=workspace)
