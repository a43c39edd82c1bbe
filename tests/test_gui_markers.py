"""Markers: named points saved in the project, added with Ctrl+M / * at the playhead, drawn as
flags on the ruler, dragged (snapping to clip edges, Alt off), renamed by double-click, removed
from their menu, and sought with , and . -- each one undo step, checked in the model and pixels."""

from __future__ import annotations

import pytest
from gui_projects import open_in_window

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from t2v_desktop.errors import ProjectError  # noqa: E402
from t2v_desktop.project import history as h  # noqa: E402
from t2v_desktop.project.model import Clip, Gap, Marker, Project, Track  # noqa: E402
from tests.test_gui_timeline_tracks import seek  # noqa: E402


def test_markers_are_saved_sorted_and_old_projects_load(tmp_path):
    p = Project(markers=[Marker(3.0, "outro"), Marker(0.5, "intro", "#00ff00")])
    d = p.to_json()
    back = Project.from_json(d)
    assert [(m.time, m.name, m.colour) for m in back.markers] == [(0.5, "intro", "#00ff00"), (3.0, "outro", "#ffb74d")]
    del d["markers"]
    assert Project.from_json(d).markers == []  # a project saved before markers
    assert "markers" not in Project().to_json()
    for bad in ([{"time": -1}], [{"time": 1, "colour": "red"}], {"time": 1}, [{"name": "x"}]):
        with pytest.raises(ProjectError):
            Project.from_json({**d, "markers": bad})


def test_marker_commands_undo_and_redo():
    p = Project()
    cmds = [h.AddMarker(2.0, "b", marker_id="m2"), h.AddMarker(1.0, "a", marker_id="m1"),
            h.MoveMarker("m1", 3.0), h.RenameMarker("m2", "start"), h.RemoveMarker("m1")]
    states = [[]]
    for c in cmds:
        c.do(p)
        states.append([(m.id, m.time, m.name) for m in p.markers])
    assert states[2] == [("m1", 1.0, "a"), ("m2", 2.0, "b")]
    assert states[3] == [("m2", 2.0, "b"), ("m1", 3.0, "a")]  # kept sorted by time
    assert states[5] == [("m2", 2.0, "start")]
    for k, c in reversed(list(enumerate(cmds))):
        c.undo(p)
        assert [(m.id, m.time, m.name) for m in p.markers] == states[k]
    with pytest.raises(ProjectError):
        h.MoveMarker("nope", 1.0).do(p)


def send(widget, kind, x, y, buttons=Qt.LeftButton, mods=Qt.NoModifier):
    pt = QPointF(x, y)
    QApplication.sendEvent(widget, QMouseEvent(kind, pt, widget.mapToGlobal(pt), Qt.LeftButton, buttons, mods))


@pytest.fixture
def win(qtbot, main_window, make_clip, tmp_path):
    base = make_clip("mk-base", duration=4.0, pattern="solid", color=(0, 0, 0), audio=False, number_frames=False)
    pip = make_clip("mk-pip", duration=1.0, pattern="solid", color=(220, 30, 30), audio=False, number_frames=False)
    project = Project(tracks=[Track("video", [Clip(source=str(base), name="base")], name=""),
                              Track("video", [Gap(1.0), Clip(source=str(pip), name="pip")])])
    w = open_in_window(main_window, qtbot, project, tmp_path / "markers.t2v")
    yield w
    w.undo_stack.setClean()


def test_add_drag_snap_rename_remove_and_seek_markers(win, qtbot):
    tl = win.timeline
    seek(qtbot, win, 0.5)
    tl.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tl)
    qtbot.keyClick(tl, Qt.Key_M, Qt.ControlModifier)
    assert [(m.time, m.name) for m in win.project.markers] == [(pytest.approx(0.5, abs=0.021), "Marker 1")]
    mk = win.project.markers[0]
    t0 = mk.time
    # drawn: the flag's colour on the ruler at the marker's x, not a pixel of it one second later
    img = tl.grab().toImage()
    flag = QColor(mk.colour)

    def is_flag(x):
        c = QColor(img.pixel(int(x), 8))
        return abs(c.red() - flag.red()) < 30 and abs(c.green() - flag.green()) < 30 and abs(c.blue() - flag.blue()) < 30
    assert is_flag(tl.x_of(t0) - 3) and not is_flag(tl.x_of(t0 + 1.0) - 3)  # beside the playhead line
    # dragged on the ruler to 3 px past the pip's end (2.0 s): it snaps onto the edge
    x0, x1 = tl.x_of(t0), tl.x_of(2.0) + 3
    send(tl, QEvent.MouseButtonPress, x0, 8)
    send(tl, QEvent.MouseMove, x1, 8)
    assert tl._drag["snap"] == pytest.approx(2.0)  # the snap line is drawn there
    send(tl, QEvent.MouseButtonRelease, x1, 8, buttons=Qt.NoButton)
    assert win.project.markers[0].time == pytest.approx(2.0)
    # with Alt it goes where the mouse is
    x2 = tl.x_of(3.0) + 3
    send(tl, QEvent.MouseButtonPress, tl.x_of(2.0), 8)
    send(tl, QEvent.MouseMove, x2, 8, mods=Qt.AltModifier)
    send(tl, QEvent.MouseButtonRelease, x2, 8, buttons=Qt.NoButton, mods=Qt.AltModifier)
    assert win.project.markers[0].time == pytest.approx(tl.t_of(x2), abs=1e-4)
    assert win.project.markers[0].time > 3.0
    win.undo_stack.undo()
    assert win.project.markers[0].time == pytest.approx(2.0)
    # * adds a second one; . and , seek between them
    seek(qtbot, win, 3.5)
    qtbot.keyClick(tl, Qt.Key_Asterisk)
    assert [m.name for m in win.project.markers] == ["Marker 1", "Marker 2"]
    seek(qtbot, win, 0.0)
    qtbot.keyClick(tl, Qt.Key_Period)
    qtbot.waitUntil(lambda: abs(tl.playhead - 2.0) < 0.021)
    qtbot.keyClick(tl, Qt.Key_Period)
    qtbot.waitUntil(lambda: abs(tl.playhead - 3.5) < 0.021)
    qtbot.keyClick(tl, Qt.Key_Comma)
    qtbot.waitUntil(lambda: abs(tl.playhead - 2.0) < 0.021)
    # double-click renames (the dialog replaced), the menu removes
    win.ask_text = lambda title, cur: "intro"
    send(tl, QEvent.MouseButtonDblClick, tl.x_of(2.0), 8)
    assert win.project.markers[0].name == "intro"
    menu = tl.marker_menu(tl.marker_at(tl.x_of(2.0), 8))
    next(a for a in menu.actions() if a.text() == "Remove marker").trigger()
    assert [m.name for m in win.project.markers] == ["Marker 2"]
    win.undo_stack.undo()
    win.undo_stack.undo()
    assert [m.name for m in win.project.markers] == ["Marker 1", "Marker 2"]
    win.undo_stack.redo()
    assert [m.name for m in win.project.markers] == ["intro", "Marker 2"]


def red_share(frame) -> float:
    return float(((frame[..., 0] > 150) & (frame[..., 1] < 90)).mean())


def test_clip_drags_snap_to_a_marker_unless_alt_is_held(win, qtbot):
    tl = win.timeline
    assert win.push(h.AddMarker(3.0, "here"))
    row = tl.row(win.project.tracks[1].id)
    pip = next(c.id for c in win.project.all_clips() if c.name == "pip")
    y = row.y + row.h / 2
    assert red_share(win.renderer.frame_at(1.5)) > 0.9 and red_share(win.renderer.frame_at(3.5)) == 0
    # the pip's start dragged to 4 px past the marker: it lands on 3.0 s, the snap line drawn there
    send(tl, QEvent.MouseButtonPress, tl.x_of(1.5), y)
    send(tl, QEvent.MouseMove, tl.x_of(3.5) + 4, y)
    assert tl._drag["snap"] == pytest.approx(3.0)
    send(tl, QEvent.MouseButtonRelease, tl.x_of(3.5) + 4, y, buttons=Qt.NoButton)
    span = next((a, b) for it, a, b in tl.row(row.id).items if getattr(it, "id", None) == pip)
    assert span == pytest.approx((3.0, 4.0), abs=1e-4)
    assert red_share(win.renderer.frame_at(3.5)) > 0.9 and red_share(win.renderer.frame_at(1.5)) == 0
    win.undo_stack.undo()
    assert red_share(win.renderer.frame_at(1.5)) > 0.9
    # with Alt the end is not pulled onto the marker: the clip goes where the mouse put it
    x1 = tl.x_of(2.5) + 4
    send(tl, QEvent.MouseButtonPress, tl.x_of(1.5), y)
    send(tl, QEvent.MouseMove, x1, y, mods=Qt.AltModifier)
    assert tl._drag["snap"] is None
    send(tl, QEvent.MouseButtonRelease, x1, y, buttons=Qt.NoButton, mods=Qt.AltModifier)
    a, b = next((a, b) for it, a, b in tl.row(row.id).items if getattr(it, "id", None) == pip)
    assert a == pytest.approx(2.0 + 4 / tl.scale(), abs=0.041) and a > 2.0 and b > 3.0 + 1e-3  # on the frame grid


def test_the_playhead_dragged_on_the_ruler_snaps_to_a_marker(win, qtbot):
    tl = win.timeline
    assert win.push(h.AddMarker(2.5, "here"))
    send(tl, QEvent.MouseButtonPress, tl.x_of(0.2), 30 + 4)
    send(tl, QEvent.MouseMove, tl.x_of(2.5) + 5, 30 + 4)
    assert tl._drag["snap"] == pytest.approx(2.5)
    send(tl, QEvent.MouseButtonRelease, tl.x_of(2.5) + 5, 30 + 4, buttons=Qt.NoButton)
    qtbot.waitUntil(lambda: abs(win.preview.position - 2.5) < 0.021)


def test_rubber_band_and_shift_click_select_across_tracks_and_delete_as_one_step(win, qtbot):
    tl = win.timeline
    ids = {c.name: c.id for c in win.project.all_clips()}
    up, main = tl.row(win.project.tracks[1].id), tl.row(win.project.tracks[0].id)
    tl.select(None)
    # Ctrl+drag from the empty start of track 2 down over the main track: both clips selected
    p0, p1 = (tl.x_of(0.3), up.y + up.h / 2), (tl.x_of(1.5), main.y + main.h / 2)
    send(tl, QEvent.MouseButtonPress, *p0, mods=Qt.ControlModifier)
    send(tl, QEvent.MouseMove, *p1, mods=Qt.ControlModifier)
    assert tl._drag["mode"] == "band"
    send(tl, QEvent.MouseButtonRelease, *p1, buttons=Qt.NoButton, mods=Qt.ControlModifier)
    assert tl.selected_ids() == {ids["base"], ids["pip"]}
    # Shift+click toggles one out and in again
    send(tl, QEvent.MouseButtonPress, tl.x_of(1.5), up.y + up.h / 2, mods=Qt.ShiftModifier)
    send(tl, QEvent.MouseButtonRelease, tl.x_of(1.5), up.y + up.h / 2, buttons=Qt.NoButton, mods=Qt.ShiftModifier)
    assert tl.selected_ids() == {ids["base"]}
    send(tl, QEvent.MouseButtonPress, tl.x_of(1.5), up.y + up.h / 2, mods=Qt.ShiftModifier)
    send(tl, QEvent.MouseButtonRelease, tl.x_of(1.5), up.y + up.h / 2, buttons=Qt.NoButton, mods=Qt.ShiftModifier)
    assert tl.selected_ids() == {ids["base"], ids["pip"]}
    # Delete removes both as one undo step
    n = win.undo_stack.count()
    win.delete_selected()
    assert win.undo_stack.count() == n + 1
    assert not {c.id for c in win.project.all_clips()} & {ids["base"], ids["pip"]}
    win.undo_stack.undo()
    assert {c.name for c in win.project.all_clips()} == {"base", "pip"}
    assert red_share(win.renderer.frame_at(1.5)) > 0.9


def test_edges_of_an_upper_clip_are_trimmed_in_place(win, qtbot):
    tl = win.timeline
    row = tl.row(win.project.tracks[1].id)
    pip = next(c.id for c in win.project.all_clips() if c.name == "pip")
    y = row.y + row.h / 2

    def span():
        return next((a, b) for it, a, b in tl.row(row.id).items if getattr(it, "id", None) == pip)

    def edge_drag(x0, x1):
        send(tl, QEvent.MouseButtonPress, x0, y)
        send(tl, QEvent.MouseMove, x1, y, mods=Qt.AltModifier)
        send(tl, QEvent.MouseButtonRelease, x1, y, buttons=Qt.NoButton, mods=Qt.AltModifier)

    n = win.undo_stack.count()
    edge_drag(tl.x_of(2.0) - 2, tl.x_of(1.6) - 2)  # the out edge: 1.0-1.6, a longer gap after it
    assert span() == pytest.approx((1.0, 1.6), abs=0.021)
    assert win.project.find_clip(pip).out_point == pytest.approx(0.6, abs=0.021)
    assert red_share(win.renderer.frame_at(1.3)) > 0.9 and red_share(win.renderer.frame_at(1.8)) == 0
    edge_drag(tl.x_of(1.0) + 2, tl.x_of(1.3) + 2)  # the in edge: the clip starts later, its source later
    assert span() == pytest.approx((1.3, 1.6), abs=0.021)
    assert win.project.find_clip(pip).in_point == pytest.approx(0.3, abs=0.021)
    assert red_share(win.renderer.frame_at(1.15)) == 0 and red_share(win.renderer.frame_at(1.45)) > 0.9
    assert [len(t.clips) for t in win.project.tracks] == [1, 1]
    assert win.project.tracks[0].clips[0].out_point is None  # the main track did not ripple
    assert win.undo_stack.count() == n + 2
    win.undo_stack.undo()
    assert span() == pytest.approx((1.0, 1.6), abs=0.021)
    win.undo_stack.undo()
    assert span() == pytest.approx((1.0, 2.0), abs=1e-4)
    assert red_share(win.renderer.frame_at(1.8)) > 0.9
    win.undo_stack.redo()
    assert span() == pytest.approx((1.0, 1.6), abs=0.021)


@pytest.fixture
def win3(qtbot, main_window, make_clip, tmp_path):
    from t2v_desktop.project.sources import TitleSource

    base = make_clip("mk-base", duration=4.0, pattern="solid", color=(0, 0, 0), audio=False, number_frames=False)
    pip = make_clip("mk-pip", duration=1.0, pattern="solid", color=(220, 30, 30), audio=False, number_frames=False)
    project = Project(tracks=[Track("video", [Clip(source=str(base), name="base")], name=""),
                              Track("video", [Gap(1.0), Clip(source=str(pip), name="pip")]),
                              Track("video", [Clip(source=TitleSource("HELLO"), out_point=1.0, name="title")])])
    w = open_in_window(main_window, qtbot, project, tmp_path / "group.t2v")
    yield w
    w.undo_stack.setClean()


def test_selected_clips_on_two_tracks_move_together_as_one_step(win3, qtbot):
    win, tl = win3, win3.timeline
    ids = {c.name: c.id for c in win.project.all_clips()}
    up, top = tl.row(win.project.tracks[1].id), tl.row(win.project.tracks[2].id)

    def span(row, cid):
        return next((a, b) for it, a, b in tl.row(row.id).items if getattr(it, "id", None) == cid)
    tl.select(ids["title"])
    send(tl, QEvent.MouseButtonPress, tl.x_of(1.5), up.y + up.h / 2, mods=Qt.ControlModifier)
    send(tl, QEvent.MouseButtonRelease, tl.x_of(1.5), up.y + up.h / 2, buttons=Qt.NoButton, mods=Qt.ControlModifier)
    assert tl.selected_ids() == {ids["title"], ids["pip"]}
    n = win.undo_stack.count()
    y = up.y + up.h / 2
    send(tl, QEvent.MouseButtonPress, tl.x_of(1.5), y)
    send(tl, QEvent.MouseMove, tl.x_of(2.0), y, mods=Qt.AltModifier)
    send(tl, QEvent.MouseMove, tl.x_of(2.5), y, mods=Qt.AltModifier)
    img = tl.grab().toImage()  # the title's ghost is drawn (dashed yellow) where it will go, 1.0-2.0 s
    ghost = QColor(img.pixel(int(tl.x_of(1.5)), int(top.y)))
    assert ghost.red() > 200 and ghost.green() > 180 and ghost.blue() < 140
    send(tl, QEvent.MouseButtonRelease, tl.x_of(2.5), y, buttons=Qt.NoButton, mods=Qt.AltModifier)
    assert win.undo_stack.count() == n + 1
    assert span(up, ids["pip"]) == pytest.approx((2.0, 3.0), abs=0.021)
    assert span(top, ids["title"]) == pytest.approx((1.0, 2.0), abs=0.021)
    assert red_share(win.renderer.frame_at(2.5)) > 0.9 and red_share(win.renderer.frame_at(1.5)) == 0
    win.undo_stack.undo()
    assert span(up, ids["pip"]) == pytest.approx((1.0, 2.0), abs=1e-4)
    assert span(top, ids["title"]) == pytest.approx((0.0, 1.0), abs=1e-4)
    assert red_share(win.renderer.frame_at(1.5)) > 0.9
    win.undo_stack.redo()
    assert span(up, ids["pip"]) == pytest.approx((2.0, 3.0), abs=0.021)


def test_lift_leaves_a_gap_on_the_main_track(qtbot, main_window, make_clip, tmp_path):
    from t2v_desktop.engine.layout import TimelineLayout

    red = make_clip("mk-pip", duration=1.0, pattern="solid", color=(220, 30, 30), audio=False, number_frames=False)
    black = make_clip("mk-base", duration=4.0, pattern="solid", color=(0, 0, 0), audio=False, number_frames=False)
    path = tmp_path / "lift.t2v"
    Project(tracks=[Track("video", [Clip(source=str(red), name="red"), Clip(source=str(black), name="black")],
                          name="")]).save(path)
    win = main_window
    win.resize(1400, 900)
    assert win.open_project(path)
    qtbot.waitUntil(lambda: win.preview.shown_index == 0)
    ids = {c.name: c.id for c in win.project.all_clips()}
    assert red_share(win.renderer.frame_at(0.5)) > 0.9
    win.timeline.select(ids["red"])
    win.timeline.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.timeline)
    qtbot.keyClick(win.timeline, Qt.Key_Z)
    main = win.project.tracks[0]
    assert [type(it).__name__ for it in main.items] == ["Gap", "Clip"]
    assert main.items[0].duration == pytest.approx(1.0, abs=0.021)
    assert TimelineLayout(win.project).clip_span(ids["black"]) == pytest.approx((1.0, 5.0), abs=0.021)
    assert red_share(win.renderer.frame_at(0.5)) == 0  # the gap shows nothing
    win.undo_stack.undo()
    assert [c.name for c in win.project.tracks[0].items] == ["red", "black"]
    assert red_share(win.renderer.frame_at(0.5)) > 0.9
    win.undo_stack.redo()
    assert TimelineLayout(win.project).clip_span(ids["black"]) == pytest.approx((1.0, 5.0), abs=0.021)
    win.undo_stack.setClean()


def test_time_labels_keep_out_of_a_marker_name(win, qtbot):
    """A 'Scene 2' marker a little before the 0:02 tick: its name plate covered the start of the
    tick's label and the rest showed after it ('Scene 2):02'). The label is left out; others stay."""
    from t2v_desktop.gui.timeline_rows import RULER_H

    tl = win.timeline
    img = tl.grab().toImage()
    fm = tl.fontMetrics()
    short, lw = sorted(fm.horizontalAdvance(s) for s in ("0:02", "2.0s"))  # whole seconds or tenths
    tick, name = tl.x_of(2.0), "Scene 2"
    plate_end = tick + 3 + short // 2  # the plate ends halfway along the tick's label
    x_mk = plate_end - 6 - (fm.horizontalAdvance(name) + 4)
    assert win.push(h.AddMarker(tl.t_of(x_mk), name))
    qtbot.waitUntil(lambda: len(win.project.markers) == 1)
    tl.update()
    img = tl.grab().toImage()

    def text_px(x0, x1):  # the ruler's grey label pixels in [x0, x1)
        n = 0
        for x in range(int(x0), int(x1)):
            for y in range(3, RULER_H - 8):
                c = QColor(img.pixel(x, y))
                n += c.red() > 90 and abs(c.red() - c.blue()) < 30 and abs(c.red() - c.green()) < 30
        return n

    assert text_px(plate_end + 2, tick + 3 + lw + 2) == 0  # no tail of '0:02' after the name
    assert text_px(tl.x_of(1.0) + 3, tl.x_of(1.0) + 3 + lw) > 10  # the 0:01 label is still there
    assert text_px(tl.x_of(3.0) + 3, tl.x_of(3.0) + 3 + lw) > 10
