"""The Monitor page's alerts: a sortable table (severity, model, signal, message, opened, state),
Acknowledge and Resolve with an optional note, "Retrain on recent data" with a canary/shadow
choice, and the in-window banner that announces a new alert."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.formatting import local_time
from mlops_desktop.registry.entities import Alert
from mlops_desktop.ui.kit.charts import severity_color
from mlops_desktop.ui.kit.dialogs import set_primary
from mlops_desktop.ui.kit.labels import scaled_font
from mlops_desktop.ui.kit.tables import SortRole
from mlops_desktop.ui.kit.theme import is_dark
from mlops_desktop.ui.monitoring.model import SIGNAL_TEXT, alert_counts_text, alert_sort_key

NO_PARENT = QModelIndex()
COLUMNS = ("Severity", "Model", "Signal", "Message", "Opened", "State")


class AlertTableModel(QAbstractTableModel):
    """Alerts as rows; ``set_alerts`` keeps rows (and so the selection) when ids are the same."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.alerts: list[Alert] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.alerts)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        alert, col = self.alerts[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                alert.severity.capitalize(),
                alert.model_name,
                SIGNAL_TEXT.get(alert.signal, alert.signal),
                alert.message,
                local_time(alert.opened_at, seconds=True),
                alert.state.capitalize(),
            )[col]
        if role == SortRole:
            return alert_sort_key(alert, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = alert.message
            if alert.note:
                tip += f"\n\nNote: {alert.note}"
            return tip
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            level = "blocking" if alert.severity == "critical" else alert.severity
            return severity_color(level, self._palette())
        if role == Qt.ItemDataRole.FontRole and alert.state == "open" and col in (0, 5):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _palette(self) -> QPalette:
        from PySide6.QtGui import QGuiApplication

        return QGuiApplication.palette()

    def set_alerts(self, alerts: list[Alert]) -> None:
        if alerts == self.alerts:
            return
        if [a.id for a in alerts] == [a.id for a in self.alerts]:
            self.alerts = list(alerts)
            last = self.index(len(alerts) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self.alerts = list(alerts)
        self.endResetModel()


class NoteDialog(QDialog):
    """Acknowledge or resolve an alert with an optional note (kept in the audit trail)."""

    def __init__(self, verb: str, alert: Alert, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertNoteDialog")
        self.setWindowTitle(f"{verb} Alert")
        self.setMinimumWidth(480)
        what = QLabel(f"<b>{verb} alert #{alert.id} of {alert.model_name}?</b>")
        message = QLabel(alert.message)
        message.setWordWrap(True)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("e.g. Known seasonal change; retraining on Monday.")
        label = QLabel("&Note (optional, kept in the audit trail):")
        label.setBuddy(self.note_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton(f"&{verb}", QDialogButtonBox.ButtonRole.AcceptRole)
        set_primary(self.ok_button)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(message)
        layout.addSpacing(6)
        layout.addWidget(label)
        layout.addWidget(self.note_edit)
        layout.addWidget(buttons)

    def note(self) -> str:
        return self.note_edit.text().strip()


class RetrainDialog(QDialog):
    """Confirm "Retrain on recent data" and choose where the retrained model goes."""

    def __init__(self, alert: Alert, live: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retrainDialog")
        self.setWindowTitle("Retrain on Recent Data")
        self.setMinimumWidth(520)
        model = live or alert.model_name
        head = QLabel(f"<b>Retrain {model} on its recent traffic with outcomes?</b>")
        head.setWordWrap(True)
        text = QLabel(
            "The latest logged requests that have an outcome become the next dataset version; "
            f"{model}'s configuration is retrained on it and tested. The result is then deployed "
            "next to the live version; promote or abort it on the Deploy page."
        )
        text.setWordWrap(True)
        self.canary = QRadioButton("&Canary: send a share of the traffic to it")
        self.shadow = QRadioButton(
            "S&hadow: score every request silently, answer with the live one"
        )
        self.canary.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.canary)
        group.addButton(self.shadow)
        self.percent = QSpinBox()
        self.percent.setRange(1, 100)
        self.percent.setValue(20)
        self.percent.setSuffix(" %")
        self.percent.setAccessibleName("Canary share of traffic")
        share = QLabel("&Share:")
        share.setBuddy(self.percent)
        self.canary.toggled.connect(self.percent.setEnabled)
        row = QHBoxLayout()
        row.addSpacing(24)
        row.addWidget(share)
        row.addWidget(self.percent)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("&Retrain", QDialogButtonBox.ButtonRole.AcceptRole)
        set_primary(self.ok_button)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(text)
        layout.addSpacing(6)
        layout.addWidget(self.canary)
        layout.addLayout(row)
        layout.addWidget(self.shadow)
        layout.addWidget(buttons)

    def mode(self) -> str:
        return "canary" if self.canary.isChecked() else "shadow"

    def kwargs(self) -> dict:
        return {"mode": self.mode(), "percent": float(self.percent.value())}


class NotificationBanner(QFrame):
    """An in-window notice for a new alert (when the desktop has no notification area)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertBanner")
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()  # one line, so the charts keep their room; the tooltip has it all
        self.label.setWordWrap(False)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setFont(scaled_font(self, 1.0, bold=True))
        self.dismiss = QPushButton("Dism&iss")
        self.dismiss.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 2, 8, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss)
        self.hide()

    def announce(self, text: str) -> None:
        dark = is_dark(self.palette())
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, QColor("#4a1f1f" if dark else "#fde8e8"))
        pal.setColor(QPalette.ColorRole.WindowText, QColor("#ffd6d6" if dark else "#7f1d1d"))
        self.setPalette(pal)
        self.label.setText(text)
        self.label.setToolTip(text)
        self.show()


MIN_VISIBLE_ALERTS = 3


class AlertsPanel(QWidget):
    """The alert table with its actions and the latest action's outcome.

    Signals:
        acknowledge_requested(Alert), resolve_requested(Alert), retrain_requested(Alert).
    """

    acknowledge_requested = Signal(object)
    resolve_requested = Signal(object)
    retrain_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = AlertTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SortRole)
        self.view = QTableView()
        self.view.setObjectName("alertTable")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(4, Qt.SortOrder.DescendingOrder)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        # At least three alert rows stay visible however short the window.
        rows = MIN_VISIBLE_ALERTS * self.view.verticalHeader().defaultSectionSize()
        self.view.setMinimumHeight(rows + self.view.horizontalHeader().sizeHint().height() + 6)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.update_buttons())

        title = QLabel("Alerts")
        title.setFont(scaled_font(self, 1.1, bold=True))
        self.counts = QLabel()
        self.ack_button = QPushButton("Ac&knowledge…")
        self.resolve_button = QPushButton("Re&solve…")
        self.retrain_button = QPushButton("R&etrain on recent data…")
        self.retrain_button.setObjectName("retrainButton")
        self.retrain_button.setToolTip(
            "Retrain the live model on recent traffic with outcomes; deploy it as canary or shadow"
        )
        self.ack_button.clicked.connect(lambda: self._emit(self.acknowledge_requested))
        self.resolve_button.clicked.connect(lambda: self._emit(self.resolve_requested))
        self.retrain_button.clicked.connect(lambda: self._emit(self.retrain_requested))
        self.result = QLabel()
        self.result.setObjectName("alertResult")
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.hide()
        top = QHBoxLayout()
        top.addWidget(title)
        top.addWidget(self.counts, 1)
        for button in (self.ack_button, self.resolve_button, self.retrain_button):
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.result)
        self.busy = False
        self.update_buttons()

    def set_alerts(self, alerts: list[Alert]) -> None:
        keep = self.selected()
        self.source.set_alerts(alerts)
        if keep is not None and self.selected() is None:
            self.select(keep.id)
        if self.selected() is None and alerts:
            self.view.selectRow(0)  # the newest: its actions are one click away
        self.counts.setText(f"  {alert_counts_text(alerts)}")
        self.update_buttons()

    def selected(self) -> Alert | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.source.alerts[self.proxy.mapToSource(rows[0]).row()]

    def select(self, alert_id: int) -> bool:
        for row, alert in enumerate(self.source.alerts):
            if alert.id == alert_id:
                self.view.selectRow(self.proxy.mapFromSource(self.source.index(row, 0)).row())
                return True
        return False

    def update_buttons(self) -> None:
        alert = self.selected()
        idle = not self.busy
        self.ack_button.setEnabled(idle and alert is not None and alert.state == "open")
        self.resolve_button.setEnabled(idle and alert is not None and alert.state != "resolved")
        self.retrain_button.setEnabled(alert is not None and alert.state != "resolved")

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.update_buttons()

    def show_result(self, html: str) -> None:
        self.result.setText(html)
        self.result.setVisible(bool(html))

    def _emit(self, signal) -> None:
        alert = self.selected()
        if alert is not None:
            signal.emit(alert)
