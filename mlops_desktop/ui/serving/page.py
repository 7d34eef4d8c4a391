"""Deploy: serve a tested model version on this machine, live, as a canary or in shadow.

Deployment changes (deploy, roll back, canary, shadow, promote, abort) and the service's start
and stop run on a pool thread; the service monitor polls the service and the rollout figures
every second off the GUI thread; batch scoring runs as a job.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.serving import deployments as ops
from mlops_desktop.serving.deployments import rollback_target
from mlops_desktop.serving.server import DEFAULT_PORT
from mlops_desktop.ui.kit.specs import EmptyStateSpec
from mlops_desktop.ui.kit.widgets import scrolling
from mlops_desktop.ui.runtime.page import Page
from mlops_desktop.ui.serving.actions import DeployActions
from mlops_desktop.ui.serving.dialogs import BatchScoringDialog, ChangeRunner, confirm
from mlops_desktop.ui.serving.examples import ExamplesView
from mlops_desktop.ui.serving.model import (
    RolloutFigures,
    ServiceInfo,
    VersionRow,
    describe_live_at,
    empty_spec,
    open_candidates,
    start_local_service,
    stop_local_service,
    timeline,
    version_rows,
)
from mlops_desktop.ui.serving.panels import RolloutView
from mlops_desktop.ui.serving.service_monitor import ServiceCard, ServiceMonitor
from mlops_desktop.ui.serving.views import TimelineView, VersionsPane


class DeployPage(DeployActions, Page):
    """The Deploy step: versions, the scoring service, canary and shadow rollouts, timeline.

    Signals (besides the Page's):
        service_state_changed(str, bool): the status bar's service line, and whether it runs.
    """

    name = "deploy"
    title = "Deploy"
    explanation = "Serve a tested model version on this machine: live, as a canary or in shadow."
    glyph = "deploy"

    service_state_changed = Signal(str, bool)

    # -- building --------------------------------------------------------------------------------

    def build_content(self) -> QWidget:
        self.state: ops.LiveAt | None = None
        self.service: ServiceInfo | None = None
        self.figures: RolloutFigures | None = None
        self._since: float | None = None
        self.dialog: Any = None  # the confirmation, refusal or force dialog on screen
        self.batch_dialog: BatchScoringDialog | None = None
        self.changes = ChangeRunner(self, self._set_dialog)
        self.tasks = self.changes.tasks
        self.monitor = ServiceMonitor(self)
        self.monitor.service_changed.connect(self._on_service)
        self.monitor.figures_changed.connect(self._on_figures)
        self.model.workspace_changed.connect(self._on_workspace)

        self.batch_button = QPushButton("Batch scor&ing…")
        self.batch_button.setToolTip("Score a CSV or Parquet file with a model version")
        self.batch_button.clicked.connect(self.open_batch_dialog)
        self.header_actions.addWidget(self.batch_button)

        self.service_card = ServiceCard()
        self.service_card.start_requested.connect(self.start_service)
        self.service_card.stop_requested.connect(self.stop_service)
        self.service_card.port.valueChanged.connect(self._port_changed)

        self.versions = left = VersionsPane()
        self.table, self.message = left.table, left.message
        self.deploy_button, self.rollback_button = left.deploy_button, left.rollback_button
        self.table.selection_changed.connect(self.show_selected)
        self.deploy_button.clicked.connect(lambda: self.deploy_selected())
        self.rollback_button.clicked.connect(self.roll_back)

        self.rollout = RolloutView()
        self.canary, self.shadow = self.rollout.canary, self.rollout.shadow
        self.canary.percent_requested.connect(self.request_canary)
        self.canary.promote_requested.connect(self.promote)
        self.canary.abort_requested.connect(self.abort)
        self.shadow.shadow_toggled.connect(self.toggle_shadow)
        self.examples = ExamplesView()
        self.timeline = TimelineView()
        self.timeline.live_at_requested.connect(self.answer_live_at)
        self.tabs = QTabWidget()
        self.tabs.addTab(scrolling(self.rollout), "Ro&llout")
        self.tabs.addTab(scrolling(self.examples), "&Example requests")
        self.tabs.addTab(self.timeline, "Ti&meline")

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 600])
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.service_card)
        layout.addWidget(splitter, 1)
        if self.model.is_open():
            self.service_card.set_workspace(self.model.path)
            self.monitor.set_workspace(self.model.path)
        return scrolling(content)  # a small window scrolls instead of growing

    @property
    def busy(self) -> str:
        """What the running change is doing ("" when none runs)."""
        return self.changes.busy

    @property
    def last_error(self) -> BaseException | None:
        return self.changes.last_error

    # -- Page hooks ------------------------------------------------------------------------------

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return summary is None or summary.model_versions == 0

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        return empty_spec(summary is not None and summary.runs > 0)

    def update_content(self, model) -> None:
        ws = model.workspace
        if ws is None:
            return
        self.table.set_rows(version_rows(ws))
        self.show_selected()

    def badge_count(self, model) -> int:
        if model.workspace is None or self.is_empty(model.summary):
            return 0
        return open_candidates(model.workspace)

    def reload(self) -> None:
        """Re-read the registry now (after a change) and update the rail badge."""
        if self.model.workspace is None:
            return
        before = self.model.summary
        if self.model.refresh_summary() != before:
            return  # the window refreshed every page (this one included) already
        if self.showing_empty_state():
            return
        self.update_content(self.model)
        self.badge_changed.emit(self.badge_count(self.model))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._watch()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.monitor.watch(None)

    # -- showing ---------------------------------------------------------------------------------

    def selected(self) -> VersionRow | None:
        return self.table.selected()

    def candidate_ref(self) -> str | None:
        """The version a canary or shadow is about: the open candidate, else the selection."""
        if self.state is not None and self.state.candidate:
            return self.state.candidate
        row = self.selected()
        return row.ref if row is not None and not row.is_live else None

    def show_selected(self) -> None:
        ws, row = self.model.workspace, self.selected()
        if ws is None or row is None:
            return
        self.state = ops.live_at(ws, row.name)
        live = self.state.live
        self.versions.show_row(row, live, rollback_target(ws, row.name), not self.busy)
        entries = timeline(ws, row.name)
        self._since = entries[0]["started_at"] if entries else None
        self.rollout.show_state(
            self.state,
            self.candidate_ref(),
            not self.busy,
            self._since,
            self.figures is None or self.figures.model != row.name,
        )
        self._show_examples(row.name)
        self.timeline.set_entries(row.name, entries)
        self.answer_live_at(self.timeline.picked_timestamp())  # keep the answer current
        self._watch()

    def _show_examples(self, name: str) -> None:
        live = self.state.live if self.state else None
        signature = (self.model.workspace.models.get(live).signature or {}) if live else {}
        url = self.service.url if self.service else None
        port = self.service_card.port.value()
        self.examples.show_for(name, live, url, signature, port)

    def _port_changed(self, _port: int) -> None:
        if self.state is not None:
            self._show_examples(self.state.model)

    def _watch(self) -> None:
        live = self.state.live if self.state else None
        self.monitor.watch(self.state.model if live and self.isVisible() else None)

    # -- monitor ---------------------------------------------------------------------------------

    def _on_workspace(self) -> None:
        # Nothing of the previous workspace may be looked up in the new one.
        self.state, self.figures, self._since = None, None, None
        self.service = None
        self.table.set_rows([])
        self.message.setText("")  # what a change of the previous workspace did is no news here
        for dialog in (self.dialog, self.batch_dialog):  # their answers would act on this one
            if dialog is not None and dialog.isVisible():
                dialog.close()
        self.service_card.set_workspace(self.model.path)
        self.service_state_changed.emit("Scoring service: looking for it…", False)
        self.monitor.set_workspace(self.model.path)

    def _on_service(self, info: ServiceInfo | None) -> None:
        if self.model.workspace is None:
            self.monitor.set_workspace(None)  # the workspace was closed
            return
        self.service = info
        self.service_card.set_service(info, self._service_busy())
        if info is None:
            self.service_state_changed.emit("Scoring service: not running", False)
        else:
            self.service_state_changed.emit(info.status_text, not info.load_errors)
        if self.state is not None and self.state.live:
            self._show_examples(self.state.model)

    def _on_figures(self, figures: RolloutFigures) -> None:
        if self.model.workspace is None:
            return
        self.figures = figures
        state = self.state
        if state is None or figures.model != state.model:
            return
        if (figures.live_version, figures.candidate_version, figures.mode) != (
            state.live,
            state.candidate,
            state.mode,
        ) or (figures.mode == "canary" and figures.canary_percent != state.canary_percent):
            self.reload()  # changed from the CLI or another window: follow it
            return
        self.rollout.set_figures(figures)

    def _service_busy(self) -> str:
        return self.busy if self.busy.startswith(("Starting", "Stopping", "Deploying")) else ""

    # -- running changes -------------------------------------------------------------------------

    def _run(self, busy: str, fn, args: tuple = (), kwargs: dict | None = None, **how) -> None:
        """Apply a change on a pool thread; then say what happened, refresh and follow up."""
        done_text, after = how.pop("done_text", None), how.pop("after", None)

        path = self.model.path

        def settled(result: Any, error: BaseException | None) -> None:
            here = self.model.path == path  # else it changed the previous workspace: no news
            if here:
                self.message.setText("" if error or done_text is None else done_text(result))
            if here and error is None and after is not None:
                after(result)
            self.service_card.set_service(self.service, "")
            self.monitor.poll()
            self.reload()

        if self.changes.run(self.model.path, busy, fn, args, kwargs, settled, **how):
            self.message.setText(busy)
            self.service_card.set_service(self.service, self._service_busy())
            self.show_selected()

    def _set_dialog(self, dialog: QWidget) -> None:
        self.dialog = dialog

    def answer_live_at(self, ts: float) -> None:
        ws, row = self.model.workspace, self.selected()
        if ws is not None and row is not None:
            self.timeline.show_answer(describe_live_at(ops.live_at(ws, row.name, ts)))

    # -- the service -----------------------------------------------------------------------------

    def start_service(self, port: int = DEFAULT_PORT) -> None:
        self._run(
            f"Starting the scoring service on port {port}…",
            start_local_service,
            (),
            {"port": port},
            title="Cannot Start the Service",
            headline="The scoring service did not start",
            done_text=lambda info: f"The scoring service runs at {info.url}.",
        )

    def stop_service(self) -> None:
        url = self.service.url if self.service else "the service"
        self.dialog = confirm(
            self,
            "Stop Service",
            f"Stop the scoring service at {url}?",
            "Clients get no answers until it starts again; requests in flight finish first.",
            "S&top",
            lambda: self._run(
                "Stopping the scoring service…",
                stop_local_service,
                title="Cannot Stop the Service",
                done_text=lambda _r: "The scoring service stopped.",
            ),
        )

    # -- batch scoring ---------------------------------------------------------------------------

    def open_batch_dialog(self) -> BatchScoringDialog | None:
        ws = self.model.workspace
        if ws is None:
            return None
        rows = self.table.rows
        refs = [f"{n}@live" for n in ws.models.names() if ws.models.current_alias(n, "live")]
        refs += [r.ref for r in rows]
        row = self.selected()
        default = (
            f"{row.name}@live" if row and f"{row.name}@live" in refs else refs[0] if refs else ""
        )
        self.batch_dialog = BatchScoringDialog(self.model, refs, default, self)
        self.batch_dialog.open()
        return self.batch_dialog
