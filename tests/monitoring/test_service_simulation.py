"""A real service on 127.0.0.1 taking simulated traffic with growing drift: windows, outcomes,
alerts and the board, end to end. The service is always stopped."""

from __future__ import annotations

import time

import pytest

from mlops_desktop.monitoring.board import board
from mlops_desktop.monitoring.monitor_job import run_once
from mlops_desktop.monitoring.realized import labelled_rows
from mlops_desktop.monitoring.series import window_series
from mlops_desktop.monitoring.settings import MonitorSettings, save_settings
from mlops_desktop.monitoring.simulate import simulate
from mlops_desktop.serving.outcomes import record_outcomes
from tests.monitoring.conftest import TARGET, free_port


@pytest.fixture
def service(monitored, request):
    from mlops_desktop.serving.process import start_service, stop_service

    handle = start_service(monitored, port=free_port(), reuse=False)
    request.addfinalizer(lambda: stop_service(monitored, handle))
    return handle


def _logged(ws) -> int:
    return ws.db.execute("SELECT COUNT(*) FROM predictions WHERE arm = 'live'").fetchone()[0]


def _wait_for_log(ws, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while _logged(ws) < count and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.mark.slow
def test_simulated_drift_appears_in_windows_and_opens_alerts(monitored, service, credit):
    ws = monitored
    save_settings(ws, "credit", MonitorSettings(size=100, multivariate=False))
    (card,) = board(ws)
    assert card.light == "green" and card.reasons == []
    progress = []
    result = simulate(
        service.url,
        "credit",
        credit,
        rate=50,
        duration=30,
        drift={"credit_amount": 4.0, "purpose": 1.0},
        max_requests=400,
        target=TARGET,
        outcome_share=1.0,
        outcome_delay=0.2,
        record=lambda rows: record_outcomes(ws, "credit", rows, source="simulator"),
        on_progress=lambda f, m: progress.append(f),
    )
    assert result.requests == 400 and result.ok == 400 and result.failed == 0
    assert result.outcomes_sent == 400 and result.outcome_errors == []
    _wait_for_log(ws, 400)
    assert progress[-1] == 1.0

    first = run_once(ws, "credit")
    assert [w.n_rows for w in first.windows] == [100, 100, 100, 100]
    opened = {a.signal: a for a in first.opened}
    assert "credit_amount" in opened["feature_drift"].message
    series = window_series(ws, "credit")
    amount = series.features.index("credit_amount")
    assert series.feature_drifted[amount, -1]
    assert series.requests.tolist() == [100, 100, 100, 100]
    assert series.latency_p95[-1] > 0 and series.error_rate.tolist() == [0, 0, 0, 0]
    assert len(labelled_rows(ws, "credit")) == 400
    (card,) = board(ws)
    assert card.requests_today == 400 and card.drift["windows"] == 4
    assert card.quality["source"] == "realized"


def test_the_simulator_counts_refused_requests(monitored, service, credit):
    bad = credit.drop(columns=["age_in_years"])
    result = simulate(service.url, "credit", bad, rate=100, duration=5, max_requests=5)
    assert result.failed == 5 and result.errors == {"400": 5}
