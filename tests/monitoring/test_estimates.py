"""Estimates of a workspace's model: fitted once on the holdout and stored, per monitoring
window, and from the ``estimate`` command (text, JSON, clear refusals)."""

from __future__ import annotations

import json

import numpy as np

from mlops_desktop.cli.entry import main
from mlops_desktop.monitoring.engine import compute_windows
from mlops_desktop.monitoring.estimates import clear_cache, estimate_performance
from tests.monitoring.conftest import TARGET, log_requests, shifted


def _holdout(ws):
    version = ws.models.get("credit@1")
    dataset = ws.datasets.get_by_id(ws.runs.get(version.run_id).dataset_version_id)
    frame, test_mask = ws.datasets.load_frame(dataset)
    return frame[test_mask].reset_index(drop=True)


def test_the_estimator_is_fitted_once_and_stored_with_the_version(monitored):
    holdout = _holdout(monitored)
    first = estimate_performance(monitored, "credit@1", holdout, chunks=2)
    stored = monitored.estimators.get(monitored.models.get("credit@1").id)
    assert stored is not None and stored.method == "CBPE" and stored.holdout_rows == len(holdout)
    clear_cache()  # a new process: loaded from the artifact, not fitted again
    again = estimate_performance(monitored, "credit@1", holdout, chunks=2)
    assert monitored.estimators.get(stored.model_version_id) == stored
    assert again["chunks"] == first["chunks"]
    assert first["labelled"] and first["reference"]["roc_auc"]["test_report"] is not None
    for chunk in first["chunks"]:
        for metric in first["metrics"]:
            values = chunk["metrics"][metric]
            assert values["low"] <= values["estimate"] <= values["high"]
            assert values["realized"] is not None


def test_an_estimator_stored_by_an_earlier_fitting_is_fitted_again(monitored):
    """An estimator stored before the calibration maps were averaged (one map per class) is
    fitted anew on first use, and the new one replaces it."""
    from mlops_desktop.monitoring.cbpe import Calibrator
    from mlops_desktop.monitoring.estimates import estimator_for

    version = monitored.models.get("credit@1")
    current = estimator_for(monitored, version)
    assert current.fitting == current.FITTING
    old = current.__class__(**{**current.__dict__, "pipeline": None, "holdout": None})
    old.calibrator = Calibrator([None], True)  # the shape stored before: the model's own alone
    del old.__dict__["fitting"]  # and no record of how it was fitted
    stored = monitored.estimators.get(version.id)
    digest = monitored.artifacts.put_object(old)
    monitored.estimators.put(version.id, "CBPE", digest, stored.dataset_version_id, 1, False)
    clear_cache()
    assert monitored.artifacts.load_object(digest).fitting == 1
    again = estimator_for(monitored, version)
    assert again.fitting == again.FITTING and isinstance(again.calibrator.curves[0], tuple)
    replaced = monitored.estimators.get(version.id)
    assert replaced.artifact_hash not in (digest,) and replaced.holdout_rows == again.holdout_rows


def test_each_monitoring_window_carries_an_estimate_that_follows_a_shift(monitored, credit):
    rows = credit.sample(1000, replace=True, random_state=3).reset_index(drop=True)
    log_requests(monitored, rows.head(500))
    log_requests(monitored, shifted(rows.tail(500), "duration_in_month", 3.0))
    windows = compute_windows(monitored, "credit", kind="count", size=500)
    assert len(windows) == 2
    calm, moved = (w.results["estimate"] for w in windows)
    assert calm["method"] == "CBPE" and calm["rows"] == 500
    for metric in ("roc_auc", "accuracy"):
        assert calm["metrics"][metric]["low"] <= calm["metrics"][metric]["estimate"]
    assert calm["metrics"]["accuracy"]["estimate"] != moved["metrics"]["accuracy"]["estimate"]


def test_the_estimate_command_prints_estimates_beside_realized_values(monitored, tmp_path, capsys):
    path = tmp_path / "current.csv"
    _holdout(monitored).to_csv(path, index=False)
    ws = ["--workspace", str(monitored.path)]
    assert main(["estimate", "credit@1", str(path), "--chunk-size", "100", "--json", *ws]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["method"] == "CBPE" and all(c["rows"] <= 100 for c in result["chunks"])
    assert "Platt's sigmoid" in result["calibration"] or "isotonic" in result["calibration"]
    assert main(["estimate", "credit@1", str(path), "--chunks", "2", *ws]) == 0
    text = capsys.readouterr().out
    assert "ESTIMATE [95% BAND]" in text and "REALIZED" in text and "concept drift" in text
    assert f"Probabilities calibrated on the holdout: {result['calibration']}" in text
    unlabelled = tmp_path / "unlabelled.csv"
    _holdout(monitored).drop(columns=[TARGET]).to_csv(unlabelled, index=False)
    assert main(["estimate", "credit@1", str(unlabelled), "--json", *ws]) == 0
    result = json.loads(capsys.readouterr().out)
    assert not result["labelled"]
    assert all(v["realized"] is None for c in result["chunks"] for v in c["metrics"].values())
    assert np.isfinite(result["chunks"][0]["metrics"]["roc_auc"]["estimate"])


def test_bad_input_to_the_estimate_command_is_exit_2(monitored, tmp_path, capsys):
    ws = ["--workspace", str(monitored.path)]
    lacking = tmp_path / "lacking.csv"
    _holdout(monitored).drop(columns=["duration_in_month"]).to_csv(lacking, index=False)
    assert main(["estimate", "credit@1", str(lacking), *ws]) == 2
    assert "duration_in_month" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    _holdout(monitored).to_csv(good, index=False)
    assert main(["estimate", "credit@1", str(good), "--chunk-size", "3", *ws]) == 2
    assert "at least 20 rows" in capsys.readouterr().err
    assert main(["estimate", "nope@1", str(good), *ws]) == 2
    assert "nope" in capsys.readouterr().err
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["estimate", "credit@1", str(broken), *ws]) == 2


def _two_windows(ws, credit):
    rows = credit.sample(1000, replace=True, random_state=5).reset_index(drop=True)
    log_requests(ws, rows)
    return compute_windows(ws, "credit", kind="count", size=500)


def test_an_estimate_below_the_gate_opens_an_alert_before_any_label(monitored, credit):
    from mlops_desktop.monitoring.monitor_job import run_once

    monitored.gates.set("credit", {"metrics": {"roc_auc": {">=": 0.99}}}, reason="tests")
    save_size(monitored)
    _two_windows(monitored, credit)
    result = run_once(monitored, "credit")
    fired = [a for a in result.opened if a.signal == "estimated_metric"]
    assert len(fired) == 1 and "Estimated roc_auc on credit@1" in fired[0].message
    assert "below the gate (0.990)" in fired[0].message
    assert all(w["estimate"]["metrics"]["roc_auc"]["estimate"] for w in result.to_dict()["windows"])


def test_an_estimate_above_the_gate_opens_none(monitored, credit):
    from mlops_desktop.monitoring.monitor_job import run_once

    monitored.gates.set("credit", {"metrics": {"roc_auc": {">=": 0.5}}}, reason="tests")
    save_size(monitored)
    _two_windows(monitored, credit)
    result = run_once(monitored, "credit")
    assert not [a for a in result.opened if a.signal == "estimated_metric"]
    check = next(c for c in result.checks if c["signal"] == "estimated_metric")
    assert check["state"] == "ok" and check["details"]["source"] == "gate"


def save_size(ws) -> None:
    from mlops_desktop.monitoring.settings import get_settings, save_settings, with_overrides

    save_settings(
        ws,
        "credit",
        with_overrides(get_settings(ws, "credit"), kind="count", size=500),
        reason="tests",
    )


def test_the_series_puts_estimates_beside_realized_values_once_outcomes_land(monitored, credit):
    from mlops_desktop.monitoring.estimated_series import estimated_series
    from mlops_desktop.serving.outcomes import record_outcomes

    rows = credit.sample(1000, replace=True, random_state=9).reset_index(drop=True)
    ids = log_requests(monitored, rows)
    compute_windows(monitored, "credit", kind="count", size=500)
    before = estimated_series(monitored, "credit")
    assert before.method == "CBPE" and before.n_windows == 2
    assert np.isfinite(before.estimate["roc_auc"]).all()
    assert np.isnan(before.realized["roc_auc"]).all()  # no outcome yet: the estimate stands alone
    assert before.latest("roc_auc")[1] <= before.latest("roc_auc")[0] <= before.latest("roc_auc")[2]
    # outcomes for the first window's rows only
    labels = [
        {"request_id": i, "label": y} for i, y in zip(ids[:500], rows[TARGET][:500], strict=True)
    ]
    record_outcomes(monitored, "credit", labels)
    after = estimated_series(monitored, "credit")
    assert np.isfinite(after.realized["roc_auc"][0]) and np.isnan(after.realized["roc_auc"][1])
    assert (
        after.error["accuracy"][0] == after.estimate["accuracy"][0] - after.realized["accuracy"][0]
    )
    assert "concept drift" in after.caveat


def test_the_board_shows_the_estimate_labelled_as_one_while_outcomes_lag(monitored, credit):
    from mlops_desktop.monitoring.board import board
    from mlops_desktop.ui.monitoring.meeting.data import quality_source

    save_size(monitored)
    _two_windows(monitored, credit)
    (card,) = [c for c in board(monitored) if c.model == "credit"]
    assert card.quality["source"] == "test report"  # no outcome: the tested value stands
    estimate = card.quality["estimate"]
    assert estimate["method"] == "CBPE" and estimate["low"] <= estimate["value"] <= estimate["high"]
    text = quality_source(card)
    assert text.startswith("measured on") and "estimated now ≈" in text and "no labels" in text


def test_the_shift_correction_setting_reweights_each_windows_estimate(monitored, credit):
    from mlops_desktop.monitoring.settings import get_settings, save_settings, with_overrides

    settings = with_overrides(get_settings(monitored, "credit"), kind="count", size=500)
    save_settings(monitored, "credit", with_overrides(settings, shift_correction=True), reason="t")
    windows = _two_windows(monitored, credit)
    for window in windows:
        estimate = window.results["estimate"]
        assert estimate["shift_corrected"] is True
        auc = estimate["metrics"]["roc_auc"]
        assert auc["low"] <= auc["estimate"] <= auc["high"]
    assert main(
        ["monitor", "credit", "--once", "--no-shift-correction", "--workspace", str(monitored.path)]
    ) in (0, 1)
    assert get_settings(monitored, "credit").shift_correction is False
