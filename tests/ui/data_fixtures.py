"""Helpers for the Data page and import wizard tests: drive the wizard like a user would."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from mlops_desktop.ui.data.wizard import ImportWizard
from mlops_desktop.ui.shell.main_window import MainWindow

JOB_TIMEOUT_MS = 120_000
NEXT = QWizard.WizardButton.NextButton
FINISH = QWizard.WizardButton.FinishButton


def open_wizard(window: MainWindow) -> ImportWizard:
    """Open the wizard from the Data page's header button (non-native file dialogs)."""
    page = window.page("data")
    page.use_native_dialogs = False
    window.show_page("data")
    page.import_button.click()
    wizard = page.wizard
    assert wizard is not None and wizard.isVisible()
    return wizard


def click(qtbot, wizard: ImportWizard, which: QWizard.WizardButton) -> None:
    """Click a wizard button, which must be enabled (as a user could)."""
    button = wizard.button(which)
    assert button.isEnabled() and button.isVisible(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def choose_file(qtbot, wizard: ImportWizard, path: Path) -> None:
    """Step 1: choose ``path`` and wait for the inspection job."""
    wizard.file_page.set_path(path)
    assert not wizard.button(NEXT).isEnabled()  # waits for the inspection
    qtbot.waitUntil(wizard.file_page.isComplete, timeout=JOB_TIMEOUT_MS)
    assert wizard.button(NEXT).isEnabled()


def wait_checks(qtbot, wizard: ImportWizard) -> dict:
    """Step 5: wait until the analysis job has produced the checks report."""
    page = wizard.checks_page
    qtbot.waitUntil(lambda: page.analysis is not None, timeout=JOB_TIMEOUT_MS)
    return page.analysis


def drive_to_checks(
    qtbot,
    wizard: ImportWizard,
    path: Path,
    target: str,
    split: str | None = None,
    types: dict[str, str] | None = None,
) -> dict:
    """Steps 1-5 with the given target (and optional split and type changes)."""
    choose_file(qtbot, wizard, path)
    click(qtbot, wizard, NEXT)
    for column, kind in (types or {}).items():
        wizard.preview_page.set_type(column, kind)
    click(qtbot, wizard, NEXT)
    wizard.roles_page.target_combo.setCurrentText(target)
    click(qtbot, wizard, NEXT)
    if split:
        wizard.split_page.set_method(split)
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.checks_page
    return wait_checks(qtbot, wizard)


def save(qtbot, wizard: ImportWizard, name: str) -> str:
    """Step 6: name the dataset, press Save and wait for the wizard to close."""
    assert wizard.currentPage() is wizard.save_page
    wizard.save_page.set_name(name)
    with qtbot.waitSignal(wizard.dataset_saved, timeout=JOB_TIMEOUT_MS) as saved:
        click(qtbot, wizard, FINISH)
    return saved.args[0]
