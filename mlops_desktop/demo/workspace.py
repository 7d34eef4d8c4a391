"""The demo workspace: a populated loop built from a real dataset shipped in resources/.

``build_demo`` is a job function (it runs in the background with progress); each step checks
whether its result already exists, so an interrupted build resumes and a finished one is a no-op.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from mlops_desktop.assets import DEMO_DATASET, resource_path
from mlops_desktop.jobs.context import JobContext
from mlops_desktop.registry import clock

if TYPE_CHECKING:
    from mlops_desktop.registry.workspace import Workspace

DEMO_NAME = "credit"
DEMO_TARGET = "creditability"
DEMO_MODELS = ("logreg", "rf", "hgb")
#: The two registered versions: the best run (live) and the runner-up (a candidate to canary).
DEMO_VERSIONS = 2
#: Progress steps: the import, one per model, one test per version, the traffic and monitoring.
STEPS = len(DEMO_MODELS) + DEMO_VERSIONS + 2
#: The loop is dated this long before the first replayed request: imported, trained, tested and
#: made live the hour before its traffic starts (the build itself takes a minute or two).
LEAD_S = 3600.0
BUILT_KEY = "demo.built"
STARTED_KEY = "demo.started"
#: Which decisions a person reviews in the demo: the undecided middle of the scores.
DEMO_REVIEW_BAND = "0.45:0.55"
DEMO_GATE = {
    "metrics": {"roc_auc": {">=": 0.70}},
    "min_lift_over_baseline": 0.1,
    "max_slice_gap": 0.25,
    "min_slice_rows": 30,
    "require_contracts_pass": True,
}


def is_built(ws: Workspace) -> bool:
    return bool(ws.get_setting(BUILT_KEY, False))


def is_demo(ws: Workspace) -> bool:
    """A demo workspace, built or with an interrupted build to resume."""
    return is_built(ws) or bool(ws.get_setting(STARTED_KEY, False))


def build_demo(ctx: JobContext) -> dict[str, Any]:
    """Import German credit, train three model families, register the best as ``credit@1`` and
    the runner-up as ``credit@2``, agree a quality gate, store the behavioural tests found in
    the data and test both versions against them and the gate, set review rules, make
    ``credit@1`` live, and give it three days of traffic with outcomes and a drift alert
    (``demo_traffic``).

    The registry dates the steps before the traffic (``clock.dated``): the history reads as it
    would have happened, the model deployed an hour before its first request."""
    from mlops_desktop.demo.traffic import history_span

    ws = ctx.workspace()
    if is_built(ws):
        return {"status": "already built"}
    ws.set_setting(STARTED_KEY, True)
    now = time.time()
    with clock.dated(history_span(now)[0] - LEAD_S):
        runs = _import_and_train(ctx, ws)
        _register(ws, runs)
        _gate_and_test(ctx, ws)
        _review_rules(ws)
        _deploy(ws)
    traffic = _traffic(ctx, ws, now)
    ws.set_setting(BUILT_KEY, True)
    ws.audit.record("demo.build", "workspace", str(ws.path), {"dataset": DEMO_DATASET})
    ctx.report(1.0, "Demo workspace ready")
    return {"status": "built", "runs": runs, "traffic": traffic}


def _import_and_train(ctx: JobContext, ws: Workspace) -> list[str]:
    from mlops_desktop.data.importer import import_dataset
    from mlops_desktop.training.jobs import train_model

    steps = STEPS
    if not ws.datasets.names():
        import_dataset(
            _SubContext(ctx, 0, 1 / steps),
            path=str(resource_path(DEMO_DATASET)),
            name=DEMO_NAME,
            target=DEMO_TARGET,
            seed=7,
        )
    if ws.runs.list():
        return [run.id for run in ws.runs.list()]
    runs = []
    for index, model in enumerate(DEMO_MODELS, start=1):
        sub = _SubContext(ctx, index / steps, (index + 1) / steps)
        result = train_model(sub, dataset=f"{DEMO_NAME}@1", model=model, cv_folds=5, seed=7)
        runs.append(result["run_id"])
    return runs


def _register(ws: Workspace, run_ids: list[str]) -> None:
    """The best run as version 1 and the runner-up as version 2 (those not registered yet)."""
    from mlops_desktop.training.metrics import PRIMARY

    metric = PRIMARY["binary"]
    runs = [ws.runs.get(run_id) for run_id in run_ids]
    ranked = sorted(
        (r for r in runs if r.status == "succeeded"),
        key=lambda r: r.metrics["holdout"][metric],
        reverse=True,
    )
    descriptions = (
        f"Best of {', '.join(DEMO_MODELS)} on the demo data",
        "Runner-up on the demo data: a candidate to try as canary",
    )
    for number, (run, text) in enumerate(zip(ranked, descriptions, strict=False), start=1):
        if len(ws.models.list()) >= number:
            continue
        ws.models.register(
            DEMO_NAME,
            run.id,
            run.artifact_hash,
            signature=run.config["signature"],
            description=text,
        )


def _gate_and_test(ctx: JobContext, ws: Workspace) -> None:
    from mlops_desktop.evaluation.gates import parse_gate
    from mlops_desktop.evaluation.jobs import test_model

    if ws.gates.current(DEMO_NAME) is None:
        ws.gates.set(
            DEMO_NAME,
            parse_gate(DEMO_GATE).to_dict(),
            reason="Agreed before shipping: clearly better than the dummy baseline",
        )
    _behavioural_tests(ws)
    first = len(DEMO_MODELS) + 1
    for number in range(1, DEMO_VERSIONS + 1):
        version = ws.models.get(f"{DEMO_NAME}@{number}")
        if ws.reports.latest(version.id) is None:
            step = first + number - 1
            sub = _SubContext(ctx, step / STEPS, (step + 1) / STEPS)
            test_model(sub, version.ref, resamples=300)


def _behavioural_tests(ws: Workspace) -> None:
    """Store the behavioural tests suggested from the data (as Test > Suggest does), so each
    version's test report runs them."""
    from mlops_desktop.evaluation.jobs import load_inputs
    from mlops_desktop.evaluation.suggestions import suggest_tests

    if ws.behavioural.list(DEMO_NAME):
        return
    _, _, inputs = load_inputs(ws, f"{DEMO_NAME}@1")
    roles = {"pii_columns": list(inputs.extra_slice_columns)}
    for item in suggest_tests(inputs.test_frame, inputs.signature, inputs.pipeline, roles):
        ws.behavioural.add(DEMO_NAME, item["kind"], item["name"], item["spec"])


def _review_rules(ws: Workspace) -> None:
    """A person reviews the decisions the model is least sure of (the Govern page's queue)."""
    from mlops_desktop.governance.review import get_rules, set_rules

    if get_rules(ws, DEMO_NAME) is None:
        set_rules(ws, DEMO_NAME, band=DEMO_REVIEW_BAND, user="demo")


def _deploy(ws: Workspace) -> None:
    from mlops_desktop.errors import CheckFailed
    from mlops_desktop.serving.deployments import deploy

    if ws.models.current_alias(DEMO_NAME, "live") is not None:
        return
    try:
        deploy(ws, f"{DEMO_NAME}@1", reason="Demo: passed its gate, made live")
    except CheckFailed:  # a library upgrade moved the metrics below the gate: still show a deploy
        deploy(ws, f"{DEMO_NAME}@1", force=True, reason="Demo: made live despite its gate")


def _traffic(ctx: JobContext, ws: Workspace, now: float) -> dict[str, Any]:
    from mlops_desktop.demo.traffic import log_demo_traffic

    sub = _SubContext(ctx, (STEPS - 1) / STEPS, 0.99)
    return log_demo_traffic(ws, DEMO_NAME, sub.report, now=now).to_dict()


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
