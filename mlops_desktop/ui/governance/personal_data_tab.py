"""The Govern page's "Personal data" tab: datasets and models with their personal columns,
Art. 9 special categories highlighted, each dataset's purpose and legal basis (edited in a
dialog that needs a reason), the minimisation hint, the Art. 30 record and the model card.

Reads and writes run off the GUI thread (``BackgroundTasks``); exports are jobs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import MlopsError
from mlops_desktop.formatting import counted
from mlops_desktop.registry.entities import Job
from mlops_desktop.ui.governance.card_jobs import export_card
from mlops_desktop.ui.governance.personal_data_dialogs import ColumnDialog, PurposeDialog
from mlops_desktop.ui.governance.personal_data_model import (
    EMPTY_TEXT,
    InventoryRow,
    Overview,
    export_record_job,
    load_overview,
    save_column,
    save_purpose,
)
from mlops_desktop.ui.kit.dialogs import error_box, error_text, job_error_text
from mlops_desktop.ui.kit.specs import Column
from mlops_desktop.ui.kit.tables import RecordTable
from mlops_desktop.ui.runtime.background import BackgroundTasks
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

ROW_COLUMNS = (
    Column("What", width=70),
    Column("Version", width=110),
    Column("Purpose", width=200),
    Column("Legal basis", width=170),
    Column("Personal columns", width=230),
    Column("Art. 9 special", width=150),
    Column("Note"),
)
DETAIL_COLUMNS = (
    Column("Column", width=190),
    Column("Kind", width=100),
    Column("Personal", width=70),
    Column("Art. 9 category", width=170),
    Column("Model input", width=90),
    Column("Confirmed"),
)


class PersonalDataTab(QWidget):
    title = "Personal data"

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("personalDataTab")
        self.tasks = BackgroundTasks(self)
        self.overview = Overview()
        self.loads = 0
        self.jobs: list[str] = []
        self.saved_notice = ""  # "Saved PATH." of the last export, kept across refreshes
        self.dialog: QDialog | None = None
        self._loading = self._again = False
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.status = QLabel(EMPTY_TEXT)
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        self.purpose_button = QPushButton("Edit purpose…")
        self.column_button = QPushButton("Confirm column…")
        self.card_button = QPushButton("Model card…")
        self.export_button = QPushButton("Export Art. 30 record…")
        for button in (
            self.purpose_button,
            self.column_button,
            self.card_button,
            self.export_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.purpose_button.clicked.connect(self.edit_purpose)
        self.column_button.clicked.connect(self.edit_column)
        self.card_button.clicked.connect(self.card_with_dialog)
        self.export_button.clicked.connect(self.export_with_dialog)
        self.table = RecordTable(ROW_COLUMNS)
        self.table.wrap_long_cells()  # lists of personal columns and notes, whole
        self.table.setObjectName("personalDataRows")
        self.table.selectionModel().selectionChanged.connect(self._show_selected)
        self.columns = RecordTable(DETAIL_COLUMNS)
        self.columns.setObjectName("personalDataColumns")
        self.columns.selectionModel().selectionChanged.connect(self._update_buttons)
        self.hints = QLabel("")
        self.hints.setWordWrap(True)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.columns, 1)
        detail_layout.addWidget(self.hints)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # -- loading -----------------------------------------------------------------------------

    def refresh(self, model: WorkspaceModel) -> None:
        """Read the inventory again (off the GUI thread); one read at a time."""
        self.model = model
        if model.path is None:
            return
        if self._loading:
            self._again = True
            return
        self._loading, self._again = True, False
        self.tasks.run(model.path, load_overview, on_done=self._loaded)

    def _loaded(self, overview: Overview | None, error: BaseException | None) -> None:
        self._loading = False
        if error is not None:
            message = error.message if isinstance(error, MlopsError) else str(error)
            self.status.setText(f"The personal-data inventory could not be read: {message}")
        else:
            self.loads += 1
            self._show(overview)
        if self._again:
            self.refresh(self.model)

    def _show(self, overview: Overview) -> None:
        selected = self.selected()
        self.overview = overview
        if overview.empty:
            text = EMPTY_TEXT
        else:
            special = sum(1 for r in overview.rows if r.kind == "dataset" and r.flagged)
            text = (
                "Personal-data columns of every dataset (latest version) and model version. "
                f"Rows in red hold GDPR Art. 9 special categories ({counted(special, 'dataset')}). "
                "Select a row to see its columns."
            )
        # A refresh never hides where the last export went.
        self.status.setText(f"{self.saved_notice} {text}" if self.saved_notice else text)
        self.table.set_rows(
            [
                [r.kind, r.ref, r.purpose, r.legal_basis, r.personal, r.special, r.note]
                for r in overview.rows
            ],
            flagged=[r.flagged for r in overview.rows],
        )
        if selected is not None:
            self.select(selected.ref, selected.kind)
        self._show_selected()

    # -- selection ---------------------------------------------------------------------------

    def selected(self) -> InventoryRow | None:
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            return None
        texts = self.table.row_texts()[indexes[0].row()]
        return self.overview.row(texts[1], texts[0])

    def select(self, ref: str, kind: str) -> bool:
        for r, texts in enumerate(self.table.row_texts()):
            if texts[0] == kind and texts[1] == ref:
                self.table.selectRow(r)
                return True
        return False

    def _show_selected(self, *_args) -> None:
        row = self.selected()
        columns = row.columns if row else ()
        self.columns.set_rows(
            [[c.column, c.kind, c.personal, c.special, c.used, c.confirmed] for c in columns],
            flagged=[c.flagged for c in columns],
        )
        self.hints.setText("\n".join(row.hints) if row else "")
        self._update_buttons()

    def selected_column(self):
        row, indexes = self.selected(), self.columns.selectionModel().selectedRows()
        if row is None or not indexes:
            return None
        name = self.columns.row_texts()[indexes[0].row()][0]
        return next((c for c in row.columns if c.column == name), None)

    def _update_buttons(self, *_args) -> None:
        row = self.selected()
        self.purpose_button.setEnabled(row is not None)
        self.column_button.setEnabled(self.selected_column() is not None)
        self.card_button.setEnabled(row is not None and row.kind == "model")
        self.export_button.setEnabled(not self.overview.empty)

    # -- purpose -----------------------------------------------------------------------------

    def edit_purpose(self) -> PurposeDialog | None:
        row = self.selected()
        if row is None:
            return None
        self.dialog = PurposeDialog(self, row.dataset_name, row, self.overview.legal_bases)
        self.dialog.accepted.connect(lambda: self._save_purpose(row.dataset_name))
        self.dialog.open()
        return self.dialog

    def _save_purpose(self, name: str) -> None:
        purpose, basis, reason = self.dialog.values()
        self.status.setText(f"Saving the purpose of {name}…")
        self.tasks.run(
            self.model.path,
            save_purpose,
            (name, purpose, basis, reason),
            on_done=self._saved,
        )

    def edit_column(self) -> ColumnDialog | None:
        row, column = self.selected(), self.selected_column()
        if row is None or column is None:
            return None
        self.dialog = ColumnDialog(self, row.dataset_ref, column)
        self.dialog.accepted.connect(lambda: self._save_column(row.dataset_ref, column.column))
        self.dialog.open()
        return self.dialog

    def _save_column(self, ref: str, column: str) -> None:
        personal, special, reason = self.dialog.values()
        self.status.setText(f"Saving the decision on {column} of {ref}…")
        self.tasks.run(
            self.model.path,
            save_column,
            (ref, column, personal, special, reason),
            on_done=self._saved,
        )

    def _saved(self, _result, error: BaseException | None) -> None:
        if error is not None:
            error = error if isinstance(error, MlopsError) else MlopsError(str(error))
            error_box(self, error_text(error, "Not saved")).open()
        self.refresh(self.model)

    # -- exports -----------------------------------------------------------------------------

    def _save_path(self, title: str, default: str, filters: str, suffix: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / default), filters)
        if not path:
            return None
        return path if Path(path).suffix else path + suffix

    def export_with_dialog(self) -> str | None:
        path = self._save_path(
            "Export the Art. 30 record",
            "art30-record.html",
            "HTML files (*.html);;CSV files (*.csv)",
            ".html",
        )
        if path is None:
            return None
        return self._submit(
            export_record_job, {"path": path}, f"Art. 30 record to {Path(path).name}"
        )

    def card_with_dialog(self) -> str | None:
        row = self.selected()
        if row is None or row.kind != "model":
            return None
        default = f"model-card-{row.ref.replace('@', '-')}.html"
        path = self._save_path(
            f"Model card of {row.ref}", default, "HTML files (*.html);;PDF files (*.pdf)", ".html"
        )
        if path is None:
            return None
        return self._submit(
            export_card,
            {"model_ref": row.ref, "path": path},
            f"Model card of {row.ref} to {Path(path).name}",
        )

    def _submit(self, fn, kwargs: dict, title: str) -> str:
        self.saved_notice = ""
        self.status.setText(f"Writing {title}…")
        job_id = self.model.submit(fn, kwargs, title=title, on_finished=self._exported)
        self.jobs.append(job_id)
        return job_id

    def _exported(self, job: Job) -> None:
        if job.status == "succeeded":
            self.saved_notice = f"Saved {(job.result or {}).get('path')}."
            self.status.setText(self.saved_notice)
        elif job.status in ("failed", "interrupted"):
            error_box(self, job_error_text(job)).open()
