"""Enter presses a dialog's primary action, never Cancel (#13: Register showed Cancel as the
default, so Enter cancelled)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton

from mlops_desktop.ui.governance.review_tab import ReasonDialog
from mlops_desktop.ui.training.dialogs import RegisterDialog


def _press_enter(qtbot, dialog: QDialog) -> list[str]:
    """Show ``dialog``, press Enter where the focus is; return what happened."""
    qtbot.addWidget(dialog)
    happened: list[str] = []
    dialog.accepted.connect(lambda: happened.append("accepted"))
    dialog.rejected.connect(lambda: happened.append("rejected"))
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()  # a window left by an earlier test must not keep the focus
    focus = dialog.focusWidget() or dialog
    qtbot.keyClick(focus, Qt.Key.Key_Return)
    return happened


def _defaults(dialog: QDialog) -> list[str]:
    return [b.text() for b in dialog.findChildren(QPushButton) if b.isDefault()]


def test_enter_registers_in_the_register_dialog(qtbot):
    dialog = RegisterDialog("run-1", "credit", lambda name: 3)
    assert _press_enter(qtbot, dialog) == ["accepted"]
    assert _defaults(dialog) == ["&Register"]


def test_enter_confirms_a_review_once_a_reason_is_written_and_the_default_shows_it(qtbot):
    dialog = ReasonDialog("Accept", "Accept the model's decision?", "Accept", required=True)
    dialog.reason_edit.setText("checked the documents")
    assert _press_enter(qtbot, dialog) == ["accepted"]
    assert _defaults(dialog) == ["&Accept"]


def test_shown_twice_the_primary_stays_the_default(qtbot):
    dialog = RegisterDialog("run-1", "credit", lambda name: 3)
    qtbot.addWidget(dialog)
    for _ in range(2):
        dialog.show()
        qtbot.waitExposed(dialog)
        assert _defaults(dialog) == ["&Register"]
        dialog.hide()
