"""Deploy › Timeline: a deployment made after the page was built moves "which version was live
at" to now, so the answer above the live row is not "no version was live"."""

from __future__ import annotations

import time

from mlops_desktop.ui.serving.views import TimelineView


def _entry(started: float) -> dict:
    return {
        "started_at": started,
        "ended_at": None,
        "mode_text": "live",
        "live": "adult@1",
        "candidate": None,
        "set_by": "ana",
        "reason": "tests passed",
    }


def test_a_later_deployment_moves_the_picked_time_to_now(qtbot):
    view = TimelineView()
    qtbot.addWidget(view)
    asked: list[float] = []
    view.live_at_requested.connect(asked.append)
    view.set_timestamp(time.time() - 600)  # the page was built ten minutes ago
    asked.clear()
    deployed = time.time() - 5
    view.set_entries("adult", [_entry(deployed)])
    assert asked and asked[-1] >= deployed
    assert view.picked_timestamp() >= int(deployed)

    asked.clear()
    view.set_timestamp(deployed - 3600)  # a time the user picks stays theirs
    asked.clear()
    view.set_entries("adult", [_entry(deployed)])  # unchanged entries
    assert asked == [] and view.picked_timestamp() == int(deployed - 3600)
