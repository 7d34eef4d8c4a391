"""German credit workspaces for tests: imported, trained, registered and tested for real."""

from __future__ import annotations

from pathlib import Path

from mlops_desktop.jobs.inline import run_inline
from mlops_desktop.registry.workspace import Workspace
from tests.datasets import GERMAN_CREDIT_CSV

TARGET = "creditability"


def import_credit(ws: Workspace, seed: int = 7, name: str = "credit") -> None:
    """Import German credit as ``name@N`` (real checks and split)."""
    from mlops_desktop.data.importer import import_dataset

    run_inline(
        ws,
        import_dataset,
        {"path": str(GERMAN_CREDIT_CSV), "name": name, "target": TARGET, "seed": seed},
    )


def build_credit_workspace(
    path: Path,
    families: tuple[str, ...] = ("logreg",),
    *,
    cv_folds: int = 3,
    gate: dict | None = None,
    test_resamples: int | None = None,
) -> dict:
    """Import credit, train and register one ``credit@N`` per family, optionally agree ``gate``
    and test ``credit@1``; returns the test report's summary (empty when not tested)."""
    from mlops_desktop.evaluation.jobs import test_model
    from mlops_desktop.training.jobs import train_model

    with Workspace.open(path) as ws:
        import_credit(ws)
        for number, family in enumerate(families, start=1):
            _, result = run_inline(
                ws,
                train_model,
                {
                    "dataset": "credit@1",
                    "model": family,
                    "cv_folds": cv_folds,
                    "register": "credit",
                },
            )
            assert result["registered"] == f"credit@{number}", result
        if gate is not None:
            ws.gates.set("credit", gate, reason="tests")
        if test_resamples is None:
            return {}
        _, report = run_inline(
            ws, test_model, {"model_ref": "credit@1", "resamples": test_resamples}
        )
        return report
