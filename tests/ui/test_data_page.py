"""The Data page: versions list, details (profile and checks), badge, empty state, re-import."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from mlops_desktop.data.importer import import_dataset
from mlops_desktop.jobs import run_inline
from mlops_desktop.registry.workspace import Workspace
from mlops_desktop.ui.data.model import CLI_IMPORT
from mlops_desktop.ui.kit.charts import BARS_ROLE
from tests.datasets import BIKESHARE, GERMAN_CREDIT_CSV
from tests.ui.data_fixtures import NEXT, drive_to_checks, open_wizard

REASON = "The counts are known at prediction time in this exercise"


@pytest.fixture(scope="module")
def populated(tmp_path_factory, data_dir) -> Path:
    """A workspace with credit@1, credit@2 (another seed) and bikes@1 (blocking overridden)."""
    path = tmp_path_factory.mktemp("data-page") / "ws"
    ws = Workspace.open(path)
    try:
        for kwargs in (
            {"path": str(GERMAN_CREDIT_CSV), "name": "credit", "target": "creditability"},
            {
                "path": str(GERMAN_CREDIT_CSV),
                "name": "credit",
                "target": "creditability",
                "seed": 7,
            },
            {
                "path": str(data_dir / BIKESHARE),
                "name": "bikes",
                "target": "bikers",
                "allow_blocking": True,
                "reason": REASON,
            },
        ):
            run_inline(ws, import_dataset, kwargs)
    finally:
        ws.close()
    return path


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_page_lists_versions_and_shows_profile_and_checks(qtbot, make_window, populated, tmp_path):
    window = make_window(_copy(populated, tmp_path / "ws"))
    page = window.page("data")
    window.show_page("data")
    assert not page.showing_empty_state()
    assert sorted(page.versions.refs()) == ["bikes@1", "credit@1", "credit@2"]
    assert page.count_label.text() == "2 datasets, 3 versions"

    # Sorting by rows puts the 8,645-row bikeshare data last (ascending).
    page.versions.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert page.versions.refs()[-1] == "bikes@1"
    # Filtering by text.
    qtbot.keyClicks(page.filter_edit, "bikers")
    assert page.versions.refs() == ["bikes@1"]
    page.filter_edit.clear()
    assert len(page.versions.refs()) == 3

    # The overridden version carries its marker; the badge counts blocking findings of the
    # latest version of each dataset.
    bikes = window.model.workspace.datasets.get("bikes@1")
    blocking = sum(1 for f in bikes.checks if f["severity"] == "blocking")
    assert blocking >= 1
    assert window.badge("data") == blocking
    row = page.versions.refs().index("bikes@1")
    assert page.versions.proxy.index(row, 5).data() == f"{blocking} overridden"

    # Selecting a version shows its details, profile and checks.
    assert page.versions.select_ref("credit@1")
    details = page.details
    assert details.ref_label.text() == "credit@1"
    assert "1,000 rows × 21 columns" == details.size_label.text()
    assert "stratified" in details.fields["split"].text()
    assert "age_in_years" in details.fields["pii"].text()
    assert details.profile.proxy.rowCount() == 21
    names = details.profile.column_names()
    row = names.index("credit_amount")
    assert details.profile.proxy.index(row, 1).data() == "numeric"
    bars = details.profile.proxy.index(row, 7).data(BARS_ROLE)
    assert bars and sum(bars) == 1000  # the stored histogram, drawn as bars
    credit = window.model.workspace.datasets.get("credit@1")
    assert len(details.report.cards) == len(credit.checks)
    details.copy_button.click()
    assert QGuiApplication.clipboard().text() == "credit@1"

    assert page.versions.select_ref("bikes@1")
    assert details.ref_label.text() == "bikes@1"
    assert any("casual" in t for t in details.report.titles("blocking"))
    assert REASON in details.fields["override"].text()
    assert details.tabs.tabText(1).startswith("Chec&ks (")

    # Background refreshes keep the selection.
    window.refresh_pages()
    assert page.versions.selected_ref() == "bikes@1"

    qtbot.mouseClick(details.train_button, Qt.MouseButton.LeftButton)
    assert window.current_page_name() == "train"


def test_empty_state_offers_the_wizard_and_the_cli(qtbot, make_window):
    window = make_window()
    page = window.page("data")
    window.show_page("data")
    assert page.showing_empty_state()
    assert "Import a CSV, Excel or Parquet file" in page.empty_state.text.text()
    assert page.empty_state.command.command() == CLI_IMPORT
    assert page.empty_state.action.isVisible()
    qtbot.mouseClick(page.empty_state.action, Qt.MouseButton.LeftButton)
    assert page.wizard is not None and page.wizard.isVisible()
    assert window.current_page_name() == "data"
    page.wizard.reject()


def test_importing_saved_data_again_offers_the_existing_version(
    qtbot, make_window, populated, tmp_path
):
    window = make_window(_copy(populated, tmp_path / "ws"))
    wizard = open_wizard(window)
    drive_to_checks(qtbot, wizard, GERMAN_CREDIT_CSV, "creditability")
    checks = wizard.checks_page
    assert checks.analysis["existing_ref"] == "credit@1"
    assert checks.existing.isVisible()
    assert "already saved as <b>credit@1</b>" in checks.existing_label.text()
    assert wizard.button(NEXT).isEnabled()
    with qtbot.waitSignal(wizard.open_requested) as opened:
        qtbot.mouseClick(checks.open_existing, Qt.MouseButton.LeftButton)
    assert opened.args == ["credit@1"]
    page = window.page("data")
    assert page.versions.selected_ref() == "credit@1"
    assert page.details.ref_label.text() == "credit@1"
    assert len(window.model.workspace.datasets.list()) == 3
