"""Tabbing docks together once the main window is on screen.

Qt 6 (seen on 6.12, xcb and offscreen) leaves a stale, still visible copy of a tab bar when a
second group of docks is tabified before the window's first show: the Transcript tab bar was drawn
over the History dock's title. Groups formed after the show are laid out right, so every group
is formed then, in the order asked for: MainWindow.tabifyDockWidget goes through here, so the
panels that tab themselves in (transcript, library, keyframes, transitions) need not know.
"""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QEvent, QObject, QTimer


class _AfterShow(QObject):
    """Runs queued callables once, just after the window's first Show event."""

    def __init__(self, win):
        super().__init__(win)
        self.win, self.jobs = win, []
        win.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Show and obj is self.win:
            self.win.removeEventFilter(self)
            QTimer.singleShot(0, self.run)
        return False

    def run(self) -> None:
        jobs, self.jobs = self.jobs, []
        for job in jobs:
            job()


def tabify_when_shown(win, first, second, then: Optional[Callable[[], None]] = None) -> None:
    """Tab dock ``second`` onto ``first`` (``first`` stays on top), now if ``win`` is shown, else
    just after its first show; ``then()`` runs after (e.g. resizeDocks)."""

    from PySide6.QtWidgets import QMainWindow

    def tabify() -> None:
        QMainWindow.tabifyDockWidget(win, first, second)
        first.raise_()
        if then is not None:
            then()

    if win.isVisible():
        tabify()
        return
    waiter = getattr(win, "_after_show", None)
    if waiter is None:
        waiter = win._after_show = _AfterShow(win)
    waiter.jobs.append(tabify)
