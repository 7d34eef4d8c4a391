"""The main window: navigation rail, the six pages, the Jobs panel, menus and status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QMainWindow, QStackedWidget, QWidget

from mlops_desktop.registry.entities import Job, WorkspaceSummary
from mlops_desktop.ui.governance.explain_tab import ExplainTab
from mlops_desktop.ui.kit.icons import app_icon
from mlops_desktop.ui.kit.settings import AppSettings
from mlops_desktop.ui.runtime.jobs_panel import JobsDock
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel
from mlops_desktop.ui.shell.demo_service import DemoService
from mlops_desktop.ui.shell.menus import build_menus
from mlops_desktop.ui.shell.nav_rail import NavigationRail
from mlops_desktop.ui.shell.pages import (
    PAGE_CLASSES,
    DataPage,
    DeployPage,
    MonitorPage,
    Page,
    TrainPage,
)
from mlops_desktop.ui.shell.status_bar import WorkspaceStatusBar
from mlops_desktop.ui.shell.workspace_flow import WorkspaceFlow

if TYPE_CHECKING:
    from mlops_desktop.ui.monitoring.meeting.board import MeetingWindow

APP_TITLE = "MLOps Desktop"
DEFAULT_SIZE = (1240, 800)


class MainWindow(QMainWindow):
    """The app's window. Pages are reached by name: ``data``, ``train``, ``test``, ``deploy``,
    ``monitor``, ``govern``.

    Public API for later features:
        ``model``: the WorkspaceModel (open workspace, summary, ``submit`` jobs).
        ``page(name)``, ``show_page(name)``, ``current_page_name()``.
        ``set_badge(name, count)``: the rail's "needs attention" count for a page.
        ``set_service_state(text, ok)``: the scoring service line in the status bar.
        ``jobs_dock``: the Jobs panel; ``flow``: New/Open/Recent/Demo workspace actions.
        ``open_meeting()``: meeting mode; ``meeting_window`` is the board once opened.
    """

    def __init__(
        self,
        model: WorkspaceModel | None = None,
        settings: AppSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model or WorkspaceModel(self)
        self.settings = settings or AppSettings()
        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(app_icon())
        self.setObjectName("mainWindow")
        self.actions_by_name: dict[str, QAction] = {}
        self.meeting_window: MeetingWindow | None = None
        self._force_close = False

        self.rail = NavigationRail()
        self.stack = QStackedWidget()
        self.pages: dict[str, Page] = {}
        #: Pages not refreshed since the registry last changed (refreshed when shown).
        self._stale: set[str] = set()
        for cls in PAGE_CLASSES:
            self._add_page(cls(self.model))
        self.rail.page_selected.connect(self.show_page)
        self.setCentralWidget(self._central())
        self.jobs_dock = JobsDock(self.model, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.jobs_dock)
        self.status = WorkspaceStatusBar(self)
        self.status.jobs_clicked.connect(self.show_jobs)
        self.setStatusBar(self.status)
        self._connect_pages()
        self.flow = WorkspaceFlow(self, self.model, self.settings)
        self.flow.message.connect(self.status.showMessage)
        self.demo_service = DemoService(self.model, self)  # --demo opens on a live model
        self.demo_service.message.connect(self.status.showMessage)
        self.flow.demo_opened.connect(self.demo_service.serve)
        self.actions_by_name = build_menus(self)
        self._connect_model()

        self._restore_window()
        self.show_page(self.settings.last_page() or PAGE_CLASSES[0].name)
        if self.model.is_open():
            self._on_workspace_changed()
        else:
            self.status.set_summary(None)

    def _add_page(self, page: Page) -> None:
        self.pages[page.name] = page
        self.stack.addWidget(page)
        self.rail.add_page(page.name, page.title, page.glyph, f"{page.title}: {page.explanation}")

    def _central(self) -> QWidget:
        """The rail, a hairline and the page stack, side by side."""
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Plain)
        line.setForegroundRole(QPalette.ColorRole.Mid)
        layout.addWidget(self.rail)
        layout.addWidget(line)
        layout.addWidget(self.stack, 1)
        return central

    def _connect_model(self) -> None:
        self.model.workspace_changed.connect(self._on_workspace_changed)
        self.model.summary_changed.connect(self._on_summary_changed)
        self.model.registry_changed.connect(self._on_registry_changed)
        self.model.job_changed.connect(self._on_job_changed)
        self.model.job_finished.connect(self._on_job_finished)
        self.model.job_submitted.connect(lambda _job_id: self.show_jobs())

    # -- pages -----------------------------------------------------------------------------------

    def _connect_pages(self) -> None:
        """Pages ask for things through signals; the window answers them here."""
        for page in self.pages.values():
            page.navigate_requested.connect(self.show_page)
            page.badge_changed.connect(lambda count, n=page.name: self.set_badge(n, count))
            page.status_message.connect(self.status.showMessage)
        deploy = self.pages[DeployPage.name]
        assert isinstance(deploy, DeployPage)
        deploy.service_state_changed.connect(self.set_service_state)
        data = self.pages[DataPage.name]
        assert isinstance(data, DataPage)
        data.train_requested.connect(self.train_on)
        self._add_request_views()

    def train_on(self, dataset_ref: str) -> None:
        """Show the Train page with its New Run form open on ``dataset_ref``."""
        self.show_page(TrainPage.name)
        train = self.pages[TrainPage.name]
        assert isinstance(train, TrainPage)
        train.open_new_run_dialog(preselect=dataset_ref)

    def _add_request_views(self) -> None:
        """Monitor's Requests tab is Govern's Explain tab, scoped to the model Monitor picks."""
        monitor = self.pages.get(MonitorPage.name)
        if isinstance(monitor, MonitorPage):
            monitor.add_requests_view(ExplainTab(self.model, scope=monitor.picked_model))

    def page(self, name: str) -> Page:
        return self.pages[name]

    def show_page(self, name: str) -> None:
        """Show page ``name`` and check it on the rail and in the View menu."""
        if name not in self.pages:
            return
        if name in self._stale:
            self._refresh_page(name)
        self.stack.setCurrentWidget(self.pages[name])
        self.rail.select(name)
        action = self.actions_by_name.get(f"page:{name}")
        if action is not None:
            action.setChecked(True)

    def current_page_name(self) -> str:
        page = self.stack.currentWidget()
        return page.name if isinstance(page, Page) else ""

    def set_badge(self, name: str, count: int) -> None:
        """Show ``count`` things needing attention on page ``name``'s rail item (0 hides it)."""
        self.rail.set_badge(name, count)
        page = self.pages[name]
        suffix = f" ({count} need attention)" if count else ""
        self.rail.buttons[name].setToolTip(f"{page.title}: {page.explanation}{suffix}")

    def badge(self, name: str) -> int:
        return self.rail.badge(name)

    def set_service_state(self, text: str, ok: bool) -> None:
        """Set the status bar's scoring-service line, e.g. ("Scoring service: running on :8080",
        True)."""
        self.status.set_service_state(text, ok)

    def refresh_pages(self) -> None:
        """Let every page re-read the model and update the rail's badges."""
        for name in self.pages:
            self._refresh_page(name)

    def _refresh_page(self, name: str) -> None:
        self._stale.discard(name)
        page = self.pages[name]
        page.refresh(self.model)
        self.set_badge(name, page.badge_count(self.model))

    def _on_registry_changed(self) -> None:
        """Something changed in the registry (a job, the CLI, the service): the page on screen
        shows it now, the others when they are shown."""
        current = self.current_page_name()
        self._stale.update(n for n in self.pages if n != current)
        if current:
            self._refresh_page(current)

    # -- jobs ------------------------------------------------------------------------------------

    def show_jobs(self) -> None:
        self.jobs_dock.show()
        self.jobs_dock.raise_()

    def _on_job_changed(self, _job: Job) -> None:
        self.status.set_running(self.model.running_count())

    def _on_job_finished(self, job: Job) -> None:
        self.status.set_running(self.model.running_count())
        verb = {
            "succeeded": "finished",
            "failed": "failed",
            "cancelled": "was cancelled",
            "interrupted": "was interrupted",
        }.get(job.status, job.status)
        self.status.showMessage(f"“{job.title}” {verb}.", 8000)

    # -- workspace -------------------------------------------------------------------------------

    def _on_workspace_changed(self) -> None:
        path = self.model.path
        self._close_meeting_of_another_workspace(path)
        self.setWindowTitle(f"{path.name} — {APP_TITLE}" if path else APP_TITLE)
        self.status.set_summary(self.model.summary)
        self.status.set_running(self.model.running_count())
        self.refresh_pages()

    def _on_summary_changed(self, summary: WorkspaceSummary) -> None:
        self.status.set_summary(summary)
        self.refresh_pages()

    # -- window ----------------------------------------------------------------------------------

    def toggle_full_screen(self, on: bool | None = None) -> None:
        on = not self.isFullScreen() if on is None else on
        if on:
            self.showFullScreen()
        else:
            self.showNormal()
        action = self.actions_by_name.get("fullscreen")
        if action is not None:
            action.setChecked(on)

    def open_meeting(self) -> MeetingWindow:
        """Show meeting mode full screen: the health board of this workspace with the traffic
        simulator (reusing the board already open for it)."""
        from mlops_desktop.ui.monitoring.meeting.board import MeetingWindow

        path = self.model.path
        self._close_meeting_of_another_workspace(path)
        current = self.meeting_window
        if current is None:
            current = MeetingWindow(path, self, submit=self.model.submit)
            current.navigate_requested.connect(self.show_page)
            self.meeting_window = current
        current.showFullScreen()
        current.raise_()
        current.activateWindow()
        return current

    def _close_meeting_of_another_workspace(self, path) -> None:
        """The board shows one workspace, and its actions submit to this window's pool: one left
        open on the previous workspace would show (and act on) what is no longer open."""
        board = self.meeting_window
        if board is not None and board.path != path:
            self.meeting_window = None
            board.close()
            board.deleteLater()

    def _restore_window(self) -> None:
        geometry, state = self.settings.window_geometry(), self.settings.window_state()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)
        if state is not None:
            self.restoreState(state)
        self.jobs_dock.fit_height()  # the Jobs panel shows what runs, not last session's size

    def quit_now(self) -> None:
        """Close without asking (running jobs are cancelled): for SIGTERM and Ctrl+C."""
        self._force_close = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask before cancelling running jobs; then save the window and stop the pool."""
        if not self._force_close and not self.flow.confirm_stop_jobs("Quit"):
            event.ignore()
            return
        self.settings.save_window(self.saveGeometry(), self.saveState(), self.current_page_name())
        self.model.close(wait=False)
        event.accept()
