"""A rule's verdict (``Check``) and the stored windows rules judge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlops_desktop.monitoring.settings import get_settings
from mlops_desktop.registry.entities import AlertRule

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace


@dataclass
class Check:
    """One rule's verdict now: ``fire``, ``ok`` or ``unknown`` (not enough data)."""

    rule: AlertRule
    state: str
    message: str
    value: float | None = None
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "rule_id": self.rule.id,
            "signal": self.rule.signal,
            "state": self.state,
            "message": self.message,
            "value": self.value,
            "details": self.details,
        }


def _live(ws: Workspace, name: str):
    holding = ws.models.current_alias(name, "live")
    return ws.models.by_id(holding.model_version_id) if holding else None


def _windows(ws: Workspace, name: str, version_id: int, count: int) -> list[dict]:
    """The latest ``count`` windows of the live version (newest first), as results dicts."""
    kind = get_settings(ws, name).kind
    return [
        {
            "id": w.id,
            "start": w.window_start,
            "share": w.drift_share,
            "dataset_drift": w.dataset_drift,
            **w.results,
        }
        for w in ws.drift_windows.latest(name, kind, count, version_id=version_id)
    ]
