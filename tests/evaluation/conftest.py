"""Fixtures for the Test step: a real model on German credit, registered in a real workspace."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.registry.dataset_store import DatasetStore
from mlops_desktop.training.trainer import TrainConfig, train
from tests.datasets import GERMAN_CREDIT, GERMAN_CREDIT_CSV, read_dataset

TARGET = "creditability"


def schema_of(frame: pd.DataFrame, target: str) -> dict[str, str]:
    return {
        c: "numeric" if pd.api.types.is_numeric_dtype(frame[c]) and c != target else "categorical"
        for c in frame.columns
    }


@pytest.fixture(scope="session")
def credit():
    frame = read_dataset(GERMAN_CREDIT)
    mask = np.random.default_rng(0).random(len(frame)) < 0.3
    roles = {"target": TARGET, "task": "binary"}
    return frame, mask, schema_of(frame, TARGET), roles


@pytest.fixture(scope="session")
def credit_model(credit):
    """(frame, mask, schema, roles, TrainResult, signature) for a logistic regression."""
    frame, mask, schema, roles = credit
    result = train(frame, mask, schema, roles, TrainConfig("logreg", "binary", cv_folds=2), _quiet)
    signature = copy.deepcopy(result.signature)
    signature["output"]["positive_class"] = result.positive_class
    return frame, mask, schema, roles, result, signature


def _quiet(_fraction: float, _message: str) -> None:
    return None


def register_model(ws, credit_model, name: str = "credit") -> str:
    """Store the dataset version and the trained pipeline in ``ws`` as ``name@1``; return it."""
    frame, mask, schema, roles, result, signature = credit_model
    dataset = DatasetStore(ws).create_version(
        "credit",
        frame,
        mask,
        content_hash="credit-test-fixture",
        schema=schema,
        roles=roles,
        pii={"personal_status_and_sex": ["sex"], "age_in_years": ["age"]},
        split={"method": "random", "test_size": 0.3, "seed": 0},
        profile={},
        checks=[],
        source=str(GERMAN_CREDIT_CSV),
    )
    run = ws.runs.create(dataset.id, "logreg", config={"signature": signature}, seed=42)
    artifact = ws.artifacts.put_object(result.pipeline)
    ws.runs.finish(run.id, "succeeded", artifact_hash=artifact)
    return ws.models.register(name, run.id, artifact, signature=signature).ref
