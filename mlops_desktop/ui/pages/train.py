"""Train: fit scikit-learn models on a dataset version and compare the runs."""

from __future__ import annotations

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.pages.base import Page
from mlops_desktop.ui.widgets import EmptyStateSpec


class TrainPage(Page):
    name = "train"
    title = "Train"
    explanation = "Train scikit-learn models on a dataset version and compare the runs."
    glyph = "train"
    overview = {"runs": "runs", "model_versions": "registered model versions"}

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return summary is None or summary.runs == 0

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        if summary is None or summary.dataset_versions == 0:
            return EmptyStateSpec(
                heading="Nothing to train on yet",
                text="Training needs a dataset. Import one on the Data page first.",
                action_label="Go to &Data",
                action_page="data",
            )
        return EmptyStateSpec(
            heading="No training runs yet",
            text="Choose a dataset version and a model family to start your first training run.",
            command="mlops-desktop train credit@1 --target creditability",
        )
