"""Run comparison without Qt: curves from real pipelines, metrics side by side, parameter diff."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from mlops_desktop.errors import InputError
from mlops_desktop.jobs import run_inline
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.training.comparison import (
    MAX_CURVE_POINTS,
    MAX_SCATTER_POINTS,
    comparison_curves,
    downsample,
    metric_table,
    param_diff,
)
from mlops_desktop.training.jobs import train_model
from mlops_desktop.training.run_summary import (
    headline,
    lineage,
    newer_dataset_versions,
    status_note,
    train_command,
)
from tests.conftest import copy_workspace


def _import(ws, path, name, target, seed=1, **extra):
    from mlops_desktop.data.importer import import_dataset

    run_inline(
        ws,
        import_dataset,
        {"path": str(path), "name": name, "target": target, "seed": seed, **extra},
    )


@pytest.fixture(scope="module")
def credit_runs_template(tmp_path_factory, imported_credit) -> tuple[Path, list[str]]:
    """A workspace with credit@1 and two runs on it (logreg, hgb with a search), trained once
    for the module; returns its folder and the run ids."""
    path = copy_workspace(imported_credit, tmp_path_factory.mktemp("comparison") / "ws")
    with Workspace.open(path, create=False) as ws:
        ids = []
        for model, search in (("logreg", 0), ("hgb", 2)):
            _, result = run_inline(
                ws,
                train_model,
                {"dataset": "credit@1", "model": model, "cv_folds": 3, "search": search},
            )
            ids.append(result["run_id"])
    return path, ids


@pytest.fixture
def credit_runs(credit_runs_template, tmp_path):
    """A private copy of the template workspace, opened, and its two runs."""
    template, ids = credit_runs_template
    with Workspace.open(copy_workspace(template, tmp_path / "ws"), create=False) as ws:
        yield ws, [ws.runs.get(i) for i in ids]


def test_classification_curves_are_real_roc_and_pr_points(credit_runs):
    ws, runs = credit_runs
    _, result = run_inline(ws, comparison_curves, {"run_ids": [r.id for r in runs]})
    assert result["kind"] == "classification" and result["skipped"] == []
    assert [e["run_id"] for e in result["runs"]] == [r.id for r in runs]
    for entry, run in zip(result["runs"], runs, strict=True):
        roc, pr = entry["roc"], entry["pr"]
        assert 2 < len(roc["x"]) <= MAX_CURVE_POINTS and len(roc["x"]) == len(roc["y"])
        assert roc["x"][0] == 0.0 and roc["x"][-1] == 1.0 and roc["y"][-1] == 1.0
        assert np.all(np.diff(roc["x"]) >= 0)  # false-positive rate never decreases
        assert pr["x"][0] == 0.0 and pr["x"][-1] == 1.0 and len(pr["x"]) <= MAX_CURVE_POINTS
        # The AUC from these curves is the run's recorded holdout AUC (same pipeline, same rows).
        assert roc["auc"] == pytest.approx(run.metrics["holdout"]["roc_auc"], abs=1e-9)
        assert pr["ap"] == pytest.approx(run.metrics["holdout"]["pr_auc"], abs=1e-9)
        assert entry["positive_class"] == "bad" and 0.2 < pr["prevalence"] < 0.4
        assert entry["rows"] == 200
        assert entry["estimator_params"]
    assert result["runs"][1]["estimator_params"]["learning_rate"] == pytest.approx(
        runs[1].params["learning_rate"]
    )


def test_metric_table_lines_up_runs_and_differences(credit_runs):
    _, runs = credit_runs
    rows = metric_table(runs)
    first = rows[0]
    assert (first["metric"], first["source"], first["primary"]) == ("roc_auc", "holdout", True)
    a, b = (r.metrics["holdout"]["roc_auc"] for r in runs)
    assert first["values"] == [a, b]
    assert first["diffs"][0] is None and first["diffs"][1] == pytest.approx(b - a)
    assert first["best"] == (0 if a > b else 1)
    log_loss = next(r for r in rows if r["metric"] == "log_loss" and r["source"] == "holdout")
    assert log_loss["higher_is_better"] is False
    assert log_loss["best"] == int(np.argmin(log_loss["values"]))
    cv = next(r for r in rows if r["metric"] == "roc_auc" and r["source"] == "cv")
    assert cv["stds"] == [r.metrics["cv"]["roc_auc"]["std"] for r in runs]
    baseline = next(r for r in rows if r["metric"] == "roc_auc" and r["source"] == "baseline")
    assert baseline["values"] == [0.5, 0.5] and baseline["diffs"][1] == 0.0
    assert baseline["best"] is None  # a tie has no winner


def test_param_diff_lists_only_what_differs(credit_runs):
    ws, runs = credit_runs
    refs = {v.id: v.ref for v in ws.datasets.list()}
    rows = {r["param"]: r["values"] for r in param_diff(runs, refs)}
    assert rows["Model family"] == ["logreg", "hgb"]
    assert rows["Search budget"] == [0, 2]
    assert rows["learning_rate"] == [None, runs[1].params["learning_rate"]]
    assert "Dataset version" not in rows and "Seed" not in rows and "CV folds" not in rows
    assert param_diff([runs[0], runs[0]], refs) == []


def test_model_parameters_join_the_diff_for_runs_of_one_family(credit_ws):
    ids = []
    for seed in (1, 2):
        _, result = run_inline(
            credit_ws,
            train_model,
            {"dataset": "credit@1", "model": "rf", "cv_folds": 2, "seed": seed, "search": 1},
        )
        ids.append(result["run_id"])
    runs = [credit_ws.runs.get(i) for i in ids]
    _, curves = run_inline(credit_ws, comparison_curves, {"run_ids": ids})
    estimator = {e["run_id"]: e["estimator_params"] for e in curves["runs"]}
    rows = {r["param"]: (r["kind"], r["values"]) for r in param_diff(runs, {}, estimator)}
    assert rows["Seed"] == ("setting", [1, 2])
    assert rows["random_state"] == ("model", [1, 2])


def test_regression_curves_sample_points_and_share_histogram_bins(workspace, data_dir):
    _import(
        workspace,
        data_dir / "uci_bikeshare_2011_hourly.csv",
        "bikes",
        "bikers",
        id_cols=["casual", "registered"],
        test_size=0.3,
    )
    ids = []
    for model in ("linear", "hgb"):
        _, result = run_inline(
            workspace, train_model, {"dataset": "bikes@1", "model": model, "cv_folds": 2}
        )
        ids.append(result["run_id"])
    _, result = run_inline(workspace, comparison_curves, {"run_ids": ids})
    assert result["kind"] == "regression"
    first, second = result["runs"]
    assert first["rows"] > MAX_SCATTER_POINTS
    assert len(first["scatter"]["actual"]) == MAX_SCATTER_POINTS
    assert len(first["scatter"]["predicted"]) == MAX_SCATTER_POINTS
    assert first["residuals"]["edges"] == second["residuals"]["edges"]
    assert sum(first["residuals"]["counts"]) == first["rows"]
    runs = [workspace.runs.get(i) for i in ids]
    rows = metric_table(runs)
    assert rows[0]["metric"] == "rmse" and rows[0]["higher_is_better"] is False
    assert headline(runs[0]).metric == "rmse"


def test_damaged_holdout_and_mixed_tasks_are_refused(credit_runs, data_dir):
    ws, runs = credit_runs
    _import(
        ws,
        data_dir / "uci_bikeshare_2011_hourly.csv",
        "bikes",
        "bikers",
        id_cols=["casual", "registered"],
    )
    _, result = run_inline(
        ws, train_model, {"dataset": "bikes@1", "model": "linear", "cv_folds": 2}
    )
    with pytest.raises(InputError, match="mix classification and regression"):
        run_inline(ws, comparison_curves, {"run_ids": [runs[0].id, result["run_id"]]})
    version = ws.datasets.get("credit@1")
    path = ws.artifacts.path_for(version.artifact_hash)
    os.chmod(path, 0o644)
    with open(path, "r+b") as handle:
        handle.seek(100)
        handle.write(b"tampered")
    # The holdout cannot be read any more, so scoring the run fails loudly, not silently.
    with pytest.raises(Exception, match="damaged"):
        run_inline(ws, comparison_curves, {"run_ids": [r.id for r in runs]})


def test_failed_run_without_model_is_skipped(credit_runs):
    ws, runs = credit_runs
    broken = ws.runs.create(runs[0].dataset_version_id, "rf", config={"task": "binary"}, seed=1)
    ws.runs.finish(broken.id, "cancelled", error="Cancelled by the user")
    _, result = run_inline(ws, comparison_curves, {"run_ids": [runs[0].id, broken.id]})
    assert [e["run_id"] for e in result["runs"]] == [runs[0].id]
    assert result["skipped"] == [
        {"run_id": broken.id, "reason": "The run cancelled; it has no model."}
    ]
    assert status_note(ws.runs.get(broken.id), []) == "Cancelled by the user"


def test_lineage_follows_retraining_to_the_parent(credit_runs, data_dir):
    from mlops_desktop.training.jobs import retrain_model

    ws, runs = credit_runs
    parent = ws.models.register(
        "credit", runs[1].id, runs[1].artifact_hash, signature=runs[1].config["signature"]
    )
    assert newer_dataset_versions(ws, runs[1]) == []
    _import(ws, data_dir / "uci_statlog_german_credit.csv", "credit", "creditability", seed=2)
    assert [v.ref for v in newer_dataset_versions(ws, runs[1])] == ["credit@2"]
    _, result = run_inline(ws, retrain_model, {"model_ref": parent.ref, "dataset": "credit@2"})
    child_run = ws.runs.get(result["run_id"])
    steps = [(s.kind, s.ref) for s in lineage(ws, child_run)]
    assert steps == [
        ("dataset", "credit@2"),
        ("run", child_run.id),
        ("model", "credit@2"),
        ("parent", "credit@1"),
    ]
    assert [(s.kind, s.ref) for s in lineage(ws, runs[1])] == [
        ("dataset", "credit@1"),
        ("run", runs[1].id),
        ("model", "credit@1"),
    ]


def test_downsampling_and_cli_command():
    assert downsample(np.arange(1000), np.arange(1000), 300)[0][-1] == 999.0
    assert len(downsample(np.arange(1000), np.arange(1000), 300)[0]) == 300
    assert train_command("credit@1", ["hgb"], register="credit") == (
        "mlops-desktop train credit@1 --model hgb --register credit"
    )
    assert train_command("credit@1", ["rf", "hgb"], search=5, folds=3) == (
        "mlops-desktop train credit@1 --model rf --search 5 --folds 3\n"
        "mlops-desktop train credit@1 --model hgb --search 5 --folds 3"
    )
