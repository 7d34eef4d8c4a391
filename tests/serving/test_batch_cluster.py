"""Batch scoring on a real LocalCluster: the output, the rejects and the log are the ones a
local run writes, in the file's order, whether the workers read the file as a dask.dataframe
or it is streamed to them; a cancelled run writes nothing."""

from __future__ import annotations

import pandas as pd
import pytest

from mlops_desktop.errors import JobCancelled
from mlops_desktop.jobs.cluster import connected
from mlops_desktop.serving import batch_cluster
from mlops_desktop.serving.batch import rejects_path, score
from tests.serving.conftest import TARGET

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with connected("local:2") as connected_client:
        yield connected_client


@pytest.fixture
def awkward_file(tmp_path, credit_frame):
    """7,500 real rows: a text in a number column, a 1,000-row stretch with one column empty
    (a part of the file the contract rejects as a whole) starting mid-chunk, and a note whose
    quoted line breaks a split at any line end would cut."""
    frame = pd.concat([credit_frame] * 8, ignore_index=True).head(7500).drop(columns=[TARGET])
    frame = frame.astype({"age_in_years": object})
    frame.loc[7, "age_in_years"] = "forty"
    frame.loc[3000:3999, "duration_in_month"] = None
    frame["note"] = ['called back,\nsaid "later"' if i % 9 == 0 else "" for i in range(7500)]
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    return path


def _log(ws, batch_id: str) -> list[tuple]:
    """The run's logged chunks: their inputs and outputs as stored, in order."""
    return [
        (inputs, outputs)
        for _id, _ts, _v, inputs, outputs, _ms in ws.batch_rows.chunk_rows(batch_id)
    ]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_cluster_writes_what_a_local_run_writes(
    model_ws, awkward_file, tmp_path, client, monkeypatch, suffix
):
    monkeypatch.setattr(batch_cluster, "CHUNKS_PER_TASK", 2)  # several tasks, some in flight
    here = score(model_ws, "credit@2", awkward_file, tmp_path / f"here{suffix}")
    seen: list[str] = []
    there = score(
        model_ws,
        "credit@2",
        awkward_file,
        tmp_path / f"there{suffix}",
        progress=lambda _f, m: seen.append(m),
        cluster=client,
    )
    assert (there.rows, there.scored, there.rejected) == (here.rows, here.scored, here.rejected)
    assert here.rejected == 1 + 1000
    read = pd.read_csv if suffix == ".csv" else pd.read_parquet
    a, b = read(tmp_path / f"here{suffix}"), read(tmp_path / f"there{suffix}")
    ids = ["request_id"]
    pd.testing.assert_frame_equal(a.drop(columns=ids), b.drop(columns=ids))
    assert (
        b["request_id"].str.removeprefix(there.batch_id).tolist()
        == a["request_id"].str.removeprefix(here.batch_id).tolist()
    )
    pd.testing.assert_frame_equal(
        pd.read_csv(rejects_path(tmp_path / f"here{suffix}")),
        pd.read_csv(rejects_path(tmp_path / f"there{suffix}")),
    )
    assert _log(model_ws, here.batch_id) == _log(model_ws, there.batch_id)
    assert seen[0] == "Workers read in.csv in 4 partitions (dask.dataframe)"  # of 2,000 rows
    assert len(seen) >= 8 and "Scored 7,499 rows" not in seen[1]


def test_a_file_the_workers_cannot_split_is_streamed_to_them(
    model_ws, credit_frame, tmp_path, client
):
    path = tmp_path / "in.xlsx"  # a workbook has no partitions to read apart
    pd.concat([credit_frame] * 3, ignore_index=True).drop(columns=[TARGET]).to_excel(
        path, index=False
    )
    here = score(model_ws, "credit@2", path, tmp_path / "here.csv")
    seen: list[str] = []
    there = score(
        model_ws,
        "credit@2",
        path,
        tmp_path / "there.csv",
        lambda _f, m: seen.append(m),
        cluster=client,
    )
    assert seen[0] == "Sending the rows of in.xlsx to the workers (it cannot be split)"
    assert (there.rows, there.scored) == (here.rows, here.scored) == (3000, 3000)
    ids = ["request_id"]
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "here.csv").drop(columns=ids),
        pd.read_csv(tmp_path / "there.csv").drop(columns=ids),
    )


def test_a_cancelled_cluster_run_leaves_no_output_and_no_log(
    model_ws, awkward_file, tmp_path, client
):
    out = tmp_path / "cancelled.csv"
    calls: list[float] = []

    def cancel_on_third(fraction: float, _message: str) -> None:
        calls.append(fraction)
        if len(calls) == 3:
            raise JobCancelled("cancelled")

    with pytest.raises(JobCancelled):
        score(model_ws, "credit@2", awkward_file, out, progress=cancel_on_third, cluster=client)
    assert not out.exists() and not rejects_path(out).exists()
    assert list(tmp_path.glob(".cancelled*")) == []
    assert model_ws.predictions.latest_batch("credit") is None  # no run published
    assert model_ws.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == 0
    # the cluster is free for the next run
    done = score(model_ws, "credit@2", awkward_file, tmp_path / "after.csv", cluster=client)
    assert done.rows == 7500


def test_workers_read_the_file_only_when_they_find_this_very_file(credit_frame, tmp_path, client):
    from mlops_desktop.data.partitions import fingerprint

    path = tmp_path / "in.csv"
    credit_frame.to_csv(path, index=False)
    assert batch_cluster.workers_see(client, path)
    planned = fingerprint(path)
    changed = credit_frame.copy()
    changed.loc[999, "age_in_years"] = 99  # same path, other bytes near the end
    changed.to_csv(path, index=False)
    assert fingerprint(path) != planned  # what a partition read checks against its plan
    assert batch_cluster.workers_see(client, path)  # the workers see the new file too
    missing = tmp_path / "gone.csv"
    assert not batch_cluster.workers_see(client, missing)
