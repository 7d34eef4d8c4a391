"""Model versions, aliases with history, and 'which version was live at time T'."""

from __future__ import annotations

import time

import pytest

from mlops_desktop.errors import InputError, NotFoundError
from mlops_desktop.registry.refs import Ref, parse_ref


@pytest.fixture
def run_id(workspace):
    workspace.db.execute(
        "INSERT INTO dataset_versions (name, number, content_hash, artifact_hash, rows, columns,"
        " created_at, created_by) VALUES ('credit', 1, 'h', 'a', 10, 3, 0, 'me')"
    )
    run = workspace.runs.create(1, "hgb", config={"model": "hgb"}, seed=7)
    workspace.runs.finish(run.id, "succeeded", metrics={"roc_auc": 0.81}, artifact_hash="f" * 64)
    return run.id


def test_parse_ref():
    assert parse_ref("credit@3") == Ref("credit", number=3)
    assert parse_ref("credit@live") == Ref("credit", alias="live")
    assert parse_ref("credit") == Ref("credit")
    for bad in ("", "cre dit", "credit@0", "credit@", "@3", "credit@-1"):
        with pytest.raises(InputError):
            parse_ref(bad)


def test_runs_record_status_and_metrics(workspace, run_id):
    run = workspace.runs.get(run_id)
    assert run.status == "succeeded" and run.metrics == {"roc_auc": 0.81}
    assert run.duration_s is not None and run.duration_s >= 0
    assert [r.id for r in workspace.runs.list(dataset_version_id=1)] == [run_id]
    with pytest.raises(NotFoundError):
        workspace.runs.get("run-nothing")


def test_versions_are_numbered_per_name(workspace, run_id):
    a = workspace.models.register("credit", run_id, "a" * 64, signature={"columns": []})
    b = workspace.models.register("credit", run_id, "b" * 64, signature={}, parent_id=a.id)
    other = workspace.models.register("churn", run_id, "c" * 64, signature={})
    assert (a.ref, b.ref, other.ref) == ("credit@1", "credit@2", "churn@1")
    assert workspace.models.get("credit").ref == "credit@2"
    assert workspace.models.get("credit@1") == a
    assert [v.ref for v in workspace.models.lineage(b)] == ["credit@2", "credit@1"]
    assert workspace.models.names() == ["churn", "credit"]
    with pytest.raises(NotFoundError, match="Registered models: churn, credit"):
        workspace.models.get("credit@9")
    assert [e.action for e in workspace.audit.recent()].count("model.register") == 3


def test_alias_history_answers_which_version_was_live_when(workspace, run_id):
    models = workspace.models
    v1 = models.register("credit", run_id, "a" * 64, signature={})
    v2 = models.register("credit", run_id, "b" * 64, signature={})
    before = time.time()
    models.set_alias("credit", "live", v1.id, reason="first deploy")
    t1 = time.time()
    time.sleep(0.01)
    models.set_alias("credit", "live", v2.id, reason="better model")
    t2 = time.time()
    time.sleep(0.01)
    models.set_alias("credit", "live", v1.id, reason="rollback")

    assert models.get("credit@live") == v1
    assert models.alias_at("credit", "live", before - 1) is None
    assert models.alias_at("credit", "live", t1).model_version_id == v1.id
    assert models.alias_at("credit", "live", t2).model_version_id == v2.id
    history = models.alias_history("credit", "live")
    assert [h.reason for h in history] == ["first deploy", "better model", "rollback"]
    assert all(h.ended_at is not None for h in history[:-1]) and history[-1].ended_at is None
    assert models.aliases_of(v1.id) == ["live"] and models.aliases_of(v2.id) == []
    models.clear_alias("credit", "live")
    with pytest.raises(NotFoundError, match="is live now"):
        models.get("credit@live")


def test_alias_must_name_a_version_of_the_same_model(workspace, run_id):
    churn = workspace.models.register("churn", run_id, "a" * 64, signature={})
    with pytest.raises(NotFoundError):
        workspace.models.set_alias("credit", "live", churn.id)
