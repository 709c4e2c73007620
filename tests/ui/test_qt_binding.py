"""The Qt binding itself must not corrupt the interpreter.

PySide6 6.12.0 under Python 3.11 drops a reference to None on every call that
returns nothing, and to True on every signal emit; after a few thousand calls
Python aborts ("none_dealloc"). pyproject.toml excludes that release; this test
fails (or aborts the run) on any binding with the same defect.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QGraphicsRectItem


class _Emitter(QObject):
    fired = Signal(int)


def test_void_calls_and_emits_keep_reference_counts(qapp):
    item = QGraphicsRectItem()
    emitter = _Emitter()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for step in range(2000):
        item.setPos(1.0, 2.0)
        emitter.fired.emit(step)
    assert sys.getrefcount(None) >= none_before - 50
    assert sys.getrefcount(True) >= true_before - 50
