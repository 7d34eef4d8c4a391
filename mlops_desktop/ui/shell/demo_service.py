"""The demo opens on a live model: its scoring service starts once the demo is built.

``mlops-desktop --demo`` (and File ▸ Open Demo Workspace) call ``DemoService.serve``: when the
demo is built, the service starts at once on the port remembered for it (5151 until one is
chosen), off the GUI thread; while the first-launch build runs, it starts when the build has
succeeded. The Deploy page and meeting mode find it within a second; it keeps serving when the
window closes, as one started from the Deploy page does.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from mlops_desktop.errors import MlopsError
from mlops_desktop.registry.entities import Job
from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.runtime.background import BackgroundTasks
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel
from mlops_desktop.ui.serving.model import ServiceInfo, start_local_service

MESSAGE_MS = 10_000


class DemoService(QObject):
    """Starts the open demo workspace's scoring service (now, or after its build).

    Signals:
        message(str, int): what happened, for the status bar (shown for N ms).
    """

    message = Signal(str, int)

    def __init__(self, model: WorkspaceModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.tasks = BackgroundTasks(self)
        self.waiting_for: Path | None = None  # the demo whose build must end first
        self.info: ServiceInfo | None = None
        self.error: str = ""
        model.job_finished.connect(self._on_job_finished)
        model.workspace_changed.connect(self._on_workspace_changed)

    def serve(self) -> bool:
        """Start the service of the open demo workspace (after its build, when it runs).

        False when the open workspace is not a demo (nothing is started then)."""
        from mlops_desktop.demo.workspace import is_built, is_demo

        ws, path = self.model.workspace, self.model.path
        if ws is None or path is None:
            return False
        if self.model.demo_build() is not None:
            self.waiting_for = path
            return True
        if not is_built(ws):
            return is_demo(ws)  # an interrupted build: it resumes when the demo is opened
        self._start(path)
        return True

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Wait for a start under way (tests)."""
        return self.tasks.wait(timeout_ms)

    def _on_workspace_changed(self) -> None:
        if self.model.path != self.waiting_for:
            self.waiting_for = None

    def _on_job_finished(self, job: Job) -> None:
        path = self.waiting_for
        if job.kind != "build_demo" or path is None or path != self.model.path:
            return
        self.waiting_for = None
        if job.status == "succeeded":
            self._start(path)

    def _start(self, path: Path) -> None:
        port = AppSettings().service_port(path)
        self.message.emit(f"Starting the demo's scoring service on port {port}…", MESSAGE_MS)
        self.tasks.run(path, start_local_service, kwargs={"port": port}, on_done=self._started)

    def _started(self, info: ServiceInfo | None, error: BaseException | None) -> None:
        if error is not None:
            self.error = error.message if isinstance(error, MlopsError) else str(error)
            self.message.emit(
                f"The demo's scoring service did not start: {self.error} Choose another port "
                "on the Deploy page and press Start service.",
                0,
            )
            return
        self.info, self.error = info, ""
        self.message.emit(f"The demo's scoring service runs at {info.url}.", MESSAGE_MS)
