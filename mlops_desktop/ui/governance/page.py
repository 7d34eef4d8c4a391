"""Govern: the audit trail, personal-data inventory and decisions waiting for review.

The page is a row of tabs, one per part of governance. Each tab is its own module under
``ui/governance/`` and is listed in ``TABS`` below; a tab is a QWidget with ``title`` and
``refresh(model)``, and reads the registry off the GUI thread (``ui/runtime/background.py``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.governance.audit_tab import AuditTrailTab
from mlops_desktop.ui.governance.erasure_tab import ErasureTab
from mlops_desktop.ui.governance.explain_tab import ExplainTab
from mlops_desktop.ui.governance.model import OVERVIEW, empty_spec, nothing_recorded
from mlops_desktop.ui.governance.personal_data_tab import PersonalDataTab
from mlops_desktop.ui.governance.review_tab import ReviewTab
from mlops_desktop.ui.kit.specs import EmptyStateSpec
from mlops_desktop.ui.runtime.page import Page
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

#: The tab classes, in the order they appear (each takes the page's WorkspaceModel).
TABS: tuple[type, ...] = (ReviewTab, ExplainTab, PersonalDataTab, ErasureTab, AuditTrailTab)


class GovernPage(Page):
    name = "govern"
    title = "Govern"
    explanation = "Audit trail, personal-data inventory and decisions waiting for review."
    glyph = "govern"
    overview = OVERVIEW

    def build_content(self) -> QWidget:
        if not TABS:
            return super().build_content()
        widget = QWidget()
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 4, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("governTabs")
        self.tab_widgets = [tab(self.model) for tab in TABS]
        for tab in self.tab_widgets:
            self.tabs.addTab(tab, tab.title)
        layout.addWidget(self.tabs)
        return widget

    def badge_count(self, model: WorkspaceModel) -> int:
        """Decisions waiting for a person (the rail's badge)."""
        return model.summary.reviews_pending if model.summary is not None else 0

    def show_tab(self, kind: type) -> QWidget:
        """Bring the tab of class ``kind`` to the front and return it."""
        tab = next(t for t in self.tab_widgets if isinstance(t, kind))
        self.tabs.setCurrentWidget(tab)
        return tab

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return nothing_recorded(summary)

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        return empty_spec()

    def update_content(self, model: WorkspaceModel) -> None:
        if not TABS:
            super().update_content(model)
            return
        for tab in self.tab_widgets:
            tab.refresh(model)
