"""The About box: version, what the app does, and credit for the datasets it ships and uses."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from mlops_desktop import __version__
from mlops_desktop.ui.kit.icons import app_icon

#: Datasets used by the demo, tests and benchmarks (all CC BY 4.0), as credited in SOURCES.md.
DATASET_CREDITS: tuple[str, ...] = (
    "Hofmann, H. (1994). Statlog (German Credit Data). UCI Machine Learning Repository. CC BY 4.0.",
    "Becker, B. &amp; Kohavi, R. (1996). Adult. UCI Machine Learning Repository. CC BY 4.0.",
    "Fanaee-T, H. &amp; Gama, J. (2013). Bike Sharing. UCI Machine Learning Repository. CC BY 4.0.",
)


def about_html() -> str:
    """The About box's rich text."""
    credits = "".join(f"<li>{line}</li>" for line in DATASET_CREDITS)
    return (
        f"<h3>MLOps Desktop {__version__}</h3>"
        "<p>Take scikit-learn models through Data, Train, Test, Deploy, Monitor and Govern "
        "on one machine, offline.</p>"
        "<p><b>Datasets</b><br>The demo workspace and examples use these public datasets:</p>"
        f"<ul>{credits}</ul>"
        f"<p style='color:gray'>Qt {qVersion()} · PySide6 {pyside_version} · "
        f"Python {platform.python_version()}</p>"
        "<p>Licensed under the MIT License.</p>"
    )


def about_box(parent: QWidget | None) -> QMessageBox:
    """A non-modal-by-default About box; show it with ``open()``."""
    box = QMessageBox(parent)
    box.setWindowTitle("About MLOps Desktop")
    box.setIconPixmap(app_icon().pixmap(96, 96))
    box.setText(about_html())
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setObjectName("aboutBox")
    return box
