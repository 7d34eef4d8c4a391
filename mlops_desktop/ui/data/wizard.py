"""The import wizard: file → preview and types → roles → split → checks → name and save.

Every step that reads data runs as a job (``inspect_file``, ``analyze``, ``import_dataset`` of
``mlops_desktop.data.importer``), so the wizard stays responsive; the Jobs panel shows them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from mlops_desktop.registry.refs import NAME_PATTERN
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

PAGE_FILE, PAGE_PREVIEW, PAGE_ROLES, PAGE_SPLIT, PAGE_CHECKS, PAGE_SAVE = range(6)
CLASSIFICATION = ("binary", "multiclass")


@dataclass
class ImportChoices:
    """Everything the user decided so far; turned into the engine's keyword arguments."""

    path: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)
    inspection: dict[str, Any] | None = None
    generation: int = 0
    types: dict[str, str] = field(default_factory=dict)
    target: str = ""
    task: str | None = None
    id_cols: list[str] = field(default_factory=list)
    time_col: str | None = None
    group_col: str | None = None
    pii_cols: list[str] = field(default_factory=list)
    split: str = ""
    test_size: float = 0.2
    seed: int = 42
    name: str = ""

    def set_inspection(self, result: dict[str, Any]) -> None:
        """A new inspection: types start from the inferred ones."""
        self.inspection = result
        self.generation += 1
        self.types = dict(result.get("types", {}))

    @property
    def columns(self) -> list[str]:
        return list(self.inspection.get("columns", [])) if self.inspection else []

    def kept_columns(self) -> list[str]:
        return [c for c in self.columns if self.types.get(c) != "ignore"]

    def inferred_task(self, column: str | None = None) -> str | None:
        tasks = self.inspection.get("tasks", {}) if self.inspection else {}
        return tasks.get(column or self.target)

    @property
    def effective_task(self) -> str | None:
        return self.task or self.inferred_task()

    def changed_types(self) -> dict[str, str]:
        """Only the types the user changed; the engine infers the others on the full data."""
        inferred = self.inspection.get("types", {}) if self.inspection else {}
        return {c: t for c, t in self.types.items() if inferred.get(c) != t}

    def default_split(self) -> str:
        if self.time_col:
            return "time"
        if self.group_col:
            return "group"
        return "stratified" if self.effective_task in CLASSIFICATION else "random"

    def analyze_kwargs(self) -> dict[str, Any]:
        """Keyword arguments shared by ``analyze`` and ``import_dataset``."""
        return {
            "path": self.path,
            "target": self.target,
            "types": self.changed_types(),
            "task": self.task,
            "time_col": self.time_col,
            "id_cols": list(self.id_cols),
            "group_col": self.group_col,
            "pii_cols": list(self.pii_cols),
            "split": self.split or self.default_split(),
            "test_size": float(self.test_size),
            "seed": int(self.seed),
            "read_options": dict(self.overrides) or None,
        }


def suggest_name(path: str, known_sources: dict[str, str]) -> str:
    """The dataset name a file was saved under before, else a valid name from its file name."""
    resolved = str(Path(path).expanduser().resolve())
    if resolved in known_sources:
        return known_sources[resolved]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(path).stem).strip("_.-")[:64]
    return stem if stem and NAME_PATTERN.match(stem) else "dataset"


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
        from mlops_desktop.ui.data.wizard_checks import ChecksPage, SavePage
        from mlops_desktop.ui.data.wizard_pages import FilePage, PreviewPage
        from mlops_desktop.ui.data.wizard_roles import RolesPage, SplitPage

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
