"""One setting's screenshots: run inside the app's process on a real X display.

Started by ``shoot.py`` with ``DISPLAY``, ``QT_QPA_PLATFORM=xcb``, ``MLOPS_DESKTOP_THEME`` and
``MLOPS_DESKTOP_HOME`` set; writes ``summary.json`` (pictures and skipped steps) to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from kit import Shooter, close_dialogs, settle
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtGui import QGuiApplication

from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.kit.theme import ThemeManager
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel, wait_for_pool_shutdowns
from mlops_desktop.ui.serving.model import stop_local_service
from mlops_desktop.ui.shell.app import create_application
from mlops_desktop.ui.shell.main_window import MainWindow


class Session:
    """The app under test: the window, a scratch folder and this setting's port range."""

    def __init__(self, template: Path, scratch: Path, port: int, adult: Path, wm: bool) -> None:
        self.template, self.scratch, self.port, self.adult = template, scratch, port, adult
        self.wm = wm
        self.window: MainWindow | None = None
        self.opened: list[Path] = []

    def demo_copy(self, name: str) -> Path:
        """A fresh copy of the demo workspace built once by ``mlops-desktop demo``."""
        path = self.scratch / name
        shutil.copytree(self.template, path)
        return path

    def open_window(self, workspace: Path) -> MainWindow:
        """A new main window on ``workspace``, maximised (or filling the screen, without a
        window manager)."""
        self.close_window()
        model = WorkspaceModel()
        model.open(workspace)
        window = MainWindow(model=model, settings=AppSettings())
        if self.wm:
            window.showMaximized()
        else:
            window.show()
            window.setGeometry(QGuiApplication.primaryScreen().geometry())
        self.window = window
        self.opened.append(workspace)
        settle(1500)
        return window

    def close_window(self) -> None:
        window = self.window
        if window is None:
            return
        meeting = window.meeting_window
        if meeting is not None:
            meeting.close()
            meeting.wait_idle(60_000)
        close_dialogs()
        window.model.close(wait=True)
        window.close()
        window.deleteLater()
        self.window = None
        settle(300)

    def stop_services(self) -> None:
        from mlops_desktop.registry.workspace import Workspace

        for path in self.opened:
            try:
                with Workspace.open(path, create=False) as ws:
                    stop_local_service(ws)
            except Exception as exc:  # noqa: BLE001 (a tool: report and go on)
                print(f"  could not stop the service of {path}: {exc}", flush=True)


def isolate_settings(folder: Path) -> None:
    """QSettings in a scratch folder, so the user's own app settings are never touched."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--template", type=Path, required=True)
    parser.add_argument("--adult", type=Path, required=True)
    parser.add_argument("--journeys", default="j1,j2,j3")
    parser.add_argument("--port", type=int, default=18100)
    parser.add_argument("--wm", action="store_true", help="a window manager runs")
    args = parser.parse_args(argv)

    from journeys import JOURNEYS

    scratch = Path(tempfile.mkdtemp(prefix="shots-"))
    isolate_settings(scratch / "settings")
    app = create_application()
    QCoreApplication.setOrganizationName("MLOps Desktop Screenshots")
    ThemeManager(app).apply()
    shooter = Shooter(args.out)
    session = Session(args.template, scratch, args.port, args.adult, args.wm)
    started = time.monotonic()
    print(f"window manager: {'yes' if args.wm else 'no'}", flush=True)
    try:
        for name in [j.strip() for j in args.journeys.split(",") if j.strip()]:
            if name not in JOURNEYS:
                shooter.skip(name, "no such journey")
                continue
            shooter.start(name)
            print(f"journey {name}", flush=True)
            shooter.step(f"journey {name}", lambda name=name: JOURNEYS[name](session, shooter))
    finally:
        session.close_window()
        session.stop_services()
        wait_for_pool_shutdowns()
        shutil.rmtree(scratch, ignore_errors=True)
    summary = {
        "pictures": [p.name for p in shooter.taken],
        "skipped": shooter.skipped,
        "seconds": round(time.monotonic() - started, 1),
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
