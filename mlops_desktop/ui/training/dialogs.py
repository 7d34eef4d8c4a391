"""Train page dialogs: New Run (the training form), Register, and Retrain on newer data."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import InputError
from mlops_desktop.registry.entities import DatasetVersion, ModelVersion
from mlops_desktop.registry.refs import check_name
from mlops_desktop.training.families import FAMILY_LABELS
from mlops_desktop.training.run_summary import (
    TASK_LABELS,
    families_for,
    train_command,
)
from mlops_desktop.ui.kit.cluster_choice import ClusterChoice
from mlops_desktop.ui.kit.dialogs import set_primary
from mlops_desktop.ui.kit.labels import muted_label
from mlops_desktop.ui.kit.widgets import CommandLine
from mlops_desktop.ui.training.model import dataset_caption, task_text

MAX_SEED = 2**31 - 1


class NewRunDialog(QDialog):
    """The training form. ``submissions()`` gives one ``train_model`` kwargs dict per family."""

    def __init__(
        self,
        versions: list[DatasetVersion],
        parent: QWidget | None = None,
        preselect: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New Training Run")
        self.setObjectName("newRunDialog")
        self.setMinimumWidth(640)
        self.versions = sorted(versions, key=lambda v: (v.created_at, v.id), reverse=True)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_form(preselect))
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setObjectName("formProblem")
        layout.addWidget(self.problem)
        layout.addWidget(muted_label("The same from the command line:"))
        self.command = CommandLine()
        layout.addWidget(self.command)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.train_button = self.buttons.addButton("&Train", QDialogButtonBox.ButtonRole.AcceptRole)
        set_primary(self.train_button)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        for signal in (
            self.dataset_combo.currentIndexChanged,
            self.search_spin.valueChanged,
            self.folds_spin.valueChanged,
            self.seed_spin.valueChanged,
            self.register_edit.textChanged,
        ):
            signal.connect(self._update)
        self._update()

    def _build_form(self, preselect: str | None) -> QFormLayout:
        """Dataset version, task, model families, search budget, folds, seed, register name."""
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.dataset_combo = QComboBox()
        for version in self.versions:
            self.dataset_combo.addItem(dataset_caption(version), version.ref)
        if preselect:
            at = self.dataset_combo.findData(preselect)
            if at >= 0:
                self.dataset_combo.setCurrentIndex(at)
        self.task_label = QLabel()
        form.addRow("&Dataset version:", self.dataset_combo)
        form.addRow("Task:", self.task_label)

        form.addRow("Models:", self._build_families())
        form.addRow(
            "",
            muted_label(
                "A dummy baseline is always trained beside each model, to show what the\n"
                "model adds over guessing.",
                wrap=False,
            ),
        )

        self.search_spin = QSpinBox()
        self.search_spin.setRange(0, 500)
        self.search_spin.setSpecialValueText("0 (family defaults)")
        self.search_spin.setSuffix(" candidates")
        self.search_spin.setToolTip(
            "Random search over sensible ranges; each candidate is cross-validated"
        )
        self.folds_spin = QSpinBox()
        self.folds_spin.setRange(2, 20)
        self.folds_spin.setValue(5)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, MAX_SEED)
        self.seed_spin.setValue(42)
        self.register_edit = QLineEdit()
        self.register_edit.setPlaceholderText("leave empty to register later")
        self.register_edit.setClearButtonEnabled(True)
        form.addRow("&Search budget:", self.search_spin)
        form.addRow("C&V folds:", self.folds_spin)
        form.addRow("S&eed:", self.seed_spin)
        form.addRow("Register &as:", self.register_edit)
        self.cluster = ClusterChoice("Cross-validate")
        self.cluster.box.toggled.connect(self._update)
        form.addRow("Runs:", self.cluster)
        return form

    def _build_families(self) -> QWidget:
        """One check box per model family (gradient boosting ticked)."""
        families = QWidget()
        family_layout = QVBoxLayout(families)
        family_layout.setContentsMargins(0, 0, 0, 0)
        self.family_boxes: dict[str, QCheckBox] = {}
        for key in ("logreg", "linear", "rf", "hgb"):
            box = QCheckBox(FAMILY_LABELS[key])
            box.setChecked(key == "hgb")
            box.toggled.connect(self._update)
            self.family_boxes[key] = box
            family_layout.addWidget(box)
        return families

    # -- state -------------------------------------------------------------------------------

    def version(self) -> DatasetVersion | None:
        index = self.dataset_combo.currentIndex()
        return self.versions[index] if 0 <= index < len(self.versions) else None

    def task(self) -> str:
        version = self.version()
        return (version.roles or {}).get("task", "") if version else ""

    def families(self) -> list[str]:
        allowed = families_for(self.task())
        return [k for k in allowed if self.family_boxes[k].isChecked()]

    def set_families(self, keys: list[str]) -> None:
        for key, box in self.family_boxes.items():
            box.setChecked(key in keys)

    def problem_text(self) -> str:
        version = self.version()
        if version is None:
            return "Import a dataset on the Data page first."
        if self.task() not in TASK_LABELS:
            return task_text(version)
        if not self.families():
            return "Choose at least one model family."
        name = self.register_edit.text().strip()
        if name:
            try:
                check_name(name, "model name")
            except InputError as exc:
                return exc.message
        return ""

    def submissions(self) -> list[dict[str, Any]]:
        """One ``train_model`` kwargs dict per chosen family."""
        version = self.version()
        if version is None or self.problem_text():
            return []
        register = self.register_edit.text().strip() or None
        return [
            {
                "dataset": version.ref,
                "model": key,
                "search": self.search_spin.value(),
                "seed": self.seed_spin.value(),
                "cv_folds": self.folds_spin.value(),
                "register": register,
                "cluster": self.cluster.address(),
            }
            for key in self.families()
        ]

    def _update(self) -> None:
        version = self.version()
        task = self.task()
        self.task_label.setText(task_text(version) if version else "")
        allowed = families_for(task) if task else []
        for key, box in self.family_boxes.items():
            box.setVisible(key in allowed or (not allowed and key != "linear"))
        problem = self.problem_text()
        note = ""
        if not problem and self.register_edit.text().strip() and len(self.families()) > 1:
            note = (
                "Each model is registered as its own version; you can also register the best "
                "run later instead."
            )
        self.problem.setText(problem or note)
        self.problem.setVisible(bool(problem or note))
        self.train_button.setEnabled(not problem)
        if version is not None:
            self.command.set_command(
                train_command(
                    version.ref,
                    self.families(),
                    self.search_spin.value(),
                    self.seed_spin.value(),
                    self.folds_spin.value(),
                    self.register_edit.text().strip(),
                    self.cluster.address(),
                )
            )


class RegisterDialog(QDialog):
    """Ask for the model name a run is registered under (default: the dataset's name)."""

    def __init__(
        self,
        run_id: str,
        default_name: str,
        next_number: Any,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Register Run")
        self.setObjectName("registerDialog")
        self.setMinimumWidth(440)
        self._next_number = next_number
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(f"Register the pipeline of <b>{run_id}</b> as the next version of a model.")
        )
        form = QFormLayout()
        self.name_edit = QLineEdit(default_name)
        form.addRow("Model &name:", self.name_edit)
        layout.addLayout(form)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.addButton("&Register", QDialogButtonBox.ButtonRole.AcceptRole)
        set_primary(self.ok_button)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._update)
        self._update()

    def name(self) -> str:
        return self.name_edit.text().strip()

    def _update(self) -> None:
        name = self.name()
        try:
            check_name(name, "model name")
        except InputError as exc:
            self.preview.setText(exc.message)
            self.ok_button.setEnabled(False)
            return
        self.preview.setText(f"It will be registered as <b>{name}@{self._next_number(name)}</b>.")
        self.ok_button.setEnabled(True)


class RetrainDialog(QDialog):
    """Choose the model version to retrain (when a run has several) and the newer dataset."""

    def __init__(
        self,
        versions: list[ModelVersion],
        datasets: list[DatasetVersion],
        trained_on: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Retrain on Newer Data")
        self.setObjectName("retrainDialog")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Re-run the same model family, search budget, folds and seed on a newer version of "
            f"the data (this one was trained on {trained_on}). The result is registered as the "
            "next version of the model, linked to its parent."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.model_combo = QComboBox()
        for version in reversed(versions):
            self.model_combo.addItem(version.ref, version.ref)
        self.dataset_combo = QComboBox()
        for version in datasets:
            self.dataset_combo.addItem(dataset_caption(version), version.ref)
        form.addRow("&Model version:", self.model_combo)
        form.addRow("&Dataset version:", self.dataset_combo)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("&Retrain", QDialogButtonBox.ButtonRole.AcceptRole)
        set_primary(self.ok_button)
        self.ok_button.setEnabled(bool(datasets) and bool(versions))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(buttons, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(row)

    def kwargs(self) -> dict[str, str]:
        """``retrain_model`` arguments."""
        return {
            "model_ref": self.model_combo.currentData(),
            "dataset": self.dataset_combo.currentData(),
        }
