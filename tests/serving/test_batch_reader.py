"""``score`` reads a file with the import's reader and the dataset's missing markers, so a file
scores the same as its rows did when imported (Adult's ``?``, semicolon/decimal-comma, UTF-16)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.data.importer import import_dataset
from mlops_desktop.jobs import run_inline
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.batch import score
from mlops_desktop.training.jobs import train_model


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "ws")
    yield workspace
    workspace.close()


def _import_and_train(ws, path, name: str, target: str, model: str = "logreg"):
    """Import ``path`` as ``name``, train and register ``name@1``; (pipeline, features frame)."""
    _job, imported = run_inline(
        ws, import_dataset, {"path": str(path), "name": name, "target": target}
    )
    assert imported["status"] == "created", imported
    run_inline(
        ws,
        train_model,
        {"dataset": f"{name}@1", "model": model, "cv_folds": 2, "register": name},
    )
    version = ws.models.get(f"{name}@1")
    frame, _mask = ws.datasets.load_frame(f"{name}@1")
    return ws.artifacts.load_object(version.artifact_hash), frame.drop(columns=[target])


def _scored_probabilities(ws, ref: str, path, out) -> np.ndarray:
    score(ws, ref, path, out)
    scored = pd.read_csv(out)
    return scored[sorted(c for c in scored.columns if c.startswith("proba_"))].to_numpy()


def test_adult_scored_by_score_equals_adult_scored_as_imported(ws, data_dir, tmp_path):
    path = data_dir / "uci_adult_census_income.csv"
    pipeline, features = _import_and_train(ws, path, "adult", "class")
    as_imported = pipeline.predict_proba(features)
    by_score = _scored_probabilities(ws, "adult@1", path, tmp_path / "adult_scores.csv")
    assert by_score.shape == as_imported.shape == (48842, 2)
    differ = int((np.abs(by_score - as_imported) > 1e-9).any(axis=1).sum())
    assert differ == 0, f"{differ} of 48,842 rows score differently from the imported rows"


def _small_table() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    amount = rng.normal(100, 30, 400).round(2)
    kind = rng.choice(["Müller", "Schulz", "Meier"], 400)
    label = np.where(amount + rng.normal(0, 20, 400) > 100, "ja", "nein")
    return pd.DataFrame({"Betrag": amount, "Kunde": kind, "Ziel": label})


def test_semicolon_decimal_comma_and_utf16_files_score_as_they_import(ws, tmp_path):
    table = _small_table()
    euro = tmp_path / "euro.csv"
    table.to_csv(euro, sep=";", decimal=",", index=False)
    pipeline, features = _import_and_train(ws, euro, "euro", "Ziel")
    as_imported = pipeline.predict_proba(features)
    assert np.allclose(
        _scored_probabilities(ws, "euro@1", euro, tmp_path / "euro_scores.csv"), as_imported
    )
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(table.to_csv(index=False).encode("utf-16"))
    assert np.allclose(
        _scored_probabilities(ws, "euro@1", utf16, tmp_path / "utf16_scores.csv"), as_imported
    )


def test_score_on_an_empty_parquet_or_a_non_pickle_artifact_is_exit_2(
    model_ws, credit_frame, tmp_path, capsys
):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from mlops_desktop.cli.entry import main

    ws = ["--workspace", str(model_ws.path)]
    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"age_in_years": pa.array([], pa.int64())}), empty)
    assert main([*ws, "score", "credit@1", str(empty), str(tmp_path / "o.csv")]) == 2
    assert "no data rows" in capsys.readouterr().err
    digest = model_ws.artifacts.put_bytes(b"this is not a pickle")
    run = model_ws.runs.create(1, "test", config={}, seed=0)
    model_ws.runs.finish(run.id, "succeeded", metrics={}, artifact_hash=digest)
    version = model_ws.models.register("credit", run.id, digest, signature={})
    good = tmp_path / "in.csv"
    credit_frame.head(5).to_csv(good, index=False)
    assert main([*ws, "score", version.ref, str(good), str(tmp_path / "o.csv")]) == 2
    assert "is not a model MLOps Desktop can load" in capsys.readouterr().err
