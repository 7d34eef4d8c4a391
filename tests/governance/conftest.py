"""German credit trained for real (credit@1 logistic regression, credit@2 gradient boosting), and
decisions logged in the prediction log in the form the scoring service writes them."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import copy_workspace
from tests.credit import TARGET, build_credit_workspace
from tests.datasets import GERMAN_CREDIT, read_dataset


@pytest.fixture(scope="session")
def explained_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("explained") / "ws"
    build_credit_workspace(path, families=("logreg", "hgb"), cv_folds=2)
    return path


@pytest.fixture
def explained_ws(explained_template: Path, tmp_path: Path):
    from mlops_desktop.registry.workspace import Workspace

    with Workspace.open(copy_workspace(explained_template, tmp_path / "ws"), create=False) as ws:
        yield ws


def credit_records(n: int, start: int = 0) -> list[dict]:
    frame = read_dataset(GERMAN_CREDIT).drop(columns=[TARGET]).iloc[start : start + n]
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    ]


def log_decision(ws, ref: str, records: list[dict], arm: str = "live", status: int = 200) -> str:
    """Log one answered request of ``ref`` holding ``records`` (as ``Table.to_log`` writes)."""
    version = ws.models.get(ref)
    columns = [spec["name"] for spec in version.signature["inputs"]]
    inputs = {"columns": columns, "data": [[r[c] for c in columns] for r in records]}
    request_id = uuid.uuid4().hex
    ws.predictions.add(
        request_id,
        time.time(),
        version.name,
        version.id,
        arm,
        "mlflow",
        inputs,
        {"predictions": ["good"] * len(records)},
        3.0,
        status,
    )
    return request_id
