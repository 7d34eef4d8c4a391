"""Wizard steps 1 and 2: choose and inspect a file; preview its first rows and set column types."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from mlops_desktop.data.vocabulary import ColumnType
from mlops_desktop.ui.data.wizard_jobs import JobLine
from mlops_desktop.ui.kit.labels import muted_color

FILE_FILTERS = (
    "Data files (*.csv *.tsv *.txt *.xlsx *.xlsm *.parquet *.pq)",
    "CSV or TSV (*.csv *.tsv *.txt)",
    "Excel workbooks (*.xlsx *.xlsm)",
    "Parquet (*.parquet *.pq)",
    "All files (*)",
)
#: (label, override value) per read option; ``None`` means "detect".
OPTION_CHOICES: dict[str, tuple[tuple[str, Any], ...]] = {
    "delimiter": (
        ("Detect", None),
        ("Comma (,)", ","),
        ("Semicolon (;)", ";"),
        ("Tab", "\t"),
        ("Pipe (|)", "|"),
    ),
    "decimal": (("Detect", None), ("Point (1.5)", "."), ("Comma (1,5)", ",")),
    "encoding": (
        ("Detect", None),
        ("UTF-8", "utf-8"),
        ("UTF-8 with BOM", "utf-8-sig"),
        ("Windows-1252", "cp1252"),
        ("Latin-1", "latin-1"),
        ("UTF-16", "utf-16"),
    ),
    "header": (("Detect", None), ("First row is the header", True), ("No header row", False)),
}
OPTION_LABELS = {
    "delimiter": "&Delimiter:",
    "decimal": "Decimal &mark:",
    "encoding": "&Encoding:",
    "header": "&Header:",
}
TYPES = tuple(t.value for t in ColumnType)
#: Job functions by reference, so the GUI process never imports pandas.
INSPECT_FILE = "mlops_desktop.data.importer:inspect_file"


def describe_options(options: dict[str, Any], n_columns: int, n_rows: int) -> str:
    """'Read as comma-separated text (utf-8, decimal point, header row): 21 columns, …'."""
    fmt = options.get("format")
    if fmt == "csv":
        delim = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
            options.get("delimiter") or ",", repr(options.get("delimiter"))
        )
        decimal = "decimal comma" if options.get("decimal") == "," else "decimal point"
        header = "header row" if options.get("header", True) else "no header row"
        how = f"{delim}-separated text ({options.get('encoding')}, {decimal}, {header})"
    else:
        how = {"excel": "an Excel workbook", "parquet": "a Parquet file"}.get(fmt, str(fmt))
    return f"Read as {how}: {n_columns:,} columns; {n_rows:,} rows sampled for the preview."


class FilePage(QWizardPage):
    """Step 1: pick the file; it is inspected in a job (options sniffed, overridable)."""

    def __init__(self, wizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Choose a file")
        self.setSubTitle(
            "A CSV or TSV text file, an Excel workbook (.xlsx) or a Parquet file. It is read in "
            "the background; you can cancel at any time."
        )
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        label = QLabel("&File:")
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("pathEdit")
        self.path_edit.setPlaceholderText("Path of a .csv, .tsv, .xlsx or .parquet file")
        self.path_edit.setClearButtonEnabled(True)
        label.setBuddy(self.path_edit)
        self.path_edit.editingFinished.connect(self._path_edited)
        self.path_edit.textChanged.connect(lambda _t: self.completeChanged.emit())
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self.browse)
        row.addWidget(label)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        layout.addLayout(row)

        box = QGroupBox(
            "Read options (detected automatically; change them if the preview is wrong)"
        )
        grid = QGridLayout(box)
        self.option_combos: dict[str, QComboBox] = {}
        for i, (key, choices) in enumerate(OPTION_CHOICES.items()):
            combo = QComboBox()
            for text, value in choices:
                combo.addItem(text, value)
            combo.currentIndexChanged.connect(self._options_changed)
            caption = QLabel(OPTION_LABELS[key])
            caption.setBuddy(combo)
            grid.addWidget(caption, i // 2, (i % 2) * 2)
            grid.addWidget(combo, i // 2, (i % 2) * 2 + 1)
            self.option_combos[key] = combo
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.options_box = box
        layout.addWidget(box)

        self.detected = QLabel()
        self.detected.setObjectName("detectedOptions")
        self.detected.setWordWrap(True)
        layout.addWidget(self.detected)
        self.job = JobLine(wizard.model, "&Cancel reading")
        self.job.finished.connect(self._inspected)
        self.job.running_changed.connect(lambda _r: self.completeChanged.emit())
        layout.addWidget(self.job)
        layout.addStretch(1)

    # -- choosing --------------------------------------------------------------------------------

    def browse(self) -> None:
        dialog = QFileDialog(self, "Choose a Data File")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(list(FILE_FILTERS))
        if not self.wiz.native_dialogs:
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        current = self.path_edit.text().strip()
        if current:
            dialog.setDirectory(str(Path(current).expanduser().parent))
        if dialog.exec() and dialog.selectedFiles():
            self.set_path(dialog.selectedFiles()[0])

    def set_path(self, path: str | Path) -> None:
        """Use ``path`` and inspect it (as if typed or chosen in the file dialog)."""
        self.path_edit.setText(str(path))
        self.inspect()

    def overrides(self) -> dict[str, Any]:
        """The read options the user set (the others are detected)."""
        return {
            key: combo.currentData()
            for key, combo in self.option_combos.items()
            if combo.currentData() is not None
        }

    def set_option(self, key: str, value: Any) -> None:
        """Override one read option (``None`` = detect); re-inspects the file."""
        combo = self.option_combos[key]
        combo.setCurrentIndex(max(0, combo.findData(value)))

    def _path_edited(self) -> None:
        if (
            self.path_edit.text().strip() != self.wiz.choices.path
            or self.wiz.choices.inspection is None
        ):
            self.inspect()

    def _options_changed(self, _index: int) -> None:
        if self.path_edit.text().strip():
            self.inspect()

    def inspect(self) -> None:
        """Start the inspection job for the current path and options."""
        text = self.path_edit.text().strip()
        if not text:
            return
        choices = self.wiz.choices
        choices.path = str(Path(text).expanduser().absolute())
        choices.overrides = self.overrides()
        choices.inspection = None
        self.detected.clear()
        self.completeChanged.emit()
        self.job.start(
            INSPECT_FILE,
            {"path": choices.path, "read_options": choices.overrides or None},
            title=f"Inspect {Path(text).name}",
            message="Reading the first rows…",
        )

    def _inspected(self, job) -> None:
        if job.status == "succeeded" and isinstance(job.result, dict):
            choices = self.wiz.choices
            choices.set_inspection(job.result)
            options = job.result.get("read_options", {})
            self.detected.setText(
                describe_options(
                    options, len(job.result.get("columns", [])), job.result.get("rows_sampled", 0)
                )
            )
            for key in ("delimiter", "decimal", "encoding"):
                self.option_combos[key].setEnabled(options.get("format") == "csv")
            if not self.wiz.save_page.name_edited:
                self.wiz.save_page.set_default_name(self.wiz.choices.path, self.wiz.known_sources())
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        choices = self.wiz.choices
        typed = self.path_edit.text().strip()
        same = bool(typed) and str(Path(typed).expanduser().absolute()) == choices.path
        return choices.inspection is not None and not self.job.running and same


class RowsModel(QAbstractTableModel):
    """The first rows of the file (list of dicts), headers showing each column's type."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.columns: list[str] = []
        self.rows: list[dict] = []
        self.types: dict[str, str] = {}
        self.muted = None

    def set_rows(self, columns: list[str], rows: list[dict], types: dict[str, str]) -> None:
        self.beginResetModel()
        self.columns, self.rows, self.types = list(columns), list(rows), dict(types)
        self.endResetModel()

    def set_type(self, column: str, kind: str) -> None:
        self.types[column] = kind
        col = self.columns.index(column)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, col, col)
        self.dataChanged.emit(self.index(0, col), self.index(len(self.rows) - 1, col))

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            col = self.columns[section]
            return f"{col}\n{self.types.get(col, '')}"
        return str(section + 1)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        col = self.columns[index.column()]
        value = self.rows[index.row()].get(col)
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and self.types.get(col) == "ignore":
            return self.muted
        return None


class PreviewPage(QWizardPage):
    """Step 2: the first rows, and one type per column (pre-set from inference)."""

    def __init__(self, wizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.built_generation = -1
        self.type_combos: dict[str, QComboBox] = {}
        self.setTitle("Preview and column types")
        self.setSubTitle(
            "Check that the columns were read correctly. Each column's type was inferred from "
            "the first rows; change it if it is wrong, or choose 'ignore' to leave a column out."
        )
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.types_table = QTableWidget(0, 3)
        self.types_table.setObjectName("typesTable")
        self.types_table.setHorizontalHeaderLabels(["Column", "Type", "First values"])
        self.types_table.verticalHeader().hide()
        self.types_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.types_table.horizontalHeader().setStretchLastSection(True)
        self.types_table.verticalHeader().setDefaultSectionSize(28)
        self.types_table.setWordWrap(False)
        self.rows_model = RowsModel(self)
        self.rows_model.muted = muted_color(self)
        self.preview = QTableView()
        self.preview.setObjectName("previewTable")
        self.preview.setModel(self.rows_model)
        self.preview.setAlternatingRowColors(True)
        self.preview.verticalHeader().setDefaultSectionSize(24)
        self.preview.setWordWrap(False)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        splitter.addWidget(self.types_table)
        splitter.addWidget(self.preview)
        splitter.setSizes([420, 520])
        layout.addWidget(splitter, 1)

    def initializePage(self) -> None:
        choices = self.wiz.choices
        if choices.generation == self.built_generation or choices.inspection is None:
            return
        self.built_generation = choices.generation
        result = choices.inspection
        columns, rows = result.get("columns", []), result.get("rows", [])
        self.rows_model.set_rows(columns, rows, choices.types)
        self.preview.resizeColumnsToContents()
        for col in range(len(columns)):
            self.preview.setColumnWidth(col, min(self.preview.columnWidth(col), 220))
        self.types_table.setRowCount(len(columns))
        self.type_combos = {}
        for r, column in enumerate(columns):
            self.types_table.setItem(r, 0, QTableWidgetItem(column))
            combo = QComboBox()
            combo.addItems(TYPES)
            combo.setCurrentText(choices.types.get(column, "categorical"))
            combo.currentTextChanged.connect(lambda kind, c=column: self._type_changed(c, kind))
            self.types_table.setCellWidget(r, 1, combo)
            self.type_combos[column] = combo
            sample = [str(row.get(column)) for row in rows[:6] if row.get(column) is not None]
            self.types_table.setItem(r, 2, QTableWidgetItem(", ".join(sample)))
        self.types_table.resizeColumnsToContents()
        self.types_table.setColumnWidth(0, min(self.types_table.columnWidth(0), 240))

    def set_type(self, column: str, kind: str) -> None:
        """Change one column's type (as the user would with its combo)."""
        self.type_combos[column].setCurrentText(kind)

    def _type_changed(self, column: str, kind: str) -> None:
        self.wiz.choices.types[column] = kind
        self.rows_model.set_type(column, kind)
