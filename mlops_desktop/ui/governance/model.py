"""What the Govern page shows, computed from the workspace summary (Qt-free): which counts its
overview cards show, when it has nothing to show, and what its empty state says.

Everything here runs without a display, so it is tested without Qt.
"""

from __future__ import annotations

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.kit.specs import EmptyStateSpec

#: The overview cards: summary field → caption.
OVERVIEW = {
    "datasets": "datasets",
    "model_versions": "model versions",
    "deployments": "deployments",
}


def nothing_recorded(summary: WorkspaceSummary | None) -> bool:
    """True until the workspace holds a dataset version or a model version."""
    return summary is None or (summary.dataset_versions == 0 and summary.model_versions == 0)


def empty_spec() -> EmptyStateSpec:
    """What the Govern page says while nothing is recorded."""
    return EmptyStateSpec(
        heading="Nothing recorded yet",
        text="Every change to datasets, models and deployments is recorded here in a "
        "tamper-evident audit trail.",
        command="mlops-desktop audit list",
    )
