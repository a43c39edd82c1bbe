"""Autosave and crash recovery: every applied edit is on disk within a second.

While the editor runs, a lock file holds its pid. Each change to the undo stack (an edit, an
undo, a redo) schedules ``sync`` after a short debounce (``DEBOUNCE_MS``): the project is saved
atomically to the autosave folder when it has unsaved changes, and the autosave is removed when
it has none (undone back to the saved state), so the autosave is always exactly the last state.
A periodic save stays as a backstop. A clean exit removes autosave and lock.

At the next start an autosave whose lock is missing or whose pid is no longer alive means the
last session crashed (or was killed). The starting editor first moves it aside to
``crashed.t2v.json`` (so its own saves can never overwrite it) and the window offers to recover it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QObject, QTimer, Signal

AUTOSAVE_NAME = "autosave.t2v.json"
CRASHED_NAME = "crashed.t2v.json"
LOCK_NAME = "session.lock"
INTERVAL_MS = 30_000
#: Delay between a change and its save: edits in quick succession (a slider drag) write once.
DEBOUNCE_MS = 250


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        import psutil

        return psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except ImportError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    except psutil.Error:  # gone between the two calls
        return False


def _lock_pid(folder: Path) -> int:
    lock = Path(folder) / LOCK_NAME
    try:
        return int(lock.read_text().strip() or 0) if lock.exists() else 0
    except (OSError, ValueError):
        return 0


def recovery_candidate(folder: Path) -> Optional[Path]:
    """The autosave left by a session that did not exit cleanly, or None."""
    folder = Path(folder)
    pid = _lock_pid(folder)
    if pid and pid != os.getpid() and _pid_alive(pid):
        return None  # another editor is running right now and owns this folder
    crashed = folder / CRASHED_NAME
    if crashed.exists():
        return crashed
    auto = folder / AUTOSAVE_NAME
    if auto.exists() and pid != os.getpid():
        return auto
    return None


class Autosave(QObject):
    saved = Signal(str)
    failed = Signal(str)

    def __init__(self, folder: Path, get_project: Callable, is_dirty: Callable[[], bool],
                 interval_ms: int = INTERVAL_MS, parent=None, debounce_ms: int = DEBOUNCE_MS):
        super().__init__(parent)
        self.folder = Path(folder)
        self.get_project = get_project
        self.is_dirty = is_dirty
        self.path = self.folder / AUTOSAVE_NAME
        self.lock = self.folder / LOCK_NAME
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(debounce_ms)
        self.debounce.timeout.connect(self.sync)
        self._running = False

    def start(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._set_aside_orphan()
            self.lock.write_text(str(os.getpid()))
        except OSError as e:
            self.failed.emit(f"Autosave is off: cannot write to {self.folder} ({e.strerror or e}).")
            return
        self._running = True
        self.timer.start()

    def _set_aside_orphan(self) -> None:
        """A dead session's autosave becomes crashed.t2v.json (kept until recovered or declined)."""
        if not self.path.exists():
            return
        pid = _lock_pid(self.folder)
        if pid and pid != os.getpid() and _pid_alive(pid):
            return
        crashed = self.folder / CRASHED_NAME
        if crashed.exists():  # an older crash was never answered: the newer one wins
            crashed.unlink()
        os.replace(self.path, crashed)

    def schedule(self) -> None:
        """The project changed: sync the autosave shortly (one write for a burst of changes)."""
        if self._running:
            self.debounce.start()

    def sync(self) -> bool:
        """Make the autosave match the editor now: the project while it has unsaved changes,
        no autosave when it has none. Returns whether it wrote."""
        self.debounce.stop()
        if not self._running:
            return False
        if self.is_dirty():
            return self.save_now(force=True)
        self.discard()
        return False

    def save_now(self, force: bool = False) -> bool:
        if not (force or self.is_dirty()):
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.get_project().save(self.path)
        except Exception as e:  # autosave must never take the editor down
            self.failed.emit(f"Autosave failed: {e}")
            return False
        self.saved.emit(str(self.path))
        return True

    def discard(self) -> None:
        """The user saved or chose not to recover: the autosave is no longer needed."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass

    def discard_crashed(self) -> None:
        try:
            (self.folder / CRASHED_NAME).unlink(missing_ok=True)
        except OSError:
            pass

    def clean_exit(self) -> None:
        self._running = False
        self.timer.stop()
        self.debounce.stop()
        self.discard()
        try:
            self.lock.unlink(missing_ok=True)
        except OSError:
            pass
