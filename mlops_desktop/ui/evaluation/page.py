"""Test: check a registered model version against its quality gate and behavioural tests."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.errors import MlopsError
from mlops_desktop.evaluation.promotion import promotion_status
from mlops_desktop.registry.entities import Job, ModelVersion, TestReport, WorkspaceSummary
from mlops_desktop.ui.evaluation.behaviour_panel import BehaviourPanel
from mlops_desktop.ui.evaluation.detail_views import ChartsView, ResultsView, SlicesView
from mlops_desktop.ui.evaluation.gate_card import GateCard
from mlops_desktop.ui.evaluation.gate_editor import GateEditorDialog
from mlops_desktop.ui.evaluation.model import (
    VersionRow,
    decision_columns,
    empty_spec,
    failed_count,
    failed_tests_note,
    version_meta,
    version_roster,
)
from mlops_desktop.ui.evaluation.report_tab import ReportTab, StatusStrip
from mlops_desktop.ui.kit.dialogs import error_box, error_text, job_error_text
from mlops_desktop.ui.kit.icons import dot_pixmap
from mlops_desktop.ui.kit.labels import muted_color, muted_label, scaled_font
from mlops_desktop.ui.kit.specs import EmptyStateSpec
from mlops_desktop.ui.kit.widgets import scrolling
from mlops_desktop.ui.runtime.page import Page

VersionRole = Qt.ItemDataRole.UserRole + 1
VERDICT_COLORS = {"passed": "#16a34a", "failed": "#dc2626"}


def verdict_color(widget: QWidget, verdict: str) -> QColor:
    return QColor(VERDICT_COLORS[verdict]) if verdict in VERDICT_COLORS else muted_color(widget)


#: Referenced by name so the window does not import scikit-learn until a test runs.
TEST_JOB = "mlops_desktop.evaluation.jobs:test_model"


class TestPage(Page):
    __test__ = False  # not a pytest test class, despite the name

    name = "test"
    title = "Test"
    explanation = "Check a registered model version against its quality gate and behavioural tests."
    glyph = "test"

    # -- building --------------------------------------------------------------------------------

    def build_content(self) -> QWidget:
        self.roster: list[VersionRow] = []
        self.version: ModelVersion | None = None
        self.report: TestReport | None = None
        self.test_jobs: dict[str, str] = {}  # model ref -> running test job id
        self.gate_dialog: GateEditorDialog | None = None
        self.last_test_job: str | None = None
        self._version_path = None
        self._resamples_of: tuple | None = None  # the report the Resamples box was set from
        self.model.workspace_changed.connect(self._forget_workspace)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_versions())
        right = QWidget()
        layout = QVBoxLayout(right)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(self._build_head())
        layout.addLayout(self._build_run_row())
        self.promotion = StatusStrip()
        self.promotion.action.setText("&Deploy…")
        self.promotion.action.clicked.connect(lambda: self.navigate_requested.emit("deploy"))
        layout.addWidget(self.promotion)
        layout.addWidget(self._build_tabs(), 1)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 900])
        return splitter

    def _build_versions(self) -> QWidget:
        """The version list with each version's latest verdict."""
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 8, 0)
        caption = QLabel("&Model versions")
        caption.setFont(scaled_font(self, 1.0, bold=True))
        self.versions = QListWidget()
        self.versions.setObjectName("testVersions")
        self.versions.setAlternatingRowColors(True)
        self.versions.setSpacing(2)
        caption.setBuddy(self.versions)
        self.versions.currentItemChanged.connect(lambda *_: self.show_selected())
        left_layout.addWidget(caption)
        left_layout.addWidget(self.versions, 1)
        left_layout.addWidget(
            muted_label("Verdict of each version's latest test report.", selectable=True)
        )
        return left

    def _build_head(self) -> QHBoxLayout:
        """The selected version's ref with Copy, where it comes from, and Run tests."""
        head = QHBoxLayout()
        self.ref_label = QLabel()
        self.ref_label.setObjectName("testRef")
        self.ref_label.setFont(scaled_font(self, 1.45, bold=True))
        self.ref_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy the version's name (works in the CLI too)")
        self.copy_button.clicked.connect(self.copy_ref)
        self.meta_label = muted_label(selectable=True)
        self.run_button = QPushButton("&Run tests")
        self.run_button.setObjectName("runTests")
        self.run_button.setMinimumWidth(120)
        self.run_button.clicked.connect(self.run_tests)
        head.addWidget(self.ref_label)
        head.addWidget(self.copy_button)
        head.addWidget(self.meta_label, 1)
        head.addWidget(self.run_button)
        return head

    def _build_run_row(self) -> QHBoxLayout:
        """How the tests run: the status line, bootstrap resamples and the decision column."""
        run_row = QHBoxLayout()
        self.resamples = QSpinBox()
        self.resamples.setRange(100, 20000)
        self.resamples.setSingleStep(100)
        self.resamples.setValue(1000)
        self.resamples.setToolTip("Bootstrap resamples for the 95% confidence intervals")
        resamples_label = QLabel("Re&samples:")
        resamples_label.setBuddy(self.resamples)
        self.decision = QComboBox()
        self.decision.setToolTip(
            "A dataset column recording today's human decision, to compare the model with it"
        )
        self.decision.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        decision_label = QLabel("&Decision column:")
        decision_label.setBuddy(self.decision)
        self.run_status = muted_label(selectable=True)
        run_row.addWidget(self.run_status, 1)
        run_row.addWidget(resamples_label)
        run_row.addWidget(self.resamples)
        run_row.addSpacing(8)
        run_row.addWidget(decision_label)
        run_row.addWidget(self.decision)
        return run_row

    def _build_tabs(self) -> QTabWidget:
        self.tabs = QTabWidget()
        self.report_tab = ReportTab(self.model)
        self.slices_view = SlicesView()
        self.results_view = ResultsView()
        self.charts_view = ChartsView()
        self.gate_card = GateCard()
        self.gate_card.edit_requested.connect(self.edit_gate)
        self.behaviour = BehaviourPanel(self.model)
        for widget, label in (
            (self.report_tab, "Report"),
            (self.slices_view, "Slices"),
            (self.results_view, "Test results"),
            (self.charts_view, "Charts"),
            (self.gate_card, "Quality gate"),
            (self.behaviour, "Behavioural tests"),
        ):
            self.tabs.addTab(scrolling(widget), label)
        return self.tabs

    # -- Page hooks --------------------------------------------------------------------------------

    def is_empty(self, summary: WorkspaceSummary | None) -> bool:
        return summary is None or summary.model_versions == 0

    def empty_spec(self, summary: WorkspaceSummary | None) -> EmptyStateSpec:
        return empty_spec(summary is not None and summary.runs > 0)

    def update_content(self, model) -> None:
        ws = model.workspace
        if ws is None:
            return
        self.roster = version_roster(ws)
        self._fill_versions()
        self.show_selected()

    def badge_count(self, model) -> int:
        if model.workspace is None or self.is_empty(model.summary):
            return 0
        return failed_count(self.roster)

    def _forget_workspace(self) -> None:
        """Nothing of the previous workspace stays on screen (ids restart at 1 in each)."""
        self.version, self.report, self.roster = None, None, []
        self.test_jobs.clear()
        self.versions.blockSignals(True)
        self.versions.clear()
        self.versions.blockSignals(False)

    def reload(self) -> None:
        """Re-read the registry now (after a job or an edit) and update the rail badge."""
        if self.model.workspace is None or self.showing_empty_state():
            return
        self.update_content(self.model)
        self.badge_changed.emit(self.badge_count(self.model))

    # -- versions ----------------------------------------------------------------------------------

    def _fill_versions(self) -> None:
        shown = [
            (self.versions.item(i).data(VersionRole), self.versions.item(i).text())
            for i in range(self.versions.count())
        ]
        wanted = [(r.version_id, f"{r.label}\n{r.verdict}") for r in self.roster]
        if shown == wanted:
            return
        selected = self.version.id if self.version else None
        self.versions.blockSignals(True)
        self.versions.clear()
        for row in self.roster:
            item = QListWidgetItem(f"{row.label}\n{row.verdict}")
            item.setData(VersionRole, row.version_id)
            item.setIcon(
                QIcon(dot_pixmap(verdict_color(self, row.verdict), 12, self.devicePixelRatioF()))
            )
            item.setToolTip(f"{row.ref}: latest verdict {row.verdict}")
            self.versions.addItem(item)
            if row.version_id == selected:
                self.versions.setCurrentItem(item)
        if self.versions.currentItem() is None and self.versions.count():
            self.versions.setCurrentRow(0)
        self.versions.blockSignals(False)

    def select_version(self, ref: str) -> None:
        for i, row in enumerate(self.roster):
            if row.ref == ref:
                self.versions.setCurrentRow(i)
                return

    def show_tab(self, widget: QWidget) -> None:
        """Bring the tab holding ``widget`` to the front."""
        for index in range(self.tabs.count()):
            if self.tabs.widget(index).widget() is widget:
                self.tabs.setCurrentIndex(index)

    def copy_ref(self) -> None:
        if self.version is not None:
            QGuiApplication.clipboard().setText(self.version.ref)
            self.copy_button.setText("Copied")

    def show_selected(self) -> None:
        """Show the selected version: header, promotion, report tabs, gate and tests."""
        ws = self.model.workspace
        item = self.versions.currentItem()
        if ws is None or item is None:
            return
        changed = self.version is None or self.version.id != item.data(VersionRole)
        changed = changed or self._version_path != ws.path
        self._version_path = ws.path
        self.version = version = ws.models.by_id(item.data(VersionRole))
        if changed:
            self.copy_button.setText("Copy")
            self.decision.clear()
            self.decision.addItem("(none)", None)
            for column in decision_columns(ws, version):
                self.decision.addItem(column, column)
        self.ref_label.setText(version.ref)
        self.meta_label.setText(version_meta(ws, version))
        self.report = ws.reports.latest(version.id)
        self.report_tab.set_report(version, self.report)
        summary = self.report.summary if self.report else None
        # Report ids start at 1 in every workspace: the key names the workspace too.
        key = (str(ws.path), self.report.id if self.report else None)
        for view in (self.slices_view, self.results_view):
            view.setEnabled(summary is not None)
            view.set_report(summary or {})  # an untested version shows no other's results
        self.charts_view.set_report(summary or {}, key)
        self._show_resamples(key, summary)
        gate = ws.gates.current(version.name)
        self.gate_card.set_gate(version.name, gate, ws.gates.history(version.name))
        self.behaviour.set_version(version.name, version.ref, version.signature)
        self._show_promotion()
        self._show_running()

    def _show_resamples(self, key: tuple, summary: dict | None) -> None:
        """The Resamples box says what the shown report used (and is what the next run uses)."""
        if key == self._resamples_of:
            return  # the user's own choice for this report stays
        self._resamples_of = key
        used = ((summary or {}).get("bootstrap") or {}).get("resamples")
        if isinstance(used, int):
            self.resamples.setValue(used)
        tip = "Bootstrap resamples for the 95% confidence intervals of the next test run"
        self.resamples.setToolTip(tip + (f"; the report shown used {used}" if used else ""))

    def _show_promotion(self) -> None:
        ws, version = self.model.workspace, self.version
        status = promotion_status(ws, version)
        if status.allowed:
            note = failed_tests_note(self.report.summary if self.report else None)
            self.promotion.set_status("passed", f"Ready to deploy: {status.reason}{note}", True)
        else:
            self.promotion.set_status("blocked", f"Blocked: {status.reason}", False)
        tested = self.report is not None
        self.run_button.setDefault(not tested or not status.allowed)
        self.promotion.action.setDefault(status.allowed)

    def _show_running(self) -> None:
        job_id = self.test_jobs.get(self.version.ref) if self.version else None
        self.run_button.setEnabled(job_id is None)
        self.run_status.setText(
            f"Testing {self.version.ref}… progress and Cancel are in the Jobs panel."
            if job_id
            else ""
        )

    # -- running tests -----------------------------------------------------------------------------

    def run_tests(self) -> str | None:
        """Start the ``test_model`` job for the selected version; the report refreshes after."""
        if self.version is None or self.version.ref in self.test_jobs:
            return None
        ref = self.version.ref
        kwargs = {"model_ref": ref, "resamples": self.resamples.value()}
        if self.decision.currentData():
            kwargs["current_decision_column"] = self.decision.currentData()
        job_id = self.model.submit(
            TEST_JOB, kwargs, title=f"Test {ref}", on_finished=self._on_tested
        )
        self.test_jobs[ref] = job_id
        self.last_test_job = job_id
        self._show_running()
        return job_id

    def _on_tested(self, job: Job) -> None:
        ref = next((r for r, j in self.test_jobs.items() if j == job.id), None)
        if ref is not None:
            del self.test_jobs[ref]
        self.reload()
        if job.status == "succeeded" and ref is not None:
            self.select_version(ref)
            self.show_tab(self.report_tab)
        elif job.status in ("failed", "interrupted"):
            error_box(self, job_error_text(job)).open()
        self._show_running()

    # -- gate --------------------------------------------------------------------------------------

    def edit_gate(self) -> GateEditorDialog | None:
        ws, version = self.model.workspace, self.version
        if ws is None or version is None:
            return None
        current = ws.gates.current(version.name)
        task = (version.signature.get("output") or {}).get("task")
        dialog = GateEditorDialog(version.name, task, current.spec if current else None, self)
        dialog.accepted.connect(lambda: self._save_gate(dialog))
        self.gate_dialog = dialog
        dialog.open()
        return dialog

    def _save_gate(self, dialog: GateEditorDialog) -> None:
        ws, version = self.model.workspace, self.version
        if ws is None or version is None or dialog.spec() is None:
            return
        try:
            ws.gates.set(version.name, dialog.spec(), reason=dialog.reason())
        except MlopsError as exc:
            error_box(self, error_text(exc, "Cannot Save Gate", "The gate was not saved")).open()
            return
        self.reload()
