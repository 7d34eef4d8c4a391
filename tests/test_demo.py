"""The demo workspace is built on first use from the shipped dataset, and only once: a tested,
live model with three days of traffic, outcomes, drift windows and an open drift alert."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from mlops_desktop.cli.entry import main

DRIFT_SIGNALS = ("drift_share", "feature_drift", "prediction_drift")


@pytest.mark.slow
def test_demo_is_built_once_and_populated(capsys):
    assert main(["--demo", "--json", "info"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["datasets"] == 1 and first["runs"] == 3 and first["model_versions"] == 1
    assert "demo-workspace" in first["path"]

    assert main(["--demo", "--json", "info"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["runs"] == 3 and second["jobs"] == first["jobs"]  # nothing rebuilt

    assert main(["--demo", "--json", "models", "list"]) == 0
    (version,) = json.loads(capsys.readouterr().out)
    assert version["ref"] == "credit@1" and version["aliases"] == ["live"]
    assert version["run"]["metrics"]["holdout"]["roc_auc"] > 0.7

    assert main(["--demo", "--json", "gate", "show", "credit"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 1
    assert main(["--demo", "--json", "history", "credit"]) == 0
    assert "credit@1" in capsys.readouterr().out
    _check_traffic(Path(first["path"]))


def _check_traffic(path: Path) -> None:
    """The live model has history: predictions, windows, outcomes, an open drift alert."""
    from mlops_desktop.demo.traffic import log_demo_traffic
    from mlops_desktop.monitoring.alerts import list_alerts
    from mlops_desktop.monitoring.realized import labelled_rows, realized_series
    from mlops_desktop.registry.workspace import Workspace

    with Workspace.open(path, create=False) as ws:
        live = ws.models.get("credit@live")
        counts = dict(
            ws.db.execute(
                "SELECT status, COUNT(*) FROM predictions WHERE model_name = 'credit'"
                " AND arm = 'live' AND model_version_id = ? GROUP BY status",
                [live.id],
            ).fetchall()
        )
        assert counts[200] > 1000 and 0 < sum(n for s, n in counts.items() if s != 200) < 100
        first, last = ws.db.execute("SELECT MIN(ts), MAX(ts) FROM predictions").fetchone()
        assert 2.5 * 86400 < last - first <= 3 * 86400 and last <= time.time()
        assert ws.db.execute(
            "SELECT COUNT(*) FROM predictions WHERE latency_ms <= 0 AND status = 200"
        ).fetchone() == (0,)

        windows = ws.db.execute(
            "SELECT window_kind, window_end - window_start, n_rows FROM drift_windows"
            " WHERE model_name = 'credit' ORDER BY window_start"
        ).fetchall()
        assert len(windows) >= 11 and {w[:2] for w in windows} == {("time", 6 * 3600.0)}
        assert sum(w[2] for w in windows) == counts[200]  # every scored row is in a window

        labelled = labelled_rows(ws, "credit")
        assert len(labelled) >= 100 and set(labelled["label"]) == {"good", "bad"}
        series = realized_series(ws, "credit")
        assert series.total_labelled == len(labelled) and series.unmatched == 0
        assert 0.6 < series.reference["roc_auc"]["value"] < 0.95
        assert any(v > 0.5 for v in series.values["roc_auc"] if v == v)

        active = list_alerts(ws, "credit", states=("open",))
        drift = [a for a in active if a.signal in DRIFT_SIGNALS]
        assert drift, [a.message for a in active]
        assert any("credit_amount" in a.message or "duration_in_month" in a.message for a in drift)
        assert all(a.signal in DRIFT_SIGNALS for a in active)  # nothing else looks broken

        again = log_demo_traffic(ws, "credit")  # a resumed build adds nothing
        assert (again.requests, again.outcomes, again.windows) == (0, 0, 0)
        assert len(list_alerts(ws, "credit", states=("open",))) == len(active)
