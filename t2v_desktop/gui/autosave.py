"""Autosave and crash recovery.

While the editor runs, a lock file holds its pid and the project is saved (atomically) to the
autosave folder every 30 s when it has unsaved changes. A clean exit removes both. At the next
start, an autosave whose lock is missing or whose pid is no longer alive means the last session
crashed: the window offers to recover it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QObject, QTimer, Signal

AUTOSAVE_NAME = "autosave.t2v.json"
LOCK_NAME = "session.lock"
INTERVAL_MS = 30_000


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        import psutil

        return psutil.pid_exists(pid)
    except ImportError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True


def recovery_candidate(folder: Path) -> Optional[Path]:
    """The autosave left by a session that did not exit cleanly, or None."""
    auto = Path(folder) / AUTOSAVE_NAME
    if not auto.exists():
        return None
    lock = Path(folder) / LOCK_NAME
    try:
        pid = int(lock.read_text().strip() or 0) if lock.exists() else 0
    except (OSError, ValueError):
        pid = 0
    if pid and pid != os.getpid() and _pid_alive(pid):
        return None  # another editor is running right now and owns this autosave
    return auto


class Autosave(QObject):
    saved = Signal(str)
    failed = Signal(str)

    def __init__(self, folder: Path, get_project: Callable, is_dirty: Callable[[], bool],
                 interval_ms: int = INTERVAL_MS, parent=None):
        super().__init__(parent)
        self.folder = Path(folder)
        self.get_project = get_project
        self.is_dirty = is_dirty
        self.path = self.folder / AUTOSAVE_NAME
        self.lock = self.folder / LOCK_NAME
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lock.write_text(str(os.getpid()))
        self.timer.start()

    def save_now(self, force: bool = False) -> bool:
        if not (force or self.is_dirty()):
            return False
        try:
            self.get_project().save(self.path)
        except Exception as e:  # autosave must never take the editor down
            self.failed.emit(f"Autosave failed: {e}")
            return False
        self.saved.emit(str(self.path))
        return True

    def discard(self) -> None:
        """The user saved or chose not to recover: the autosave is no longer needed."""
        self.path.unlink(missing_ok=True)

    def clean_exit(self) -> None:
        self.timer.stop()
        self.discard()
        self.lock.unlink(missing_ok=True)
