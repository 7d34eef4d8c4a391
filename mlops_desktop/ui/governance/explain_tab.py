"""Govern › Explain a decision: a logged request's contributions, its three main reasons and the
personal data they involve, for the person who asks why (GDPR Art. 15, AI Act Art. 86).

The recent requests and the explanation are read off the GUI thread (``BackgroundTasks``).
The same widget is the Monitor page's request view, scoped to the model picked there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.ui.governance import explain_model as vm
from mlops_desktop.ui.kit.labels import muted_label
from mlops_desktop.ui.kit.tables import RecordTable, SortRole
from mlops_desktop.ui.kit.widgets import EmptyState
from mlops_desktop.ui.runtime.background import BackgroundTasks
from mlops_desktop.ui.runtime.workspace_model import WorkspaceModel

BAR_COLUMN = 3
RECENT = 100


def _recent(ws, limit: int, model_name: str | None = None):
    """Runs on a pool thread: scikit-learn and scipy load there, never at the window's start.
    With ``model_name``, only that model's requests."""
    from mlops_desktop.governance.explanations import recent_requests

    return recent_requests(ws, limit, model_name)


def _explain(ws, request_id: str):
    from mlops_desktop.governance.explanations import explain_request

    return explain_request(ws, request_id)


class ContributionBar(QStyledItemDelegate):
    """A bar from the cell's middle: right for a raising contribution, left for a lowering one."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        if opt.widget is not None:
            opt.widget.style().drawControl(
                QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget
            )
        share = float(index.data(SortRole) or 0.0)
        rect = QRectF(opt.rect).adjusted(4, 6, -4, -6)
        middle, half = rect.center().x(), rect.width() / 2
        width = abs(share) * half
        bar = QRectF(middle if share >= 0 else middle - width, rect.top(), width, rect.height())
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#c62828") if share > 0 else QColor("#1f6fb2"))
        painter.drawRect(bar)
        painter.setPen(opt.palette.color(opt.palette.ColorRole.Mid))
        painter.drawLine(int(middle), int(rect.top()), int(middle), int(rect.bottom()))
        painter.restore()


class ExplainTab(QWidget):
    """Recent requests beside one explained decision. ``scope`` (optional) returns the model
    name whose requests are listed (None lists every model's)."""

    title = "Explain a decision"

    def __init__(
        self,
        model: WorkspaceModel,
        parent: QWidget | None = None,
        scope: Callable[[], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.scope = scope
        self.tasks = BackgroundTasks(self)
        self.result = None
        self.recent: list = []
        self._shown_path: Path | None = None
        layout = QVBoxLayout(self)
        layout.addLayout(self._id_row())
        self.empty = EmptyState("govern")
        self.empty.set_spec(vm.empty_spec())
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._recent_panel())
        split.addWidget(self._detail_panel())
        split.setSizes([500, 760])  # room for whole request ids
        self.split = split
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)
        self.split.setVisible(False)

    def _id_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Request id:"))
        self.id_field = QLineEdit()
        self.id_field.setObjectName("explainRequestId")
        self.id_field.setPlaceholderText("the X-Request-ID of an answer, or pick one below")
        self.id_field.returnPressed.connect(self.explain)
        self.explain_button = QPushButton("Explain")
        self.explain_button.setObjectName("explainButton")
        self.explain_button.clicked.connect(self.explain)
        row.addWidget(self.id_field, 1)
        row.addWidget(self.explain_button)
        return row

    def _recent_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Recent requests and batch rows"))
        self.recent_table = RecordTable(vm.RECENT_COLUMNS)
        self.recent_table.setMinimumWidth(self._room_for_whole_ids())
        self.recent_table.doubleClicked.connect(self._explain_selected)
        self.recent_table.clicked.connect(self._pick)
        layout.addWidget(self.recent_table)
        return panel

    def _room_for_whole_ids(self) -> int:
        """The recent table's width that shows a whole request id (32 hex digits, or a batch
        row's id) beside the time and the model, with the scroll bar showing."""
        table = self.recent_table
        id_width = table.fontMetrics().horizontalAdvance("0" * 34)
        fixed = sum(c.width or 0 for c in vm.RECENT_COLUMNS)
        bar = table.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return fixed + id_width + bar + 4 * table.frameWidth() + 12

    def _detail_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        self.status = muted_label("Pick a request and press Explain.")
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.reasons = QLabel()
        self.reasons.setObjectName("explainReasons")
        self.reasons.setWordWrap(True)
        self.reasons.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.personal = muted_label()
        row_picker = QHBoxLayout()
        self.row_label = QLabel("Row:")
        self.row_box = QSpinBox()
        self.row_box.setMinimum(1)
        self.row_box.valueChanged.connect(lambda _v: self._show())
        row_picker.addWidget(self.row_label)
        row_picker.addWidget(self.row_box)
        row_picker.addStretch(1)
        self.table = RecordTable(vm.CONTRIBUTION_COLUMNS)
        self.table.setItemDelegateForColumn(BAR_COLUMN, ContributionBar(self.table))
        for widget in (self.status, self.headline, self.reasons, self.personal):
            layout.addWidget(widget)
        layout.addLayout(row_picker)
        layout.addWidget(self.table, 1)
        return panel

    # -- reading (off the GUI thread) ----------------------------------------------------------

    def refresh(self, model: WorkspaceModel) -> None:
        if model.path is None:
            return
        if model.path != self._shown_path:
            self._forget()  # another workspace: its decisions are not this one's
            self._shown_path = model.path
        scope = self.scope() if self.scope is not None else None
        self.tasks.run(model.path, _recent, (RECENT, scope), on_done=self._recent_read)

    def _forget(self) -> None:
        self.result = None
        self.recent = []
        self.id_field.clear()
        for widget in (self.headline, self.reasons, self.personal):
            widget.clear()
        self.table.set_rows([])
        self.recent_table.set_rows([])
        self.status.setText("Pick a request and press Explain.")

    def explain_id(self, request_id: str) -> None:
        """Explain ``request_id`` now (another page asked for it)."""
        self.id_field.setText(request_id)
        self.explain()

    def _recent_read(self, recent, error) -> None:
        if error is not None:
            self.status.setText(f"Could not read the prediction log: {error}")
            return
        self.recent = recent or []
        known = bool(self.recent) or self.result is not None
        self.empty.setVisible(not known)
        self.split.setVisible(known)
        self.recent_table.set_rows(vm.recent_rows(self.recent, now=time.time()))

    def _pick(self, index: QModelIndex) -> None:
        row = self.recent_table.proxy.mapToSource(index).row()
        if 0 <= row < len(self.recent):
            self.id_field.setText(self.recent[row].request_id)

    def _explain_selected(self, index: QModelIndex) -> None:
        self._pick(index)
        self.explain()

    def explain(self) -> None:
        request_id = self.id_field.text().strip()
        if not request_id or self.model.path is None:
            self.status.setText("Type or pick a request id first.")
            return
        self.explain_button.setEnabled(False)
        self.status.setText(f"Explaining {request_id}…")
        self.tasks.run(self.model.path, _explain, (request_id,), on_done=self._explained)

    def _explained(self, result, error) -> None:
        self.explain_button.setEnabled(True)
        if error is not None:
            self.status.setText(getattr(error, "message", None) or str(error))
            return
        self.result = result
        self.empty.setVisible(False)
        self.split.setVisible(True)
        self.status.setText("")
        self.row_box.blockSignals(True)
        self.row_box.setMaximum(max(1, len(result.rows)))
        self.row_box.setValue(1)
        self.row_box.blockSignals(False)
        many = len(result.rows) > 1
        self.row_box.setVisible(many)
        self.row_label.setVisible(many)
        self._show()

    def _show(self) -> None:
        if self.result is None:
            return
        row = self.row_box.value() - 1
        self.headline.setText(vm.headline(self.result, row))
        self.reasons.setText("Main reasons:\n" + "\n".join(vm.reason_lines(self.result, row)))
        self.personal.setText(vm.personal_line(self.result))
        rows = vm.contribution_rows(self.result, row)
        self.table.set_rows(vm.table_rows(rows), flagged=[bool(r.personal) for r in rows])
