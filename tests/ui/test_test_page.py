"""The Test page on a real workspace: German credit imported, a logistic regression registered as
credit@1 by the engines' own job functions; tests, gate edits and exports run for real."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from mlops_desktop.formatting import number
from mlops_desktop.ui.evaluation.page import TestPage
from mlops_desktop.ui.shell.main_window import MainWindow
from tests.credit import build_credit_workspace

JOB_TIMEOUT_MS = 180_000
LENIENT = {"metrics": {"roc_auc": {">=": 0.6}}, "require_contracts_pass": True}
STRICT = {"metrics": {"roc_auc": {">=": 0.97}}, "min_lift_over_baseline": 0.6}


@pytest.fixture(scope="module")
def credit_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with German credit imported and credit@1 (logreg) registered, built once."""
    path = tmp_path_factory.mktemp("test-page") / "ws"
    build_credit_workspace(path)
    return path


@pytest.fixture
def ws_path(credit_workspace: Path, tmp_path: Path) -> Path:
    """A private copy of the module's workspace, so every test starts from credit@1 untested."""
    path = tmp_path / "ws"
    shutil.copytree(credit_workspace, path)
    return path


def open_test_page(make_window, ws_path: Path) -> tuple[MainWindow, TestPage]:
    window = make_window(ws_path)
    window.show_page("test")
    page = window.page("test")
    assert not page.showing_empty_state()
    assert page.version is not None and page.version.ref == "credit@1"
    return window, page


def run_and_wait(qtbot, page: TestPage) -> None:
    page.resamples.setValue(200)
    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    job_id = page.last_test_job
    assert job_id is not None and not page.run_button.isEnabled()
    assert "Jobs panel" in page.run_status.text()
    qtbot.waitUntil(lambda: job_id not in page.test_jobs.values(), timeout=JOB_TIMEOUT_MS)
    assert page.model.job(job_id).status == "succeeded", page.model.job(job_id).error


def set_gate_in_editor(qtbot, page: TestPage, threshold: float, reason: str) -> None:
    page.show_tab(page.gate_card)
    qtbot.mouseClick(page.gate_card.edit_button, Qt.MouseButton.LeftButton)
    dialog = page.gate_dialog
    assert dialog is not None and dialog.isVisible()
    if not dialog.rows:
        dialog.add_rule()
    row = dialog.rows[0]
    row.metric_box.setCurrentIndex(row.metric_box.findData("roc_auc"))
    row.value.setValue(threshold)
    dialog.contracts.setChecked(True)
    assert not dialog.save_button.isEnabled()  # no reason yet
    assert "reason" in dialog.problem.text()
    dialog.reason_edit.setText(reason)
    assert dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_empty_state_points_to_train_with_the_cli_command(make_window, tmp_path):
    window = make_window(tmp_path / "empty")
    page = window.page("test")
    assert page.showing_empty_state()
    assert "Train page" in page.empty_state.text.text()
    assert page.empty_state.command.command() == "mlops-desktop test NAME@N --report report.html"
    page.empty_state.action.click()
    assert window.current_page_name() == "train"


def test_untested_version_points_to_the_run_tests_button(make_window, ws_path):
    window, page = open_test_page(make_window, ws_path)
    text = page.report_tab.placeholder.text()
    assert "credit@1 has not been tested yet. Press Run tests" in text
    assert "mlops-desktop" not in text and "command line" not in text
    assert page.run_button.text().replace("&", "") == "Run tests"


def test_gate_editor_saves_versions_with_reason_into_the_audit(qtbot, make_window, ws_path):
    window, page = open_test_page(make_window, ws_path)
    assert "no quality gate" in page.gate_card.info.text()
    set_gate_in_editor(qtbot, page, 0.65, "first gate for credit")
    ws = window.model.workspace
    gate = ws.gates.current("credit")
    assert gate.version == 1 and gate.reason == "first gate for credit"
    assert gate.spec["metrics"] == {"roc_auc": {">=": 0.65}}
    assert gate.spec["require_contracts_pass"] is True
    assert page.gate_card.info.text().startswith("Version 1")
    assert page.gate_card.spec_view.toPlainText().splitlines() == [
        "•  ROC AUC ≥ 0.65",
        "•  every input contract holds",
    ]

    # The editor opens on the current gate; a lift rule and a slice gap make version 2.
    qtbot.mouseClick(page.gate_card.edit_button, Qt.MouseButton.LeftButton)
    dialog = page.gate_dialog
    assert dialog.rows[0].value.value() == pytest.approx(0.65)
    dialog.lift_on.setChecked(True)
    dialog.lift.setValue(0.1)
    dialog.gap_on.setChecked(True)
    dialog.gap.setValue(0.2)
    dialog.min_rows.setValue(40)
    dialog.rows[0].ci.setChecked(True)
    preview = dialog.preview.toPlainText()
    assert "min_lift_over_baseline: 0.1" in preview and "min_slice_rows: 40" in preview
    assert "ci: true" in preview
    dialog.add_rule()  # a second roc_auc row is a duplicate: refused with a sentence
    dialog.rows[1].metric_box.setCurrentIndex(dialog.rows[1].metric_box.findData("roc_auc"))
    dialog.reason_edit.setText("add lift and slices")
    assert not dialog.save_button.isEnabled() and "duplicate" in dialog.problem.text()
    dialog.rows[1].remove.click()
    assert dialog.save_button.isEnabled()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert ws.gates.current("credit").version == 2
    assert page.gate_card.history.source.rowCount() == 2
    events = [e for e in ws.audit.recent() if e.action == "gate.set"]
    assert [e.details["reason"] for e in events] == ["add lift and slices", "first gate for credit"]
    assert events[0].details["previous_spec"]["metrics"] == {"roc_auc": {">=": 0.65}}
    assert events[0].details["spec"]["max_slice_gap"] == 0.2


@pytest.mark.slow
def test_run_tests_shows_verdict_metrics_and_exports(qtbot, make_window, ws_path, tmp_path):
    window, page = open_test_page(make_window, ws_path)
    ws = window.model.workspace
    ws.gates.set("credit", LENIENT, reason="lenient")
    page.reload()
    assert page.promotion.label.text().startswith("Blocked:")
    assert "has not been tested" in page.promotion.label.text()
    assert page.report_tab.placeholder.isVisible()
    assert not page.report_tab.open_button.isEnabled()

    run_and_wait(qtbot, page)
    report = ws.reports.latest(page.version.id)
    assert report is not None and report.passed == 1
    tab = page.report_tab
    assert tab.banner.state == "passed" and "passed" in tab.banner.heading.text()
    shown = number(report.summary["metrics"]["roc_auc"]["value"])  # as the table shows it
    assert f"ROC AUC is {shown}, which meets ≥ 0.6" in tab.banner.lines.text()
    rows = {r[0]: r for r in tab.metrics.row_texts()}
    roc = rows["ROC AUC (primary)"]
    auc = report.summary["metrics"]["roc_auc"]
    assert roc[1] == f"{auc['value']:.3f}"
    assert roc[2] == f"{auc['ci_low']:.3f} – {auc['ci_high']:.3f}"
    assert float(rows["ROC AUC (primary)"][3]) == pytest.approx(0.5)
    assert "200 resamples" in tab.note.text()
    # credit@1 names a model version and a dataset version here: the words tell them apart.
    assert "held-out rows of dataset credit@1" in tab.note.text()
    assert page.meta_label.text().startswith("logreg on dataset credit@1 · run ")
    page.resamples.setValue(500)  # the user's choice for the next run stays while shown
    page.reload()
    assert page.resamples.value() == 500
    later = make_window(ws_path).page("test")  # a later session shows what the report used
    assert later.resamples.value() == 200 and "used 200" in later.resamples.toolTip()
    assert page.versions.currentItem().text().endswith("passed")
    assert window.badge("test") == 0
    assert page.promotion.label.text().startswith("Ready to deploy")
    assert page.promotion.action.isVisible()
    assert page.slices_view.table.source.rowCount() == len(report.summary["slices"]["rows"])
    assert page.results_view.contracts.source.rowCount() == 7
    assert {c.name for c in page.charts_view.charts} >= {"roc", "pr", "calibration", "confusion"}

    # Open report writes the self-contained HTML and hands its URL to the desktop.
    opened = []
    tab.open_url = opened.append
    qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    assert opened and Path(opened[0].toLocalFile()).is_file()
    assert "Test report: credit@1" in Path(opened[0].toLocalFile()).read_text(encoding="utf-8")

    # Export HTML… through its save dialog, and PDF, as jobs.
    html_path, pdf_path = tmp_path / "out" / "credit.html", tmp_path / "out" / "credit.pdf"
    html_path.parent.mkdir()
    pick = {"path": str(html_path.with_suffix(""))}  # the suffix is added when left out
    dialog = staticmethod(lambda *args, **kwargs: (pick["path"], ""))
    original = QFileDialog.getSaveFileName
    QFileDialog.getSaveFileName = dialog
    try:
        qtbot.mouseClick(tab.html_button, Qt.MouseButton.LeftButton)
    finally:
        QFileDialog.getSaveFileName = original
    tab.export(str(pdf_path))
    qtbot.waitUntil(
        lambda: all(window.model.job(j).finished for j in tab.export_jobs), timeout=JOB_TIMEOUT_MS
    )
    assert [window.model.job(j).status for j in tab.export_jobs] == ["succeeded", "succeeded"]
    html = html_path.read_text(encoding="utf-8")
    assert "Quality gate PASSED" in html and "<svg" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert ws.reports.get(report.id).pdf_hash is not None
    assert "Saved" in tab.export_status.text()

    qtbot.mouseClick(page.promotion.action, Qt.MouseButton.LeftButton)
    assert window.current_page_name() == "deploy"


def test_failing_gate_shows_failed_lines_and_promotion_follows(qtbot, make_window, ws_path):
    window, page = open_test_page(make_window, ws_path)
    ws = window.model.workspace
    ws.gates.set("credit", STRICT, reason="strict")
    run_and_wait(qtbot, page)
    banner = page.report_tab.banner
    assert banner.state == "failed" and "2 of 2 rules" in banner.heading.text()
    failed = banner.failed_reasons()
    assert len(failed) == 2
    assert any("misses ≥ 0.97" in line for line in failed)
    assert any("not enough; the gate asks for 0.6" in line for line in failed)
    assert page.versions.currentItem().text().endswith("failed")
    assert window.badge("test") == 1
    assert page.promotion.label.text().startswith("Blocked: credit@1 failed gate version 1")
    assert not page.promotion.action.isVisible()

    # Loosening the gate in the editor re-checks the stored report: promotion follows.
    set_gate_in_editor(qtbot, page, 0.6, "strict gate was a typo")
    qtbot.mouseClick(page.gate_card.edit_button, Qt.MouseButton.LeftButton)
    dialog = page.gate_dialog
    dialog.lift_on.setChecked(False)
    dialog.reason_edit.setText("no lift rule")
    dialog.save_button.click()
    assert ws.gates.current("credit").version == 3
    assert page.promotion.label.text().startswith("Ready to deploy: credit@1 passed gate version 3")
    assert page.promotion.action.isVisible()


@pytest.mark.slow
def test_add_behavioural_test_and_accept_a_suggestion(qtbot, make_window, ws_path):
    window, page = open_test_page(make_window, ws_path)
    ws = window.model.workspace
    panel = page.behaviour
    page.show_tab(panel)
    assert panel.table.rowCount() == 0

    dialog = panel.open_add_dialog()
    dialog.set_kind("minimum")
    dialog.name_edit.setText("empty row")
    dialog.ok_button.click()  # no input values: refused with one sentence, the dialog stays
    assert dialog.isVisible() and "'input' must map input columns" in dialog.problem.text()
    dialog.set_kind("directional")
    page_ = dialog.page()
    page_.feature.setCurrentText("duration_in_month")
    page_.delta.setValue(12)
    page_.expect.setCurrentIndex(page_.expect.findData("increase"))
    dialog.name_edit.setText("longer loans are not safer")
    dialog.ok_button.click()
    assert not dialog.isVisible()
    tests = ws.behavioural.list("credit")
    assert [(t.kind, t.name) for t in tests] == [("directional", "longer loans are not safer")]
    assert tests[0].spec["feature"] == "duration_in_month" and tests[0].spec["delta"] == 12
    assert panel.test_names() == ["longer loans are not safer"]

    job_id = panel.suggest()
    qtbot.waitUntil(lambda: panel.suggestions_box.isVisible(), timeout=JOB_TIMEOUT_MS)
    assert window.model.job(job_id).status == "succeeded"
    count = panel.suggestions.count()
    assert count >= 3
    candidates = [
        panel.suggestions.item(i).data(Qt.ItemDataRole.UserRole + 1) for i in range(count)
    ]
    kinds = {c["kind"] for c in candidates}
    assert {"minimum", "invariance"} <= kinds
    first = next(i for i, c in enumerate(candidates) if c["kind"] == "minimum")
    panel.tick(first)
    assert panel.accept_ticked() == 1
    names = [t.name for t in ws.behavioural.list("credit")]
    assert names == ["longer loans are not safer", candidates[first]["name"]]
    assert not (panel.suggestions.item(first).flags() & Qt.ItemFlag.ItemIsEnabled)
    actions = [e.action for e in ws.audit.recent() if e.action.startswith("behavioural")]
    assert actions.count("behavioural.add") == 2

    # Switching a test off is stored (and audited); the next report runs only enabled tests.
    panel.table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    assert [t.name for t in ws.behavioural.list("credit", enabled_only=True)] == names[1:]
    run_and_wait(qtbot, page)
    results = page.results_view.behaviour.row_texts()
    assert [r[2] for r in results] == names[1:]
