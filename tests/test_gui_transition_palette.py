"""The Transitions palette: an item dragged from it and dropped on the cut between two clips adds
that transition (the model's items, the rendered frame half-way through it: half red, half blue),
one undo step; dropped far from a cut it adds nothing; double-click joins the cut at the playhead."""

from __future__ import annotations

import numpy as np
import pytest
from gui_projects import open_in_window

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from t2v_desktop.engine.render import Renderer  # noqa: E402
from t2v_desktop.engine.transitions import TRANSITION_KINDS  # noqa: E402
from t2v_desktop.gui.transitions_palette import TRANSITION_MIME  # noqa: E402
from t2v_desktop.project.model import Clip, Project, Track, Transition  # noqa: E402


@pytest.fixture
def win(qtbot, main_window, make_clip, tmp_path):
    red = make_clip("pal-red", duration=2.0, pattern="solid", color=(220, 30, 30), audio=False, number_frames=False)
    blue = make_clip("pal-blue", duration=2.0, pattern="solid", color=(30, 30, 220), audio=False, number_frames=False)
    project = Project(tracks=[Track("video", [Clip(source=str(red), name="red"), Clip(source=str(blue), name="blue")])])
    w = open_in_window(main_window, qtbot, project, tmp_path / "cut.t2v")
    yield w
    w.undo_stack.setClean()


def palette_mime(w, kind):
    pal = w.transitions_palette
    item = next(pal.item(k) for k in range(pal.count()) if pal.item(k).data(Qt.UserRole) == kind)
    return pal.mimeData([item])


def drag_drop(widget, mime, x, y):
    """What a drag from the palette delivers: enter, move, drop at (x, y). Returns whether each was accepted."""
    p = QPoint(int(x), int(y))
    out = []
    for cls in (QDragEnterEvent, QDragMoveEvent):
        ev = cls(p.toPointF(), Qt.CopyAction | Qt.MoveAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(widget, ev)
        out.append(ev.isAccepted())
    drop = QDropEvent(p.toPointF(), Qt.CopyAction | Qt.MoveAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, drop)
    out.append(drop.isAccepted())
    return out


def main_items(w):
    return [type(it).__name__ for it in w.project.main_track.items]


def test_palette_lists_the_registry(win):
    pal = win.transitions_palette
    assert [pal.item(k).data(Qt.UserRole) for k in range(pal.count())] == list(TRANSITION_KINDS)
    assert not pal.item(0).icon().isNull()
    assert bytes(palette_mime(win, "wipe_left").data(TRANSITION_MIME)) == b"wipe_left"


def test_drop_on_the_cut_adds_the_transition_undoably(win):
    tl = win.timeline
    row = next(r for r in tl.rows if r.main)
    y = row.y + row.h / 2
    before = win.undo_stack.count()
    # far from the cut (at 0:00.5): refused, nothing added
    assert drag_drop(tl, palette_mime(win, "dissolve"), tl.x_of(0.5), y) == [False, False, False]
    assert main_items(win) == ["Clip", "Clip"] and win.undo_stack.count() == before
    # hovering near the cut highlights it (drawn over the rows); leaving clears it
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor, QDragLeaveEvent

    mime = palette_mime(win, "dissolve")  # held: the event keeps only a pointer to it
    for cls in (QDragEnterEvent, QDragMoveEvent):
        QApplication.sendEvent(tl, cls(QPointF(tl.x_of(2.0) + 6, y), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    assert tl._drop_cut is not None
    q = QColor(tl.grab().toImage().pixel(int(tl.x_of(2.0)), int(y)))
    assert q.red() > 200 and q.green() > 150 and q.blue() < 170, q.getRgb()  # the cut's orange line
    QApplication.sendEvent(tl, QDragLeaveEvent())
    assert tl._drop_cut is None
    # a few pixels off the cut at 0:02: highlighted while over it, then added
    accepted = drag_drop(tl, palette_mime(win, "dissolve"), tl.x_of(2.0) + 6, y)
    assert accepted == [True, True, True]
    assert main_items(win) == ["Clip", "Transition", "Clip"]
    tr = win.project.main_track.items[1]
    assert isinstance(tr, Transition) and tr.kind == "dissolve" and tr.duration == pytest.approx(1.0)
    assert win.undo_stack.count() == before + 1
    # rendered: the clips overlap by 1 s (3 s in all); half-way through, half red and half blue
    with Renderer(win.project) as r:
        assert r.duration == pytest.approx(3.0, abs=0.05)
        mid = r.frame_at(1.5).reshape(-1, 3).mean(axis=0)
        start = r.frame_at(0.5).reshape(-1, 3).mean(axis=0)
    assert start[0] > 180 and start[2] < 60
    assert 90 < mid[0] < 150 and 90 < mid[2] < 150, mid
    # the timeline draws it between the clips (hatched, its kind as label)
    assert any(type(it).__name__ == "Transition" for it, _a, _b in next(r for r in tl.rows if r.main).items)

    win.undo_stack.undo()
    assert main_items(win) == ["Clip", "Clip"]
    with Renderer(win.project) as r:
        assert r.duration == pytest.approx(4.0, abs=0.05)
        f = r.frame_at(1.5).reshape(-1, 3).mean(axis=0)
    assert f[0] > 180 and f[2] < 60  # only red there again
    win.undo_stack.redo()
    assert main_items(win) == ["Clip", "Transition", "Clip"]

    # another kind dropped on the same cut replaces it
    row = next(r for r in tl.rows if r.main)
    t_mid = next((a + b) / 2 for it, a, b in row.items if type(it).__name__ == "Transition")
    assert drag_drop(tl, palette_mime(win, "wipe_left"), tl.x_of(t_mid), y)[-1]
    assert [getattr(it, "kind", None) for it in win.project.main_track.items][1] == "wipe_left"
    assert main_items(win).count("Transition") == 1


def test_double_click_joins_the_cut_at_the_playhead(win, qtbot):
    win.preview.seek(1.8)
    qtbot.waitUntil(lambda: abs(win.timeline.playhead - 1.8) < 1e-3)
    pal = win.transitions_palette
    item = next(pal.item(k) for k in range(pal.count()) if pal.item(k).data(Qt.UserRole) == "dip_black")
    pal.itemActivated.emit(item)
    assert main_items(win) == ["Clip", "Transition", "Clip"]
    assert win.project.main_track.items[1].kind == "dip_black"
    with Renderer(win.project) as r:
        dark = r.frame_at(1.5)  # the middle of a dip to black
    assert float(np.mean(dark)) < 20
