"""Monitor's request view and the counts it keeps in step: a mixin of ``MonitorPage``.

It expects ``tabs``, ``model``, ``poller``, ``snapshot``, ``requests`` and ``reload_summary``.
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import QWidget

from mlops_desktop.ui.kit.widgets import scrolling
from mlops_desktop.ui.monitoring.model import MonitorSnapshot

REQUESTS_TAB = 5
AGREE_EVERY_S = 5.0  # the counts are re-read at most this often when a poll disagrees


class MonitorRequests:
    """The Requests tab (Govern's Explain tab scoped to the picked model) and the badge check."""

    def add_requests_view(self, view: QWidget) -> None:
        """Add the Requests tab: ``view`` has ``refresh(model)`` and lists the decisions of
        ``picked_model()`` (the window builds it from Govern's Explain tab)."""
        self.requests = view
        view.setObjectName("monitorRequests")
        self.tabs.insertTab(REQUESTS_TAB, scrolling(view), "Re&quests")  # keeps the window short

    def _refresh_requests(self) -> None:
        if self.requests is not None and self.model.is_open():
            self.requests.refresh(self.model)

    def picked_model(self) -> str | None:
        """The model whose requests the Requests tab lists: the picked one, else the shown one."""
        if self.poller.model is not None:
            return self.poller.model
        return self.snapshot.model if self.snapshot is not None else None

    def _agree_with_summary(self, snap: MonitorSnapshot) -> None:
        """Re-read the counts when this poll saw more or fewer open alerts than the badge."""
        summary = self.model.summary
        if summary is None or len(snap.models) > 1:
            return
        now = time.monotonic()
        if sum(a.state == "open" for a in snap.alerts) != summary.open_alerts:
            if now - getattr(self, "_agreed_at", 0.0) >= AGREE_EVERY_S:
                self._agreed_at = now
                self.reload_summary()
