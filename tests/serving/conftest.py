"""Real pipelines trained on German credit, registered in a real workspace, served for real."""

from __future__ import annotations

import os
import random
import socket

import numpy as np
import pandas as pd
import pytest

from tests.datasets import GERMAN_CREDIT, read_dataset

TARGET = "creditability"


def _schema(frame: pd.DataFrame) -> dict[str, str]:
    return {
        c: "numeric" if pd.api.types.is_numeric_dtype(frame[c]) else "categorical"
        for c in frame.columns
    }


@pytest.fixture(scope="session")
def credit_frame() -> pd.DataFrame:
    return read_dataset(GERMAN_CREDIT)


@pytest.fixture(scope="session")
def trained(credit_frame):
    """Two real fitted pipelines (logistic regression, gradient boosting) and their signatures."""
    from mlops_desktop.training.trainer import TrainConfig, train

    mask = np.random.default_rng(0).random(len(credit_frame)) < 0.25
    roles = {"target": TARGET, "task": "binary"}
    out = []
    for family in ("logreg", "hgb"):
        result = train(
            credit_frame,
            mask,
            _schema(credit_frame),
            roles,
            TrainConfig(family, "binary", cv_folds=2),
            lambda _f, _m: None,
        )
        out.append((result.pipeline, result.signature))
    return out


def register_versions(ws, trained, name: str = "credit") -> list:
    """Register the trained pipelines as NAME@1, NAME@2 (as tests/registry does, no data store)."""
    if ws.db.execute("SELECT COUNT(*) FROM dataset_versions").fetchone()[0] == 0:
        ws.db.execute(
            "INSERT INTO dataset_versions (name, number, content_hash, artifact_hash, rows,"
            " columns, created_at, created_by) VALUES ('credit', 1, 'h', 'a', 1000, 21, 0, 'me')"
        )
    versions = []
    for pipeline, signature in trained:
        digest = ws.artifacts.put_object(pipeline)
        run = ws.runs.create(1, "test", config={}, seed=0)
        ws.runs.finish(run.id, "succeeded", metrics={}, artifact_hash=digest)
        versions.append(ws.models.register(name, run.id, digest, signature=signature))
    return versions


@pytest.fixture
def model_ws(workspace, trained):
    """A workspace holding credit@1 (logreg) and credit@2 (hgb)."""
    register_versions(workspace, trained)
    return workspace


def free_port() -> int:
    """A free loopback port: the system's choice, or one in ``MLOPS_TEST_PORTS`` (``LOW-HIGH``)
    when set, for machines where each user of the tests has a range of ports."""
    lo, _, hi = os.environ.get("MLOPS_TEST_PORTS", "0-0").partition("-")
    ports = list(range(int(lo), int(hi or lo) + 1))
    start = random.randrange(len(ports))  # two calls before either binds: likely two ports
    for port in ports[start:] + ports[:start]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError(f"no free port in MLOPS_TEST_PORTS={lo}-{hi}")


def rows(frame: pd.DataFrame, n: int, start: int = 0) -> list[dict]:
    """JSON-ready records without the target."""
    part = frame.drop(columns=[TARGET]).iloc[start : start + n]
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in part.to_dict("records")
    ]


@pytest.fixture(scope="module")
def served(tmp_path_factory, trained):
    """A real service process on 127.0.0.1 serving credit@1 live (credit@2 registered too)."""
    from mlops_desktop.registry.workspace import Workspace
    from mlops_desktop.serving.deployments import deploy
    from mlops_desktop.serving.process import start_service, stop_service

    ws = Workspace.open(tmp_path_factory.mktemp("served") / "ws")
    versions = register_versions(ws, trained)
    deploy(ws, "credit@1", force=True, reason="tests")
    handle = start_service(ws, port=free_port(), token="admin-secret", max_body_mb=1)
    yield ws, handle, versions
    stop_service(ws, handle)
    ws.close()
