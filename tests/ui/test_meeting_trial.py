"""A canary on the meeting board: its figures beside Promote and Roll back, and a "Why" that
forgets the old version's alerts once the canary is promoted.

credit@1 (logistic regression, tested) is live in a real workspace with 150-row windows and a
real feature-drift alert about it; credit@2 is trained and tested for real (a lenient gate) and
gets a 20% canary. The
traffic is logged as the service logs it; no service runs (these tests do not need one).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt

from mlops_desktop.evaluation.jobs import test_model
from mlops_desktop.jobs.inline import run_inline
from mlops_desktop.monitoring.alerts import list_alerts
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.serving.deployments import canary
from mlops_desktop.training.jobs import train_model
from tests.monitoring.conftest import credit, log_requests, template_ws  # noqa: F401
from tests.ui.test_meeting_truth import TIMEOUT_MS, drift_windows, open_meeting, ws_path  # noqa: F401


def _canary(path: Path) -> None:
    with Workspace.open(path, create=False) as ws:
        run_inline(
            ws,
            train_model,
            {"dataset": "credit@1", "model": "logreg", "cv_folds": 2, "register": "credit"},
        )
        ws.gates.set("credit", {"metrics": {"roc_auc": {">=": 0.6}}}, reason="tests")
        run_inline(ws, test_model, {"model_ref": "credit@2", "resamples": 50})
        canary(ws, "credit@2", 20.0, reason="tests: passed its gate")


def test_the_canary_figures_sit_beside_promote_and_the_why_forgets_the_old_version(
    qtbot,
    ws_path,  # noqa: F811
    credit,  # noqa: F811
    open_meeting,  # noqa: F811
):
    opened = drift_windows(ws_path, credit, stable=0, drifted=3)
    (alert,) = [a for a in opened if a.signal == "feature_drift"]
    assert alert.details["ref"] == "credit@1"  # the alert names the version it judged
    _canary(ws_path)
    with Workspace.open(ws_path, create=False) as ws:
        log_requests(ws, credit.sample(40, random_state=5), start_ts=time.time())
    meeting = open_meeting(ws_path)
    actions, card = meeting.actions_bar, meeting.board.cards["credit"]
    qtbot.waitUntil(lambda: actions.trial.isVisible(), timeout=TIMEOUT_MS)
    trial = actions.trial.text()
    assert trial.startswith("Canary credit@2 (20% of traffic) vs live credit@1, since"), trial
    assert "requests 0 vs 40" in trial and "errors — vs 0.0%" in trial
    assert "no outcomes yet vs no outcomes yet" in trial
    assert "Feature drift on credit@1" in card.reasons.text()

    qtbot.mouseClick(actions.promote_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not actions.busy, timeout=TIMEOUT_MS)
    assert actions.status.text() == "Promoted: credit@2 is live for credit."
    qtbot.waitUntil(lambda: card.card.live_version == "credit@2", timeout=TIMEOUT_MS)
    assert "credit@1" not in card.reasons.text(), card.reasons.text()
    assert alert.id not in card.card.alert_ids and not actions.trial.isVisible()
    with Workspace.open(ws_path, create=False) as ws:
        (after,) = [a for a in list_alerts(ws, "credit") if a.id == alert.id]
    assert after.state == "resolved" and after.resolved_by == "monitor"
    assert after.note == "credit@1 no longer serves credit (credit@2 is live)"


def test_the_board_says_when_the_canary_tests_worse_than_live(
    qtbot,
    ws_path,  # noqa: F811
    open_meeting,  # noqa: F811
):
    _canary(ws_path)
    with Workspace.open(ws_path, create=False) as ws:
        live = ws.reports.latest(ws.models.get("credit@1").id)
        cand = ws.reports.latest(ws.models.get("credit@2").id)
        auc = live.summary["metrics"]["roc_auc"]["value"]
        summary = dict(cand.summary)
        summary["metrics"] = dict(summary["metrics"])
        summary["metrics"]["roc_auc"] = dict(summary["metrics"]["roc_auc"], value=auc - 0.05)
        ws.reports.add(cand.model_version_id, summary, passed=True, gate_id=cand.gate_id)
    meeting = open_meeting(ws_path)
    actions = meeting.actions_bar
    qtbot.waitUntil(lambda: actions.trial.isVisible(), timeout=TIMEOUT_MS)
    expected = f"credit@2's ROC AUC {auc - 0.05:.3f} is below credit@1's {auc:.3f}."
    assert expected in actions.trial.text(), actions.trial.text()
    assert actions.promote_button.toolTip() == expected
