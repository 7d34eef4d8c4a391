"""The demo workspace: a populated loop built from a real dataset shipped in resources/.

``build_demo`` is a job function (it runs in the background with progress); each step checks
whether its result already exists, so an interrupted build resumes and a finished one is a no-op.
"""

from __future__ import annotations

from typing import Any

from mlops_desktop.assets import DEMO_DATASET, resource_path
from mlops_desktop.jobs.context import JobContext

DEMO_NAME = "credit"
DEMO_TARGET = "creditability"
DEMO_MODELS = ("logreg", "rf", "hgb")
BUILT_KEY = "demo.built"


def is_built(ws) -> bool:
    return bool(ws.get_setting(BUILT_KEY, False))


def build_demo(ctx: JobContext) -> dict[str, Any]:
    """Import German credit, train three model families, register the best as ``credit@1``."""
    from mlops_desktop.data.importer import import_dataset
    from mlops_desktop.training.jobs import train_model
    from mlops_desktop.training.metrics import PRIMARY

    ws = ctx.workspace()
    if is_built(ws):
        return {"status": "already built"}
    steps = 1 + len(DEMO_MODELS)
    sub = _SubContext(ctx, 0, 1 / steps)
    if not ws.datasets.names():
        import_dataset(
            sub, path=str(resource_path(DEMO_DATASET)), name=DEMO_NAME, target=DEMO_TARGET, seed=7
        )
    results = []
    if not ws.runs.list():
        for index, model in enumerate(DEMO_MODELS, start=1):
            sub = _SubContext(ctx, index / steps, (index + 1) / steps)
            results.append(
                train_model(sub, dataset=f"{DEMO_NAME}@1", model=model, cv_folds=5, seed=7)
            )
    if not ws.models.list() and results:
        metric = PRIMARY["binary"]
        best = max(results, key=lambda r: r["metrics"]["holdout"][metric])
        run = ws.runs.get(best["run_id"])
        ws.models.register(
            DEMO_NAME,
            run.id,
            run.artifact_hash,
            signature=run.config["signature"],
            description=f"Best of {', '.join(DEMO_MODELS)} on the demo data",
        )
    ws.set_setting(BUILT_KEY, True)
    ws.audit.record("demo.build", "workspace", str(ws.path), {"dataset": DEMO_DATASET})
    ctx.report(1.0, "Demo workspace ready")
    return {"status": "built", "runs": [r["run_id"] for r in results]}


class _SubContext:
    """A JobContext view that maps a step's 0..1 progress onto [start, end] of the whole job."""

    def __init__(self, parent: JobContext, start: float, end: float) -> None:
        self._parent, self._start, self._end = parent, start, end
        self.job_id = parent.job_id
        self.workspace_path = parent.workspace_path

    def report(self, fraction: float, message: str = "") -> None:
        self._parent.report(self._start + (self._end - self._start) * fraction, message)

    def __getattr__(self, name: str):
        return getattr(self._parent, name)
