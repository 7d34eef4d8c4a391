"""Starting the desktop app: QApplication, theme, which workspace to open, the main window."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from mlops_desktop import __version__
from mlops_desktop.errors import WorkspaceError
from mlops_desktop.paths import default_workspace_dir, demo_workspace_dir
from mlops_desktop.registry.workspace import is_workspace
from mlops_desktop.ui.kit.dialogs import directory_dialog, error_box, workspace_error_text
from mlops_desktop.ui.kit.icons import app_icon
from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.kit.theme import ThemeManager
from mlops_desktop.ui.runtime.workspace_model import wait_for_pool_shutdowns
from mlops_desktop.ui.shell.main_window import MainWindow
from mlops_desktop.ui.shell.workspace_flow import ask_create_box, prepare_demo

APP_NAME = "MLOps Desktop"
ORGANIZATION = "MLOps Desktop"


def start_workspace_path(explicit: Path | None, demo: bool, settings: AppSettings) -> Path:
    """Which workspace to open first: explicit > demo > last used > the default folder."""
    if explicit is not None:
        return Path(explicit)
    if demo:
        return demo_workspace_dir()
    last = settings.last_workspace()
    if last is not None and is_workspace(last):
        return last
    return default_workspace_dir()


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with name, organisation (for QSettings), version and icon set."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationVersion(__version__)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("mlops-desktop")
    app.setWindowIcon(app_icon())
    return app


def confirm_create(path: Path, parent: QWidget | None = None) -> bool:
    """Ask "Create a new workspace in X?" before the window shows; True to create it."""
    box, create = ask_create_box(parent, path)
    box.exec()
    return box.clickedButton() is create


def open_start_workspace(
    window: MainWindow, path: Path, demo: bool, parent: QWidget | None = None, ask: bool = False
) -> bool:
    """Open the first workspace; on failure explain why and let the user pick another folder.

    With ``ask`` (a folder the user named), a folder that does not exist is created only after
    "Create a new workspace in X?". Returns False when the user chose Quit (or not to create).
    """
    wants_demo = demo
    while True:
        try:
            if ask and not wants_demo and not path.exists() and not confirm_create(path, parent):
                return False
            if wants_demo:
                path = prepare_demo(path)
            window.model.open(path, create=True)
            window.settings.add_recent(window.model.path or path)
            return True
        except WorkspaceError as exc:
            box = error_box(parent, workspace_error_text(exc, path))
            choose = box.addButton("&Choose Another Folder…", QMessageBox.ButtonRole.AcceptRole)
            box.addButton("&Quit", QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(choose)
            box.exec()
            if box.clickedButton() is not choose:
                return False
            dialog = directory_dialog(parent, "Choose a Workspace Folder", path.parent)
            if not dialog.exec() or not dialog.selectedFiles():
                return False
            path, wants_demo, ask = Path(dialog.selectedFiles()[0]), False, True


def _quit_on_signals(window: MainWindow) -> None:
    """Ctrl+C in the terminal or SIGTERM closes the window cleanly (jobs cancelled)."""

    def handler(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.quit_now)

    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handler)
    # Python runs signal handlers only between bytecodes: wake it up regularly.
    ticker = QTimer(window)
    ticker.timeout.connect(lambda: None)
    ticker.start(250)


def run_gui(workspace: Path | None = None, demo: bool = False) -> int:
    """Run the desktop app until its window closes; return the exit code."""
    app = create_application()
    theme = ThemeManager(app)
    theme.apply()
    settings = AppSettings()
    window = MainWindow(settings=settings)
    window.theme = theme
    path = start_workspace_path(workspace, demo, settings)
    explicit = workspace is not None
    if not open_start_workspace(window, path, demo and not explicit, ask=explicit):
        window.model.close()
        return 2
    if demo and not explicit:
        window.demo_service.serve()  # the demo opens on a live model, its service running
    window.show()
    _quit_on_signals(window)
    code = app.exec()
    wait_for_pool_shutdowns()
    return code
