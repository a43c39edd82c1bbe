"""Work around PySide6 6.12 refcount bugs on Python < 3.12.

There, every Qt method returning void releases one reference to ``None`` it never took (measured:
500 ``QLabel.setText`` calls drop None's refcount by 500). None starts with a few thousand
references, so the editor would abort ("none_dealloc: deallocating None") after a few seconds of
painting. Python 3.12+ makes None immortal, so nothing is needed there. We detect the leak once
and give None a huge reference count (2**40: ~35 years at a million Qt calls per second).
The same release goes wrong for ``True`` on every ``SignalInstance.emit()`` (a playing preview
emits per frame and aborted with "bool_dealloc" after a minute or so), so ``True`` gets the same.
"""

from __future__ import annotations

import ctypes
import sys

_done = False


def leaks_none() -> bool:
    from PySide6.QtCore import QObject

    o = QObject()
    before = sys.getrefcount(None)
    for _ in range(64):
        o.setObjectName("t2v")
    return before - sys.getrefcount(None) >= 32


def leaks_true() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        fired = Signal()

    p = _Probe()
    before = sys.getrefcount(True)
    for _ in range(64):
        p.fired.emit()
    return before - sys.getrefcount(True) >= 32


def install() -> bool:
    """Apply once if this PySide6/Python pair leaks; returns whether it was applied."""
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    _done = True
    applied = False
    for obj, leaks in ((None, leaks_none), (True, leaks_true)):
        if leaks():
            ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40
            applied = True
    return applied
