"""Where a job runs: this computer, or the Dask cluster set in File ▸ Cluster Settings."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from mlops_desktop.ui.kit.labels import muted_label
from mlops_desktop.ui.kit.settings import AppSettings

NO_CLUSTER = "On this computer. A Dask cluster can be set in File ▸ Cluster Settings…"


class ClusterChoice(QWidget):
    """A check box "Run on the Dask cluster ADDRESS" when one is set (ticked), else a note.

    ``address()`` is the cluster to pass to the job, or None for this computer."""

    def __init__(self, what: str, settings: AppSettings | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("clusterChoice")
        self.configured = (settings or AppSettings()).cluster_address()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.box = QCheckBox(f"{what} on the Dask cluster {self.configured}")
        self.box.setChecked(True)
        self.note = muted_label(NO_CLUSTER)
        layout.addWidget(self.box)
        layout.addWidget(self.note)
        self.box.setVisible(self.configured is not None)
        self.note.setVisible(self.configured is None)

    def address(self) -> str | None:
        return self.configured if self.configured and self.box.isChecked() else None
