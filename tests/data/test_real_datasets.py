"""The three real datasets: PII suggestions, '?' as missing, the bikeshare leak, versioning."""

from __future__ import annotations

import pandas as pd
import pytest

from mlops_desktop.data.hashing import content_hash
from mlops_desktop.data.importer import import_dataset, inspect_file
from mlops_desktop.data.pii import suggest_pii
from mlops_desktop.data.readers import read_frame
from mlops_desktop.jobs import run_inline
from mlops_desktop.registry.dataset_store import DatasetStore
from tests.data.conftest import workspace_state

GERMAN = "uci_statlog_german_credit.csv"
ADULT = "uci_adult_census_income.csv"
BIKES = "uci_bikeshare_2011_hourly.csv"


def test_german_credit_pii_suggestions(data_dir):
    df, _ = read_frame(data_dir / GERMAN)
    pii = suggest_pii(df)
    for col, kind in (
        ("age_in_years", "age"),
        ("personal_status_and_sex", "sex"),
        ("foreign_worker", "nationality"),
        ("telephone", "phone"),
    ):
        assert pii[col].kind == kind, col
    assert "credit_amount" not in pii and "purpose" not in pii


def test_german_credit_imports_with_pii_tags_and_stratified_split(ws, data_dir):
    _job, result = run_inline(
        ws,
        import_dataset,
        {"path": str(data_dir / GERMAN), "name": "credit", "target": "creditability"},
    )
    assert result["status"] == "created" and result["ref"] == "credit@1"
    assert result["task"] == "binary" and result["split"]["method"] == "stratified"
    assert result["blocking"] == 0
    version = DatasetStore(ws).get("credit@1")
    assert {"age_in_years", "personal_status_and_sex", "foreign_worker"} <= set(version.pii)
    assert set(version.roles["pii_columns"]) == set(version.pii)
    df, mask = DatasetStore(ws).load_frame(version)
    assert len(df) == 1000 and mask.sum() == 200
    test_bad = (df.loc[mask, "creditability"] == "bad").mean()
    assert test_bad == pytest.approx(0.3, abs=0.01)  # stratified keeps the 30% bad rate
    assert content_hash(df) == version.content_hash


def test_adult_question_marks_are_missing_and_target_is_binary(ws, data_dir):
    _job, result = run_inline(
        ws, import_dataset, {"path": str(data_dir / ADULT), "name": "adult", "target": "class"}
    )
    assert result["status"] == "created"
    assert result["task"] == "binary" and result["rows"] == 48842
    df, _mask = DatasetStore(ws).load_frame("adult")
    for col in ("workclass", "occupation", "native-country"):
        assert df[col].isna().sum() > 500, col
        assert "?" not in set(df[col].dropna().astype(str))
    assert set(df["class"].astype(str)) == {"<=50K", ">50K"}
    missing = [f for f in result["findings"] if f["check"] == "missing_values"]
    assert missing and {"workclass", "occupation", "native-country"} <= set(missing[0]["columns"])
    assert {"age", "sex", "race", "native-country"} <= set(result["pii"])


def test_bikeshare_leak_is_blocking_and_nothing_is_written(ws, data_dir):
    before = workspace_state(ws)
    _job, result = run_inline(
        ws, import_dataset, {"path": str(data_dir / BIKES), "name": "bikes", "target": "bikers"}
    )
    assert result["status"] == "blocked" and result["ref"] is None
    assert result["task"] == "regression"
    derived = [f for f in result["findings"] if f["check"] == "target_derived"]
    assert derived and derived[0]["severity"] == "blocking"
    assert set(derived[0]["columns"]) == {"casual", "registered"}
    assert result["findings"][0]["severity"] == "blocking"  # blocking findings come first
    assert workspace_state(ws) == before


def test_bikeshare_without_the_leaky_columns_imports(ws, data_dir):
    _job, result = run_inline(
        ws,
        import_dataset,
        {
            "path": str(data_dir / BIKES),
            "name": "bikes",
            "target": "bikers",
            "types": {"casual": "ignore", "registered": "ignore"},
            "time_col": "day",
        },
    )
    assert result["status"] == "created", result["findings"]
    assert result["split"]["method"] == "time"
    df, mask = DatasetStore(ws).load_frame("bikes@1")
    assert "casual" not in df.columns
    assert df.loc[mask, "day"].min() > df.loc[~mask, "day"].max()


def test_override_with_reason_is_audited_and_chain_verifies(ws, data_dir):
    _job, result = run_inline(
        ws,
        import_dataset,
        {
            "path": str(data_dir / BIKES),
            "name": "bikes",
            "target": "bikers",
            "allow_blocking": True,
            "reason": "Teaching example: shows the leak on purpose.",
        },
    )
    assert result["status"] == "created"
    version = DatasetStore(ws).get("bikes")
    assert version.override_reason == "Teaching example: shows the leak on purpose."
    events = ws.audit.recent(object_ref="bikes@1")
    actions = {e.action: e for e in events}
    assert set(actions) == {"dataset.create", "dataset.override_blocking"}
    override = actions["dataset.override_blocking"].details
    assert override["reason"] == "Teaching example: shows the leak on purpose."
    assert any(f["check"] == "target_derived" for f in override["findings"])
    assert ws.audit.verify().ok


def test_identical_data_returns_existing_version_and_versions_count_up(ws, data_dir, tmp_path):
    args = {"path": str(data_dir / GERMAN), "name": "credit", "target": "creditability"}
    _job, first = run_inline(ws, import_dataset, args)
    before = workspace_state(ws)
    _job, again = run_inline(ws, import_dataset, args)
    assert again["status"] == "existing" and again["ref"] == "credit@1"
    assert workspace_state(ws) == before
    # The same content from another format is the same data.
    df = pd.read_csv(data_dir / GERMAN)
    parquet = tmp_path / "credit.parquet"
    df.to_parquet(parquet)
    _job, from_parquet = run_inline(ws, import_dataset, args | {"path": str(parquet)})
    assert from_parquet["status"] == "existing"
    assert from_parquet["content_hash"] == first["content_hash"]
    # Changed data (or a changed split) is a new version, numbered on.
    small = tmp_path / "credit_small.csv"
    df.head(900).to_csv(small, index=False)
    _job, second = run_inline(ws, import_dataset, args | {"path": str(small)})
    _job, third = run_inline(ws, import_dataset, args | {"split": "random"})
    assert (second["ref"], third["ref"]) == ("credit@2", "credit@3")
    store = DatasetStore(ws)
    assert [v.number for v in store.list("credit")] == [1, 2, 3]
    assert store.get("credit").number == 3
    assert store.get("credit@2").parent_id == store.get("credit@1").id


def test_inspect_file_feeds_the_wizard(data_dir):
    info = inspect_file(None, str(data_dir / BIKES), rows=5)
    assert info["read_options"]["delimiter"] == "," and len(info["rows"]) == 5
    assert info["types"]["mnth"] == "categorical" and info["types"]["temp"] == "numeric"
    assert info["tasks"]["bikers"] == "regression"
    assert info["tasks"]["weathersit"] == "multiclass"


def test_analyze_reports_without_writing(ws, data_dir):
    from mlops_desktop.data.importer import analyze

    args = {"path": str(data_dir / BIKES), "target": "bikers", "name": "bikes"}
    before = workspace_state(ws)
    job, report = run_inline(ws, analyze, args)
    assert report["status"] == "analyzed" and report["blocking"] == 2
    assert report["profile"]["columns"]["temp"]["histogram"]["counts"]
    assert report["existing_ref"] is None
    assert job.result["blocking"] == 2  # the job's stored result is the same, JSON-safe
    versions, artifacts, _events = workspace_state(ws)
    assert (versions, artifacts) == before[:2]
