"""Deploy: serve a tested model version on this machine, live, canary or shadow."""

from __future__ import annotations

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.pages.base import Page
from mlops_desktop.ui.widgets import EmptyStateSpec


class DeployPage(Page):
    name = "deploy"
    title = "Deploy"
    explanation = "Serve a tested model version on this machine: live, as a canary or in shadow."
    glyph = "deploy"
    overview = {"deployments": "deployments", "model_versions": "model versions"}

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return summary is None or summary.deployments == 0

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        if summary is None or summary.model_versions == 0:
            return EmptyStateSpec(
                heading="Nothing to deploy yet",
                text="Deploy needs a registered model version that passed its tests.",
                action_label="Go to T&est",
                action_page="test",
            )
        return EmptyStateSpec(
            heading="Nothing deployed yet",
            text="Deploy a model version that passed its tests to serve predictions on this "
            "machine.",
            command="mlops-desktop deploy credit@1",
        )
