"""The menu bar: File, View and Help, with the usual shortcuts."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu

from mlops_desktop.ui.kit.icons import glyph_icon
from mlops_desktop.ui.shell.about import about_box


def build_menus(window: QMainWindow) -> dict[str, QAction]:
    """Create the menus on ``window``; return the actions by name (``page:data`` etc.).

    ``window`` is the app's ``MainWindow``: its ``flow``, ``settings``, ``jobs_dock`` and
    ``pages``, and its ``show_page``, ``toggle_full_screen`` and ``open_meeting``, are used.
    """
    actions: dict[str, QAction] = {}
    _add_file_menu(window, actions)
    _add_view_menu(window, actions)
    _add_help_menu(window, actions)
    return actions


def _add_file_menu(window: QMainWindow, actions: dict[str, QAction]) -> None:
    """New, Open, Open Recent, Open Demo, Cluster Settings and Quit."""
    flow = window.flow
    file_menu = window.menuBar().addMenu("&File")
    actions["new"] = file_menu.addAction("&New Workspace…", flow.new_workspace)
    actions["new"].setShortcut(QKeySequence.StandardKey.New)
    actions["open"] = file_menu.addAction("&Open Workspace…", flow.open_workspace)
    actions["open"].setShortcut(QKeySequence.StandardKey.Open)
    recent = QMenu("Open &Recent", file_menu)
    recent.setObjectName("recentMenu")
    recent.aboutToShow.connect(lambda: fill_recent_menu(window, recent))
    file_menu.addMenu(recent)
    window.recent_menu = recent
    fill_recent_menu(window, recent)
    actions["demo"] = file_menu.addAction("Open &Demo Workspace", flow.open_demo)
    file_menu.addSeparator()
    actions["cluster"] = file_menu.addAction("&Cluster Settings…", lambda: open_cluster(window))
    actions["cluster"].setToolTip("A Dask cluster for training and batch scoring")
    file_menu.addSeparator()
    actions["quit"] = file_menu.addAction("&Quit", window.close)
    actions["quit"].setShortcut(QKeySequence("Ctrl+Q"))
    actions["quit"].setMenuRole(QAction.MenuRole.QuitRole)


def open_cluster(window: QMainWindow):
    """Show File ▸ Cluster Settings (window-modal); kept on ``window.cluster_dialog``."""
    from mlops_desktop.ui.shell.cluster_dialog import ClusterDialog

    dialog = ClusterDialog(window.model, window.settings, window)
    window.cluster_dialog = dialog
    dialog.open()
    return dialog


def _add_view_menu(window: QMainWindow, actions: dict[str, QAction]) -> None:
    """The Jobs panel, Full Screen, Meeting Mode and one entry per page (Ctrl+1…)."""
    view_menu = window.menuBar().addMenu("&View")
    jobs = window.jobs_dock.toggleViewAction()
    jobs.setText("&Jobs Panel")
    jobs.setShortcut(QKeySequence("Ctrl+J"))
    view_menu.addAction(jobs)
    actions["jobs"] = jobs
    full = view_menu.addAction("&Full Screen")
    full.setCheckable(True)
    full.setShortcut(QKeySequence("F11"))
    full.triggered.connect(lambda checked: window.toggle_full_screen(checked))
    actions["fullscreen"] = full
    meeting = view_menu.addAction("&Meeting Mode", window.open_meeting)
    meeting.setShortcut(QKeySequence("Ctrl+Shift+M"))
    meeting.setToolTip("A full-screen model-health board with a traffic simulator")
    actions["meeting"] = meeting
    view_menu.addSeparator()
    group = QActionGroup(window)
    group.setExclusive(True)
    palette_text = window.palette().color(window.foregroundRole())
    for number, (name, page) in enumerate(window.pages.items(), start=1):
        action = view_menu.addAction(glyph_icon(page.glyph, palette_text, 16), page.title)
        action.setCheckable(True)
        action.setShortcut(QKeySequence(f"Ctrl+{number}"))
        action.setToolTip(page.explanation)
        action.triggered.connect(lambda _checked=False, n=name: window.show_page(n))
        group.addAction(action)
        actions[f"page:{name}"] = action


def _add_help_menu(window: QMainWindow, actions: dict[str, QAction]) -> None:
    help_menu = window.menuBar().addMenu("&Help")
    actions["about"] = help_menu.addAction("&About MLOps Desktop", lambda: show_about(window))
    actions["about"].setMenuRole(QAction.MenuRole.AboutRole)
    actions["about_qt"] = help_menu.addAction("About &Qt", QApplication.aboutQt)
    actions["about_qt"].setMenuRole(QAction.MenuRole.AboutQtRole)


def show_about(window: QMainWindow) -> None:
    box = about_box(window)
    box.open()
    window.about_dialog = box


def fill_recent_menu(window: QMainWindow, menu: QMenu) -> None:
    """Rebuild Open Recent from settings: numbered entries, or a disabled placeholder."""
    menu.clear()
    recent = window.settings.recent_workspaces()
    if not recent:
        menu.addAction("No Recent Workspaces").setEnabled(False)
        return
    for number, path in enumerate(recent, start=1):
        name, folder = _escape(path.name or str(path)), _escape(str(path.parent))
        action = menu.addAction(f"&{number}  {name}  —  {folder}")
        action.setData(str(path))
        action.setToolTip(str(path))
        action.triggered.connect(lambda _checked=False, p=path: window.flow.open_recent(p))
    menu.addSeparator()
    menu.addAction(
        "&Clear Recent", lambda: (window.settings.clear_recent(), fill_recent_menu(window, menu))
    )


def _escape(text: str) -> str:
    """Keep ``&`` in folder names from turning into mnemonics."""
    return text.replace("&", "&&")
