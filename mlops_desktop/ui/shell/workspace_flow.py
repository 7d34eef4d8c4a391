"""New, Open, Open Recent and Open Demo: choosing a folder and opening it with clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mlops_desktop.errors import WorkspaceError
from mlops_desktop.paths import demo_workspace_dir
from mlops_desktop.registry.workspace import Workspace, is_workspace
from mlops_desktop.ui.kit.dialogs import directory_dialog, error_box, widen, workspace_error_text
from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel


def prepare_demo(path: Path) -> Path:
    """Make sure the demo workspace at ``path`` exists and can be opened; return its folder.

    The single place that prepares the demo folder (``--demo`` and File ▸ Open Demo Workspace
    both call it); its content is built by a background job once the workspace is open (see
    ``WorkspaceModel``). Raises WorkspaceError when the folder cannot be used.
    """
    with Workspace.open(path, create=True) as workspace:
        return workspace.path


class WorkspaceFlow(QObject):
    """The window's workspace actions. Dialogs are window-modal and opened without blocking.

    Signals:
        message(str, int): what was opened, for the status bar (shown for N ms).
    """

    message = Signal(str, int)

    def __init__(self, window: QWidget, model: WorkspaceModel, settings: AppSettings) -> None:
        super().__init__(window)
        self.window = window
        self.model = model
        self.settings = settings
        self.dialog: QFileDialog | None = None
        self.message_box: QMessageBox | None = None

    # -- actions ---------------------------------------------------------------------------------

    def new_workspace(self) -> QFileDialog:
        """File ▸ New Workspace…: choose an empty folder (or make one) for a new workspace."""
        return self.choose_directory(
            "New Workspace: Choose or Create an Empty Folder",
            lambda path: self.open_path(path, create=True),
        )

    def open_workspace(self) -> QFileDialog:
        """File ▸ Open Workspace…: choose a folder created by MLOps Desktop."""
        return self.choose_directory(
            "Open Workspace", lambda path: self.open_path(path, create=False)
        )

    def open_recent(self, path: Path) -> bool:
        """Open a recent workspace; a vanished folder is removed from the list with a message."""
        if not path.is_dir():
            self.settings.remove_recent(path)
            self._show_box(
                QMessageBox.Icon.Information,
                "Workspace Not Found",
                "This workspace no longer exists",
                f"The folder {path} was moved or deleted, so it was removed from the recent list.",
            )
            return False
        return self.open_path(path, create=False)

    def open_demo(self) -> bool:
        """File ▸ Open Demo Workspace (built on first use by ``prepare_demo``)."""
        if not self.confirm_stop_jobs("Open the Demo"):
            return False
        target = demo_workspace_dir()
        try:
            path = prepare_demo(target)
        except WorkspaceError as exc:
            self.show_workspace_error(exc, target)
            return False
        return self.open_path(path, create=False, confirmed=True)

    def open_path(self, path: Path, create: bool, confirmed: bool = False) -> bool:
        """Open ``path`` in the window; on failure show why (non-blocking) and return False."""
        path = Path(path)
        existed = is_workspace(path)
        if not confirmed and not self.confirm_stop_jobs("Switch Workspace"):
            return False
        try:
            self.model.open(path, create=create)
        except WorkspaceError as exc:
            self.show_workspace_error(exc, path)
            return False
        opened = self.model.path or path
        self.settings.add_recent(opened)
        if create and existed:
            note = f"{opened} already held a workspace, so it was opened."
        elif create:
            note = f"Created a new workspace in {opened}."
        else:
            note = f"Opened {opened}."
        self.message.emit(note, 8000)
        return True

    # -- dialogs ---------------------------------------------------------------------------------

    def choose_directory(self, caption: str, on_chosen: Callable[[Path], object]) -> QFileDialog:
        """Show a folder chooser without blocking; call ``on_chosen(path)`` when accepted."""
        start = self.model.path.parent if self.model.path else None
        dialog = directory_dialog(self.window, caption, start)
        dialog.fileSelected.connect(lambda selected: on_chosen(Path(selected)))
        self.dialog = dialog
        dialog.open()
        return dialog

    def show_workspace_error(self, exc: WorkspaceError, path: Path | None) -> QMessageBox:
        """Explain a WorkspaceError and offer to choose another folder (non-blocking)."""
        box = error_box(self.window, workspace_error_text(exc, path))
        choose = box.addButton("&Choose Another Folder…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.setDefaultButton(choose)
        choose.clicked.connect(self.open_workspace)
        self.message_box = box
        box.open()
        return box

    def confirm_stop_jobs(self, verb: str) -> bool:
        """When jobs are running, ask whether to cancel them; True means go ahead."""
        running = self.model.running_count()
        if running == 0:
            return True
        noun = "1 job is" if running == 1 else f"{running} jobs are"
        box = QMessageBox(self.window)
        box.setObjectName("confirmStopJobs")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(verb)
        box.setText(f"<b>{noun} still running</b>")
        box.setInformativeText("They will be cancelled and can be started again later.")
        widen(box, 380)
        go = box.addButton(f"Cancel Jobs and {verb}", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("&Keep Running", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is go

    def _show_box(
        self, icon: QMessageBox.Icon, title: str, headline: str, text: str
    ) -> QMessageBox:
        box = QMessageBox(
            icon, title, f"<b>{headline}</b>", QMessageBox.StandardButton.Ok, self.window
        )
        box.setInformativeText(text)
        widen(box)
        self.message_box = box
        box.open()
        return box
