"""Journey 2's deploy and traffic steps: the Deploy page's one click, and drifted requests."""

from __future__ import annotations

import threading

import pandas as pd
from kit import Shooter, StepSkipped, accept_box, click, settle, shoot_tabs, wait_until
from PySide6.QtWidgets import QMessageBox

#: How long a job (training, tests, checks) may take on a busy two-core machine.
JOB_S = 300.0


def deploy_selected(session, window, shooter: Shooter, ref: str) -> None:
    """Deploy ``ref`` from the Deploy page; confirm, or force it with a reason when refused."""
    window.show_page("deploy")
    page = window.page("deploy")
    page.service_card.port.setValue(session.port)
    if not page.table.select_ref(ref):
        raise StepSkipped(f"{ref} is not listed on the Deploy page")
    shooter.shot("deploy-page")
    click(page.deploy_button, "Deploy")
    settle(500)
    box = page.dialog
    if isinstance(box, QMessageBox) and box.isVisible():
        shooter.shot("deploy-confirm")
        if box.objectName() == "refusalBox":
            anyway = [
                b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.ActionRole
            ]
            click(anyway[0], "Deploy anyway")
            force = page.dialog
            force.reason_edit.setPlainText("screenshots: deployed to show the loop")
            shooter.shot("deploy-force-reason")
            click(force.ok_button, "Deploy")
        else:
            accept_box(box)
    wait_until(lambda: not page.busy, 120, "the deployment")
    wait_until(lambda: page.service is not None, 60, "the scoring service")
    shooter.shot("deployed", settle_ms=1500)
    shoot_tabs(shooter, page, "deploy", skip_first=True)


def send_drifted_traffic(session, window, model: str, drift: dict[str, float]) -> None:
    """Small windows for this model, then ~1,500 requests to its service with ``drift``."""
    from mlops_desktop.monitoring.settings import MonitorSettings, save_settings
    from mlops_desktop.monitoring.simulate import simulate

    ws = window.model.workspace
    save_settings(ws, model, MonitorSettings(size=100, multivariate=False), reason="screenshots")
    service = window.page("deploy").service
    if service is None:
        raise StepSkipped("no scoring service runs")
    frame = pd.read_csv(session.adult).sample(1500, random_state=7)
    done: dict = {}

    def run() -> None:
        try:
            done["result"] = simulate(
                service.url, model, frame, rate=100, duration=20, drift=drift, target="class"
            )
        except Exception as exc:  # noqa: BLE001 (reported as a skip below)
            done["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    window.show_page("monitor")
    wait_until(lambda: not thread.is_alive(), 120, "the simulated traffic")
    if "error" in done:
        raise StepSkipped(f"the simulator failed: {done['error']}")
    print(f"  traffic: {done['result'].requests} requests, {done['result'].failed} failed")


def promote_canary(window, shooter: Shooter, outcome: str = "") -> None:
    """Deploy > Rollout > Promote the canary, through its confirmation."""
    page = window.page("deploy")
    button = page.canary.promote_button
    if not button.isEnabled():
        raise StepSkipped(f"no canary to promote (Promote is disabled): {outcome[:300]}")
    click(button, "Promote")
    settle(500)
    box = page.dialog
    if isinstance(box, QMessageBox) and box.isVisible():
        shooter.shot("promote-confirm")
        accept_box(box)
    wait_until(lambda: not page.busy, 120, "the promotion")
    shooter.shot("promoted", settle_ms=1500)
