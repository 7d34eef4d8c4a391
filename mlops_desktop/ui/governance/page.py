"""Govern: the audit trail, personal-data inventory and decisions waiting for review."""

from __future__ import annotations

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.governance.model import OVERVIEW, empty_spec, nothing_recorded
from mlops_desktop.ui.kit.specs import EmptyStateSpec
from mlops_desktop.ui.runtime.page import Page


class GovernPage(Page):
    name = "govern"
    title = "Govern"
    explanation = "Audit trail, personal-data inventory and decisions waiting for review."
    glyph = "govern"
    overview = OVERVIEW

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return nothing_recorded(summary)

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        return empty_spec()
