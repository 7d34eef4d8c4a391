"""Dask clusters: addresses, the version check, and cross-validation on a real LocalCluster
giving the same metrics as a local run, with progress and cancel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.errors import InputError, JobCancelled
from mlops_desktop.jobs import cluster
from mlops_desktop.training.cross_validation import MetricsScorer, run_folds
from mlops_desktop.training.trainer import TrainConfig, train

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with cluster.connected("local:2") as connected:
        yield connected


@pytest.fixture(scope="module")
def credit():
    from tests.datasets import GERMAN_CREDIT, read_dataset

    frame = read_dataset(GERMAN_CREDIT)
    schema = {
        c: "numeric" if pd.api.types.is_numeric_dtype(frame[c]) else "categorical"
        for c in frame.columns
    }
    mask = np.random.default_rng(1).random(len(frame)) < 0.25
    return frame, mask, schema, {"target": "creditability", "task": "binary"}


@pytest.mark.parametrize("text", ["local", "local:3", "tcp://10.0.0.5:8786", "tls://sched:8786"])
def test_addresses_that_name_a_cluster(text):
    assert cluster.check_address(f" {text} ") == text


@pytest.mark.parametrize("text", ["", "local:0", "local:x", "http://host:8786", "host:8786"])
def test_other_text_is_refused_with_what_is_accepted(text):
    with pytest.raises(InputError, match="tcp://host:8786, or local"):
        cluster.check_address(text)


def test_a_worker_with_other_versions_is_named_with_each_difference():
    ours = cluster.library_versions()
    same = dict(ours, python=ours["python"].rsplit(".", 1)[0] + ".99")  # patch level: fine
    other = dict(ours, **{"scikit-learn": "1.0.2", "pandas": "1.5.3"})
    other.pop("mlops-desktop")
    found = cluster.version_mismatches(ours, {"tcp://a:1": same, "tcp://b:2": other})
    assert found == [
        f"tcp://b:2: scikit-learn 1.0.2 (ours {ours['scikit-learn']})",
        f"tcp://b:2: pandas 1.5.3 (ours {ours['pandas']})",
        f"tcp://b:2: mlops-desktop not installed (ours {ours['mlops-desktop']})",
    ]


def test_a_local_cluster_is_described_and_its_versions_match(client):
    info = cluster.describe(client)
    assert info.workers == 2 and info.threads == 2
    assert info.memory_bytes > 0
    assert info.address.startswith("tcp://127.0.0.1:")  # loopback only
    cluster.check_versions(client)  # the same environment: no mismatch


def test_an_unreachable_scheduler_is_a_clear_input_error(monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1)
    with pytest.raises(InputError, match="Could not reach the Dask scheduler at tcp://127.0.0.1:9"):
        with cluster.connected("tcp://127.0.0.1:9"):
            pass


def test_training_on_the_cluster_gives_the_local_metrics(client, credit):
    frame, mask, schema, roles = credit
    config = TrainConfig("rf", "binary", search=2, cv_folds=3, seed=7)
    seen: list[str] = []
    local = train(frame, mask, schema, roles, config, lambda _f, _m: None)
    remote = train(frame, mask, schema, roles, config, lambda _f, m: seen.append(m), cluster=client)
    assert remote.candidates == local.candidates  # every candidate's folds, in order
    assert remote.cv_metrics == local.cv_metrics
    assert remote.fingerprint == local.fingerprint
    assert any("(6/6 fits on 2 workers)" in m for m in seen)


def test_cancelling_stops_the_cluster_work_and_leaves_the_client_usable(client, credit):
    from sklearn.ensemble import RandomForestClassifier

    frame, _mask, _schema, roles = credit
    X = frame.select_dtypes("number")  # noqa: N806
    y = frame[roles["target"]].astype(str)
    folds = [(np.arange(0, 800), np.arange(800, 1000))] * 8
    pipelines = [RandomForestClassifier(n_estimators=30, random_state=0)]
    scorer = MetricsScorer("binary", "bad")
    done: list[int] = []

    def cancel_after_first(finished: int, _text: str) -> None:
        done.append(finished)
        if finished >= 1:
            raise JobCancelled("cancelled")

    with pytest.raises(JobCancelled):
        run_folds(pipelines, folds, X, y, scorer, cancel_after_first, client)
    assert max(done) == 1
    scores = run_folds(pipelines, folds[:2], X, y, scorer, lambda _d, _t: None, client)
    assert len(scores[0]) == 2 and scores[0][0] == scores[0][1]  # same split, same seed
