"""Qt test setup: offscreen platform, settings and per-user data isolated in tmp folders."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mlops_desktop.ui.kit.settings import AppSettings  # noqa: E402
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel, wait_for_pool_shutdowns  # noqa: E402
from mlops_desktop.ui.shell.main_window import MainWindow  # noqa: E402

#: Workers that import little, so tests start jobs quickly; no idle worker kept warm.
LIGHT_POOL: dict[str, Any] = {"preload": ("mlops_desktop.errors",), "warm_workers": 0}


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """QSettings in a tmp folder under a test organisation; MLOPS_DESKTOP_HOME in tmp too."""
    home = tmp_path / "home"
    monkeypatch.setenv("MLOPS_DESKTOP_HOME", str(home))
    monkeypatch.delenv("MLOPS_DESKTOP_THEME", raising=False)
    settings_dir = tmp_path / "settings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    QCoreApplication.setOrganizationName("MLOps Desktop Tests")
    QCoreApplication.setApplicationName("ui-tests")
    yield settings_dir


@pytest.fixture
def make_window(qtbot, tmp_path: Path) -> Iterator[Callable[..., MainWindow]]:
    """Build a shown MainWindow on a workspace (default ``tmp_path/ws``); cleaned up after."""
    windows: list[MainWindow] = []

    def make(
        workspace: Path | None = None,
        pool_options: dict[str, Any] | None = None,
        open_workspace: bool = True,
    ) -> MainWindow:
        model = WorkspaceModel(pool_options=LIGHT_POOL if pool_options is None else pool_options)
        if open_workspace:
            model.open(workspace or tmp_path / "ws")
        window = MainWindow(model=model, settings=AppSettings())
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    # Stop the pool first: with no running jobs left, closing the window asks nothing.
    for window in windows:
        window.model.close(wait=True)
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()
    for window in windows:
        window.deleteLater()
    wait_for_pool_shutdowns()
