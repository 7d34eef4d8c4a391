"""The checks report (findings grouped by severity) and the per-column profile table."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QRectF, QSortFilterProxyModel, Qt
from PySide6.QtGui import QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.formatting import MISSING, profile_numbers, significant
from mlops_desktop.ui.data.model import GROUP_TITLES, SEVERITIES, column_label
from mlops_desktop.ui.kit.charts import (
    BARS_KIND_ROLE,
    BARS_ROLE,
    BarsDelegate,
    SeverityDot,
    severity_color,
)
from mlops_desktop.ui.kit.labels import mute, scaled_font
from mlops_desktop.ui.kit.tables import SortRole, fit_columns

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def profile_value(value: Any) -> str:
    """A minimum, mean or maximum of the profile: a date as stored (ISO, without the "T"), a
    number to four significant digits."""
    if isinstance(value, str):
        return value[:19].replace("T", " ") or MISSING
    return significant(value, 4)


class _Stripe(QWidget):
    """A coloured vertical stripe marking a finding card's severity."""

    def __init__(self, severity: str) -> None:
        super().__init__()
        self.severity = severity
        self.setFixedWidth(4)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(QRectF(self.rect()), severity_color(self.severity, self.palette()))


class FindingCard(QFrame):
    """One finding: title, category and columns, why it matters, the suggested fix."""

    def __init__(self, finding: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.finding = finding
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"finding_{finding.get('check', '')}")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 8, 0)
        outer.setSpacing(10)
        outer.addWidget(_Stripe(finding.get("severity", "info")))
        body = QVBoxLayout()
        body.setContentsMargins(0, 8, 0, 8)
        body.setSpacing(3)
        self.title = QLabel(finding.get("title", ""))
        self.title.setFont(scaled_font(self, 1.0, bold=True))
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        columns = ", ".join(finding.get("columns") or [])
        meta = finding.get("category", "").capitalize() + (
            f" · columns: {columns}" if columns else ""
        )
        self.meta = QLabel(meta)
        self.meta.setWordWrap(True)
        self.meta.setTextFormat(Qt.TextFormat.PlainText)
        mute(self.meta, self)
        self.why = QLabel(f"<b>Why it matters:</b> {escape(finding.get('why', ''))}")
        self.fix = QLabel(f"<b>Suggested fix:</b> {escape(finding.get('fix', ''))}")
        for label in (self.title, self.why, self.fix, self.meta):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.why, self.fix):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
        for widget in (self.title, self.meta, self.why, self.fix):
            body.addWidget(widget)
        outer.addLayout(body, 1)


NO_FINDINGS = "No findings: every leakage, quality and drift check passed."
CHECKS_RUNNING = "The leakage, quality and drift checks are running; their findings appear here."
CHECKS_STOPPED = "The checks did not finish, so there are no findings to show."


class ChecksReport(QScrollArea):
    """Findings grouped by severity: blocking (red), warnings (amber), information (blue)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checksReport")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.findings: list[dict] = []
        self.cards: list[FindingCard] = []
        self.group_labels: dict[str, QLabel] = {}
        self.set_findings([])

    def set_findings(self, findings: list[dict], empty_text: str = NO_FINDINGS) -> None:
        """Show ``findings`` (dicts as stored with a version or returned by ``analyze``).

        ``empty_text`` is what shows when there are none (e.g. that the checks still run)."""
        self.findings = list(findings)
        self.cards, self.group_labels = [], {}
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(6)
        if not self.findings:
            empty = QLabel(empty_text)
            empty.setObjectName("checksEmpty")
            empty.setWordWrap(True)
            layout.addWidget(empty)
        for severity in SEVERITIES:
            group = [f for f in self.findings if f.get("severity") == severity]
            if not group:
                continue
            header = QHBoxLayout()
            header.setSpacing(6)
            header.addWidget(SeverityDot(severity))
            label = QLabel(f"{GROUP_TITLES[severity]} ({len(group)})")
            label.setFont(scaled_font(self, 1.05, bold=True))
            pal = label.palette()
            pal.setColor(label.foregroundRole(), severity_color(severity, self.palette()))
            label.setPalette(pal)
            self.group_labels[severity] = label
            header.addWidget(label)
            header.addStretch(1)
            layout.addSpacing(4)
            layout.addLayout(header)
            for finding in group:
                card = FindingCard(finding)
                self.cards.append(card)
                layout.addWidget(card)
        layout.addStretch(1)
        self.setWidget(inner)

    def titles(self, severity: str | None = None) -> list[str]:
        """The shown findings' titles (of one severity if given)."""
        return [
            c.finding.get("title", "")
            for c in self.cards
            if severity is None or c.finding.get("severity") == severity
        ]


class _SortProxy(QSortFilterProxyModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SortRole)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(0)


PROFILE_HEADERS = (
    "Column",
    "Type",
    "Missing",
    "Unique",
    "Min",
    "Mean",
    "Max",
    "Distribution",
    "Most frequent",
)
COL_BARS = 7
COL_FREQUENT = 8


def _distribution(info: dict) -> tuple[list[float], str, str]:
    """Counts to draw, their kind ('hist' or 'top') and a tooltip describing them."""
    if info.get("histogram", {}).get("counts"):
        hist = info["histogram"]
        edges = hist.get("edges") or []
        span = f"{profile_value(edges[0])} to {profile_value(edges[-1])}" if edges else ""
        return list(hist["counts"]), "hist", f"Histogram, {len(hist['counts'])} bins, {span}"
    tops = info.get("top_values") or []
    if tops:
        lines = [f"{t['value']}: {t['count']:,}" for t in tops[:10]]
        if len(tops) > 10 or info.get("other_count"):
            rest = sum(t["count"] for t in tops[10:]) + int(info.get("other_count") or 0)
            lines.append(f"other values: {rest:,}")
        return [t["count"] for t in tops[:12]], "top", "Most frequent values\n" + "\n".join(lines)
    return [], "", ""


class ProfileTable(QTableView):
    """One row per column: type, missing share, unique count, min/mean/max and a distribution."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profileTable")
        self.source = QStandardItemModel(0, len(PROFILE_HEADERS), self)
        self.source.setHorizontalHeaderLabels(list(PROFILE_HEADERS))
        self.proxy = _SortProxy(self)
        self.proxy.setSourceModel(self.source)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(26)
        self.setItemDelegateForColumn(COL_BARS, BarsDelegate(self))
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col in range(2, 7):
            self.source.horizontalHeaderItem(col).setTextAlignment(RIGHT)

    def set_profile(
        self, profile: dict, roles: dict | None = None, pii: dict | None = None
    ) -> None:
        """Fill from a stored profile (``{"column_order", "columns": {name: info}}``)."""
        roles, pii = roles or {}, pii or {}
        columns = profile.get("columns", {})
        order = profile.get("column_order") or list(columns)
        self.source.removeRows(0, self.source.rowCount())
        for position, name in enumerate(order):
            info = columns.get(name, {})
            self.source.appendRow(self._row(position, name, info, roles, pii))
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self._fit()

    def _fit(self) -> None:
        """The names as wide as they are (to a cap), the top values the rest."""
        fit_columns(self, COL_FREQUENT)
        self.setColumnWidth(0, max(self.columnWidth(0), 140))
        self.setColumnWidth(COL_BARS, 200)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width() and self.source.rowCount():
            self._fit()

    def _row(self, position: int, name: str, info: dict, roles: dict, pii: dict) -> list:
        label = column_label(name, roles, pii)
        share = float(info.get("missing_share") or 0.0)
        low, mean, high = (info.get(k) for k in ("min", "mean", "max"))
        if not any(isinstance(v, str) for v in (low, mean, high)):  # one precision for the three
            texts = profile_numbers(low, mean, high)
        else:
            texts = (profile_value(low), profile_value(mean), profile_value(high))
        cells = [
            (label, position),
            (info.get("type", ""), info.get("type", "")),
            (f"{share:.1%}", share),
            (f"{int(info.get('unique') or 0):,}", int(info.get("unique") or 0)),
            (texts[0], low),
            (texts[1], mean),
            (texts[2], high),
        ]
        items = []
        for col, (text, key) in enumerate(cells):
            item = QStandardItem(text)
            if isinstance(key, (int, float)) and not isinstance(key, bool):
                item.setData(key, SortRole)
            else:
                item.setData(-1e300 if 2 <= col <= 6 else str(key or ""), SortRole)
            if 2 <= col <= 6:
                item.setTextAlignment(RIGHT)
            items.append(item)
        items[0].setToolTip(name)
        counts, kind, tip = _distribution(info)
        bars = QStandardItem()
        bars.setData(counts, BARS_ROLE)
        bars.setData(kind, BARS_KIND_ROLE)
        bars.setData(len(counts), SortRole)
        bars.setToolTip(tip)
        items.append(bars)
        tops = info.get("top_values") or []
        frequent = QStandardItem(", ".join(f"{t['value']} ({t['count']:,})" for t in tops[:3]))
        frequent.setData(frequent.text(), SortRole)
        frequent.setToolTip(tip if tops else "")
        items.append(frequent)
        return items

    def column_names(self) -> list[str]:
        """The profiled column names in the current (sorted) order."""
        return [
            str(self.proxy.index(r, 0).data()).split("  (")[0] for r in range(self.proxy.rowCount())
        ]

    def set_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
