"""Guards on the Qt binding itself, for bugs that would crash a long session.

PySide6 6.12.0 drops one reference to a bool passed through a Python-emitted signal. On
Python 3.11 ``True``/``False`` are ordinary objects, so after a few thousand emissions the
interpreter aborts ("bool_dealloc: deallocating True or False"). pyproject.toml excludes
that release; this test fails if a binding with the bug is ever installed again.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)
    pair = Signal(int, object)


def test_signals_keep_references_to_bools(qtbot):
    emitter = _Emitter()
    received: list[object] = []
    emitter.flag.connect(received.append)
    emitter.pair.connect(lambda _i, value: received.append(value))
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(50):  # far below the crash; a leak shows as a falling count
        emitter.flag.emit(True)
        emitter.pair.emit(1, False)
    received.clear()
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert after == before
