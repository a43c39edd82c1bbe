"""The Transitions palette: every kind in the transitions registry (engine/transitions.py), each with
a small picture of itself half-way, to drag onto a cut between two clips on the timeline.

A drag carries the kind as TRANSITION_MIME; the timeline highlights the cut under the pointer and
on drop asks the window for AddTransition (one undo step, like the lane's menu and the command
"crossfade between the clips"). Double-click (or Enter) joins the cut nearest the playhead on the
selected clip's track (else the main track), for the keyboard.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from ..engine.transitions import TRANSITIONS, blend_transition

TRANSITION_MIME = "application/x-t2v-transition"
ICON = QSize(64, 36)


def transition_icon(kind: str, size: QSize = ICON) -> QIcon:
    """The transition at 40% between a blue shot and an orange one (a dip half-way: its colour)."""
    w, h = size.width(), size.height()
    a = np.empty((h, w, 3), np.uint8)
    a[:] = (58, 110, 190)
    b = np.empty((h, w, 3), np.uint8)
    b[:] = (240, 150, 60)
    frame = np.ascontiguousarray(blend_transition(kind, a, b, 0.5 if kind.startswith("dip") else 0.4))
    img = QImage(frame.data, w, h, 3 * w, QImage.Format_RGB888).copy()
    return QIcon(QPixmap.fromImage(img))


class TransitionPalette(QListWidget):
    """A list of transitions to drag (``activated_kind`` on double-click / Enter)."""

    activated_kind = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setIconSize(ICON)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        for kind, what in TRANSITIONS:
            it = QListWidgetItem(transition_icon(kind), kind.replace("_", " "))
            it.setData(Qt.UserRole, kind)
            it.setToolTip(f"{what}. Drag onto a cut between two clips, or double-click to join the cut "
                          "nearest the playhead.")
            self.addItem(it)
        self.itemActivated.connect(lambda it: self.activated_kind.emit(it.data(Qt.UserRole)))

    def mimeTypes(self):  # noqa: N802 (Qt's name)
        return [TRANSITION_MIME]

    def mimeData(self, items):  # noqa: N802 (Qt's name)
        m = QMimeData()
        if items:
            m.setData(TRANSITION_MIME, str(items[0].data(Qt.UserRole)).encode("utf-8"))
        return m


def install(win) -> TransitionPalette:
    """A Transitions dock (tabbed with the media bin, in View) feeding ``win.add_transition``."""
    palette = TransitionPalette(win)

    def at_playhead(kind: str) -> None:
        tl = win.timeline
        rows = [r for r in tl.rows if r.kind == "video"]
        sel = tl.row_of_clip(win.selected_clip) if getattr(win, "selected_clip", None) else None
        row = sel or next((r for r in rows if r.main), None)
        if row is None:
            return
        cut = tl.cut_near(tl.x_of(tl.playhead), row.y + row.h / 2, slack=1e9)
        if cut is None:
            win.statusBar().showMessage("No cut between two touching clips on that track.", 8000)
            return
        tl.drop_transition(kind, tl.x_of(cut[5]), row.y + row.h / 2)

    palette.activated_kind.connect(at_playhead)
    dock = win._dock("Transitions", palette, Qt.LeftDockWidgetArea)
    win.tabifyDockWidget(win.bin_dock, dock)  # after the first show (gui/docks.py)
    for a in win.menuBar().actions():
        if a.text() == "&View" and a.menu() is not None:
            a.menu().addAction(dock.toggleViewAction())
    win.transitions_palette, win.transitions_dock = palette, dock
    return palette
