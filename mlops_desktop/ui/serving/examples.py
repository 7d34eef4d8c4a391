"""Copyable example requests (curl and Python) for the live version of a model."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from mlops_desktop.serving.server import DEFAULT_HOST, DEFAULT_PORT
from mlops_desktop.ui.kit.widgets import code_view
from mlops_desktop.ui.serving.model import example_requests


class SnippetBox(QWidget):
    """A read-only monospace snippet with a caption and a Copy button."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = code_view()
        self.text.setMinimumHeight(96)
        self.text.setMaximumHeight(220)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip(f"Copy the {caption} example to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        head = QHBoxLayout()
        title = QLabel(caption)
        title.setBuddy(self.text)
        head.addWidget(title, 1)
        head.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.text)

    def set_text(self, text: str) -> None:
        if self.text.toPlainText() != text:
            self.text.setPlainText(text)
            self.copy_button.setText("Copy")

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copy_button.setText("Copied")


class ExamplesView(QWidget):
    """Copyable example requests (curl and Python) for the live version of a model."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.curl = SnippetBox("&curl")
        self.python = SnippetBox("P&ython (httpx)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(10)
        layout.addWidget(self.caption)
        layout.addWidget(self.curl)
        layout.addWidget(self.python)
        layout.addStretch(1)

    def show_for(
        self,
        name: str,
        live: str | None,
        url: str | None,
        signature: dict,
        port: int = DEFAULT_PORT,
    ) -> None:
        """Examples for ``name``'s live version ``live`` at ``url`` (None: service stopped, and
        Start service will serve it on ``port``)."""
        if live is None:
            self.set_examples(f"Deploy a version of {name} to get example requests for it.", None)
            return
        shown = url or f"http://{DEFAULT_HOST}:{port}"
        where = (
            f"at {shown}"
            if url
            else f"once the service runs (it is stopped; Start service serves {shown})"
        )
        caption = f"Score one row with {name}@live (now {live}) {where}."
        self.set_examples(caption, example_requests(shown, name, signature))

    def set_examples(self, caption: str, examples: dict[str, str] | None) -> None:
        self.caption.setText(caption)
        self.curl.setVisible(examples is not None)
        self.python.setVisible(examples is not None)
        # Hidden examples keep no text: one of another model or workspace must not linger.
        self.curl.set_text(examples["curl"] if examples else "")
        self.python.set_text(examples["python"] if examples else "")
