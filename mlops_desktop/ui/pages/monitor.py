"""Monitor: traffic, drift and quality of deployed models, and alerts to act on."""

from __future__ import annotations

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.pages.base import Page
from mlops_desktop.ui.widgets import EmptyStateSpec
from mlops_desktop.ui.workspace_model import WorkspaceModel


class MonitorPage(Page):
    name = "monitor"
    title = "Monitor"
    explanation = "Watch the traffic, drift and quality of deployed models, and act on alerts."
    glyph = "monitor"
    overview = {"deployments": "deployments", "open_alerts": "open alerts"}

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return summary is None or (summary.deployments == 0 and summary.open_alerts == 0)

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        return EmptyStateSpec(
            heading="Nothing to monitor yet",
            text="Once a model is deployed, its traffic, drift and alerts appear here.",
            command="mlops-desktop monitor credit",
            action_label="Go to De&ploy",
            action_page="deploy",
        )

    def badge_count(self, model: WorkspaceModel) -> int:
        return model.summary.open_alerts if model.summary is not None else 0
