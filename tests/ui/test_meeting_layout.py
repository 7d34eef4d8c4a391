"""The meeting board at 1280 x 800 reads from the back of a room: the drift chart takes a good
share of the board, the bars' fonts scale like the board's, and "Why" bullets wrap, never cut."""

from __future__ import annotations

import shutil
from pathlib import Path

from mlops_desktop.monitoring.settings import MonitorSettings, save_settings
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.monitoring.meeting.board import MeetingWindow
from mlops_desktop.ui.monitoring.meeting.data import reasons_text
from tests.monitoring import conftest as monitoring
from tests.monitoring.conftest import MODEL, log_requests, shifted

credit = monitoring.credit
template_ws = monitoring.template_ws

SIZE = (1280, 800)
TIMEOUT_MS = 30_000
LONG = (
    "Feature drift on credit@1: credit_amount, duration_in_month drifted in each of the last 3 "
    "windows of 20 requests, and age_in_years in the last two of them"
)


def test_the_board_gives_the_chart_room_and_scales_the_bars(
    qtbot, template_ws: Path, credit, tmp_path
):
    path = shutil.copytree(template_ws, tmp_path / "ws")
    with Workspace.open(path, create=False) as ws:
        save_settings(ws, MODEL, MonitorSettings(size=20, multivariate=False))
        log_requests(ws, credit.iloc[:40])
        log_requests(ws, shifted(credit.iloc[40:120], "credit_amount", 4.0))
    window = MeetingWindow(path)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    try:
        qtbot.waitUntil(
            lambda: window.last is not None and bool(window.board.cards), timeout=TIMEOUT_MS
        )
        qtbot.wait(300)  # the layout settles
        card = window.board.cards[MODEL]
        assert card.chart.height() >= 0.35 * window.board.height(), (
            card.chart.height(),
            window.board.height(),
        )
        body = card.live.font().pointSizeF()
        for bar in (window.actions_bar, window.simulator):
            assert bar.font().pointSizeF() >= 0.9 * body, (bar.font().pointSizeF(), body)
    finally:
        window.close()
        window.wait_idle(TIMEOUT_MS)


def test_why_bullets_keep_their_whole_reason():
    class Card:
        reasons = [LONG, "Quality 0.71 under its gate of 0.75"]
        light = "amber"

    text = reasons_text(Card())
    assert "…" not in text and "age_in_years in the last two of them" in text
