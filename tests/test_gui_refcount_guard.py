"""The PySide6 6.12 / Python 3.11 refcount guard keeps None and True alive under heavy Qt use."""

import subprocess
import sys

CODE = r"""
import sys
import t2v_desktop.gui  # installs the guard
from PySide6.QtCore import QObject, Signal
class P(QObject):
    s = Signal()
p = P()
o = QObject()
for _ in range(200000):
    p.s.emit()
    o.setObjectName("x")
print("alive")
"""


def test_many_qt_calls_and_emits_do_not_kill_the_interpreter():
    r = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120,
                       env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert "alive" in r.stdout
