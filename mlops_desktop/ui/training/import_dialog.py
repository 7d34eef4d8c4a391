"""The Train page's Import Model dialog: a fitted scikit-learn model from a file or an MLflow
folder, the name to register it under, the dataset version it fits and, for pickles, trust."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import InputError
from mlops_desktop.registry.entities import DatasetVersion
from mlops_desktop.registry.refs import check_name
from mlops_desktop.ui.kit.dialogs import directory_dialog, set_primary, use_native_dialogs
from mlops_desktop.ui.kit.labels import muted_label
from mlops_desktop.ui.kit.widgets import CommandLine
from mlops_desktop.ui.training.model import dataset_caption

IMPORT_JOB = "mlops_desktop.training.import_job:import_model"
PICKLES = (".joblib", ".pkl", ".pickle", ".jbl")
MODEL_FILTER = "Models (*.skops *.joblib *.pkl *.pickle);;All files (*)"
TRUST_WARNING = (
    "⚠ Loading a pickle (joblib, pickle, an MLflow model.pkl) or a skops file with unreviewed "
    "types runs code from the file. Trust only files you or your team made."
)


class ImportModelDialog(QDialog):
    """``kwargs()`` gives the ``import_model`` job's arguments once the form is complete."""

    def __init__(self, versions: list[DatasetVersion], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import Model")
        self.setObjectName("importModelDialog")
        self.setMinimumWidth(600)
        self.versions = sorted(versions, key=lambda v: (v.created_at, v.id), reverse=True)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Register a scikit-learn model fitted elsewhere (a notebook, MLflow). It is "
            "evaluated on the dataset version's holdout, then tested, deployed and monitored "
            "like a model trained here."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(self._build_form())
        self.warning = QLabel(TRUST_WARNING)
        self.warning.setWordWrap(True)
        self.warning.setObjectName("trustWarning")
        layout.addWidget(self.warning)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setObjectName("formProblem")
        layout.addWidget(self.problem)
        layout.addWidget(muted_label("The same from the command line:"))
        self.command = CommandLine()
        layout.addWidget(self.command)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        set_primary(self.import_button)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for signal in (
            self.path_edit.textChanged,
            self.name_edit.textChanged,
            self.reason_edit.textChanged,
            self.dataset_combo.currentIndexChanged,
            self.trust_box.toggled,
        ):
            signal.connect(self._update)
        self._update()

    def _build_form(self) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(".skops, .joblib/.pkl file or an MLflow model folder")
        self.file_button = QPushButton("&File…")
        self.file_button.clicked.connect(self.choose_file)
        self.folder_button = QPushButton("F&older…")
        self.folder_button.setToolTip("An MLflow model folder (holding an MLmodel file)")
        self.folder_button.clicked.connect(self.choose_folder)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.file_button)
        row.addWidget(self.folder_button)
        form.addRow("&Model:", row)
        self.dataset_combo = QComboBox()
        for version in self.versions:
            self.dataset_combo.addItem(dataset_caption(version), version.ref)
        form.addRow("&Dataset version:", self.dataset_combo)
        self.name_edit = QLineEdit(self.versions[0].name if self.versions else "")
        form.addRow("Register &as:", self.name_edit)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("optional; kept in the audit trail")
        form.addRow("&Reason:", self.reason_edit)
        self.trust_box = QCheckBox("I &trust this file (it may run code when it loads)")
        form.addRow("", self.trust_box)
        return form

    # -- choosing ----------------------------------------------------------------------------

    def choose_file(self) -> QFileDialog:
        dialog = QFileDialog(self, "Choose a Model File", str(Path.home()), MODEL_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, not use_native_dialogs())
        dialog.fileSelected.connect(self.path_edit.setText)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def choose_folder(self) -> QFileDialog:
        dialog = directory_dialog(self, "Choose an MLflow Model Folder")
        dialog.fileSelected.connect(self.path_edit.setText)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    # -- state -------------------------------------------------------------------------------

    def path(self) -> Path | None:
        text = self.path_edit.text().strip()
        return Path(text).expanduser() if text else None

    def needs_trust(self) -> bool:
        path = self.path()
        return path is not None and (path.suffix.lower() in PICKLES or path.is_dir())

    def problem_text(self) -> str:
        path = self.path()
        if path is None:
            return "Choose the model file or MLflow folder."
        if not path.exists():
            return f"There is no file or folder {path}."
        if self.dataset_combo.currentData() is None:
            return "Import a dataset on the Data page first."
        try:
            check_name(self.name_edit.text().strip(), "model name")
        except InputError as exc:
            return exc.message
        if self.needs_trust() and not self.trust_box.isChecked():
            return "This is a pickle: it loads only if you trust it (tick the box above)."
        return ""

    def kwargs(self) -> dict[str, Any]:
        """The ``import_model`` job's arguments (empty while the form has a problem)."""
        if self.problem_text():
            return {}
        return {
            "path": str(self.path().resolve()),
            "name": self.name_edit.text().strip(),
            "dataset": self.dataset_combo.currentData(),
            "reason": self.reason_edit.text().strip(),
            "trust": self.trust_box.isChecked(),
        }

    def command_text(self) -> str:
        words = ["mlops-desktop", "models", "import", str(self.path() or "FILE")]
        words += ["--name", self.name_edit.text().strip() or "NAME"]
        words += ["--dataset", self.dataset_combo.currentData() or "DATASET@N"]
        if self.reason_edit.text().strip():
            words += ["--reason", self.reason_edit.text().strip()]
        if self.trust_box.isChecked():
            words.append("--trust")
        return shlex.join(words)

    def _update(self) -> None:
        problem = self.problem_text()
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.warning.setVisible(self.trust_box.isChecked() or self.needs_trust())
        self.import_button.setEnabled(not problem)
        self.command.set_command(self.command_text())
