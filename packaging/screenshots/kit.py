"""The screenshot driver's tools: settle the event loop, wait for conditions, grab the screen.

Everything here runs inside the app's own process, on the GUI thread, against a real X server.
"""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QPoint, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QMessageBox, QTabWidget


class StepSkipped(Exception):
    """A journey step that could not be driven; the run goes on."""


class Shooter:
    """Names, takes and counts the pictures of one setting, and logs skipped steps."""

    def __init__(self, out: Path, journey: str = "") -> None:
        self.out = out
        self.journey = journey
        self.number = 0
        self.taken: list[Path] = []
        self.skipped: list[str] = []
        out.mkdir(parents=True, exist_ok=True)

    def start(self, journey: str) -> None:
        self.journey, self.number = journey, 0

    def shot(self, step: str, settle_ms: int = 400) -> Path:
        """Let the window settle, then grab the whole X screen as ``<journey>-<NN>-<step>.png``."""
        settle(settle_ms)
        self.number += 1
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.out / f"{self.journey}-{self.number:02d}-{slug}.png"
        screen = QGuiApplication.primaryScreen()
        screen.grabWindow(0).save(str(path))
        self.taken.append(path)
        print(f"  shot {path.name}", flush=True)
        return path

    def skip(self, step: str, reason: str) -> None:
        line = f"{self.journey}: {step}: {reason}"
        self.skipped.append(line)
        print(f"  SKIPPED {line}", flush=True)

    def step(self, step: str, fn: Callable[[], object]) -> bool:
        """Run one step; a failure is logged as skipped (with its reason), never raised."""
        try:
            fn()
            return True
        except StepSkipped as exc:
            self.skip(step, str(exc))
        except Exception as exc:  # noqa: BLE001 (a tool: log and go on)
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            self.skip(step, detail)
            traceback.print_exc()
        close_dialogs()
        return False


def settle(ms: int = 300) -> None:
    """Run the event loop for ``ms`` milliseconds (paints, layouts, queued signals)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    QCoreApplication.processEvents()


def wait_until(condition: Callable[[], object], timeout_s: float = 120.0, what: str = "") -> None:
    """Run the event loop until ``condition()`` is true; StepSkipped after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if condition():
                return
        except Exception:  # noqa: BLE001 (not ready yet)
            pass
        if time.monotonic() > deadline:
            raise StepSkipped(f"timed out after {timeout_s:.0f} s waiting for {what or 'it'}")
        settle(100)


def shown(widget) -> bool:
    """True while ``widget`` exists (not deleted by Qt) and is visible."""
    return widget is not None and shiboken6.isValid(widget) and widget.isVisible()


def click(button: QAbstractButton | None, what: str = "") -> None:
    """A real mouse click on an enabled, visible button."""
    if button is None:
        raise StepSkipped(f"no {what or 'button'} found")
    if not button.isVisible() or not button.isEnabled():
        raise StepSkipped(f"{what or button.text()!r} is not visible and enabled")
    QTest.mouseClick(button, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint())
    settle(150)


def visible_dialogs() -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def close_dialogs() -> None:
    """Reject every dialog on screen (after a skipped step, or to move on)."""
    for _ in range(5):
        dialogs = visible_dialogs()
        if not dialogs:
            return
        for dialog in dialogs:
            dialog.reject()
        settle(150)


def accept_box(box: QMessageBox | None) -> None:
    """Press the message box's accepting button (Yes, Deploy, OK...)."""
    if box is None or not box.isVisible():
        raise StepSkipped("the confirmation did not appear")
    roles = (QMessageBox.ButtonRole.AcceptRole, QMessageBox.ButtonRole.YesRole)
    buttons = [b for b in box.buttons() if box.buttonRole(b) in roles]
    if not buttons:
        raise StepSkipped("the confirmation has no accepting button")
    click(buttons[0], "accept")


def shoot_tabs(shooter: Shooter, root, prefix: str, skip_first: bool = False) -> None:
    """Show each tab of every visible QTabWidget under ``root`` in turn and shoot it."""
    found = [t for t in root.findChildren(QTabWidget) if t.isVisible()]
    if not found:
        shooter.skip(f"{prefix} tabs", "no tabs on screen")
    for tabs in found:
        if not tabs.isVisible():
            continue
        for index in range(tabs.count()):
            if skip_first and index == 0:
                continue
            if not tabs.isTabEnabled(index):
                shooter.skip(f"{prefix} tab {tabs.tabText(index)}", "tab disabled")
                continue
            tabs.setCurrentIndex(index)
            label = tabs.tabText(index).replace("&", "")
            shooter.shot(f"{prefix}-tab-{label}")
        tabs.setCurrentIndex(0)
