"""Small shared widgets: the empty state, a copyable CLI command line, stat cards, a read-only
code view and a scroll area."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.ui.kit.icons import glyph_pixmap
from mlops_desktop.ui.kit.labels import muted_color, scaled_font
from mlops_desktop.ui.kit.specs import EmptyStateSpec


class CommandLine(QFrame):
    """A monospace, selectable command with a Copy button next to it."""

    def __init__(self, command: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commandLine")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.setSpacing(8)
        self.label = QLabel()
        self.label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setCursor(Qt.CursorShape.IBeamCursor)
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy the command to the clipboard")
        self.copy_button.setAutoRaise(True)
        self.copy_button.clicked.connect(self.copy)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.copy_button)
        self.set_command(command)

    def command(self) -> str:
        return self.label.text()

    def set_command(self, command: str) -> None:
        self.label.setText(command)
        self.setVisible(bool(command))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.label.text())
        self.copy_button.setText("Copied")


class EmptyState(QWidget):
    """Centred: a large glyph, a heading, one sentence, a command line and an optional button."""

    action_requested = Signal(str)

    def __init__(self, glyph: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._glyph = glyph
        self._action_page = ""
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        #: The centred column holding the texts (440 to 560 px wide).
        self.column = column = QWidget()
        column.setMinimumWidth(440)
        column.setMaximumWidth(560)
        layout = QVBoxLayout(column)
        layout.setSpacing(10)
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading = QLabel()
        self.heading.setObjectName("emptyHeading")
        self.heading.setFont(scaled_font(self, 1.35, bold=True))
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setWordWrap(True)
        self.text = QLabel()
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.cli_caption = QLabel("Or from the command line:")
        self.cli_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.command = CommandLine()
        self.action = QPushButton()
        self.action.setMinimumSize(160, 34)
        self.action.clicked.connect(lambda: self.action_requested.emit(self._action_page))
        layout.addWidget(self.icon)
        layout.addSpacing(4)
        layout.addWidget(self.heading)
        layout.addWidget(self.text)
        layout.addSpacing(8)
        layout.addWidget(self.action, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(4)
        layout.addWidget(self.cli_caption)
        layout.addWidget(self.command)
        outer.addWidget(column, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(3)
        self._update_colors()

    def set_spec(self, spec: EmptyStateSpec) -> None:
        """Show ``spec``'s texts; hide the parts it leaves empty."""
        self.heading.setText(spec.heading)
        self.text.setText(spec.text)
        self.command.set_command(spec.command)
        self.cli_caption.setVisible(bool(spec.command))
        self._action_page = spec.action_page
        self.action.setText(spec.action_label)
        self.action.setVisible(bool(spec.action_label and spec.action_page))

    def _update_colors(self) -> None:
        muted = muted_color(self)
        self.icon.setPixmap(glyph_pixmap(self._glyph, muted, 72, self.devicePixelRatioF(), 1.2))
        for label in (self.cli_caption,):
            pal = label.palette()
            pal.setColor(QPalette.ColorRole.WindowText, muted)
            label.setPalette(pal)

    def changeEvent(self, event) -> None:
        if event.type() in (event.Type.PaletteChange, event.Type.StyleChange):
            self._update_colors()
        super().changeEvent(event)


class StatCard(QFrame):
    """A number with a caption, e.g. "3" over "datasets"."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(160)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        self.value = QLabel("0")
        self.value.setFont(scaled_font(self, 2.0, bold=True))
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.caption = QLabel(caption)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set_value(self, value: int) -> None:
        self.value.setText(f"{value:,}")


class StatCards(QWidget):
    """A row of StatCards keyed by name."""

    def __init__(self, captions: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(12)
        self.cards: dict[str, StatCard] = {}
        for column, (key, caption) in enumerate(captions.items()):
            card = StatCard(caption)
            self.cards[key] = card
            layout.addWidget(card, 0, column)
        layout.setColumnStretch(len(captions), 1)

    def set_values(self, values: dict[str, int]) -> None:
        for key, value in values.items():
            if key in self.cards:
                self.cards[key].set_value(value)


def scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area, so a short window still shows all of it."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


def code_view() -> QPlainTextEdit:
    """A read-only, monospace, unwrapped text view (YAML, logs, example requests)."""
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    return view
