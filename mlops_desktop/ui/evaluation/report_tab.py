"""The Test page's Report tab (verdict, metrics, exports) and its promotion status strip."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.registry.entities import Job, ModelVersion, TestReport
from mlops_desktop.ui.evaluation.jobs import export_report
from mlops_desktop.ui.evaluation.model import (
    glance_text,
    metric_rows,
    metrics_note,
    untested_text,
    write_html_file,
)
from mlops_desktop.ui.evaluation.views import VerdictBanner
from mlops_desktop.ui.kit.dialogs import error_box, job_error_text
from mlops_desktop.ui.kit.labels import muted_label, section_label
from mlops_desktop.ui.kit.tables import RecordTable
from mlops_desktop.ui.kit.theme import status_colors
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel


class StatusStrip(QFrame):
    """One coloured line ("Ready to deploy: …" / "Blocked: …") with the next action's button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promotionStatus")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.action = QPushButton()
        self.action.setMinimumWidth(110)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action)
        self.state = ""

    def set_status(self, state: str, text: str, action_visible: bool) -> None:
        self.state = state
        text = re.sub(r"(?<!\.)\.\.(?!\.)", ".", text)  # "slice(s)." + "." from the engine
        self.label.setText(text)
        self.label.setToolTip(text)
        self.action.setVisible(action_visible)
        bg, fg = status_colors(self, state)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, bg)
        pal.setColor(QPalette.ColorRole.WindowText, fg)
        self.setPalette(pal)


class ReportTab(QWidget):
    """The latest report's verdict banner and holdout metrics, with Open and Export buttons."""

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.version: ModelVersion | None = None
        self.report: TestReport | None = None
        self.opened: list[Path] = []
        self.export_jobs: list[str] = []
        #: How "Open report" shows a file (tests replace it to avoid starting a browser).
        self.open_url = QDesktopServices.openUrl
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.banner = VerdictBanner()
        self.metrics_heading = section_label("Holdout metrics (95% CI)", self)
        self.metrics = RecordTable(metric_rows({})[0])
        self.metrics.fit_rows = True
        self.metrics.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.note = muted_label(selectable=True)
        self.placeholder = muted_label(selectable=True)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("&Open report")
        self.open_button.setToolTip("Open the self-contained HTML report in your browser")
        self.open_button.clicked.connect(self.open_report)
        self.html_button = QPushButton("Export &HTML…")
        self.html_button.clicked.connect(lambda: self.export_with_dialog(".html"))
        self.pdf_button = QPushButton("Export &PDF…")
        self.pdf_button.clicked.connect(lambda: self.export_with_dialog(".pdf"))
        self.export_status = muted_label(selectable=True)
        buttons.addWidget(self.export_status, 1)
        for button in (self.open_button, self.html_button, self.pdf_button):
            buttons.addWidget(button)
        self.glance = QLabel()
        self.glance.setObjectName("reportGlance")
        self.glance.setWordWrap(True)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)  # under the verdict, above the fold at 1024 x 768
        layout.addWidget(self.placeholder)
        layout.addWidget(self.glance)
        layout.addWidget(self.metrics_heading)
        layout.addWidget(self.metrics)
        layout.addWidget(self.note)
        layout.addStretch(1)

    def set_report(self, version: ModelVersion, report: TestReport | None) -> None:
        self.version, self.report = version, report
        tested = report is not None
        for widget in (self.metrics_heading, self.metrics, self.note, self.glance):
            widget.setVisible(tested)
        for button in (self.open_button, self.html_button, self.pdf_button):
            button.setEnabled(tested)
        self.placeholder.setVisible(not tested)
        self.banner.set_report(report.summary if report else None)
        if not tested:
            self.placeholder.setText(untested_text(version.ref))
            return
        columns, rows = metric_rows(report.summary)
        if [c.title for c in columns] != [c.title for c in self.metrics.columns]:
            self.metrics.columns = columns
            self.metrics.source.setColumnCount(len(columns))
            self.metrics.source.setHorizontalHeaderLabels([c.title for c in columns])
            for i, column in enumerate(columns):
                self.metrics.setColumnWidth(i, column.width)
        self.metrics.set_rows(rows)
        self.glance.setText(glance_text(report.summary))
        self.note.setText(f"Test report {report.id}. {metrics_note(report.summary)}")

    # -- opening and exporting ---------------------------------------------------------------------

    def open_report(self) -> Path | None:
        """Write the report's HTML to a temporary file and open it in the browser."""
        if self.report is None:
            return None
        path = write_html_file(self.report.summary)
        self.opened.append(path)
        self.open_url(QUrl.fromLocalFile(str(path)))
        return path

    def export_with_dialog(self, suffix: str) -> str | None:
        if self.report is None or self.version is None:
            return None
        kind = "PDF" if suffix == ".pdf" else "HTML"
        default = str(
            Path.home() / f"test-report-{self.version.name}-{self.version.number}{suffix}"
        )
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export the Test Report as {kind}", default, f"{kind} files (*{suffix})"
        )
        if not path:
            return None
        if not path.lower().endswith(suffix) and not path.lower().endswith(".htm"):
            path += suffix
        return self.export(path)

    def export(self, path: str) -> str | None:
        """Write the shown report to ``path`` (.html or .pdf) in a background job."""
        if self.report is None:
            return None
        self.export_status.setText(f"Exporting to {Path(path).name}…")
        job_id = self.model.submit(
            export_report,
            {"report_id": self.report.id, "path": path},
            title=f"Export test report {self.report.id} to {Path(path).name}",
            on_finished=self._on_exported,
        )
        self.export_jobs.append(job_id)
        return job_id

    def _on_exported(self, job: Job) -> None:
        if job.status == "succeeded":
            result = job.result or {}
            self.export_status.setText(f"Saved {result.get('path')}")
        else:
            self.export_status.setText("")
            if job.status in ("failed", "interrupted"):
                error_box(self, job_error_text(job)).open()
