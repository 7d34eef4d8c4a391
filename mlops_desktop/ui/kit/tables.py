"""Tables every page uses: the one sort role and a sortable, filterable table of records.

Every sortable model stores the value its proxy sorts by under ``SortRole``; the other roles of
such a model start at ``Qt.ItemDataRole.UserRole + 2`` so they never collide with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from mlops_desktop.formatting import number
from mlops_desktop.ui.kit.specs import Column
from mlops_desktop.ui.kit.theme import status_colors

#: The value a QSortFilterProxyModel sorts a column by (numbers as numbers, not as text).
SortRole = Qt.ItemDataRole.UserRole + 1
#: True on the rows a ``RecordTable`` highlights (and "flagged only" keeps).
FlagRole = Qt.ItemDataRole.UserRole + 2
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class RowFilter(QSortFilterProxyModel):
    """Text filter over every column, optionally only flagged rows."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.flagged_only = False
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setSortRole(SortRole)

    def set_flagged_only(self, on: bool) -> None:
        self.flagged_only = on
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802 - Qt override
        if self.flagged_only:
            index = self.sourceModel().index(row, 0, parent)
            if not index.data(FlagRole):
                return False
        return super().filterAcceptsRow(row, parent)


#: A text column sized to its contents grows no wider than this, nor than a quarter of the
#: table, but at least the small width (its tooltip shows the rest).
TEXT_CAP_PX, TEXT_MIN_PX = 360, 120


def text_cap(view: QTableView) -> int:
    """How wide a text column sized to its contents may grow in ``view``."""
    return max(TEXT_MIN_PX, min(TEXT_CAP_PX, view.viewport().width() // 4))


def fit_columns(
    view: QTableView, stretch: int | None, floors: dict[int, int] | None = None
) -> None:
    """Every column as wide as its contents (text ones at most ``text_cap``, or the column's
    width in ``floors`` when larger), and column ``stretch`` (the descriptive one) takes the
    room left, so a wide window widens the names, not the last column. The user can still drag
    the other columns."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    cap = text_cap(view)
    for col in range(view.model().columnCount()):
        if col == stretch:
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
            continue
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        view.resizeColumnToContents(col)
        most = max(cap, (floors or {}).get(col, 0))
        if header.sectionSize(col) > most:
            header.resizeSection(col, most)


def content_width(view: QTableView, col: int) -> int:
    """The width column ``col`` needs for its header and cells."""
    return max(view.sizeHintForColumn(col), view.horizontalHeader().sectionSizeHint(col))


def make_room(
    view: QTableView, stretch: int, yielding: Sequence[int], least: int = TEXT_MIN_PX
) -> None:
    """After ``fit_columns``: when the stretch column would get less than its contents (to
    ``text_cap``), the ``yielding`` columns give up width, widest first, down to ``least``.
    Their cells elide; give them a tooltip that shows the whole text."""
    header = view.horizontalHeader()
    need = min(content_width(view, stretch), text_cap(view))
    others = sum(
        header.sectionSize(c)
        for c in range(header.count())
        if c != stretch and not header.isSectionHidden(c)
    )
    short = need - (view.viewport().width() - others)
    for col in sorted(yielding, key=header.sectionSize, reverse=True):
        give = min(short, header.sectionSize(col) - least)
        if give > 0:
            header.resizeSection(col, header.sectionSize(col) - give)
            short -= give


class RecordTable(QTableView):
    """Rows of values: numbers right-aligned and sorted as numbers, flagged rows highlighted."""

    def __init__(self, columns: Sequence[Column], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.source = QStandardItemModel(0, len(self.columns), self)
        self.source.setHorizontalHeaderLabels([c.title for c in self.columns])
        for i, c in enumerate(self.columns):
            if c.numeric:
                self.source.horizontalHeaderItem(i).setTextAlignment(RIGHT)
        self.proxy = RowFilter(self)
        self.proxy.setSourceModel(self.source)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        # Rows keep the given order (e.g. primary metric first, slices worst first) until the
        # user clicks a header.
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(26)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for i, c in enumerate(self.columns):
            if c.width:
                self.setColumnWidth(i, c.width)
        self._rows: list = []
        #: Size the table to its rows (for short tables that sit above other content).
        self.fit_rows = False
        #: Long cells wrap onto more lines (rows grow) instead of being cut: ``wrap_long_cells``.
        self.wrap_rows = False

    def set_rows(
        self,
        rows: Sequence[Sequence[Any]],
        flagged: Sequence[bool] | None = None,
        tooltips: Sequence[str] | None = None,
    ) -> None:
        """Replace the rows; each value is ``(text, sort_value)`` or a plain value."""
        key = (list(map(list, rows)), list(flagged or []))
        if key == self._rows:
            return  # unchanged: keep selection and scroll position
        self._rows = key
        self.source.setRowCount(0)
        for r, values in enumerate(rows):
            is_flagged = bool(flagged and flagged[r])
            tip = tooltips[r] if tooltips else ""
            self.source.appendRow(self._items(values, is_flagged, tip))
        self.fit()
        if self.fit_rows:
            height = self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth()
            height += self.verticalHeader().defaultSectionSize() * len(rows)
            self.setFixedHeight(height + 2)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.fit()  # the caps follow the width

    def wrap_long_cells(self) -> None:
        """Wrap long cells (lists of names, notes) onto more lines instead of cutting them."""
        self.wrap_rows = True
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.fit()

    def fit(self) -> None:
        """Columns to their contents (a text column up to the cap, or to its declared width
        when that is larger), the stretch column the rest; rows grow when ``wrap_rows``."""
        fit_columns(self, self.stretch_column(), {i: c.width for i, c in enumerate(self.columns)})
        if self.wrap_rows:
            self.resizeRowsToContents()

    def stretch_column(self) -> int | None:
        """The column marked ``stretch``, else the text column with the longest text."""
        marked = [i for i, c in enumerate(self.columns) if c.stretch]
        if marked:
            return marked[0]
        widest = {
            i: max((len(t[i]) for t in self.row_texts() if i < len(t)), default=0)
            for i, c in enumerate(self.columns)
            if not c.numeric
        }
        return max(widest, key=lambda i: (widest[i], -i)) if widest else None

    def _items(self, values: Sequence[Any], flagged: bool, tip: str) -> list[QStandardItem]:
        bg, fg = status_colors(self, "failed")
        items = []
        for column, value in zip(self.columns, values, strict=False):
            text, sort = value if isinstance(value, tuple) else (number(value), value)
            item = QStandardItem(text)
            item.setData(sort if sort is not None else -math.inf, SortRole)
            item.setData(flagged, FlagRole)
            if column.numeric:
                item.setTextAlignment(RIGHT)
            if flagged:
                item.setBackground(bg)
                item.setForeground(fg)
            if tip:
                item.setToolTip(tip)
            elif len(text) > 40:
                item.setToolTip(text)
            items.append(item)
        return items

    def row_texts(self) -> list[list[str]]:
        """What the table shows, in view order (for tests and copy)."""
        model = self.model()
        return [
            [str(model.index(r, c).data() or "") for c in range(model.columnCount())]
            for r in range(model.rowCount())
        ]
