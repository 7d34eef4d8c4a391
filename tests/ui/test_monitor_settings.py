"""The Monitor page's "Monitoring settings…" dialog on a real workspace where credit@1 is live:
the settings are loaded and saved off the GUI thread, audited with the reason, and only thresholds
that differ from the defaults are stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QLabel

from mlops_desktop.drift.methods import METHODS
from mlops_desktop.monitoring.settings import get_settings
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.monitoring.settings_dialog import (
    APPLIES_FROM_NOW,
    DISTANCE,
    P_VALUE,
    MonitorSettingsDialog,
    changed_thresholds,
)
from tests.monitoring.conftest import MODEL
from tests.ui import test_monitor_page as monitor_page
from tests.ui.test_monitor_page import TIMEOUT_MS, WINDOW, open_monitor

# The Monitor page tests' fixtures: German credit, and a copy of the workspace where credit@1 is
# live, with 20-row count windows and no classifier.
credit = monitor_page.credit
template_ws = monitor_page.template_ws
ws_path = monitor_page.ws_path


def saved(path: Path):
    with Workspace.open(path, create=False) as ws:
        return get_settings(ws, MODEL)


def settings_events(path: Path) -> list:
    with Workspace.open(path, create=False) as ws:
        return [e for e in ws.audit.recent(object_ref=MODEL) if e.action == "monitor.settings"]


def open_dialog(qtbot, make_window, path: Path) -> tuple:
    """The Monitor page on ``path`` with the settings dialog of credit open and loaded."""
    window, page = open_monitor(make_window, path)
    button = page.settings_action.button
    qtbot.waitUntil(lambda: page.model_box.currentData() == MODEL, timeout=TIMEOUT_MS)
    assert button.isEnabled()
    assert button.text() == "Monitoring setti&ngs…"
    button.click()
    dialog: MonitorSettingsDialog = page.settings_action.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=TIMEOUT_MS)
    return window, page, dialog


def test_saving_stores_the_settings_and_audits_the_reason(qtbot, make_window, ws_path, tmp_path):
    window, page, dialog = open_dialog(qtbot, make_window, ws_path)
    # Loaded from the workspace: the fixture's 20-row windows without the classifier.
    assert dialog.windowTitle() == f"Monitoring Settings of {MODEL}"
    assert dialog.by_rows.isChecked() and dialog.size_spin.value() == WINDOW
    assert not dialog.freq_box.isEnabled()
    assert not dialog.multivariate.isChecked()
    assert dialog.share_spin.value() == 50
    ks = dialog.threshold_spins["ks"]
    assert ks.value() == pytest.approx(0.05)
    assert set(dialog.threshold_spins) == set(METHODS)
    labels = {w.text() for w in dialog.findChildren(QLabel)}
    assert {P_VALUE, DISTANCE, "KS test", "Wasserstein distance", APPLIES_FROM_NOW} <= labels
    assert not dialog.grab().isNull()
    dialog.grab().save(str(tmp_path / "monitor-settings.png"))

    ks.setValue(0.01)
    dialog.size_spin.setValue(100)
    dialog.share_spin.setValue(40)
    dialog.reason_edit.setText("Fewer false alarms")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT_MS)
    assert dialog.result() == QDialog.DialogCode.Accepted

    settings = saved(ws_path)
    assert settings.kind == "count" and settings.size == 100
    assert settings.drift_share == pytest.approx(0.4)
    assert settings.thresholds == {"ks": 0.01}  # only what differs from the defaults
    assert not settings.multivariate
    event = settings_events(ws_path)[0]
    assert event.details["reason"] == "Fewer false alarms"
    assert event.details["settings"]["thresholds"] == {"ks": 0.01}
    assert event.details["previous"]["size"] == WINDOW
    # The page re-reads: the status line follows the new window size.
    qtbot.waitUntil(
        lambda: page.snapshot is not None and page.snapshot.settings.size == 100,
        timeout=TIMEOUT_MS,
    )
    qtbot.waitUntil(lambda: "windows of 100 rows" in page.status_label.text(), timeout=TIMEOUT_MS)


def test_reset_to_defaults_stores_no_threshold_overrides(qtbot, make_window, ws_path):
    window, page, dialog = open_dialog(qtbot, make_window, ws_path)
    dialog.threshold_spins["ks"].setValue(0.01)
    dialog.threshold_spins["wasserstein"].setValue(0.25)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT_MS)
    assert saved(ws_path).thresholds == {"ks": 0.01, "wasserstein": 0.25}

    # Reopen: the overrides are shown; reset them and save by time windows.
    dialog = page.settings_action.open()
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=TIMEOUT_MS)
    assert dialog.threshold_spins["wasserstein"].value() == pytest.approx(0.25)
    dialog.reset_button.click()
    assert dialog.threshold_spins["ks"].value() == pytest.approx(METHODS["ks"][0])
    assert dialog.thresholds() == {}
    dialog.by_time.setChecked(True)
    assert dialog.freq_box.isEnabled() and not dialog.size_spin.isEnabled()
    dialog.freq_box.setCurrentText("15min")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT_MS)
    settings = saved(ws_path)
    assert settings.thresholds == {}
    assert settings.kind == "time" and settings.freq == "15min"
    assert settings_events(ws_path)[0].details["reason"] == ""


def test_an_invalid_value_shows_an_error_and_stores_nothing(qtbot, make_window, ws_path):
    window, page, dialog = open_dialog(qtbot, make_window, ws_path)
    before, events = saved(ws_path), len(settings_events(ws_path))
    assert dialog.size_spin.minimum() == 20  # the spin box cannot go below the minimum
    dialog.by_time.setChecked(True)
    dialog.freq_box.setCurrentText("1 month")  # not a fixed length
    dialog.save_button.click()
    assert dialog.isVisible()
    assert dialog.error_label.isVisible()
    assert "not a fixed length" in dialog.error_label.text()
    assert dialog.save_button.isEnabled()  # correct it and try again

    # An error from the save itself (the workspace refuses) is shown the same way.
    dialog.failed(ValueError("database is locked"))
    assert "database is locked" in dialog.error_label.text()
    qtbot.wait(200)
    assert saved(ws_path) == before
    assert len(settings_events(ws_path)) == events

    dialog.freq_box.setCurrentText("6h")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT_MS)
    assert saved(ws_path).freq == "6h"


def test_changed_thresholds_keeps_only_values_that_differ_from_the_defaults():
    defaults = {m: d for m, (d, _s, _p) in METHODS.items()}
    assert changed_thresholds(defaults) == {}
    assert changed_thresholds({**defaults, "psi": 0.2, "ks": 0.05000001}) == {"psi": 0.2}
