"""Monitor: traffic, drift and quality of deployed models, and alerts to act on.

While the page is visible a poll runs every second on a pool thread (``MonitorPoller``): it
computes the windows that are due, evaluates the alert rules and reads the per-window series; the
charts update in place from it. Alert actions run off the GUI thread; "Retrain on recent data"
and a long backlog of windows run as jobs (``monitor_actions``). The Requests tab lists the
picked model's logged decisions and explains one in place (Govern's Explain tab, scoped).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.registry.entities import WorkspaceSummary
from mlops_desktop.ui.kit.labels import muted_label, scaled_font
from mlops_desktop.ui.kit.specs import EmptyStateSpec
from mlops_desktop.ui.kit.widgets import EmptyState, scrolling
from mlops_desktop.ui.monitoring.actions import MonitorActions
from mlops_desktop.ui.monitoring.alerts import AlertsPanel, NotificationBanner
from mlops_desktop.ui.monitoring.batch_runs import TRAFFIC_TAB, BatchRuns
from mlops_desktop.ui.monitoring.charts import (
    DriftHeatMap,
    DriftScoreChart,
    DriftShareChart,
    ErrorRateChart,
    LatencyChart,
    PredictionChart,
    RequestsChart,
)
from mlops_desktop.ui.monitoring.model import (
    NO_LIVE,
    READING,
    TOP_FEATURES,
    MonitorSnapshot,
    background_pass,
    empty_spec,
    live_text,
    no_traffic_spec,
    status_text,
)
from mlops_desktop.ui.monitoring.quality import QualityPanel
from mlops_desktop.ui.monitoring.requests_view import REQUESTS_TAB, MonitorRequests
from mlops_desktop.ui.monitoring.settings_dialog import MonitorSettingsAction
from mlops_desktop.ui.monitoring.splitter import ChartsSplitter
from mlops_desktop.ui.monitoring.worker import MonitorPoller
from mlops_desktop.ui.runtime.background import BackgroundTasks
from mlops_desktop.ui.runtime.page import Page
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

BACKGROUND_PASS_MS = 30_000  # how often alerts are evaluated while the page is hidden
REQUESTS_REFRESH_POLLS = 5  # while the Requests tab shows, its list is re-read every 5th poll
#: A chart is never squeezed below this (its plot ~160 px inside axes, title and legend); a
#: shorter window (1280 x 800 with a banner and the Jobs panel) scrolls the tab instead.
CHART_MIN_HEIGHT = 300


def row(*widgets: QWidget, stretch_last: bool = False) -> QHBoxLayout:
    layout = QHBoxLayout()
    layout.setSpacing(8)
    for widget in widgets:
        layout.addWidget(widget)
    if not stretch_last:
        layout.addStretch(1)
    return layout


class MonitorPage(MonitorActions, MonitorRequests, Page):
    name = "monitor"
    title = "Monitor"
    explanation = "Watch the traffic, drift and quality of deployed models, and act on alerts."
    glyph = "monitor"
    overview = {"deployments": "deployments", "open_alerts": "open alerts"}

    # -- building --------------------------------------------------------------------------------

    def build_content(self) -> QWidget:
        self.snapshot: MonitorSnapshot | None = None
        self.notifications: list[str] = []
        self._known_alerts: set[int] | None = None
        self._open_seen = 0
        self._start_polling()
        top = self._build_top()
        self.banner = NotificationBanner()
        self.charts = self._build_charts()
        self.alerts_panel = AlertsPanel()
        self.alerts_panel.acknowledge_requested.connect(self.acknowledge_alert)
        self.alerts_panel.resolve_requested.connect(self.resolve_alert)
        self.alerts_panel.retrain_requested.connect(self.request_retrain)
        self.alerts_panel.result.linkActivated.connect(self._on_result_link)

        splitter = ChartsSplitter(self.charts, self.alerts_panel)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.charts_empty.set_spec(READING)
        if self.model.is_open():
            self.poller.set_workspace(self.model.path)
        return content

    def _start_polling(self) -> None:
        """The visible page's poll, and the pass that evaluates alerts while it is hidden."""
        self.tasks = BackgroundTasks(self)
        self.background = QTimer(self)
        self.background.setInterval(BACKGROUND_PASS_MS)
        self.background.timeout.connect(self.background_pass)
        self.background.start()
        self._background_busy = False
        self.poller = MonitorPoller(self)
        self.poller.polled.connect(self._on_snapshot)
        self.poller.poll_failed.connect(self._on_poll_failed)
        self.model.workspace_changed.connect(self._on_workspace)
        self.model.summary_changed.connect(self._on_summary)

    def _build_top(self) -> QHBoxLayout:
        """The model picker, the settings button, what is live and the status line."""
        self.model_box = QComboBox()
        self.model_box.setObjectName("monitorModel")
        self.model_box.setMinimumContentsLength(12)
        self.model_box.activated.connect(self._on_model_picked)
        picker_label = QLabel("&Model:")
        picker_label.setBuddy(self.model_box)
        self.live_label = QLabel()
        self.live_label.setObjectName("monitorLive")
        self.live_label.setFont(scaled_font(self, 1.1, bold=True))
        self.status_label = muted_label()
        self.status_label.setObjectName("monitorStatus")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.settings_action = MonitorSettingsAction(self)  # "Monitoring settings…" and dialog
        top = row(picker_label, self.model_box, self.settings_action.button, self.live_label)
        top.addWidget(self.status_label, 1)
        return top

    def _build_charts(self) -> QStackedWidget:
        """The chart tabs, or the empty state while there is nothing to draw."""
        self.drift_chart = DriftScoreChart()
        self.share_chart = DriftShareChart()
        self.heat_map = DriftHeatMap()
        self.prediction_chart = PredictionChart()
        self.quality = QualityPanel()
        self.requests_chart = RequestsChart()
        self.latency_chart = LatencyChart()
        self.error_chart = ErrorRateChart()
        for chart in (self.drift_chart, self.share_chart, self.heat_map):
            chart.window_clicked.connect(self.show_window)
        for chart in (
            self.drift_chart,
            self.share_chart,
            self.heat_map,
            self.prediction_chart,
            self.quality.chart,
            self.requests_chart,
            self.latency_chart,
            self.error_chart,
        ):
            chart.setMinimumHeight(CHART_MIN_HEIGHT)
        traffic_tab = QWidget()
        traffic_layout = QVBoxLayout(traffic_tab)
        traffic_layout.setContentsMargins(0, 0, 0, 0)
        charts_row = QWidget()
        charts_row.setLayout(
            row(self.requests_chart, self.latency_chart, self.error_chart, stretch_last=True)
        )
        self.batch_runs = BatchRuns()
        self.traffic_charts = charts_row
        self.batch_only = muted_label(
            "No service traffic yet: this model is watched through its batch scoring runs."
        )
        traffic_layout.addWidget(charts_row, 1)
        traffic_layout.addWidget(self.batch_only)
        traffic_layout.addWidget(self.batch_runs)
        traffic_layout.addStretch(0)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("monitorTabs")
        # Each tab scrolls rather than squeeze its charts below CHART_MIN_HEIGHT.
        self.tabs.addTab(scrolling(self._build_drift_tab()), "&Drift")
        self.tabs.addTab(scrolling(self.heat_map), "Heat ma&p")
        self.tabs.addTab(scrolling(self.prediction_chart), "P&redictions")
        self.tabs.addTab(scrolling(self.quality), "&Quality")
        self.tabs.addTab(scrolling(traffic_tab), "Tr&affic")
        self.requests: QWidget | None = None  # the window adds it (add_requests_view)
        self._polls_since_requests = 0
        self.tabs.currentChanged.connect(self._on_tab)
        self.charts_empty = EmptyState("monitor")
        self.charts_empty.action_requested.connect(self.navigate_requested)
        self.empty_area = scrolling(self.charts_empty)  # scrolls rather than force a taller window
        charts = QStackedWidget()
        charts.addWidget(self.empty_area)
        charts.addWidget(self.tabs)
        return charts

    def _build_drift_tab(self) -> QWidget:
        self.feature_box = QComboBox()
        self.feature_box.setObjectName("driftFeature")
        self.feature_box.setMinimumContentsLength(22)
        self.feature_box.addItem(f"Top {TOP_FEATURES} drifted", None)
        self.feature_box.currentIndexChanged.connect(lambda _i: self._draw())
        feature_label = QLabel("Feat&ure:")
        feature_label.setBuddy(self.feature_box)
        hint = muted_label(
            "Click a point or a heat map cell to compare that window with training.", wrap=False
        )  # one line: a wrapped label would size the scrolling tab to the charts' hints
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        drift_tab = QWidget()
        drift_layout = QVBoxLayout(drift_tab)
        pick = row(feature_label, self.feature_box, stretch_last=True)
        pick.addWidget(hint, 1)
        drift_layout.addLayout(pick)
        drift_layout.addLayout(row(self.drift_chart, self.share_chart, stretch_last=True), 1)
        return drift_tab

    # -- Page hooks ------------------------------------------------------------------------------

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return summary is None or (summary.deployments == 0 and summary.open_alerts == 0)

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        ws = self.model.workspace
        has_models = summary is not None and summary.model_versions > 0
        return empty_spec(ws.models.names() if ws is not None and has_models else None)

    def badge_count(self, model: WorkspaceModel) -> int:
        return model.summary.open_alerts if model.summary is not None else 0

    def refresh(self, model: WorkspaceModel) -> None:
        super().refresh(model)
        self._sync_polling()

    def update_content(self, model: WorkspaceModel) -> None:
        if self.isVisible():  # hidden, the background pass keeps the alerts evaluated
            self.poller.poll()

    def reload_summary(self) -> None:
        """Re-read the counts now (the rail's badge follows an acknowledged alert at once)."""
        if self.model.is_open():
            self.model.refresh_summary()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._sync_polling()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.poller.pause()

    def background_pass(self) -> None:
        """Compute due windows and evaluate alert rules off the GUI thread (page hidden)."""
        if self.poller.running() or self._background_busy or not self.model.is_open():
            return  # the visible page's poll does the same work every second
        summary = self.model.summary
        if summary is None or summary.deployments == 0:
            return
        self._background_busy = True

        def done(opened, error) -> None:
            self._background_busy = False
            if not error and opened:
                self.notice_alerts([], opened)
                self.reload_summary()  # the rail's badge rises

        self.tasks.run(self.model.path, background_pass, on_done=done)

    def _sync_polling(self) -> None:
        """Poll every second while the page shows its content; pause otherwise."""
        if self.isVisible() and self.model.is_open() and not self.showing_empty_state():
            if not self.poller.running():
                self.poller.start()
        else:
            self.poller.pause()

    # -- workspace and summary -------------------------------------------------------------------

    def _on_workspace(self) -> None:
        self.snapshot = None
        self._known_alerts = None
        self._open_seen = self.model.summary.open_alerts if self.model.summary else 0
        self.catch_up_job = self.retrain_job = None
        self.poller.compute = True
        self.poller.set_workspace(self.model.path)
        self.banner.hide()
        self.alerts_panel.show_result("")
        self.alerts_panel.set_alerts([])
        self.charts_empty.set_spec(READING)
        self.charts.setCurrentWidget(self.empty_area)
        self._refresh_requests()  # forgets the other workspace's decisions
        self._sync_polling()

    def _on_summary(self, summary: WorkspaceSummary) -> None:
        count = summary.open_alerts if summary is not None else 0
        if count > self._open_seen and not self.poller.running():
            self.check_new_alerts()  # opened by the CLI or a job while the page is hidden
        self._open_seen = count

    def _on_model_picked(self, _index: int) -> None:
        self.poller.set_model(self.model_box.currentData())
        if self.tabs.currentIndex() == REQUESTS_TAB:
            self._refresh_requests()

    def _on_tab(self, index: int) -> None:
        if index == REQUESTS_TAB:
            self._polls_since_requests = 0
            self._refresh_requests()
        self._draw()

    def _on_poll_failed(self, message: str) -> None:
        self.status_label.setText(f"Could not read the monitoring data: {message}")

    # -- a snapshot arrived ----------------------------------------------------------------------

    def _on_snapshot(self, snap: MonitorSnapshot) -> None:
        if self.model.workspace is None:
            return
        wanted = self.poller.model
        if wanted is not None and snap.model != wanted and wanted in snap.models:
            return  # polled before the user picked another model
        self.snapshot = snap
        self._fill_models(snap)
        self.alerts_panel.set_alerts(snap.alerts)
        self.notice_alerts(snap.alerts, snap.opened)
        self._agree_with_summary(snap)
        self._describe(snap)
        if snap.model is None:
            self.charts_empty.set_spec(NO_LIVE)
            self.charts.setCurrentWidget(self.empty_area)
        elif not snap.has_traffic:
            self.charts_empty.set_spec(no_traffic_spec(snap.model))
            self.charts_empty.cli_caption.hide()  # the sentence introduces the command
            self.charts.setCurrentWidget(self.empty_area)
        else:
            self.charts.setCurrentWidget(self.tabs)
            if snap.n_windows == 0 and snap.batch_runs and self.tabs.currentIndex() == 0:
                self.tabs.setCurrentIndex(TRAFFIC_TAB)  # only batch runs so far: show them
            self._fill_features(snap)
            self._draw()
        if snap.backlog and snap.model is not None:
            self.catch_up(snap.model)

    def _fill_models(self, snap: MonitorSnapshot) -> None:
        names = [self.model_box.itemData(i) for i in range(self.model_box.count())]
        if names != snap.models:
            self.model_box.clear()
            for name in snap.models:
                self.model_box.addItem(name, name)
        if snap.model is not None:
            self.model_box.setCurrentIndex(snap.models.index(snap.model))
        self.model_box.setEnabled(bool(snap.models))

    def _fill_features(self, snap: MonitorSnapshot) -> None:
        features = snap.series.features if snap.series else []
        box = self.feature_box
        if [box.itemData(i) for i in range(1, box.count())] != features:
            current = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for feature in features:
                box.addItem(feature, feature)
            box.setCurrentIndex(max(0, box.findData(current)) if current else 0)
            box.blockSignals(False)

    def _describe(self, snap: MonitorSnapshot) -> None:
        self.live_label.setText(live_text(snap))
        self.status_label.setText(status_text(snap, self.catch_up_job is not None))

    def _draw(self) -> None:
        """Update the charts of the tab on screen from the latest snapshot (setData only)."""
        snap = self.snapshot
        if snap is None or snap.series is None or snap.model is None:
            return
        series, tab = snap.series, self.tabs.currentIndex()
        if tab == 0:
            self.drift_chart.update_series(series, self.feature_box.currentData())
            self.share_chart.update_series(series)
        elif tab == 1:
            self.heat_map.update_series(series)
        elif tab == 2:
            self.prediction_chart.update_series(series)
        elif tab == 3:
            self.quality.set_realized(snap.realized, snap.model, snap.estimated)
        elif tab == REQUESTS_TAB:
            self._polls_since_requests += 1
            if self._polls_since_requests >= REQUESTS_REFRESH_POLLS:
                self._polls_since_requests = 0
                self._refresh_requests()
        else:
            self.batch_runs.show_runs(snap.batch_runs)
            self.traffic_charts.setVisible(series.n_windows > 0 or not snap.batch_runs)
            self.batch_only.setVisible(not self.traffic_charts.isVisibleTo(self))
            self.requests_chart.update_series(series)
            self.latency_chart.update_series(series)
            threshold = (snap.rules.get("error_rate") or {}).get("threshold")
            self.error_chart.update_series(series, threshold)
