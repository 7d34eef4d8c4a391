"""A real monitored model: German credit imported, logistic regression trained, tested, live.

Built once per session (import, train, test: a few seconds) and copied for every test that
needs a fresh workspace. Predictions are either logged by a real service or inserted directly
in the prediction log's format (``log_requests``).
"""

from __future__ import annotations

import json
import shutil
import time
import uuid

import numpy as np
import pandas as pd
import pytest

from tests.datasets import GERMAN_CREDIT, read_dataset
from tests.serving.conftest import free_port  # noqa: F401 - one helper (MLOPS_TEST_PORTS)

TARGET = "creditability"
COMPACT = (",", ":")  # the service's prediction log writes compact JSON
MODEL = "credit"


@pytest.fixture(scope="session")
def credit() -> pd.DataFrame:
    return read_dataset(GERMAN_CREDIT)


@pytest.fixture(scope="session")
def template_ws(tmp_path_factory):
    """The path of a workspace where credit@1 (logreg on credit@1) is tested and live."""
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.deployments import deploy
    from tests.credit import build_credit_workspace

    path = tmp_path_factory.mktemp("monitor-template") / "ws"
    build_credit_workspace(path, cv_folds=2, test_resamples=50)
    with Workspace.open(path, create=False) as ws:
        deploy(ws, "credit@1", force=True, reason="monitoring tests")
    return path


@pytest.fixture
def monitored(template_ws, tmp_path):
    """A fresh copy of the template workspace, opened."""
    from mlops_desktop.monitoring.reference import clear_cache
    from mlops_desktop.registry.workspace import Workspace

    clear_cache()
    path = tmp_path / "ws"
    shutil.copytree(template_ws, path)
    ws = Workspace.open(path, create=False)
    yield ws
    ws.close()


def score_frame(ws, frame: pd.DataFrame, ref: str = "credit@live"):
    """The live pipeline's labels and probabilities for ``frame`` (what the service answers)."""
    version = ws.models.get(ref)
    pipeline = ws.artifacts.load_object(version.artifact_hash)
    features = frame.drop(columns=[TARGET], errors="ignore")
    return version, pipeline.predict(features), pipeline.predict_proba(features), pipeline.classes_


def _plain(value):
    if isinstance(value, float) and np.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def log_requests(
    ws,
    frame: pd.DataFrame,
    *,
    start_ts: float | None = None,
    step_s: float = 0.01,
    rows_per_request: int = 1,
    arm: str = "live",
    entities: list[str] | None = None,
) -> list[str]:
    """Insert one logged request per ``rows_per_request`` rows, as the service would log it."""
    version, labels, proba, classes = score_frame(ws, frame)
    features = frame.drop(columns=[TARGET], errors="ignore")
    columns = list(features.columns)
    values = [[_plain(v) for v in row] for row in features.itertuples(index=False)]
    if start_ts is None:  # continue after the traffic already logged, as a service would
        last = ws.db.execute("SELECT MAX(ts) FROM predictions").fetchone()[0]
        start_ts = max(time.time() - 3600, (last or 0) + step_s)
    ts = start_ts
    ids, rows = [], []
    for i in range(0, len(values), rows_per_request):
        request_id = uuid.uuid4().hex
        ids.append(request_id)
        part = slice(i, i + rows_per_request)
        outputs = {
            "predictions": [_plain(v) for v in labels[part]],
            "probabilities": proba[part].tolist(),
            "classes": [_plain(c) for c in classes],
        }
        entity = entities[len(rows)] if entities else None
        rows.append(
            (
                request_id,
                ts + len(rows) * step_s,
                MODEL,
                version.id,
                arm,
                "mlflow",
                entity,
                json.dumps({"columns": columns, "data": values[part]}, separators=COMPACT),
                json.dumps(outputs, separators=COMPACT),
                5.0 + (len(rows) % 10),
                200,
                None,
            )
        )
    from mlops_desktop.registry.prediction_store import INSERT

    ws.db.conn.execute("BEGIN IMMEDIATE")
    ws.db.conn.executemany(INSERT, rows)
    ws.db.conn.execute("COMMIT")
    return ids


def shifted(frame: pd.DataFrame, column: str, shift_std: float) -> pd.DataFrame:
    out = frame.copy()
    out[column] = out[column] + shift_std * frame[column].std()
    return out
