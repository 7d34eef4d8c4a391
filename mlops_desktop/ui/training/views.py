"""The runs table: a Qt model over RunRow records (cells from ``training.model``), a proxy
that sorts and filters it, and the view that sizes its columns."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableView

from mlops_desktop.training.run_summary import RunRow
from mlops_desktop.ui.kit.icons import dot_pixmap
from mlops_desktop.ui.kit.tables import SortRole, fit_columns, make_room
from mlops_desktop.ui.runtime.job_table import STATUS_COLORS
from mlops_desktop.ui.training.model import (
    COL_BASELINE,
    COL_CV,
    COL_HOLDOUT,
    COL_METRIC,
    COL_MODEL,
    COL_NOTES,
    COL_RUN,
    COL_STATUS,
    COLUMNS,
    NUMERIC,
    cell_text,
    row_matches,
    sort_key,
)

RowRole = Qt.ItemDataRole.UserRole + 2
KeyRole = Qt.ItemDataRole.UserRole + 3
ModelIndex = QModelIndex | QPersistentModelIndex


class RunsTableModel(QAbstractTableModel):
    """Runs (and training jobs without a run) as rows, updated in place by key."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RunRow] = []
        self._index_of: dict[str, int] = {}
        self._icons = {s: dot_pixmap(QColor(c), 10, 2.0) for s, c in STATUS_COLORS.items()}

    # -- structure ---------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return {
                COL_METRIC: "The task's primary metric (ROC AUC, or RMSE for regression)",
                COL_HOLDOUT: "The primary metric on the held-out test part",
                COL_CV: "Cross-validated on the training part: mean ± standard deviation",
                COL_BASELINE: "The dummy baseline's primary metric on the holdout",
            }.get(section)
        return None

    def rows(self) -> list[RunRow]:
        return list(self._rows)

    def row_of(self, key: str) -> int | None:
        return self._index_of.get(key)

    def set_rows(self, rows: list[RunRow]) -> None:
        """Update in place: changed rows emit dataChanged, new rows are appended, gone rows are
        removed, so views keep their selection and scroll position."""
        new = {row.key: row for row in rows}
        for index in range(len(self._rows) - 1, -1, -1):
            if self._rows[index].key not in new:
                self.beginRemoveRows(QModelIndex(), index, index)
                del self._rows[index]
                self.endRemoveRows()
        self._index_of = {row.key: i for i, row in enumerate(self._rows)}
        for key, row in new.items():
            at = self._index_of.get(key)
            if at is None:
                continue
            if self._rows[at] != row:
                self._rows[at] = row
                self.dataChanged.emit(self.index(at, 0), self.index(at, len(COLUMNS) - 1))
        added = [row for key, row in new.items() if key not in self._index_of]
        if added:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(added) - 1)
            self._rows.extend(added)
            self.endInsertRows()
        self._index_of = {row.key: i for i, row in enumerate(self._rows)}

    # -- data --------------------------------------------------------------------------------

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(row, col)
        if role == SortRole:
            return sort_key(row, col)
        if role == RowRole:
            return row
        if role == KeyRole:
            return row.key
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (
                Qt.AlignmentFlag.AlignRight if col in NUMERIC else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_STATUS:
            return self._icons.get(row.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col in (COL_NOTES, COL_STATUS) and row.note:
                return row.note
            if col == COL_MODEL:
                return cell_text(row, col)  # whole, where the column is narrow
            if col == COL_RUN and row.run_id is None:
                return f"Job {row.job_id}: no run was recorded"
        return None


class RunsFilterProxy(QSortFilterProxyModel):
    """Sorts by ``SortRole``; filters by text (run id, dataset, model), status and
    dataset name."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SortRole)
        self._text = ""
        self._status = ""
        self._dataset = ""

    def set_text(self, text: str) -> None:
        self._change(_text=text.strip().casefold())

    def set_status(self, status: str) -> None:
        self._change(_status=status or "")

    def set_dataset(self, name: str) -> None:
        self._change(_dataset=name or "")

    def _change(self, **values: str) -> None:
        self.beginFilterChange()
        for key, value in values.items():
            setattr(self, key, value)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        row: RunRow = model.data(model.index(source_row, 0, source_parent), RowRole)
        if row is None:
            return False
        return row_matches(row, self._text, self._status, self._dataset)


class RunsTable(QTableView):
    """The runs table's view: columns as wide as their contents, Notes takes the rest; at
    narrow widths the model name gives Notes room (elided, whole in its tooltip)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._fit_soon = QTimer(self)
        self._fit_soon.setSingleShot(True)
        self._fit_soon.setInterval(0)
        self._fit_soon.timeout.connect(self.fit)

    def setModel(self, model: Any) -> None:  # noqa: N802 - Qt override
        super().setModel(model)
        for signal in (
            model.modelReset,
            model.rowsInserted,
            model.rowsRemoved,
            model.layoutChanged,
            model.dataChanged,
        ):
            signal.connect(self._fit_soon.start)
        self._fit_soon.start()

    def fit(self) -> None:
        if self.model() is not None:
            fit_columns(self, COL_NOTES)
            make_room(self, COL_NOTES, [COL_MODEL], least=100)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit()
