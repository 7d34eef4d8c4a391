"""New, Open, Open Recent and Open Demo: choosing a folder and opening it with clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from mlops_desktop.errors import WorkspaceError
from mlops_desktop.paths import demo_workspace_dir
from mlops_desktop.registry.workspace import Workspace, is_workspace
from mlops_desktop.ui.kit.dialogs import error_box, use_native_dialogs, widen, workspace_error_text
from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel


class FolderDialog(QFileDialog):
    """A folder chooser that also takes the typed name of a folder that does not exist yet.

    Qt's own directory dialog answers such a name with "Directory not found"; File ▸ New
    Workspace wants exactly that (the folder is created), and Open asks before creating it.
    """

    hooked = False

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        edit = self.findChild(QLineEdit, "fileNameEdit")
        if edit is not None and not self.hooked:  # Qt's widget dialog (not a native one)
            self.hooked = True
            edit.textChanged.connect(self._allow_new_name)  # after Qt's own check (Enter too)

    def _new_name(self) -> Path | None:
        edit = self.findChild(QLineEdit, "fileNameEdit")
        if edit is None or not edit.text().strip():
            return None
        typed = Path(self.selectedFiles()[0]) if self.selectedFiles() else None
        if typed is None or typed.exists() or not typed.parent.is_dir():
            return None
        return typed

    def _allow_new_name(self, _text: str = "") -> None:
        """Qt disables Choose for a name that does not exist: enable it for a new folder."""
        box = self.findChild(QDialogButtonBox)
        if box is not None and self._new_name() is not None:
            for button in box.buttons():
                if box.buttonRole(button) == QDialogButtonBox.ButtonRole.AcceptRole:
                    button.setEnabled(True)

    def accept(self) -> None:
        files = self.selectedFiles()
        typed = Path(files[0]) if files else None
        if typed is not None and not typed.exists() and typed.parent.is_dir():
            self.fileSelected.emit(str(typed))
            QDialog.accept(self)
            return
        super().accept()


def folder_dialog(parent: QWidget | None, caption: str, start: Path | None) -> FolderDialog:
    """A :class:`FolderDialog` set up as ``directory_dialog`` sets up Qt's (not yet shown)."""
    dialog = FolderDialog(parent, caption, str(start or Path.home()))
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, not use_native_dialogs())
    dialog.setObjectName("directoryDialog")
    dialog.setLabelText(QFileDialog.DialogLabel.FileName, "Folder:")
    return dialog


def ask_create_box(parent: QWidget | None, path: Path) -> tuple[QMessageBox, object]:
    """'Create a new workspace in X?' (not yet shown) and its Create button."""
    box = QMessageBox(parent)
    box.setObjectName("askCreateWorkspace")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Open Workspace")
    box.setText(f"<b>Create a new workspace in {path}?</b>")
    box.setInformativeText(
        "The folder does not exist yet; it is created, empty, for the workspace."
    )
    create = box.addButton("&Create Workspace", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(create)
    widen(box)
    return box, create


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
    demo_opened = Signal()

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
        opened = self.open_path(path, create=False, confirmed=True)
        if opened:
            self.demo_opened.emit()  # its scoring service starts (once it is built)
        return opened

    def open_path(self, path: Path, create: bool, confirmed: bool = False) -> bool:
        """Open ``path`` in the window; on failure show why (non-blocking) and return False."""
        path = Path(path)
        existed = is_workspace(path)
        if not create and not path.exists():
            self.ask_create(path)
            return False
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

    def ask_create(self, path: Path) -> QMessageBox:
        """A folder that does not exist: ask "Create a new workspace in X?" (non-blocking)."""
        box, create = ask_create_box(self.window, path)
        box.finished.connect(
            lambda _code: (
                self.open_path(path, create=True) if box.clickedButton() is create else None
            )
        )
        self.message_box = box
        box.open()
        return box

    def choose_directory(self, caption: str, on_chosen: Callable[[Path], object]) -> QFileDialog:
        """Show a folder chooser without blocking; call ``on_chosen(path)`` when accepted.

        A typed name of a folder that does not exist is accepted too (see FolderDialog).
        """
        start = self.model.path.parent if self.model.path else None
        dialog = folder_dialog(self.window, caption, start)
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
