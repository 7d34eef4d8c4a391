"""Outcomes (serving.outcomes): joins by request id and by entity, unmatched keys reported, realized metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.monitoring.engine import compute_windows
from mlops_desktop.monitoring.realized import labelled_rows, realized_series, recent_metrics
from mlops_desktop.serving.outcomes import import_outcomes, record_outcomes, unmatched_outcomes
from tests.monitoring.conftest import TARGET, log_requests, score_frame


def test_import_by_request_id_reports_unmatched_and_missing_labels(monitored, credit, tmp_path):
    ws = monitored
    part = credit.iloc[:300]
    ids = log_requests(ws, part)
    outcomes = pd.DataFrame({"rid": ids, "truth": part[TARGET].to_numpy()})
    outcomes.loc[5, "truth"] = None
    extra = pd.DataFrame({"rid": ["nope-1", "nope-2"], "truth": ["good", "bad"]})
    path = tmp_path / "outcomes.csv"
    pd.concat([outcomes, extra]).to_csv(path, index=False)

    summary = import_outcomes(ws, path, "credit", key="rid", label="truth")
    assert (summary.received, summary.stored) == (302, 301)
    assert (summary.matched, summary.unmatched, summary.missing_labels) == (299, 2, 1)
    assert sorted(summary.unmatched_examples) == ["nope-1", "nope-2"]
    assert summary.missing_label_examples == [ids[5]]
    assert "2 match none yet" in summary.describe()
    assert unmatched_outcomes(ws, "credit") == (2, ["nope-1", "nope-2"])
    event = ws.audit.recent(1)[0]
    assert event.action == "outcomes.record" and event.details["unmatched"] == 2


def test_realized_metrics_per_window_equal_sklearn_and_sit_beside_the_test_report(
    monitored, credit
):
    ws = monitored
    part = credit.iloc[:400]
    ids = log_requests(ws, part)
    compute_windows(ws, "credit", size=200, multivariate=False)
    labels = part[TARGET].tolist()
    record_outcomes(
        ws, "credit", [{"request_id": i, "label": y} for i, y in zip(ids, labels, strict=False)]
    )

    series = realized_series(ws, "credit")
    assert series.n_labelled.tolist() == [200, 200]
    version, _, proba, classes = score_frame(ws, part)
    positive = version.signature["output"]["positive_class"]
    column = list(classes).index(positive)
    expected = [
        roc_auc_score(np.array(labels[s]) == positive, proba[s, column])
        for s in (slice(0, 200), slice(200, 400))
    ]
    assert series.values["roc_auc"] == pytest.approx(expected, abs=1e-12)
    band = series.reference["roc_auc"]
    assert band["ci_low"] <= band["value"] <= band["ci_high"]
    assert series.gap["roc_auc"] == pytest.approx(np.array(expected) - band["value"])
    assert series.primary_metric == "roc_auc"


def test_entity_outcomes_match_the_latest_prediction_before_they_were_observed(monitored, credit):
    ws = monitored
    first = credit.iloc[:3]
    second = credit.iloc[3:6]
    log_requests(ws, first, start_ts=1000.0, entities=["a", "b", "c"])
    log_requests(ws, second, start_ts=2000.0, entities=["a", "b", "c"])
    summary = record_outcomes(
        ws,
        "credit",
        [
            {"entity_key": "a", "label": "good", "observed_at": 1500.0},  # the first prediction
            {"entity_key": "b", "label": "bad"},  # received now: the latest prediction
            {"entity_key": "zzz", "label": "bad"},
        ],
    )
    assert (summary.key_kind, summary.matched, summary.unmatched) == ("entity", 2, 1)
    rows = labelled_rows(ws, "credit").sort_values("ts")
    assert rows["ts"].tolist() == pytest.approx([1000.0, 2000.01])
    assert rows["label"].tolist() == ["good", "bad"]


def test_a_multi_row_request_needs_one_label_per_row(monitored, credit):
    ws = monitored
    ids = log_requests(ws, credit.iloc[:6], rows_per_request=3)
    record_outcomes(
        ws,
        "credit",
        [
            {"request_id": ids[0], "label": ["good", "bad", "good"]},
            {"request_id": ids[1], "label": "good"},  # ambiguous: which of the 3 rows?
        ],
    )
    rows = labelled_rows(ws, "credit")
    assert rows["row"].tolist() == [0, 1, 2]
    assert rows["label"].tolist() == ["good", "bad", "good"]


def test_a_later_outcome_corrects_an_earlier_one(monitored, credit):
    ws = monitored
    (rid,) = log_requests(ws, credit.iloc[:1])
    record_outcomes(ws, "credit", [{"request_id": rid, "label": "good"}])
    record_outcomes(ws, "credit", [{"request_id": rid, "label": "bad"}])
    assert labelled_rows(ws, "credit")["label"].tolist() == ["bad"]
    assert recent_metrics(ws, "credit")["n"] == 1


def test_bad_outcome_files_are_refused_with_the_reason(monitored, tmp_path):
    path = tmp_path / "o.csv"
    pd.DataFrame({"id": ["x"], "y": ["good"]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="no column"):
        import_outcomes(monitored, path, "credit", key="rid", label="y")
    with pytest.raises(NotFoundError, match="No model named"):
        import_outcomes(monitored, path, "nobody", key="id", label="y")
    with pytest.raises(InputError, match="no request_id or entity_key"):
        record_outcomes(monitored, "credit", [{"label": "good"}])
