"""Test: check a registered model version against its quality gate and behavioural tests."""

from __future__ import annotations

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.pages.base import Page
from mlops_desktop.ui.widgets import EmptyStateSpec


class TestPage(Page):
    __test__ = False  # not a pytest test class, despite the name

    name = "test"
    title = "Test"
    explanation = "Check a registered model version against its quality gate and behavioural tests."
    glyph = "test"
    overview = {"model_versions": "registered model versions"}

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return summary is None or summary.model_versions == 0

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        if summary is None or summary.runs == 0:
            return EmptyStateSpec(
                heading="No models to test yet",
                text="Train a model and register its best run; its tests and quality gate run here.",
                action_label="Go to &Train",
                action_page="train",
            )
        return EmptyStateSpec(
            heading="No registered models yet",
            text="Register a finished run on the Train page to test it against a quality gate.",
            command="mlops-desktop test credit@1",
            action_label="Go to &Train",
            action_page="train",
        )
