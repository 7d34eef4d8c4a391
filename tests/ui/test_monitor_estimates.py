"""The Quality tab before and after labels: a real service takes traffic, each window gets an
estimate (the dashed line and its band) long before any outcome, and once outcomes arrive the
realized line and the estimate's track record appear beside it."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from mlops_desktop.monitoring.simulate import simulate
from mlops_desktop.ui.monitoring.quality import NO_OUTCOMES
from tests.monitoring import conftest as monitoring
from tests.monitoring.conftest import MODEL, TARGET
from tests.ui import test_monitor_page as page_tests
from tests.ui.test_monitor_page import TIMEOUT_MS, open_monitor

credit = monitoring.credit
template_ws = monitoring.template_ws
ws_path = page_tests.ws_path
service = page_tests.service
QUALITY_TAB = 3


def _finite(curve) -> int:
    _, y = curve.getData()
    return 0 if y is None else int(np.isfinite(y).sum())


def _traffic(url: str, frame, outcomes: float) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=simulate,
        args=(url, MODEL, frame),
        kwargs={
            "rate": 40,
            "duration": 60,
            "stop_event": stop,
            "target": TARGET,
            "outcome_share": outcomes,
            "outcome_delay": 0.2,
        },
    )
    thread.start()
    return thread, stop


@pytest.mark.slow
def test_the_estimate_is_drawn_before_labels_and_beside_them_after(
    qtbot,
    make_window,
    ws_path,
    service,
    credit,
):
    window, page = open_monitor(make_window, ws_path)
    qtbot.waitUntil(lambda: page.snapshot is not None, timeout=TIMEOUT_MS)
    page.tabs.setCurrentIndex(QUALITY_TAB)
    quality = page.quality
    thread, stop = _traffic(service.url, credit, outcomes=0.0)
    try:
        qtbot.waitUntil(lambda: _finite(quality.chart.estimate_curve) >= 2, timeout=TIMEOUT_MS)
        first = _finite(quality.chart.estimate_curve)
        qtbot.waitUntil(lambda: _finite(quality.chart.estimate_curve) > first, timeout=TIMEOUT_MS)
    finally:
        stop.set()
        thread.join(60)
    assert not quality.showing_empty_state()
    assert _finite(quality.chart.curve) == 0  # no outcome: no realized point
    assert quality.note.text().startswith("No outcomes yet.") and "CBPE" in quality.note.text()
    assert "concept drift" in quality.caveat.text() and quality.caveat.isVisible()
    assert quality.outcomes_hint.isVisible()
    assert quality.hint_command.command().startswith("mlops-desktop outcomes import")
    assert not quality.history.isVisible()
    _, low = quality.chart.est_low.getData()
    _, high = quality.chart.est_high.getData()
    _, guess = quality.chart.estimate_curve.getData()
    ok = np.isfinite(guess)
    assert np.all(low[ok] <= guess[ok]) and np.all(guess[ok] <= high[ok])

    thread, stop = _traffic(service.url, credit, outcomes=1.0)  # now every outcome arrives
    try:
        qtbot.waitUntil(lambda: _finite(quality.chart.curve) >= 1, timeout=60_000)
        qtbot.waitUntil(lambda: quality.history.rowCount() >= 1, timeout=TIMEOUT_MS)
    finally:
        stop.set()
        thread.join(60)
    assert quality.history.isVisible() and not quality.outcomes_hint.isVisible()
    assert quality.history.item(0, 4).text()[0] in "+-"
    assert NO_OUTCOMES not in quality.note.text()
