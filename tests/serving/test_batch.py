"""Batch scoring of CSV and Parquet files: bad rows rejected with the reason, never scored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.serving import deployments as d
from mlops_desktop.serving.batch import rejects_path, score
from tests.serving.conftest import TARGET


@pytest.fixture
def batch_file(tmp_path, credit_frame):
    """2,500 real rows (so several chunks) with three broken rows and an id column."""
    frame = pd.concat([credit_frame] * 3, ignore_index=True).head(2500).drop(columns=[TARGET])
    frame.insert(0, "customer_id", [f"c{i}" for i in range(len(frame))])
    frame = frame.astype({"age_in_years": object, "credit_amount": object})
    frame.loc[5, "age_in_years"] = "forty"
    frame.loc[1200, "credit_amount"] = "lots"
    frame.loc[2499, "age_in_years"] = "old"
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_csv_batch_scores_good_rows_and_rejects_bad_ones(model_ws, trained, batch_file, tmp_path):
    d.deploy(model_ws, "credit@2", force=True, reason="batch")
    in_path, frame = batch_file
    out = tmp_path / "out" / "scores.csv"
    out.parent.mkdir()
    seen: list[float] = []
    result = score(model_ws, "credit@live", in_path, out, progress=lambda f, _m: seen.append(f))

    assert (result.rows, result.scored, result.rejected) == (2500, 2497, 3)
    assert result.model == "credit@2"
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 3
    scored = pd.read_csv(out)
    assert len(scored) == 2497 and set(scored["model_version"]) == {"credit@2"}
    assert {"prediction", "proba_bad", "proba_good", "customer_id"} <= set(scored.columns)
    assert "c5" not in set(scored["customer_id"])
    good = frame[~frame["customer_id"].isin(["c5", "c1200", "c2499"])].head(50)
    pipeline = trained[1][0]
    expected = pipeline.predict_proba(good.drop(columns=["customer_id"]))
    assert np.allclose(scored[["proba_bad", "proba_good"]].head(50).to_numpy(), expected)

    rejects = pd.read_csv(rejects_path(out))
    assert rejects_path(out).name == "scores.rejects.csv"
    assert rejects["row_number"].tolist() == [6, 1201, 2500]  # 1-based data rows
    assert rejects["customer_id"].tolist() == ["c5", "c1200", "c2499"]
    assert "age_in_years" in rejects["reason"][0] and "'forty'" in rejects["reason"][0]
    assert "credit_amount" in rejects["reason"][1]

    summary = model_ws.predictions.latest_batch("credit")  # the run, as the alerts read it
    assert summary.request_id == result.batch_id and summary.model_version_id == 2
    assert summary.outputs["rejected"] == 3 and summary.inputs["rows"] == 2500
    assert any(e.action == "batch.score" for e in model_ws.audit.recent(10))
    # every scored row has its id, and the log holds each scored chunk's rows under it
    first = [f"{result.batch_id}-{n}" for n in (1, 2, 3, 4, 5, 7)]  # row 6 was rejected
    assert scored["request_id"].head(6).tolist() == first
    assert model_ws.batch_rows.chunks(result.batch_id) == 3
    chunk = model_ws.batch_rows.chunk_of(result.batch_id, 1202)
    assert chunk.outputs["rows"][:2] == [1001, 1002] and 1201 not in chunk.outputs["rows"]
    # the model's inputs only: customer_id is no input and no id column of its dataset
    signature_inputs = [s["name"] for s in model_ws.models.get("credit@2").signature["inputs"]]
    assert len(chunk.inputs["data"]) == 999 and set(chunk.inputs["columns"]) == set(
        signature_inputs
    )
    at = chunk.outputs["rows"].index(1202)
    assert chunk.outputs["predictions"][at] == (
        scored.loc[scored["request_id"] == f"{result.batch_id}-1202", "prediction"].item()
    )
    from mlops_desktop.serving.stats import arm_figures  # the Deploy page's figures per arm

    batch = [f for f in arm_figures(model_ws, "credit") if f.arm == "batch"]
    assert [(f.requests, f.errors) for f in batch] == [(1, 0)]


def test_parquet_in_and_out_without_rejects(model_ws, credit_frame, tmp_path):
    frame = credit_frame.drop(columns=[TARGET]).head(300)
    in_path = tmp_path / "in.parquet"
    frame.to_parquet(in_path, index=False)
    out = tmp_path / "out.parquet"
    rejects_path(out).write_text("stale")
    result = score(model_ws, "credit@1", in_path, out, chunk_rows=128)
    assert (result.scored, result.rejected, result.rejects) == (300, 0, None)
    scored = pd.read_parquet(out)
    assert len(scored) == 300 and set(scored["model_version"]) == {"credit@1"}
    assert not rejects_path(out).exists()  # no stale reject file left to mislead


def test_a_missing_column_stops_the_batch_before_writing(model_ws, credit_frame, tmp_path):
    in_path = tmp_path / "in.csv"
    credit_frame.drop(columns=[TARGET, "purpose"]).head(10).to_csv(in_path, index=False)
    out = tmp_path / "out.csv"
    with pytest.raises(InputError, match="lacks column.*purpose"):
        score(model_ws, "credit@1", in_path, out)
    assert not out.exists() and list(tmp_path.glob(".out.csv*")) == []
    with pytest.raises(InputError, match=".csv or .parquet"):
        score(model_ws, "credit@1", in_path, tmp_path / "out.xlsx")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        score(model_ws, "credit@1", empty, out)
