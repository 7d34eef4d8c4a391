"""Govern: the audit trail, personal-data inventory and decisions waiting for review."""

from __future__ import annotations

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.kit.specs import EmptyStateSpec
from mlops_desktop.ui.runtime.page import Page


class GovernPage(Page):
    name = "govern"
    title = "Govern"
    explanation = "Audit trail, personal-data inventory and decisions waiting for review."
    glyph = "govern"
    overview = {
        "datasets": "datasets",
        "model_versions": "model versions",
        "deployments": "deployments",
    }

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return summary is None or (summary.dataset_versions == 0 and summary.model_versions == 0)

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        return EmptyStateSpec(
            heading="Nothing recorded yet",
            text="Every change to datasets, models and deployments is recorded here in a "
            "tamper-evident audit trail.",
            command="mlops-desktop audit verify",
        )
