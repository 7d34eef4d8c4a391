"""File ▸ Cluster Settings: the Dask cluster training and batch scoring may run on, with a
Test Connection that connects in a job (never on the GUI thread) and shows the workers."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import InputError
from mlops_desktop.jobs.cluster import check_address
from mlops_desktop.registry.entities import Job
from mlops_desktop.ui.kit.dialogs import set_primary
from mlops_desktop.ui.kit.labels import muted_label
from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.kit.widgets import CommandLine
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

CHECK_JOB = "mlops_desktop.jobs.cluster:check_job"
INTRO = (
    "When one laptop is not enough, training's cross-validation and batch scoring can run on a "
    "Dask cluster. Its workers need this app's Python, scikit-learn, pandas, numpy, dask and "
    "mlops-desktop versions (pip install 'mlops-desktop[cluster]' on each); local:N starts N "
    "worker processes on this computer."
)


def connected_text(result: dict) -> str:
    """What a successful Test Connection says."""
    return (
        f"Connected to {result['address']}: {result['summary']}. The workers' versions match "
        "this app's."
    )


class ClusterDialog(QDialog):
    """Use a cluster or not, its address, and a Test Connection run as a job."""

    def __init__(
        self, model: WorkspaceModel, settings: AppSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model, self.settings = model, settings
        self.job_id: str | None = None
        self.setObjectName("clusterDialog")
        self.setWindowTitle("Cluster Settings")
        self.setMinimumWidth(620)
        saved = settings.cluster_address()
        self.use_box = QCheckBox("&Run training and batch scoring on a Dask cluster")
        self.use_box.setChecked(saved is not None)
        self.address = QLineEdit(saved or "")
        self.address.setPlaceholderText("tcp://scheduler-host:8786, local or local:2")
        self.address.setClearButtonEnabled(True)
        self.test_button = QPushButton("&Test Connection")
        self.test_button.clicked.connect(self.test)
        self.status = QLabel()
        self.status.setObjectName("clusterStatus")
        self.status.setWordWrap(True)
        self.command = CommandLine()
        form = QFormLayout()
        form.addRow("", self.use_box)
        form.addRow("Scheduler &address:", self.address)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        form.addRow("", test_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        set_primary(self.buttons.button(QDialogButtonBox.StandardButton.Save))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(muted_label(INTRO))
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(muted_label("The same check from the command line:"))
        layout.addWidget(self.command)
        layout.addWidget(self.buttons)
        self.use_box.toggled.connect(self._update)
        self.address.textChanged.connect(self._update)
        self._update()

    def _checked_address(self) -> str | None:
        """The address typed, checked; None (and the reason shown) when it names no cluster."""
        try:
            return check_address(self.address.text())
        except InputError as exc:
            self.status.setText(exc.message)
            return None

    def _update(self) -> None:
        using = self.use_box.isChecked()
        self.address.setEnabled(using)
        text = self.address.text().strip()
        self.test_button.setEnabled(using and bool(text) and self.job_id is None)
        self.command.set_command(f"mlops-desktop cluster check {text or 'ADDRESS'}")
        if not using:
            self.status.setText("Jobs run on this computer.")
        elif not text:
            self.status.setText("Type the scheduler's address, then Test Connection.")
        elif self.job_id is None:
            self.status.setText("")

    def test(self) -> str | None:
        """Connect in a job; the answer (workers and memory, or what failed) shows here."""
        address = self._checked_address()
        if address is None:
            return None
        if self.model.workspace is None:
            self.status.setText("Open a workspace first: the test runs as one of its jobs.")
            return None
        self.job_id = self.model.submit(
            CHECK_JOB,
            {"address": address},
            title=f"Test the cluster {address}",
            on_finished=self._tested,
        )
        self.test_button.setEnabled(False)
        self.status.setText(f"Connecting to {address}… (a cluster may take a while to answer)")
        return self.job_id

    def _tested(self, job: Job) -> None:
        if job.id != self.job_id:
            return
        self.job_id = None
        self._update()
        if job.status == "succeeded":
            self.status.setText(connected_text(job.result))
        else:
            self.status.setText(job.error or f"The test ended {job.status}.")

    def accept(self) -> None:
        """Save the choice; an address that names no cluster keeps the dialog open."""
        if not self.use_box.isChecked():
            self.settings.set_cluster_address(None)
            super().accept()
            return
        address = self._checked_address()
        if address is not None:
            self.settings.set_cluster_address(address)
            super().accept()
