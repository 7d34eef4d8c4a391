"""Shared fixtures: a fresh workspace per test, and the real datasets kept in the repository."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Set before numpy and scikit-learn load (worker processes inherit it): on the tests' small data,
# OpenMP thread teams (HistGradientBoosting, OpenBLAS) mostly wait for each other, and whenever
# another program takes a core of a shared machine a fit gets several times slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from tests.datasets import unpack  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test away from the real per-user data folder."""
    monkeypatch.setenv("MLOPS_DESKTOP_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def workspace(tmp_path: Path):
    from mlops_desktop.registry.workspace import Workspace

    ws = Workspace.open(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def imported_credit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace folder holding German credit imported as credit@1 (seed 1), built once a
    session: copy it (``copy_workspace``) before changing it."""
    from mlops_desktop.registry.workspace import Workspace
    from tests.credit import import_credit

    path = tmp_path_factory.mktemp("imported-credit") / "ws"
    with Workspace.open(path) as ws:
        import_credit(ws, seed=1)
    return path


@pytest.fixture
def credit_ws(imported_credit: Path, tmp_path: Path):
    """A private copy of ``imported_credit``, opened."""
    from mlops_desktop.registry.workspace import Workspace

    with Workspace.open(copy_workspace(imported_credit, tmp_path / "ws"), create=False) as ws:
        yield ws


def copy_workspace(template: Path, to: Path) -> Path:
    """A private copy of the workspace folder ``template`` (registry.db and artifacts/) at ``to``."""
    shutil.copytree(template, to)
    return to


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the three real datasets as plain CSV files, unpacked once a session."""
    return unpack(tmp_path_factory.mktemp("datasets"))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace built once a session by ``mlops-desktop demo --workspace DIR``: copy
    it (``copy_workspace``) before changing it."""
    from mlops_desktop.cli.entry import main

    path = tmp_path_factory.mktemp("headless-demo") / "demo"
    assert main(["demo", "--workspace", str(path), "--json"]) == 0
    return path


@pytest.fixture(scope="session")
def explained_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """German credit trained for real, built once a session: credit@1 logistic regression,
    credit@2 gradient boosting (no decisions logged yet). Copy it before changing it."""
    from tests.credit import build_credit_workspace

    path = tmp_path_factory.mktemp("explained") / "ws"
    build_credit_workspace(path, families=("logreg", "hgb"), cv_folds=2)
    return path


@pytest.fixture(scope="session")
def tested_credit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace folder with German credit imported, credit@1 (logreg) trained and tested
    (200 resamples), built once a session: copy it (``copy_workspace``) before changing it."""
    from tests.credit import build_credit_workspace

    path = tmp_path_factory.mktemp("tested-credit") / "ws"
    build_credit_workspace(path, ("logreg",), cv_folds=2, test_resamples=200)
    return path
