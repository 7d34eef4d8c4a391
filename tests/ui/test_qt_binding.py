"""The Qt binding keeps Python's reference counts intact when signals are emitted.

PySide6 6.12.0 drops a reference to ``True`` on every ``emit()``: after a few thousand
emissions (minutes of the app's once-a-second pollers) Python aborts with "deallocating True or
False". pyproject.toml excludes that release; this test catches any binding with the same fault.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    plain = Signal()
    result = Signal(object, object)


def test_emitting_signals_leaves_reference_counts_alone(qapp):
    emitter = _Emitter()
    received: list = []
    emitter.plain.connect(lambda: received.append(1))
    emitter.result.connect(lambda value, error: received.append(value))
    before = {name: sys.getrefcount(obj) for name, obj in (("True", True), ("None", None))}
    for i in range(200):
        emitter.plain.emit()
        emitter.result.emit(i, None)
    after = {name: sys.getrefcount(obj) for name, obj in (("True", True), ("None", None))}
    assert len(received) == 400
    # A little slack for unrelated objects created meanwhile; a leak per emit would be -400.
    assert all(abs(after[k] - before[k]) < 50 for k in before), (before, after)
