"""Deploy page views: the model versions table with Deploy and Roll back, the deployment timeline
with the "which version was live at…" picker."""

from __future__ import annotations

import time

from PySide6.QtCore import QDateTime, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QPalette,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.formatting import MISSING, local_time, number
from mlops_desktop.training.families import family_label
from mlops_desktop.training.metric_names import METRIC_LABELS
from mlops_desktop.ui.kit.labels import mute, muted_label, scaled_font
from mlops_desktop.ui.kit.tables import SortRole
from mlops_desktop.ui.kit.theme import is_dark
from mlops_desktop.ui.kit.widgets import CommandLine
from mlops_desktop.ui.serving.model import VersionRow

IdRole = Qt.ItemDataRole.UserRole + 2
VERSION_COLUMNS = ("Version", "Serving", "Gate", "Holdout", "Model", "Registered")
TIMELINE_COLUMNS = ("From", "Until", "Mode", "Live", "Candidate", "By", "Reason")
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def verdict_color(verdict: str) -> QColor:
    """Green for a passed gate, red for a failed one (readable in light and dark)."""
    dark = is_dark()
    if verdict == "passed":
        return QColor("#4ade80" if dark else "#15803d")
    if verdict == "failed":
        return QColor("#f87171" if dark else "#b91c1c")
    return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)


def _item(text: str, sort=None, align=None, tip: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(text if sort is None else sort, SortRole)
    if align is not None:
        item.setTextAlignment(align)
    if tip:
        item.setToolTip(tip)
    return item


def _table(model: QSortFilterProxyModel | QStandardItemModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setHighlightSections(False)
    view.setWordWrap(False)
    return view


class VersionTable(QWidget):
    """Model versions with what they serve as, their gate verdict and headline metric.

    Sorts by any column and filters by text; keeps the selection across refreshes.

    Signals:
        selection_changed(): another version was selected.
    """

    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[VersionRow] = []
        self.source = QStandardItemModel(0, len(VERSION_COLUMNS), self)
        self.source.setHorizontalHeaderLabels(list(VERSION_COLUMNS))
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SortRole)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter versions (name, alias, verdict, model)…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = _table(self.proxy)
        self.view.setObjectName("deployVersions")
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(
            lambda *_: self.selection_changed.emit()
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.filter)
        layout.addWidget(self.view, 1)

    def set_rows(self, rows: list[VersionRow]) -> None:
        """Show ``rows``; does nothing when they did not change (selection and scroll stay)."""
        if rows == self.rows:
            return
        selected = self.selected()
        keep = selected.version_id if selected else None
        self.rows = list(rows)
        self.view.setSortingEnabled(False)
        self.source.setRowCount(0)
        for row in rows:
            self.source.appendRow(self._items(row))
        metrics = {r.metric_name for r in rows}
        label = (
            METRIC_LABELS.get(next(iter(metrics)), "Holdout") if len(metrics) == 1 else "Holdout"
        )
        self.source.setHorizontalHeaderItem(3, QStandardItem(label))
        self.view.setSortingEnabled(True)
        if keep is not None:
            self.select_id(keep)
        if self.selected() is None:
            preferred = next((r for r in rows if not r.is_live), rows[0] if rows else None)
            if preferred is not None:
                self.select_id(preferred.version_id)

    def _items(self, row: VersionRow) -> list[QStandardItem]:
        ref = _item(
            row.ref,
            sort=f"{row.name}\t{1_000_000 - row.number:07d}",
            tip=f"{row.ref} (copy it for the CLI)"
            + (f"; {row.erased_data}" if row.erased_data else ""),
        )
        ref.setData(row.version_id, IdRole)
        serving = ", ".join(row.aliases) or MISSING
        serving_item = _item(serving, sort=(0 if row.is_live else 1 if row.is_candidate else 2))
        if row.is_live:
            font = serving_item.font()
            font.setBold(True)
            serving_item.setFont(font)
        gate = _item(row.verdict, tip=row.gate_reason)
        gate.setForeground(verdict_color(row.verdict))
        registered = _item(local_time(row.registered_at), sort=row.registered_at)
        family = _item(family_label(row.family))
        sort = float("-inf") if row.metric_value is None else row.metric_value
        metric = _item(number(row.metric_value), sort=sort, align=RIGHT)
        metric.setToolTip(f"{row.metric_name} on the holdout part of the training data")
        return [ref, serving_item, gate, metric, family, registered]

    def selected(self) -> VersionRow | None:
        indexes = self.view.selectionModel().selectedRows()
        if not indexes:
            return None
        version_id = self.proxy.index(indexes[0].row(), 0).data(IdRole)
        return next((r for r in self.rows if r.version_id == version_id), None)

    def select_id(self, version_id: int) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(IdRole) == version_id:
                self.view.selectRow(row)
                self.view.scrollTo(index)
                return True
        return False

    def select_ref(self, ref: str) -> bool:
        row = next((r for r in self.rows if r.ref == ref), None)
        return row is not None and self.select_id(row.version_id)


class TimelineView(QWidget):
    """Who deployed what, when and why, newest first; and "which version was live at…".

    Signals:
        live_at_requested(float): the user picked a time (seconds since the epoch).
    """

    live_at_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[dict] = []
        self.source = QStandardItemModel(0, len(TIMELINE_COLUMNS), self)
        self.source.setHorizontalHeaderLabels(list(TIMELINE_COLUMNS))
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SortRole)
        self.view = _table(self.proxy)
        self.view.setObjectName("deployTimeline")
        self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        picker = QHBoxLayout()
        label = QLabel("Which version was live &at:")
        self.when = QDateTimeEdit()
        self.when.setObjectName("liveAtPicker")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.when.setDateTime(QDateTime.currentDateTime())
        label.setBuddy(self.when)
        self.ask_button = QPushButton("As&k")
        self.ask_button.clicked.connect(self.ask)
        self.now_button = QPushButton("&Now")
        self.now_button.clicked.connect(self.ask_now)
        self.when.dateTimeChanged.connect(lambda *_: self.ask())
        picker.addWidget(label)
        picker.addWidget(self.when)
        picker.addWidget(self.ask_button)
        picker.addWidget(self.now_button)
        picker.addStretch(1)
        self.answer = QLabel("Pick a date and time to see which version served then.")
        self.answer.setObjectName("liveAtAnswer")
        self.answer.setWordWrap(True)
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption = mute(QLabel(), self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(picker)
        layout.addWidget(self.answer)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)

    def set_entries(self, model: str, entries: list[dict]) -> None:
        """Show ``model``'s timeline (newest first); unchanged entries are left alone."""
        self.caption.setText(
            f"Deployment timeline of {model}: every change, who made it and why."
            if entries
            else f"{model} has never been deployed."
        )
        if entries == self.entries:
            return
        self.entries = list(entries)
        newest = max((e["started_at"] for e in entries), default=None)
        if newest is not None and newest > self.picked_timestamp():
            self.ask_now()  # the picked time predates the latest change: answer for now
        self.view.setSortingEnabled(False)
        self.source.setRowCount(0)
        for e in entries:
            cand = e["candidate"] or MISSING
            self.source.appendRow(
                [
                    _item(local_time(e["started_at"], seconds=True), sort=e["started_at"]),
                    _item(
                        local_time(e["ended_at"], seconds=True, empty="now"),
                        sort=e["ended_at"] or float("inf"),
                    ),
                    _item(e["mode_text"]),
                    _item(e["live"] or MISSING),
                    _item(cand),
                    _item(e["set_by"] or ""),
                    _item(e["reason"] or MISSING, tip=e["reason"] or ""),
                ]
            )
        self.view.setSortingEnabled(True)

    def picked_timestamp(self) -> float:
        return float(self.when.dateTime().toSecsSinceEpoch())

    def set_timestamp(self, ts: float) -> None:
        self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(ts)))

    def ask(self) -> None:
        self.live_at_requested.emit(self.picked_timestamp())

    def ask_now(self) -> None:
        """Answer for this very moment (not the start of the current second)."""
        now = time.time()
        self.when.blockSignals(True)
        self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(now)))
        self.when.blockSignals(False)
        self.live_at_requested.emit(now)

    def show_answer(self, text: str) -> None:
        self.answer.setText(text)


class VersionsPane(QWidget):
    """The version table with the page's primary actions: Deploy and Roll back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        caption = QLabel("Model versions")
        caption.setFont(scaled_font(self, 1.05, bold=True))
        self.hint = muted_label()
        self.hint_command = CommandLine()
        self.table = VersionTable()
        self.gate_note = QLabel()
        self.gate_note.setObjectName("gateNote")
        self.gate_note.setWordWrap(True)
        self.deploy_button = QPushButton("&Deploy")
        self.deploy_button.setObjectName("deployButton")
        self.deploy_button.setToolTip("Make the selected version live (starts the service too)")
        self.rollback_button = QPushButton("&Roll back")
        self.rollback_button.setObjectName("rollbackButton")
        self.message = muted_label()
        self.message.setObjectName("deployMessage")
        # The primary actions head the pane, so a long gate note or a short window never
        # pushes them out of sight; what they act on (the selection's gate) is right below.
        buttons = QHBoxLayout()
        buttons.addWidget(caption)
        buttons.addStretch(1)
        buttons.addWidget(self.rollback_button)
        buttons.addWidget(self.deploy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.gate_note)
        layout.addWidget(self.message)
        for widget in (self.hint, self.hint_command):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)

    def show_row(self, row: VersionRow, live: str | None, target: str | None, idle: bool) -> None:
        """Buttons and notes for the selected ``row``; ``target`` is what a rollback returns to."""
        self.deploy_button.setText(f"&Deploy {row.ref}")
        self.deploy_button.setEnabled(idle and not row.is_live)
        self.deploy_button.setDefault(live is None)
        self.rollback_button.setText(f"&Roll back to {target}" if target else "&Roll back")
        self.rollback_button.setEnabled(idle and target is not None)
        self.rollback_button.setToolTip(
            f"Return {row.name} to {target}" if target else "No earlier live version to return to"
        )
        erased = (
            f"\n{row.erased_data}: retrain it on the rewritten version." if row.erased_data else ""
        )
        self.gate_note.setText(row.gate_reason + erased)
        pal = self.gate_note.palette()
        pal.setColor(self.gate_note.foregroundRole(), verdict_color(row.verdict))
        self.gate_note.setPalette(pal)
        nothing_live = not any(r.is_live for r in self.table.rows)
        self.hint.setVisible(nothing_live)
        self.hint_command.setVisible(nothing_live)
        if nothing_live:
            self.hint.setText(
                "Nothing is deployed yet. Select a version that passed its tests and press Deploy; "
                "the scoring service starts with it. The same from the command line:"
            )
            self.hint_command.set_command(f"mlops-desktop deploy {row.ref}")
