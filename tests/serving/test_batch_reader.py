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


def test_adult_scored_by_score_equals_adult_scored_as_imported(ws, shared_data, tmp_path):
    path = shared_data / "uci_adult_census_income.csv"
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
