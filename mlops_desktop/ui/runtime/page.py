"""The Page base class every step of the loop (Data … Govern) derives from.

A page has a header (title, one-line explanation, room for actions on the right) and a body that
shows either its empty state or its content. Pages override ``build_content``, ``is_empty``,
``update_content`` and ``badge_count``; the main window calls ``refresh(model)`` whenever the
workspace or its summary changes. A page never calls the window: it emits a signal, which the
window connects.
"""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.kit.labels import mute, scaled_font
from mlops_desktop.ui.kit.specs import EmptyStateSpec
from mlops_desktop.ui.kit.widgets import EmptyState, StatCards
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

PAGE_MARGIN = 16


class Page(QWidget):
    """One step of the loop. Subclasses set the class attributes and override the hooks.

    Signals:
        navigate_requested(str): ask the window to show another page by name ("train", …).
        badge_changed(int): the page's "needs attention" count changed outside ``refresh``.
        status_message(str, int): show a passing message in the status bar for N ms.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    explanation: ClassVar[str] = ""
    glyph: ClassVar[str] = ""
    #: Overview cards shown until a later issue supplies real content: summary field → caption.
    overview: ClassVar[dict[str, str]] = {}

    navigate_requested = Signal(str)
    badge_changed = Signal(int)
    status_message = Signal(str, int)

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName(f"page_{self.name}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(PAGE_MARGIN + 8, PAGE_MARGIN, PAGE_MARGIN + 8, PAGE_MARGIN)
        layout.setSpacing(12)

        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title_label = QLabel(self.title)
        self.title_label.setObjectName("pageTitle")
        self.title_label.setFont(scaled_font(self, 1.7, bold=True))
        self.explanation_label = QLabel(self.explanation)
        self.explanation_label.setObjectName("pageExplanation")
        self.explanation_label.setWordWrap(True)
        titles.addWidget(self.title_label)
        titles.addWidget(self.explanation_label)
        header.addLayout(titles, 1)
        #: Page-level buttons go here (right-aligned in the header).
        self.header_actions = QHBoxLayout()
        self.header_actions.setSpacing(8)
        header.addLayout(self.header_actions)
        layout.addLayout(header)

        self.body = QStackedWidget()
        self.empty_state = EmptyState(self.glyph)
        self.empty_state.action_requested.connect(self.navigate_requested)
        self.content = self.build_content()
        self.body.addWidget(self.empty_state)
        self.body.addWidget(self.content)
        layout.addWidget(self.body, 1)
        mute(self.explanation_label, self)
        self.empty_state.set_spec(self.empty_spec(None))

    # -- hooks for subclasses ----------------------------------------------------------------

    def build_content(self) -> QWidget:
        """The widget shown when the page has something to show (called once, at start)."""
        widget = QWidget()
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 8, 0, 0)
        self.overview_cards = StatCards(self.overview)
        layout.addWidget(self.overview_cards)
        layout.addStretch(1)
        return widget

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        """True when the page has nothing to show yet, so its empty state appears."""
        return True

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        """What the empty state says (may depend on what else the workspace holds)."""
        return EmptyStateSpec(self.title, self.explanation)

    def update_content(self, model: WorkspaceModel) -> None:
        """Fill ``content`` from the model (only called when the page is not empty)."""
        if model.summary is not None and self.overview:
            self.overview_cards.set_values(
                {key: int(getattr(model.summary, key)) for key in self.overview}
            )

    def badge_count(self, model: WorkspaceModel) -> int:
        """How many things on this page need attention (shown on the navigation rail)."""
        return 0

    # -- called by the window ----------------------------------------------------------------

    def refresh(self, model: WorkspaceModel) -> None:
        """Show the empty state or the content for the model's current state."""
        summary = model.summary
        if self.is_empty(summary):
            self.empty_state.set_spec(self.empty_spec(summary))
            self.body.setCurrentWidget(self.empty_state)
        else:
            self.update_content(model)
            self.body.setCurrentWidget(self.content)

    def showing_empty_state(self) -> bool:
        return self.body.currentWidget() is self.empty_state

    def changeEvent(self, event) -> None:
        if event.type() == event.Type.PaletteChange:
            mute(self.explanation_label, self)
        super().changeEvent(event)
