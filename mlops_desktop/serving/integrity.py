"""Artifact checks before a model version goes live or is loaded by the service.

A version's artifact must be the one recorded when it was registered (the ``model.register``
audit event holds its hash), its bytes must still hash to that address, and it must unpickle
into an estimator with ``predict``. Anything else raises ``ArtifactIntegrityError`` (exit 2:
the artifact cannot be used as it is, and ``--force`` does not override it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_desktop.errors import ArtifactError, ArtifactIntegrityError
from mlops_desktop.registry.entities import ModelVersion

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace


def load_verified(ws: Workspace, version: ModelVersion) -> Any:
    """Unpickle ``version``'s pipeline once its hash is bound and its bytes check out."""
    digest = ws.models.bound_artifact(version)  # before reading a byte of the file
    try:
        pipeline = ws.artifacts.load_object(digest)
    except ArtifactError:
        raise
    except Exception as exc:  # noqa: BLE001 - a truncated, foreign or incompatible pickle
        raise ArtifactIntegrityError(
            f"The artifact of {version.ref} could not be unpickled "
            f"({type(exc).__name__}: {exc}). It was not loaded.",
        ) from exc
    if not callable(getattr(pipeline, "predict", None)):
        raise ArtifactIntegrityError(
            f"The artifact of {version.ref} holds a {type(pipeline).__name__}, not a model "
            "with predict. It was not loaded."
        )
    return pipeline


def check_promotable(ws: Workspace, version: ModelVersion) -> None:
    """Refuse to promote ``version`` unless its artifact loads as registered."""
    try:
        load_verified(ws, version)
    except ArtifactError as exc:
        raise type(exc)(
            f"{version.ref} cannot go live: {exc.message} Nothing was changed; the live "
            "version stays as it is.",
            details=exc.details,
        ) from exc
