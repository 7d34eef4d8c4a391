"""The import wizard: file → preview and types → roles → split → checks → name and save.

Every step that reads data runs as a job (``inspect_file``, ``analyze``, ``import_dataset`` of
``mlops_desktop.data.importer``), so the wizard stays responsive; the Jobs panel shows them too.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from mlops_desktop.ui.data.model import ImportChoices
from mlops_desktop.ui.data.wizard_checks import ChecksPage, SavePage
from mlops_desktop.ui.data.wizard_pages import FilePage, PreviewPage
from mlops_desktop.ui.data.wizard_roles import RolesPage, SplitPage
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

PAGE_FILE, PAGE_PREVIEW, PAGE_ROLES, PAGE_SPLIT, PAGE_CHECKS, PAGE_SAVE = range(6)


class ImportWizard(QWizard):
    """Six steps from a file to a saved, checked ``name@N``.

    Signals:
        dataset_saved(str, str): the saved ref and the status ("created" or "existing").
        open_requested(str): the user chose to open an existing version instead of saving.
    """

    dataset_saved = Signal(str, str)
    open_requested = Signal(str)

    def __init__(
        self,
        model: WorkspaceModel,
        parent: QWidget | None = None,
        *,
        native_dialogs: bool = True,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.native_dialogs = native_dialogs
        self.choices = ImportChoices()
        self.saved_ref = ""
        self.setObjectName("importWizard")
        self.setWindowTitle("Import Data")
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Save")
        self.setButtonText(QWizard.WizardButton.NextButton, "&Next >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< &Back")
        self.file_page = FilePage(self)
        self.preview_page = PreviewPage(self)
        self.roles_page = RolesPage(self)
        self.split_page = SplitPage(self)
        self.checks_page = ChecksPage(self)
        self.save_page = SavePage(self)
        for page_id, page in enumerate(
            (
                self.file_page,
                self.preview_page,
                self.roles_page,
                self.split_page,
                self.checks_page,
                self.save_page,
            )
        ):
            self.setPage(page_id, page)
        self.setStartId(PAGE_FILE)
        self.resize(960, 680)

    def known_sources(self) -> dict[str, str]:
        """Source path → dataset name of the versions already saved (a quick registry read)."""
        workspace = self.model.workspace
        if workspace is None:
            return {}
        return {v.source: v.name for v in workspace.datasets.list() if v.source}

    def job_lines(self) -> list:
        return [self.file_page.job, self.checks_page.job, self.save_page.job]

    def finish_with(self, ref: str, status: str) -> None:
        """The dataset is saved (or was already): close and tell the page."""
        self.saved_ref = ref
        self.dataset_saved.emit(ref, status)
        self.accept()

    def open_existing(self, ref: str) -> None:
        self.saved_ref = ref
        self.open_requested.emit(ref)
        self.accept()

    def done(self, result: int) -> None:
        """Closing (Save, Cancel or Esc) cancels any job still running for the wizard.

        QWizard validates the current page inside ``done`` (Finish starts the save job and
        stays open), so the jobs are only let go once the dialog really closed.
        """
        super().done(result)
        if not self.isVisible():
            for line in self.job_lines():
                line.dispose()
