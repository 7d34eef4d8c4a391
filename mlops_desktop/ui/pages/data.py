"""Data: import tabular files, check them, save named and versioned datasets."""

from __future__ import annotations

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.pages.base import Page
from mlops_desktop.ui.widgets import EmptyStateSpec


class DataPage(Page):
    name = "data"
    title = "Data"
    explanation = "Import tabular data, check it for problems and save named, versioned datasets."
    glyph = "data"
    overview = {"datasets": "datasets", "dataset_versions": "dataset versions"}

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return summary is None or summary.dataset_versions == 0

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        return EmptyStateSpec(
            heading="No datasets yet",
            text="Import a CSV, Excel or Parquet file to create your first dataset.",
            command="mlops-desktop data import credit.csv --name credit",
        )
