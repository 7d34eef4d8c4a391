"""The import wizard driven end to end with real files, real jobs and a real workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from mlops_desktop.ui.data.report_views import CHECKS_RUNNING
from tests.datasets import ADULT, BIKESHARE, GERMAN_CREDIT_CSV
from tests.ui.data_fixtures import (
    JOB_TIMEOUT_MS,
    NEXT,
    choose_file,
    click,
    drive_to_checks,
    open_wizard,
    save,
)


def _stored_files(workspace_path: Path) -> list[Path]:
    root = workspace_path / "artifacts"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.slow
def test_german_credit_end_to_end(qtbot, make_window):
    window = make_window()
    wizard = open_wizard(window)
    choose_file(qtbot, wizard, GERMAN_CREDIT_CSV)
    assert "comma-separated" in wizard.file_page.detected.text()
    click(qtbot, wizard, NEXT)

    # Step 2: the preview shows the first rows; change one column's type.
    preview = wizard.preview_page
    assert preview.rows_model.rowCount() == 200
    assert preview.type_combos["duration_in_month"].currentText() == "numeric"
    preview.set_type("telephone", "ignore")
    header = preview.rows_model.headerData(
        preview.rows_model.columns.index("telephone"), Qt.Orientation.Horizontal
    )
    assert header == "telephone\nignore"
    click(qtbot, wizard, NEXT)

    # Step 3: suggested personal data is pre-ticked, with its reason shown.
    roles = wizard.roles_page
    pii = roles.checked(2)
    for column in ("age_in_years", "personal_status_and_sex", "foreign_worker"):
        assert column in pii
    assert "telephone" not in [roles.table.item(r, 0).text() for r in range(roles.table.rowCount())]
    reasons = {
        roles.table.item(r, 0).text(): roles.table.item(r, 3).text()
        for r in range(roles.table.rowCount())
    }
    assert "age" in reasons["age_in_years"]
    roles.target_combo.setCurrentText("creditability")
    assert roles.task_combo.currentText() == "binary (inferred)"
    click(qtbot, wizard, NEXT)

    # Step 4: time and group splits need their columns; choose stratified.
    split = wizard.split_page
    assert not split.radios["time"].isEnabled()
    assert not split.radios["group"].isEnabled()
    split.set_method("stratified")
    click(qtbot, wizard, NEXT)

    # Step 5: the checks run as a job; German credit has nothing blocking.
    checks = wizard.checks_page
    assert not wizard.button(NEXT).isEnabled()
    # While the checks run, the report says so (never "No findings: every check passed").
    running = checks.report.findChild(QLabel, "checksEmpty")
    assert running is not None and running.text() == CHECKS_RUNNING
    assert "No findings" not in running.text()
    qtbot.waitUntil(lambda: checks.analysis is not None, timeout=JOB_TIMEOUT_MS)
    assert checks.analysis["split"]["method"] == "stratified"
    assert checks.blocking_count() == 0
    assert not checks.override.isVisible()
    assert len(checks.report.cards) == len(checks.analysis["findings"])
    assert "1,000 rows" in checks.summary.text()
    click(qtbot, wizard, NEXT)

    # Step 6: before Save is pressed the hint speaks of the future, not of a done save.
    wizard.save_page.set_name("credit")
    assert wizard.save_page.name_hint.text() == "Will be saved as credit@1, a new dataset."

    # Name and save; the wizard closes and the page selects the new version.
    ref = save(qtbot, wizard, "credit")
    assert ref == "credit@1"
    version = window.model.workspace.datasets.get("credit@1")
    assert version.roles["target"] == "creditability"
    assert version.schema["telephone"] == "ignore"
    assert version.split["method"] == "stratified"
    assert {"age_in_years", "personal_status_and_sex", "foreign_worker"} <= set(version.pii)

    page = window.page("data")
    qtbot.waitUntil(lambda: page.versions.selected_ref() == "credit@1", timeout=5000)
    assert window.current_page_name() == "data"
    assert not page.showing_empty_state()
    assert page.details.ref_label.text() == "credit@1"
    assert "telephone" not in page.details.profile.column_names()

    # The next action: train a model. One click lands on the New Run form, on this version.
    qtbot.mouseClick(page.details.train_button, Qt.MouseButton.LeftButton)
    assert window.current_page_name() == "train"
    dialog = window.page("train").new_run_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.dataset_combo.currentData() == "credit@1"
    dialog.reject()


@pytest.mark.slow
def test_bikeshare_leak_blocks_until_a_reason_is_written(qtbot, make_window, data_dir):
    window = make_window()
    wizard = open_wizard(window)
    analysis = drive_to_checks(qtbot, wizard, data_dir / BIKESHARE, "bikers")
    checks = wizard.checks_page

    blocking = checks.report.titles("blocking")
    assert any("casual" in t and "registered" in t for t in blocking), blocking
    assert checks.report.group_labels["blocking"].text().startswith("Blocking")
    assert analysis["blocking"] >= 1
    assert checks.override.isVisible()
    assert not wizard.button(NEXT).isEnabled()

    checks.save_anyway.setChecked(True)
    assert not wizard.button(NEXT).isEnabled()  # a reason is required
    qtbot.keyClicks(checks.reason, "   ")
    assert not wizard.button(NEXT).isEnabled()  # blank is not a reason
    checks.reason.clear()
    qtbot.keyClicks(checks.reason, "Counts are known at prediction time in this demo")
    assert wizard.button(NEXT).isEnabled()
    click(qtbot, wizard, NEXT)
    assert "overridden" in wizard.save_page.summary.text()

    ref = save(qtbot, wizard, "bikes")
    assert ref == "bikes@1"
    ws = window.model.workspace
    version = ws.datasets.get(ref)
    assert version.override_reason == "Counts are known at prediction time in this demo"
    events = [e for e in ws.audit.recent(object_ref=ref) if e.action == "dataset.override_blocking"]
    assert len(events) == 1
    assert events[0].details["reason"] == "Counts are known at prediction time in this demo"

    page = window.page("data")
    qtbot.waitUntil(lambda: page.versions.selected_ref() == ref, timeout=5000)
    assert "overridden" in page.details.fields["override"].text()
    assert window.badge("data") == version_blocking(version.checks)


def version_blocking(checks: list[dict]) -> int:
    return sum(1 for f in checks if f["severity"] == "blocking")


def test_bad_files_show_the_reason_inline_and_write_nothing(qtbot, make_window, tmp_path):
    window = make_window()
    ws_path = window.model.path
    wizard = open_wizard(window)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 64)

    line = wizard.file_page.job
    for path, words in ((empty, "empty"), (binary, "binary")):
        wizard.file_page.set_path(path)
        qtbot.waitUntil(lambda: not line.running, timeout=JOB_TIMEOUT_MS)
        assert line.error.isVisible()
        message = line.error.message.text()
        assert words in message.lower(), message
        assert "Traceback" not in message and len(message) < 400
        assert not wizard.button(NEXT).isEnabled()
        assert wizard.file_page.detected.text() == ""

    # The technical details sit behind "Show details".
    assert not line.error.details.isVisible()
    line.error.toggle.click()
    assert line.error.details.isVisible()

    assert window.model.workspace.datasets.list() == []
    assert _stored_files(ws_path) == []

    # A good file afterwards clears the error and enables Next.
    choose_file(qtbot, wizard, GERMAN_CREDIT_CSV)
    assert not line.error.isVisible()


def test_cancel_during_inspection_cancels_the_job(qtbot, make_window, data_dir):
    window = make_window()
    wizard = open_wizard(window)
    page = wizard.file_page
    page.set_path(data_dir / ADULT)
    job_id = page.job.job_id
    assert job_id is not None and page.job.busy.isVisible()
    qtbot.mouseClick(page.job.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.job.running, timeout=JOB_TIMEOUT_MS)
    assert window.model.job(job_id).status == "cancelled"
    assert "Cancelled" in page.job.status.text()
    assert not page.job.error.isVisible()
    assert not page.isComplete()
    assert not wizard.button(NEXT).isEnabled()

    # Changing a read option re-runs the inspection with the override.
    page.set_option("delimiter", ",")
    assert page.job.running
    qtbot.waitUntil(page.isComplete, timeout=JOB_TIMEOUT_MS)
    assert wizard.choices.overrides == {"delimiter": ","}
    assert wizard.choices.inspection["read_options"]["delimiter"] == ","

    # Closing the wizard while a job runs cancels it.
    page.set_option("delimiter", None)
    running = page.job.job_id
    wizard.reject()
    qtbot.waitUntil(lambda: window.model.job(running).finished, timeout=JOB_TIMEOUT_MS)
    assert window.model.job(running).status == "cancelled"
