"""Drift windows from the prediction log: due windows only, stored once, shift detected."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.monitoring.engine import compute_windows, load_detail
from mlops_desktop.monitoring.logs import decode_inputs
from mlops_desktop.monitoring.series import window_series
from mlops_desktop.monitoring.windowing import cut_windows
from tests.monitoring.conftest import log_requests, shifted


def test_cut_windows_closes_full_windows_and_partial_ones_at_a_version_change():
    versions = np.array([1, 1, 1, 1, 2, 2, 2])
    counts = np.array([2, 2, 2, 1, 3, 3, 1])
    # version 1: 2+2 reaches 4 -> window; 2+1 remains and version 2 follows -> partial;
    # version 2: 3+3 reaches 4 at the second request -> window; 1 row waits.
    assert cut_windows(versions, counts, 4) == [(0, 2, False), (2, 4, True), (4, 6, False)]


def test_decoding_keeps_rows_of_multi_row_requests_and_other_column_orders():
    texts = [
        json.dumps({"columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]}),
        json.dumps({"columns": ["b", "a"], "data": [["z", 3]]}),
        None,
    ]
    decoded = decode_inputs(texts, ["a", "b", "c"])
    assert decoded.frame["a"].tolist() == [1, 2, 3]
    assert decoded.frame["b"].tolist() == ["x", "y", "z"]
    assert decoded.frame["c"].isna().all()
    assert decoded.request_index.tolist() == [0, 0, 1]
    assert decoded.rows_per_request.tolist() == [2, 1, 0]


def test_count_windows_are_computed_once_and_see_a_shift(monitored, credit):
    ws = monitored
    stable = credit.sample(400, random_state=1)
    drifted = shifted(credit.sample(400, random_state=2), "credit_amount", 2.0)
    log_requests(ws, pd.concat([stable, drifted]))
    windows = compute_windows(ws, "credit", size=200, multivariate=False)
    assert [w.n_rows for w in windows] == [200, 200, 200, 200]
    assert compute_windows(ws, "credit", size=200) == []  # nothing new is due
    amount = [w.results["drifted"][w.results["features"].index("credit_amount")] for w in windows]
    assert amount == [False, False, True, True]
    assert all(w.results["version"] == "credit@1" for w in windows)
    detail = load_detail(ws, windows[-1])
    column = next(c for c in detail["report"]["columns"] if c["column"] == "credit_amount")
    assert column["current_summary"]["mean"] > column["reference_summary"]["mean"]


def test_windows_survive_a_restart_and_leftover_rows_wait(monitored, credit, template_ws):
    from mlops_desktop.registry.workspace import Workspace

    ws = monitored
    log_requests(ws, credit.iloc[:250])
    assert len(compute_windows(ws, "credit", size=100, multivariate=False)) == 2
    with Workspace.open(ws.path, create=False) as again:
        series = window_series(again, "credit")
        assert series.n_windows == 2 and series.pending["rows"] == 50
        log_requests(again, credit.iloc[250:400])
        assert len(compute_windows(again, "credit", size=100, multivariate=False)) == 2


def test_time_windows_wait_until_they_end(monitored, credit):
    ws = monitored
    base = 1_700_000_040.0  # a whole minute since the epoch
    log_requests(ws, credit.iloc[:300], start_ts=base, step_s=0.3)  # 90 s of traffic
    first = compute_windows(ws, "credit", kind="time", freq="1min", now=base + 100)
    assert [(w.window_start, w.window_end, w.n_rows) for w in first] == [(base, base + 60, 200)]
    assert compute_windows(ws, "credit", kind="time", freq="1min", now=base + 110) == []
    second = compute_windows(ws, "credit", kind="time", freq="1min", now=base + 200)
    assert [(w.window_start, w.n_rows) for w in second] == [(base + 60, 100)]


def test_multivariate_auc_is_stored_when_asked(monitored, credit):
    ws = monitored
    log_requests(ws, shifted(credit.iloc[:200], "duration_in_month", 3.0))
    (window,) = compute_windows(ws, "credit", size=200, multivariate=True)
    assert window.multivariate_auc is not None and window.multivariate_auc > 0.65


def test_a_window_length_of_varying_duration_is_refused(monitored):
    with pytest.raises(InputError, match="not a fixed length"):
        compute_windows(monitored, "credit", kind="time", freq="MS")


def test_logged_values_are_typed_like_the_training_data():
    from mlops_desktop.monitoring.reference import cast_like

    logged = pd.DataFrame(
        {"b": ["yes", "No", None, True], "n": ["3", 4, None, "x"], "c": [1.0, 2, "a", None]}
    )
    typed = cast_like(logged, {"b": "boolean", "n": "numeric", "c": "categorical"})
    assert typed["b"].tolist() == [True, False, pd.NA, True]
    assert typed["n"].tolist()[:2] == [3.0, 4.0] and typed["n"].isna().tolist()[2:] == [True, True]
    assert typed["c"].tolist()[:3] == ["1", "2", "a"] and pd.isna(typed["c"].iloc[3])


def test_the_fast_path_and_the_general_path_decode_alike():
    from mlops_desktop.monitoring.logs import decode_outputs

    rows = [[1, "a", None], [2.5, "b", True]]
    compact = [
        json.dumps({"columns": ["x", "y", "z"], "data": [r]}, separators=(",", ":")) for r in rows
    ]
    spaced = [json.dumps({"columns": ["x", "y", "z"], "data": [r]}) for r in rows]
    for texts in (compact, spaced):
        frame = decode_inputs(texts, ["x", "y", "z"]).frame
        assert frame.to_dict("list") == {"x": [1, 2.5], "y": ["a", "b"], "z": [None, True]}
    outputs = [
        {"predictions": ["good"], "probabilities": [[0.2, 0.8]], "classes": ["bad", "good"]},
        {
            "predictions": ["bad", "bad"],
            "probabilities": [[0.9, 0.1], [0.6, 0.4]],
            "classes": ["bad", "good"],
        },
    ]
    for sep in ((",", ":"), (", ", ": ")):
        decoded = decode_outputs([json.dumps(o, separators=sep) for o in outputs])
        assert decoded.predictions.tolist() == ["good", "bad", "bad"]
        assert decoded.probabilities.tolist() == [[0.2, 0.8], [0.9, 0.1], [0.6, 0.4]]
        assert decoded.classes == ["bad", "good"] and decoded.request_index.tolist() == [0, 1, 1]


def test_typed_fast_decoding_equals_the_json_path():
    from mlops_desktop.monitoring.logs import parse_inputs, to_frame
    from mlops_desktop.monitoring.reference import cast_like

    types = {"n": "numeric", "c": "categorical", "b": "boolean"}
    rows = [
        [[1.5, "a", True]],
        [["2", 3.0, "no"], [None, "null", None]],
        [[4, "x],[y", False]],  # a text holding the row separator: Arrow disagrees, JSON decides
        [[5, "", "yes"]],
    ]
    texts = [
        json.dumps({"columns": ["n", "c", "b"], "data": r}, separators=(",", ":")) for r in rows
    ]
    for part in (texts[:2] + texts[3:], texts):
        parsed = parse_inputs(part)
        fast = cast_like(to_frame(parsed, ["n", "c", "b"], types).frame, types)
        slow = cast_like(to_frame(parse_inputs(part), ["n", "c", "b"]).frame, types)
        pd.testing.assert_frame_equal(fast, slow)
    assert fast["c"].tolist()[:3] == ["a", "3", "null"]


def test_switching_the_window_kind_continues_after_the_history(monitored, credit):
    """Time windows of the history stay; count windows start where they end (and back)."""
    ws = monitored
    base = 1_700_000_040.0
    log_requests(ws, credit.iloc[:300], start_ts=base, step_s=0.3)
    history = compute_windows(ws, "credit", kind="time", freq="1min", now=base + 100)
    assert [w.n_rows for w in history] == [200]
    counted = compute_windows(ws, "credit", kind="count", size=50, multivariate=False)
    assert [w.n_rows for w in counted] == [50, 50]  # the 100 rows after the time window
    assert counted[0].results["first_id"] == history[-1].results["last_id"] + 1
    log_requests(ws, credit.iloc[300:400], start_ts=base + 120, step_s=0.3)
    back = compute_windows(ws, "credit", kind="time", freq="1min", now=base + 300)
    assert back[0].window_start == base + 120 and sum(w.n_rows for w in back) == 100
    assert ws.drift_windows.count("credit", "time") == 1 + len(back)


def test_the_charts_keep_the_history_of_the_other_window_kind(monitored, credit):
    from mlops_desktop.monitoring.settings import MonitorSettings, save_settings

    ws = monitored
    base = 1_700_000_040.0
    log_requests(ws, credit.iloc[:300], start_ts=base, step_s=0.3)
    compute_windows(ws, "credit", kind="time", freq="1min", now=base + 100)
    save_settings(ws, "credit", MonitorSettings(kind="count", size=50, multivariate=False))
    compute_windows(ws, "credit")
    series = window_series(ws, "credit")
    assert series.kind == "count" and list(series.n_rows) == [200, 50, 50]  # history first
    assert window_series(ws, "credit", kind="count").n_windows == 2
