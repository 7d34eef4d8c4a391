"""Batch scoring runs are monitored as their own arm: each published run gets one ``batch``
drift window with its estimate, apart from the service's windows; a failed run gets none."""

from __future__ import annotations

import pytest

from mlops_desktop.monitoring.batch_windows import batch_runs
from mlops_desktop.monitoring.monitor_job import run_once
from mlops_desktop.serving.batch import score
from tests.monitoring.conftest import TARGET, log_requests, shifted


def _file(tmp_path, frame, name):
    path = tmp_path / name
    frame.drop(columns=[TARGET]).to_csv(path, index=False)
    return path


def test_each_batch_run_gets_one_window_with_drift_and_an_estimate(monitored, credit, tmp_path):
    calm = credit.sample(600, random_state=1).reset_index(drop=True)
    moved = shifted(credit.sample(600, random_state=2).reset_index(drop=True), "credit_amount", 3)
    score(monitored, "credit@live", _file(tmp_path, calm, "calm.csv"), tmp_path / "calm.out.csv")
    score(monitored, "credit@live", _file(tmp_path, moved, "moved.csv"), tmp_path / "m.out.csv")
    log_requests(monitored, credit.head(50))  # service traffic: too little for its own window
    result = run_once(monitored, "credit").to_dict()
    batch = [w for w in result["windows"] if w["kind"] == "batch"]
    assert [w["rows"] for w in batch] == [600, 600]
    assert "credit_amount" in batch[1]["drifted_columns"]
    assert "credit_amount" not in batch[0]["drifted_columns"]
    for window in batch:
        auc = window["estimate"]["metrics"]["roc_auc"]
        assert auc["low"] <= auc["estimate"] <= auc["high"]
    assert monitored.drift_windows.count("credit", "count") == 0  # the service's windows apart
    assert not [w for w in run_once(monitored, "credit").windows if w.window_kind == "batch"]
    runs = batch_runs(monitored, "credit")  # what the Monitor page lists, newest first
    assert [r.rows for r in runs] == [600, 600]
    assert runs[0].drift_share > runs[1].drift_share and runs[0].published >= runs[1].published
    assert runs[0].batch_id.startswith("batch-") and runs[0].batch_id != runs[1].batch_id
    assert runs[0].metric == "roc_auc" and runs[0].method == "CBPE"
    assert runs[0].low <= runs[0].estimate <= runs[0].high


def test_a_failed_run_gets_no_window(monitored, credit, tmp_path):
    broken = credit.drop(columns=["purpose"]).head(50)
    with pytest.raises(Exception, match="purpose"):
        score(monitored, "credit@live", _file(tmp_path, broken, "b.csv"), tmp_path / "b.out.csv")
    assert not [w for w in run_once(monitored, "credit").windows if w.window_kind == "batch"]
