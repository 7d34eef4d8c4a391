"""Wizard steps 5 and 6: the checks report (with the written override) and name + save."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from mlops_desktop.registry.refs import NAME_PATTERN
from mlops_desktop.ui.data.model import counts_text, severity_counts, suggest_name
from mlops_desktop.ui.data.report_views import CHECKS_RUNNING, CHECKS_STOPPED, ChecksReport
from mlops_desktop.ui.data.wizard_jobs import JobLine
from mlops_desktop.ui.kit.charts import severity_color

#: Job functions by reference, so the GUI process never imports pandas.
ANALYZE = "mlops_desktop.data.importer:analyze"
IMPORT_DATASET = "mlops_desktop.data.importer:import_dataset"


def split_text(result: dict) -> str:
    split = result.get("split", {})
    return (
        f"{split.get('method')} split: {split.get('n_train', 0):,} training / "
        f"{split.get('n_test', 0):,} test rows"
    )


class ChecksPage(QWizardPage):
    """Step 5: run every check on the full file; blocking findings need a written override."""

    def __init__(self, wizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.analysis: dict | None = None
        self.analyzed_kwargs: dict | None = None
        self.setTitle("Checks")
        self.setSubTitle(
            "Leakage, quality and representativeness checks on the whole file. Blocking "
            "findings stop the save unless you override them with a written reason."
        )
        layout = QVBoxLayout(self)
        self.job = JobLine(wizard.model, "&Cancel checks")
        self.job.finished.connect(self._analyzed)
        self.job.running_changed.connect(lambda _r: self.completeChanged.emit())
        layout.addWidget(self.job)
        self.summary = QLabel()
        self.summary.setObjectName("checksSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        layout.addWidget(self._build_existing())

        self.report = ChecksReport()
        layout.addWidget(self.report, 1)

        layout.addWidget(self._build_override())

    def _build_existing(self) -> QFrame:
        """Shown when this data is saved already: which version, and a button to open it."""
        self.existing = QFrame()
        self.existing.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self.existing)
        self.existing_label = QLabel()
        self.existing_label.setObjectName("existingLabel")
        self.existing_label.setWordWrap(True)
        self.open_existing = QPushButton()
        self.open_existing.setAutoDefault(False)
        self.open_existing.clicked.connect(
            lambda: self.wiz.open_existing(self.analysis.get("existing_ref", ""))
        )
        row.addWidget(self.existing_label, 1)
        row.addWidget(self.open_existing)
        self.existing.hide()
        return self.existing

    def _build_override(self) -> QFrame:
        """ "Save anyway" with its required reason (shown when a finding blocks the save)."""
        self.override = QFrame()
        self.override.setObjectName("overrideBox")
        box = QVBoxLayout(self.override)
        box.setContentsMargins(0, 4, 0, 0)
        self.save_anyway = QCheckBox("Save &anyway despite the blocking findings")
        self.save_anyway.setObjectName("saveAnyway")
        self.save_anyway.toggled.connect(self._override_toggled)
        self.reason = QLineEdit()
        self.reason.setObjectName("overrideReason")
        self.reason.setPlaceholderText(
            "Why these findings do not apply (required; recorded in the audit trail)"
        )
        self.reason.setEnabled(False)
        self.reason.textChanged.connect(lambda _t: self.completeChanged.emit())
        reason_row = QHBoxLayout()
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason)
        reason_row.addWidget(reason_label)
        reason_row.addWidget(self.reason, 1)
        box.addWidget(self.save_anyway)
        box.addLayout(reason_row)
        self.override.hide()
        return self.override

    def initializePage(self) -> None:
        kwargs = self.wiz.choices.analyze_kwargs() | {"name": self.wiz.save_page.name()}
        if kwargs == self.analyzed_kwargs and (self.analysis is not None or self.job.running):
            return
        self.analysis = None
        self.analyzed_kwargs = kwargs
        self.report.set_findings([], CHECKS_RUNNING)
        self.summary.setText("")
        self.existing.hide()
        self.override.hide()
        self.save_anyway.setChecked(False)
        self.reason.clear()
        self.completeChanged.emit()
        self.job.start(
            ANALYZE,
            kwargs,
            title=f"Check {Path(kwargs['path']).name}",
            message="Reading the whole file…",
        )

    def cleanupPage(self) -> None:
        """Going back cancels a check still running (it reruns with the new settings)."""
        if self.job.running:
            self.job.cancel()
            self.analyzed_kwargs = None

    def _analyzed(self, job) -> None:
        if job.status != "succeeded" or not isinstance(job.result, dict):
            self.report.set_findings([], CHECKS_STOPPED)
            self.summary.setText(
                "Go back to change the settings, or cancel the import."
                if job.status == "failed"
                else ""
            )
            self.analyzed_kwargs = None
            self.completeChanged.emit()
            return
        result = self.analysis = job.result
        findings = result.get("findings", [])
        self.report.set_findings(findings)
        self.summary.setText(
            f"{result.get('rows', 0):,} rows × {result.get('columns', 0):,} columns, "
            f"task {result.get('task')}, {split_text(result)}. Findings: {counts_text(findings)}."
        )
        existing = result.get("existing_ref")
        if existing:
            self.existing_label.setText(
                f"This exact data is already saved as <b>{escape(existing)}</b>, with the same "
                "types, roles and split. Saving again would not create a new version."
            )
            self.open_existing.setText(f"&Open {existing}")
        self.existing.setVisible(bool(existing))
        blocking = severity_counts(findings)["blocking"]
        self.override.setVisible(blocking > 0)
        if blocking:
            pal = self.save_anyway.palette()
            pal.setColor(self.save_anyway.foregroundRole(), severity_color("blocking", pal))
            self.save_anyway.setPalette(pal)
        self.completeChanged.emit()

    def blocking_count(self) -> int:
        return (
            severity_counts(self.analysis.get("findings", []))["blocking"] if self.analysis else 0
        )

    def _override_toggled(self, on: bool) -> None:
        self.reason.setEnabled(on)
        if on:
            self.reason.setFocus()
        self.completeChanged.emit()

    def override_reason(self) -> str | None:
        """The written reason when the user overrides blocking findings, else None."""
        if self.blocking_count() and self.save_anyway.isChecked() and self.reason.text().strip():
            return self.reason.text().strip()
        return None

    def isComplete(self) -> bool:
        if self.analysis is None or self.job.running:
            return False
        return not self.blocking_count() or self.override_reason() is not None


class SavePage(QWizardPage):
    """Step 6: name the dataset and save it as the next version ``name@N``."""

    def __init__(self, wizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.name_edited = False
        self.saved = False
        self.setTitle("Name and save")
        self.setSubTitle(
            "The data is stored as an immutable version, name@N, that training, tests and the "
            "audit trail refer to. Importing the same data again finds the existing version."
        )
        self.setFinalPage(True)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("datasetName")
        self.name_edit.setMaxLength(64)
        self.name_edit.textEdited.connect(self._name_edited)
        self.name_edit.textChanged.connect(self._name_changed)
        self.name_hint = QLabel()
        self.name_hint.setWordWrap(True)
        form.addRow("Dataset &name:", self.name_edit)
        form.addRow("", self.name_hint)
        layout.addLayout(form)
        self.summary = QLabel()
        self.summary.setObjectName("saveSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.job = JobLine(wizard.model, "&Cancel saving")
        self.job.finished.connect(self._saved)
        self.job.running_changed.connect(lambda _r: self.completeChanged.emit())
        layout.addWidget(self.job)
        layout.addStretch(1)

    def name(self) -> str:
        return self.name_edit.text().strip()

    def set_default_name(self, path: str, known_sources: dict[str, str]) -> None:
        self.name_edit.setText(suggest_name(path, known_sources))

    def set_name(self, name: str) -> None:
        self.name_edited = True
        self.name_edit.setText(name)

    def _name_edited(self, _text: str) -> None:
        self.name_edited = True

    def _name_changed(self, _text: str) -> None:
        name = self.name()
        workspace = self.wiz.model.workspace
        if not NAME_PATTERN.match(name):
            self.name_hint.setText(
                "Use letters, digits, '_', '.' or '-', starting with a letter or digit."
            )
        elif workspace is not None and name in workspace.datasets.names():
            number = len(workspace.datasets.list(name)) + 1
            self.name_hint.setText(f"Will be saved as a new version of {name}: {name}@{number}.")
        else:
            self.name_hint.setText(f"Will be saved as {name}@1, a new dataset.")
        self.completeChanged.emit()

    def initializePage(self) -> None:
        choices = self.wiz.choices
        analysis = self.wiz.checks_page.analysis or {}
        pii = ", ".join(choices.pii_cols) or "none"
        lines = [
            f"<b>File:</b> {escape(choices.path)}",
            f"<b>Size:</b> {analysis.get('rows', 0):,} rows × {analysis.get('columns', 0):,} "
            "columns",
            f"<b>Target:</b> {escape(choices.target)} ({escape(str(analysis.get('task')))})",
            f"<b>Split:</b> {escape(split_text(analysis))}",
            f"<b>Personal data:</b> {escape(pii)}",
            f"<b>Findings:</b> {counts_text(analysis.get('findings', []))}",
        ]
        reason = self.wiz.checks_page.override_reason()
        if reason:
            lines.append(f"<b>Blocking findings overridden:</b> {escape(reason)}")
        self.summary.setText("<br>".join(lines))
        self._name_changed("")

    def isComplete(self) -> bool:
        return bool(NAME_PATTERN.match(self.name())) and not self.job.running

    def validatePage(self) -> bool:
        """Finish starts the save job; the wizard closes when it succeeds."""
        if self.saved:
            return True
        reason = self.wiz.checks_page.override_reason()
        kwargs = self.wiz.choices.analyze_kwargs() | {
            "name": self.name(),
            "allow_blocking": reason is not None,
            "reason": reason,
        }
        self.wiz.choices.name = self.name()
        self.job.start(
            IMPORT_DATASET, kwargs, title=f"Import {self.name()}", message="Saving the dataset…"
        )
        return False

    def _saved(self, job) -> None:
        if job.status != "succeeded" or not isinstance(job.result, dict):
            return
        result = job.result
        if result.get("status") in ("created", "existing") and result.get("ref"):
            self.saved = True
            self.name_hint.setText(f"Saved as {result['ref']}.")
            self.wiz.finish_with(result["ref"], result["status"])
        else:
            self.job.error.set_error(
                result.get("message") or "The dataset was not saved.",
                "\n".join(f.get("title", "") for f in result.get("findings", [])),
            )
