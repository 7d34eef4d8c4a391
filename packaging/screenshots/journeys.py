"""Journeys 1 (first launch on the demo) and 2 (the loop on Adult) of ux.md, step by step."""

from __future__ import annotations

import re

from kit import Shooter, StepSkipped, click, close_dialogs, settle, shoot_tabs, shown, wait_until
from loop import JOB_S, deploy_selected, promote_canary, send_drifted_traffic
from meeting import journey_meeting
from PySide6.QtWidgets import QLineEdit, QWizard

PAGES = ("data", "train", "test", "deploy", "monitor", "govern")
NEXT = QWizard.WizardButton.NextButton
FINISH = QWizard.WizardButton.FinishButton


def idle(window, timeout_s: float = JOB_S) -> None:
    """Wait until no job of the window's pool runs."""
    wait_until(lambda: window.model.running_count() == 0, timeout_s, "the running jobs")


def journey_first_launch(session, shooter: Shooter) -> None:
    """J1: every page and tab of the demo, then File > New Workspace and its empty states."""
    window = session.open_window(session.demo_copy("j1-demo"))
    for name in PAGES:
        shooter.step(f"page {name}", lambda name=name: _page_and_tabs(window, shooter, name))
    shooter.step("meeting menu", lambda: _view_menu(window, shooter))
    shooter.step("about", lambda: _about(window, shooter))
    shooter.step("new workspace", lambda: _new_workspace(session, window, shooter))
    for name in PAGES:
        shooter.step(f"empty {name}", lambda name=name: _empty_page(window, shooter, name))


def _page_and_tabs(window, shooter: Shooter, name: str) -> None:
    window.show_page(name)
    settle(800)
    page = window.page(name)
    if name == "monitor":  # "Reading the monitoring data…" first: wait for the charts
        wait_until(page.tabs.isVisible, 60, "the Monitor page's charts")
    if name == "train" and page.current_row() is None and page.row_keys():
        page.select_key(page.row_keys()[0])
    shooter.shot(name)
    shoot_tabs(shooter, page, name, skip_first=True)


def _open_menu(window, shooter: Shooter, index: int, step: str) -> None:
    """Open the menu bar's ``index``th menu, shoot it, close it."""
    bar = window.menuBar()
    action = bar.actions()[index]
    bar.setActiveAction(action)
    shooter.shot(step)
    action.menu().close()
    settle(200)


def _view_menu(window, shooter: Shooter) -> None:
    """The View menu open (pages, Jobs panel, Meeting Mode)."""
    _open_menu(window, shooter, 1, "view-menu")


def _about(window, shooter: Shooter) -> None:
    window.actions_by_name["about"].trigger()
    settle(300)
    shooter.shot("about-dialog")
    close_dialogs()


def _new_workspace(session, window, shooter: Shooter) -> None:
    """File > New Workspace: the folder dialog, a typed new folder name, then the new window."""
    target = session.scratch / "j1-new"
    session.new_workspace = target
    _open_menu(window, shooter, 0, "file-menu")
    dialog = window.flow.new_workspace()
    wait_until(dialog.isVisible, 10, "the folder dialog")
    dialog.setDirectory(str(session.scratch))
    shooter.shot("new-workspace-dialog")
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    if edit is None:
        dialog.reject()
        window.flow.open_path(target, create=True)
        raise StepSkipped("no file name field in the folder dialog (opened the folder directly)")
    edit.setText(target.name)
    shooter.shot("new-workspace-typed-name")
    dialog.accept()
    wait_until(lambda: window.model.path == target, 20, "the new workspace to open")
    settle(800)


def _empty_page(window, shooter: Shooter, name: str) -> None:
    window.show_page(name)
    settle(500)
    if not window.page(name).showing_empty_state():
        shooter.skip(f"empty {name}", "the page shows no empty state (shot anyway)")
    shooter.shot(f"empty-{name}")


# -- journey 2 ------------------------------------------------------------------------------------


def journey_loop(session, shooter: Shooter) -> None:
    """J2: import Adult with the wizard, train, register, test, deploy, monitor, retrain."""
    path = session.scratch / "j2-adult"
    window = session.open_window(path)
    steps = [
        ("wizard", lambda: _wizard(session, window, shooter)),
        ("train", lambda: _train(window, shooter)),
        ("register", lambda: _register(window, shooter)),
        ("tests", lambda: _tests(window, shooter)),
        ("deploy", lambda: deploy_selected(session, window, shooter, "adult@1")),
        ("monitor", lambda: _monitor(session, window, shooter)),
        ("retrain", lambda: _retrain(window, shooter)),
    ]
    for step, fn in steps:
        if not shooter.step(step, fn):
            shooter.shot(f"{step}-where-it-stopped")


def _wizard(session, window, shooter: Shooter) -> None:
    page = window.page("data")
    page.use_native_dialogs = False
    window.show_page("data")
    shooter.shot("data-empty")
    click(page.import_button, "Import Data")
    wizard = page.wizard
    wait_until(lambda: wizard is not None and wizard.isVisible(), 10, "the wizard")
    shooter.shot("wizard-file")
    wizard.file_page.set_path(session.adult)
    wait_until(wizard.file_page.isComplete, JOB_S, "the file inspection")
    shooter.shot("wizard-file-chosen")
    click(wizard.button(NEXT), "Next")
    shooter.shot("wizard-preview")
    click(wizard.button(NEXT), "Next")
    wizard.roles_page.target_combo.setCurrentText("class")
    shooter.shot("wizard-roles")
    click(wizard.button(NEXT), "Next")
    shooter.shot("wizard-split")
    click(wizard.button(NEXT), "Next")
    shooter.shot("wizard-checks-running", settle_ms=100)
    wait_until(lambda: wizard.checks_page.analysis is not None, JOB_S, "the checks")
    shooter.shot("wizard-checks")
    if not wizard.button(NEXT).isEnabled():
        checks = wizard.checks_page
        checks.save_anyway.setChecked(True)
        checks.reason.setText("screenshots: saved despite the blocking findings")
        shooter.shot("wizard-checks-override")
    click(wizard.button(NEXT), "Next")
    wizard.save_page.set_name("adult")
    shooter.shot("wizard-save")
    click(wizard.button(FINISH), "Save")
    wait_until(lambda: not shown(wizard), JOB_S, "the dataset to be saved")
    wait_until(lambda: page.versions.selected_ref() == "adult@1", 20, "adult@1 selected")
    shooter.shot("data-adult-saved")
    shoot_tabs(shooter, page, "data-adult", skip_first=True)


def _train(window, shooter: Shooter) -> None:
    click(window.page("data").details.train_button, "Train a model")
    page = window.page("train")
    wait_until(lambda: window.current_page_name() == "train", 10, "the Train page")
    shooter.shot("train-page")
    if page.new_run_dialog is None or not page.new_run_dialog.isVisible():
        click(page.new_run_button, "New run")
    dialog = page.new_run_dialog
    wait_until(lambda: dialog is not None and dialog.isVisible(), 10, "the training form")
    dialog.set_families(["logreg", "hgb"])
    dialog.folds_spin.setValue(3)
    shooter.shot("train-new-run-dialog")
    click(dialog.train_button, "Train")
    shooter.shot("train-running", settle_ms=1500)
    idle(window)
    shooter.shot("train-finished")


def _register(window, shooter: Shooter) -> None:
    page = window.page("train")
    page.select_key(page.row_keys()[0])
    details = page.details
    click(details.register_button, "Register")
    dialog = page.register_dialog
    wait_until(lambda: dialog is not None and dialog.isVisible(), 10, "the register dialog")
    shooter.shot("register-dialog")
    click(dialog.ok_button, "Register")
    wait_until(lambda: details.tests_button.isVisible(), 20, "Run tests to appear")
    shooter.shot("registered")
    shoot_tabs(shooter, page, "train-run")
    click(details.tests_button, "Run tests")


def _tests(window, shooter: Shooter) -> None:
    page = window.page("test")
    wait_until(lambda: window.current_page_name() == "test", 10, "the Test page")
    shooter.shot("test-page-untested")
    shooter.step("set a gate", lambda: _set_gate(page, shooter))
    page.resamples.setValue(200)
    click(page.run_button, "Run tests")
    shooter.shot("test-running", settle_ms=1500)
    job = page.last_test_job
    wait_until(lambda: job not in page.test_jobs.values(), JOB_S, "the test job")
    shooter.shot("test-report")
    shoot_tabs(shooter, page, "test", skip_first=True)


def _set_gate(page, shooter: Shooter) -> None:
    """Quality gate > Set a gate…: ROC AUC at least 0.85, with a reason."""
    page.show_tab(page.gate_card)
    shooter.shot("test-gate-tab-no-gate")
    click(page.gate_card.edit_button, "Set a gate")
    dialog = page.gate_dialog
    wait_until(lambda: shown(dialog), 10, "the gate editor")
    if not dialog.rows:
        dialog.add_rule()
    row = dialog.rows[0]
    row.metric_box.setCurrentIndex(row.metric_box.findData("roc_auc"))
    row.value.setValue(0.85)
    dialog.reason_edit.setText("Clearly better than the dummy baseline before shipping")
    shooter.shot("test-gate-editor")
    click(dialog.save_button, "Save as new version")
    wait_until(lambda: not shown(dialog), 10, "the gate editor to close")
    shooter.shot("test-gate-set")


def _monitor(session, window, shooter: Shooter) -> None:
    send_drifted_traffic(session, window, "adult", {"age": 3.0})
    window.show_page("monitor")
    page = window.page("monitor")
    panel = page.alerts_panel
    wait_until(lambda: panel.source.rowCount() > 0, JOB_S, "an alert on the Monitor page")
    shooter.shot("monitor-alert")
    shoot_tabs(shooter, page, "monitor", skip_first=True)


def _select_open_alert(panel) -> bool:
    """Select the open alert to act on: a feature drift one first, else any open one."""
    alerts = [a for a in panel.source.alerts if a.state == "open"]
    alerts.sort(key=lambda a: a.signal != "feature_drift")
    return bool(alerts) and panel.select(alerts[0].id)


def _retrain(window, shooter: Shooter) -> None:
    page = window.page("monitor")
    panel = page.alerts_panel
    wait_until(lambda: _select_open_alert(panel), 60, "an open alert to select")
    shooter.shot("monitor-open-alert-selected")
    click(panel.retrain_button, "Retrain on recent data")
    dialog = page.dialog
    wait_until(lambda: dialog is not None and dialog.isVisible(), 10, "the retrain dialog")
    shooter.shot("retrain-dialog")
    click(dialog.ok_button, "Retrain")
    shooter.shot("retrain-running", settle_ms=1500)
    wait_until(lambda: page.retrain_job is None, JOB_S * 2, "the retrain job")
    idle(window)
    shooter.shot("retrain-finished")
    window.show_page("deploy")
    shooter.shot("deploy-after-retrain", settle_ms=1500)
    outcome = re.sub(r"<[^>]+>", "", panel.result.text())  # what the Monitor page said
    promote_canary(window, shooter, outcome)


JOURNEYS = {"j1": journey_first_launch, "j2": journey_loop, "j3": journey_meeting}
