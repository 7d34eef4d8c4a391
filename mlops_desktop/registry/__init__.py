"""The workspace registry: SQLite metadata, content-addressed artifacts, typed entities."""

from mlops_desktop.registry.artifacts import ArtifactStore
from mlops_desktop.registry.workspace import Workspace, is_workspace

__all__ = ["ArtifactStore", "Workspace", "is_workspace"]
